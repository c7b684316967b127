"""Source coverage: the coverage table, the comparable span, and the file-end artefacts
on the real UCDP extracts (the Syria file ends 2019-11-30, the Iraq file 2018-12-25)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from kharita.analysis.coverage import COMPLETE, SAMPLE, comparable, coverage, covers
from kharita.analysis.frame import build_frame
from kharita.store.duckdb import connect

from ._fixtures import add_event, tiny_kb

_STORES: dict[str, Path] = {}


def _real(shared_data: Path, names: tuple[str, ...]) -> Path:
    key = ",".join(names)
    if key not in _STORES:
        import tempfile

        from kharita import load_kb
        from kharita.events.attribute import attribute_store
        from kharita.events.ingest import ingest_file

        path = Path(tempfile.mkdtemp(prefix="kharita-cov-")) / "s.duckdb"
        con = connect(path)
        for name in names:
            ingest_file(con, "ucdp", shared_data / "ucdp-ged" / name)
        attribute_store(con, load_kb())
        con.close()
        _STORES[key] = path
    return _STORES[key]


SYRIA_GLOBAL = ("ucdp_syria_df.csv.gz", "ucdpged.csv")


def test_covers_by_hand():
    d = dt.date
    assert covers(d(2016, 1, 1), d(2019, 11, 30), d(2019, 1, 1), d(2019, 12, 31))
    assert not covers(d(2016, 1, 1), d(2019, 10, 30), d(2019, 1, 1), d(2019, 12, 31))
    assert not covers(d(2016, 3, 1), d(2019, 11, 30), d(2016, 1, 1), d(2016, 12, 31))


def test_comparable_cuts_where_one_file_ends(tmp_path):
    """Two files, IRQ to 2018 and NGA to 2020: the comparison stops at 2018 and says so;
    the rows after it are not in the comparable frame."""
    kb = tiny_kb(tmp_path)
    con = connect(tmp_path / "c.duckdb")
    for y in range(2015, 2021):
        for j in range(3):
            if y <= 2018:
                add_event(con, f"i{y}{j}", f"{y}-0{j + 1}-15", attributions=(("is-iraq", 1, 1.0),))
                con.execute("UPDATE events SET ingest_file_id = 'irq' WHERE event_id = ?",
                            [f"i{y}{j}"])
            add_event(con, f"n{y}{j}", f"{y}-1{j}-15", country="NGA",
                      attributions=(("is-west-africa", 1, 1.0),))
            con.execute("UPDATE events SET ingest_file_id = 'nga' WHERE event_id = ?",
                        [f"n{y}{j}"])
    # the files' first and last events define their spans
    add_event(con, "i-first", "2015-01-01", attributions=())
    add_event(con, "i-last", "2018-12-31", attributions=())
    add_event(con, "n-first", "2015-01-01", country="NGA", attributions=())
    add_event(con, "n-last", "2020-12-31", country="NGA", attributions=())
    con.execute("UPDATE events SET ingest_file_id = 'irq' WHERE event_id IN ('i-first', 'i-last')")
    con.execute("UPDATE events SET ingest_file_id = 'nga' WHERE event_id IN ('n-first', 'n-last')")
    for fid in ("irq", "nga"):
        con.execute("INSERT INTO ingest_files (ingest_file_id, path, source) VALUES (?, ?, 'ucdp')",
                    [fid, f"{fid}.csv"])
    cov = coverage(con).set_index("ingest_file_id")
    assert cov.loc["irq", "last"] == dt.date(2018, 12, 31) and set(cov.kind) == {COMPLETE}
    fr = build_frame(con, kb)
    c = comparable(fr)
    assert c.testable and (c.start, c.end) == (dt.date(2015, 1, 1), dt.date(2018, 12, 31))
    assert "irq" in c.reason or "ends (2018-12-31)" in c.reason
    assert c.frame is not None
    years = sorted(set(c.frame.df().date.dt.year))
    assert years == [2015, 2016, 2017, 2018]
    assert len(fr.df()) == 30 and len(c.frame.df()) == 24
    # too little left: a one-year comparison is not testable
    one = comparable(fr.narrow(start="2018-01-01"))
    assert not one.testable and one.reason.startswith("not testable")


@pytest.mark.slow
def test_syria_file_end_al_baghdadi_not_testable(shared_data, kb):
    """Artefact 1: the Syria extract ends 2019-11-30; with the global sample the is-syria
    series used to run on to 2022 through structural zeros, and al-Baghdadi's death
    'cut activity by 84%' (IRR 0.157, p 5e-7). Now: not testable, with the reason."""
    from kharita.analysis.shocks import shocks

    con = connect(_real(shared_data, SYRIA_GLOBAL), read_only=True)
    cov = coverage(con)
    assert set(cov[cov.file.str.endswith("ucdpged.csv")].kind) == {SAMPLE}
    syr = cov[cov.file.str.endswith("ucdp_syria_df.csv.gz")].iloc[0]
    assert (syr.kind, syr["last"]) == (COMPLETE, dt.date(2019, 11, 30))
    out = shocks(build_frame(con, kb), n_placebo=0, branches_only=["is-syria"])
    death = out[(out.leader == "Abu Bakr al-Baghdadi") & (out.kind == "death")
                & (out.series == "is-syria")].iloc[0]
    assert pd.isna(death.irr)
    assert death.note.startswith("not testable: no complete file covers")
    assert "2019-11-30" in death.note
    net = out[(out.leader == "Abu Bakr al-Baghdadi") & (out.kind == "death")
              & (out.series == "network")].iloc[0]
    assert pd.isna(net.irr)


@pytest.mark.slow
def test_iraq_file_end_no_crossing_no_core_collapse(shared_data, kb):
    """Artefact 2: the Iraq extract ends 2018-12-25, so from 2019 the 'Middle East' is
    Syria alone and from 2020 only the global sample's few rows: Africa 'overtook' the
    Middle East (2020 by fatalities) and the core share fell to 43% in 2020 (7 events).
    Now both are computed over the comparable span 2016-2018 and say where they stop."""
    from kharita.analysis.concentration import concentration
    from kharita.analysis.geography import africa_crossing

    names = ("ucdp_syria_df.csv.gz", "conflict_data_irq.csv", "conflict_data_nga.csv",
             "ucdpged.csv")
    con = connect(_real(shared_data, names), read_only=True)
    fr = build_frame(con, kb)
    r = africa_crossing(fr, n_boot=50)
    assert r.events.first is None and r.fatalities.first is None
    assert r.coverage["end"] == "2018-12-31" and "conflict_data_irq.csv" in r.coverage["reason"]
    assert sorted(set(r.shares.period.dt.year)) == [2016, 2017, 2018]
    c = concentration(fr, n_boot=20)
    assert sorted(set(c.period.dt.year)) == [2016, 2017, 2018]
    assert c.attrs["coverage"]["end"] == "2018-12-31"
    assert float(c.core_share.min()) > 0.9


def test_cli_coverage_prints_the_table(tmp_path):
    import json

    from typer.testing import CliRunner

    from kharita.cli import app

    path = tmp_path / "cli.duckdb"
    con = connect(path)
    for i, (d, c, f) in enumerate([("2016-01-01", "SYR", "syr"), ("2019-11-30", "SYR", "syr"),
                                   ("1990-01-01", "NGA", "nga"), ("2019-12-31", "NGA", "nga")]):
        add_event(con, f"e{i}", d, country=c)
        con.execute("UPDATE events SET ingest_file_id = ? WHERE event_id = ?", [f, f"e{i}"])
    for fid in ("syr", "nga"):
        con.execute("INSERT INTO ingest_files (ingest_file_id, path, source) VALUES (?, ?, 'ucdp')",
                    [fid, f"/data/{fid}.csv"])
    con.close()
    res = CliRunner().invoke(app, ["coverage", "--store", str(path), "-f", "json"])
    assert res.exit_code == 0, res.output
    rows = {r["file"]: r for r in json.loads(res.output)}
    assert rows["syr.csv"]["first"][:10] == "2016-01-01"
    assert rows["syr.csv"]["last"][:10] == "2019-11-30"
    assert rows["nga.csv"]["kind"] == COMPLETE and rows["nga.csv"]["countries"] == 1
    res = CliRunner().invoke(app, ["coverage", "--store", str(path), "--by", "country",
                                   "--countries", "Syria", "-f", "csv"])
    assert res.exit_code == 0 and "SYR" in res.output and "NGA" not in res.output
