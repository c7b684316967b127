"""``kharita coverage-estimate``: capture–recapture per branch x country x period over
linked sources, on a planted population; "not testable" on the real UCDP store."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from kharita.analysis.capture import chapman, coverage_estimates, loglinear
from kharita.analysis.frame import build_frame
from kharita.store.duckdb import connect

from ..analysis._fixtures import tiny_kb
from .conftest import CONTRACT

PROBS = {"ucdp": 0.6, "acled": 0.5, "gtd": 0.4}


@pytest.fixture()
def planted(tmp_path):
    """200 IS Sahel incidents in Mali in 2019 reported by ucdp, acled and gtd with the
    probabilities of PROBS (linked into incidents), and 20 Iraq events only UCDP has."""
    rng = np.random.default_rng(3)
    kb = tiny_kb(tmp_path)
    con = connect(tmp_path / "planted.duckdb")
    for sql in CONTRACT.values():
        con.execute(sql)
    seen: dict[int, list[str]] = {}
    for i in range(200):
        for src, p in PROBS.items():
            if rng.random() < p:
                seen.setdefault(i, []).append(src)
    events, incidents = [], []
    for i, srcs in seen.items():
        day = f"2019-{1 + i % 12:02d}-{1 + i % 28:02d}"
        events += [(f"{src}:{i}", src, day, "MLI", "Menaka", "is-sahel") for src in srcs]
        if len(srcs) > 1:
            incidents += [(f"{src}:{i}", f"inc:{i}", len(srcs), src == srcs[0])
                          for src in srcs]
    events += [(f"ucdp:iq{i}", "ucdp", f"2016-03-{1 + i:02d}", "IRQ", "Nineveh", "is-iraq")
               for i in range(20)]
    ev = pd.DataFrame(events, columns=["event_id", "source", "day", "iso3", "admin1",
                                       "entity_id"])
    con.register("kh_planted", ev)
    con.execute("INSERT INTO events (event_id, source, date_start, date_end, country_iso3, "
                "admin1, latitude, longitude, event_type, fatalities_best, synthetic, "
                "ingest_file_id) SELECT event_id, source, CAST(day AS DATE), "
                "CAST(day AS DATE), iso3, admin1, 15.0, 2.0, 'battle', 1, FALSE, "
                "'file-' || source FROM kh_planted")
    con.execute("INSERT INTO attributions (event_id, entity_id, side, confidence, rule) "
                "SELECT event_id, entity_id, 1, 1.0, 'test' FROM kh_planted")
    con.register("kh_planted_inc", pd.DataFrame(incidents, columns=[
        "event_id", "incident_id", "n_reports", "representative"]))
    con.execute("INSERT INTO incidents SELECT * FROM kh_planted_inc")
    yield con, kb, seen
    con.close()


def histories(seen, names):
    out: dict[tuple[bool, ...], int] = {}
    for srcs in seen.values():
        h = tuple(n in srcs for n in names)
        if any(h):
            out[h] = out.get(h, 0) + 1
    return out


def test_three_sources_loglinear_and_one_source_not_testable(planted):
    con, kb, seen = planted
    t = coverage_estimates(build_frame(con, kb), freq="year")
    assert t.testable
    est = t.estimates.set_index("entity_id").loc["is-sahel"]
    names = ["acled", "gtd", "ucdp"]
    want = loglinear(histories(seen, names), sources=names)
    assert est.method == "loglinear" and est.sources == "acled; gtd; ucdp"
    assert est.observed == len(seen) == want.observed
    assert est.total == pytest.approx(want.total)
    assert (est.lower, est.upper) == (pytest.approx(want.lower), pytest.approx(want.upper))
    assert est.lower <= 200 <= est.upper  # the planted total
    units = t.units.set_index("entity_id")
    assert units.loc["is-iraq", "status"] == "one source: not testable"
    assert any("independent" in a for a in t.assumptions)


def test_two_sources_chapman(planted):
    con, kb, seen = planted
    con.execute("DELETE FROM events WHERE source = 'gtd'")
    t = coverage_estimates(build_frame(con, kb))
    est = t.estimates.iloc[0]
    n1 = sum("acled" in s for s in seen.values())
    n2 = sum("ucdp" in s for s in seen.values())
    m = sum("acled" in s and "ucdp" in s for s in seen.values())
    want = chapman(n1, n2, m)
    assert est.method == "chapman" and est.reported_by == f"acled {n1}; ucdp {n2}; both {m}"
    assert est.total == pytest.approx(want.total) and est.missed == pytest.approx(
        want.total - (n1 + n2 - m))


def test_the_estimate_counts_incidents_whatever_the_count_filter(planted):
    con, kb, _ = planted
    a = coverage_estimates(build_frame(con, kb, count="reports")).estimates
    b = coverage_estimates(build_frame(con, kb)).estimates
    pd.testing.assert_frame_equal(a, b)


def test_not_testable_on_the_real_store(shared_data, tmp_path):
    from kharita import load_kb

    from ..analysis._fixtures import real_store

    con = connect(real_store(shared_data))
    try:
        t = coverage_estimates(build_frame(con, load_kb()), freq="year")
    finally:
        con.close()
    assert not t.testable and t.estimates.empty
    assert t.reason.startswith("not testable: one source covers every branch, country and "
                               "period (ucdp)")
    assert len(t.units) > 20 and set(t.units.status) <= {
        "one source: not testable", "no complete source covers it: not testable"}


def test_cli_coverage_estimate(planted, tmp_path):
    from typer.testing import CliRunner

    from kharita.cli import app

    con, _, _ = planted
    con.execute("CHECKPOINT")
    con.close()
    base = ["coverage-estimate", "--store", str(tmp_path / "planted.duckdb"), "--kb",
            str(tmp_path / "tiny-kb.yaml")]
    res = CliRunner().invoke(app, [*base, "-f", "csv"])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(io.StringIO(res.stdout))
    assert list(df.entity_id) == ["is-sahel"] and df.method[0] == "loglinear"
    res = CliRunner().invoke(app, base)
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    assert "assumptions" in text.lower() and "independent" in text
    res = CliRunner().invoke(app, [*base, "-f", "csv", "--table", "units"])
    assert "one source: not testable" in res.stdout


def test_brief_section(planted):
    from kharita.report.sections import capture
    from kharita.report.sections.base import BriefData

    con, kb, _ = planted
    sec = capture.build(BriefData(build_frame(con, kb), freq="year"))
    assert sec.status == "ok" and sec.charts[0].kind == "plotly"
    fig = sec.charts[0].figure
    assert fig["layout"]["xaxis"]["type"] == "date" and fig["data"][0]["x"] == ["2019-01-01"]
    assert sec.tables[0].df.method.tolist() == ["loglinear"]
    assert "independent" in sec.notes[0]
    con.execute("DELETE FROM events WHERE source <> 'ucdp'")
    sec = capture.build(BriefData(build_frame(con, kb), freq="year"))
    assert sec.charts[0].kind == "untestable"
    assert sec.charts[0].figure["reason"].startswith("not testable: one source")
