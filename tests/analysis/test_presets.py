"""Presets: verdicts and the figures they rest on, on synthetic data (checked against
the frame's rows), on hand-filled stores with a known answer, and on the real extracts."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from kharita.analysis.frame import build_frame
from kharita.analysis.geography import spherical_centre
from kharita.analysis.presets import (
    CONTRADICTED,
    NOT_TESTABLE,
    PRESETS,
    SUPPORTED,
    VERDICTS,
    run_preset,
    run_presets,
)
from kharita.errors import UserInputError
from kharita.store.duckdb import connect
from kharita.store.synthetic import insert_synthetic_events

from ._fixtures import add_event, tiny_kb


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    con = connect(tmp_path_factory.mktemp("presets") / "syn.duckdb")
    insert_synthetic_events(con, 20_000, seed=3)
    return con


def _yearly_shares(df: pd.DataFrame) -> pd.DataFrame:
    """Weighted events per year and region, as shares of the year (pandas, from rows)."""
    t = df.assign(year=df.date.dt.year).groupby(["year", "region"]).weight.sum().unstack(
        fill_value=0.0)
    return t.div(t.sum(axis=1), axis=0)


def test_synthetic_shift_and_decentralization_are_supported(synthetic, kb):
    fr = build_frame(synthetic, kb)
    rows = fr.df()
    shift = run_preset(fr, "shift-to-africa", n_boot=200)
    assert shift.verdict == SUPPORTED, shift.reason
    # the figures are the frame's: coverage, and the yearly shares recomputed in pandas
    cov = shift.figures["coverage"]
    assert cov["events"] == 20_000 == rows.event_id.nunique()
    assert (cov["first_event"], cov["last_event"]) == (str(rows.date.min().date()),
                                                       str(rows.date.max().date()))
    assert cov["countries"] == ",".join(sorted(rows.country_iso3.unique()))
    shares = _yearly_shares(rows)
    assert shift.figures["africa_share_by_year"] == {
        int(y): round(float(v), 4) for y, v in shares["Africa"].items()}
    assert shift.figures["middle_east_share_by_year"] == {
        int(y): round(float(v), 4) for y, v in shares["Middle East"].items()}
    last = int(shares.index.max())
    assert f"rose to {shares.loc[last, 'Africa']:.0%} in {last}" in shift.reason
    first = shift.figures["crossing"]["events"]["first"]
    above = shares.index[shares["Africa"] > shares["Middle East"]]
    assert first == f"{int(above.min())}-01-01"
    y0 = rows[rows.date.dt.year == int(shares.index.min())]
    c0 = spherical_centre(y0.latitude, y0.longitude, y0.weight)
    assert shift.figures["centre_first"] == {"year": int(shares.index.min()),
                                             "lat": round(c0.lat, 3), "lon": round(c0.lon, 3)}
    assert shift.figures["centre_last"]["lat"] < shift.figures["centre_first"]["lat"]
    # decentralization: baseline = the busiest year before 2019, last = the last year
    dec = run_preset(fr, "decentralization", n_boot=200)
    assert dec.verdict == SUPPORTED, dec.reason
    per_year = rows.assign(year=rows.date.dt.year)
    totals = per_year.groupby("year").weight.sum()
    busiest = int(totals[totals.index < 2019].sort_values(kind="stable").index[-1])
    base, lastrow = dec.figures["baseline"], dec.figures["last"]
    assert (base["year"], lastrow["year"]) == (busiest, last)
    core = per_year[per_year.entity_id.isin(["is-iraq", "is-syria"])].groupby("year").weight.sum()
    assert base["core_share"] == round(core[busiest] / totals[busiest], 3)
    assert lastrow["core_share"] == round(core[last] / totals[last], 3)
    assert base["total"] == round(totals[busiest], 3)
    assert lastrow["core_share_high"] < base["core_share_low"]
    assert lastrow["n_eff_hhi_low"] > base["n_eff_hhi_high"]
    assert f"core share {base['core_share']:.0%} in {busiest}" in dec.reason
    # the KB's structure on two dates (shipped KB: the organisation grew); the GDP and its
    # offices are dated from their first attestation (2016-2021), so none is a 2015 node
    assert dec.figures["kb_structure"]["nodes"] == {"2015-06-01": 14.0, "2024-06-01": 30.0}
    # the synthetic fixture's joint labels (30% of is-sahel) do not change either verdict
    assert shift.figures["robust"] and dec.figures["robust"], shift.figures["sensitivity"]
    assert {x["axis"] for x in shift.figures["sensitivity"]} >= {"ambiguous", "count"}
    json.dumps(shift.to_dict())  # JSON-ready
    json.dumps(dec.to_dict(), default=str)


def test_a_narrowed_frame_changes_the_verdict(synthetic, kb):
    """Filters are applied: the same store up to 2018 cannot test the shift."""
    fr = build_frame(synthetic, kb).narrow(end="2018")
    r = run_preset(fr, "shift-to-africa", n_boot=50)
    assert r.verdict == NOT_TESTABLE
    assert "last year with data: 2018" in r.reason
    assert r.figures["coverage"]["last_event"] <= "2018-12-31"
    assert r.filters["end"] == "2018-12-31"
    nga = run_preset(build_frame(synthetic, kb, countries="Nigeria"), "shift-to-africa",
                     n_boot=50)
    assert nga.figures["coverage"]["countries"] == "NGA"
    assert set(nga.figures["middle_east_share_by_year"].values()) == {0.0}


def test_the_middle_east_staying_ahead_contradicts_the_shift(tmp_path):
    kb = tiny_kb(tmp_path)
    con = connect(tmp_path / "me.duckdb")
    for year in range(2016, 2024):
        for i in range(6):
            add_event(con, f"m:{year}:{i}", f"{year}-04-01", attributions=(("is-iraq", 1, 1.0),))
        for i in range(2):
            add_event(con, f"a:{year}:{i}", f"{year}-05-01", country="NGA", admin1="Borno",
                      lat=12, lon=13, attributions=(("is-west-africa", 1, 1.0),))
    fr = build_frame(con, kb)
    r = run_preset(fr, "shift-to-africa", n_boot=100)
    assert r.verdict == CONTRADICTED, r.reason
    years = range(2016, 2024)
    assert r.figures["africa_share_by_year"] == dict.fromkeys(years, 0.25)
    assert r.figures["middle_east_share_by_year"] == dict.fromkeys(years, 0.75)
    assert r.figures["coverage"] == {"first_event": "2016-04-01", "last_event": "2023-05-01",
                                     "events": 64, "countries": "IRQ,NGA"}
    c = spherical_centre([36.0] * 6 + [12.0] * 2, [43.0] * 6 + [13.0] * 2)
    assert r.figures["centre_first"] == {"year": 2016, "lat": round(c.lat, 3),
                                         "lon": round(c.lon, 3)}
    assert r.figures["centre_last"] == {**r.figures["centre_first"], "year": 2023}
    assert r.figures["crossing"]["events"]["first"] is None
    assert "(last year 2023: 75% vs 25%)" in r.reason
    d = run_preset(fr, "decentralization", n_boot=100)
    assert d.verdict == NOT_TESTABLE  # nothing changed
    # equal totals every year: the baseline is the latest of the busiest years before 2019
    assert d.figures["baseline"]["year"] == 2018 and d.figures["last"]["year"] == 2023
    for key in ("baseline", "last"):
        f = d.figures[key]
        assert (f["total"], f["core_share"], f["hhi"], f["n_eff_hhi"]) == (8.0, 0.75, 0.625, 1.6)
    assert "too few to compare" in d.reason  # 8 events a year support no verdict


def test_all_presets_on_the_real_extracts(shared_data, kb):
    """The real UCDP extracts (Syria, Iraq, Nigeria): every figure the checks print.
    These equal the figures of the code before the one-frame redesign."""
    from ._fixtures import real_store

    con = connect(real_store(shared_data), read_only=True)
    results = {r.preset: r for r in run_presets(build_frame(con, kb))}
    assert set(results) == set(PRESETS)
    assert all(r.verdict in VERDICTS and r.reason for r in results.values())
    cov = {"first_event": "2004-03-17", "last_event": "2019-12-29", "events": 13612,
           "countries": "IRQ,NGA,SYR"}
    # the extracts end in 2019: the shift to Africa cannot be tested with them
    shift = results["shift-to-africa"]
    assert shift.verdict == NOT_TESTABLE
    # the comparable span ends where the Iraq file ends (2018-12-25)
    assert "(last year with data: 2018)" in shift.reason
    assert "conflict_data_irq.csv in IRQ ends" in shift.reason
    assert shift.figures["coverage"] == cov
    assert 2019 not in shift.figures["africa_share_by_year"]  # Iraq not covered in 2019
    assert shift.figures["africa_share_by_year"][2018] == 0.0825
    assert shift.figures["middle_east_share_by_year"][2018] == 0.9175
    assert 2015 not in shift.figures["africa_share_by_year"]  # Syria not covered in 2015
    # the centre over the comparable span too: it no longer jumps south in 2019 when
    # Iraq's data stop (it was 28.5N 30.3E, between Syria and Nigeria)
    assert shift.figures["centre_last"] == {"year": 2018, "lat": 33.054, "lon": 37.315}
    # the comparable years are 2016-2018: the claim (after 2019) cannot be tested; the
    # old "supported" compared 2017 with a 2019 in which Iraq had no data
    dec = results["decentralization"]
    assert dec.verdict == NOT_TESTABLE and "comparable data end in 2018" in dec.reason
    assert dec.figures["baseline"]["year"] == 2017 and dec.figures["last"]["year"] == 2018
    assert dec.figures["last"]["core_share"] == 0.917
    # al-Baghdadi's death: IRR 0.47 on the network series, not beyond the placebo dates
    surv = results["survival-after-leadership-losses"]
    assert surv.verdict == SUPPORTED
    assert (surv.figures["losses_in_kb"], surv.figures["testable"]) == (12, 3)
    death = surv.figures["network_irr"][0]
    assert (death["leader"], death["kind"], death["date"]) == (
        "Abu Bakr al-Baghdadi", "death", "2019-10-26")
    assert (death["irr"], death["irr_low"], death["irr_high"], death["placebo_p"]) == (
        0.474, 0.23, 0.978, 0.17)
    # the announcement a day later on the same series, with the same estimate, is compared
    # with the same placebo dates: the same p (independent draws gave 0.12 and 0.18)
    same = [r for r in surv.figures["network_irr"] if r["irr"] == death["irr"]]
    assert len(same) >= 2 and {r["placebo_p"] for r in same} == {death["placebo_p"]}
    auto = results["provinces-autonomy"]
    assert auto.verdict == SUPPORTED
    # fitted on the covered span 2016-01-01..2018-12-25 (the Iraq file's end)
    assert auto.figures["other_share"] == {"is-iraq": 0.016, "is-syria": 0.061,
                                           "is-west-africa": 0.069}
    assert auto.figures["summary"]["n_events"] == 7896
    assert auto.figures["summary"]["period_end"] == "2018-12-25"
    # every verdict is the same under split/full/exclude, incidents/reports and (for the
    # contagion model) a yearly background: robust
    for r in results.values():
        assert r.figures["robust"], r.figures["sensitivity"]
        axes = {(x["axis"], x["value"]) for x in r.figures["sensitivity"]}
        assert {("ambiguous", "full"), ("ambiguous", "exclude")} <= axes
    assert ("background", "yearly") in {(x["axis"], x["value"])
                                        for x in auto.figures["sensitivity"]}


def test_a_verdict_that_flips_with_the_ambiguity_rule_is_fragile(tmp_path):
    """Africa's events after 2019 are half joint labels ("is-sahel and/or JNIM"): split,
    Africa ties the Middle East (contradicted); counted in full, Africa leads. The check
    does not pick one: not testable, fragile, with each run's verdict."""
    kb = tiny_kb(tmp_path)
    con = connect(tmp_path / "fragile.duckdb")
    for year in range(2016, 2024):
        for i in range(12):
            add_event(con, f"m:{year}:{i}", f"{year}-04-{i + 1:02d}",
                      attributions=(("is-iraq", 1, 1.0),))
        if year < 2020:
            continue
        for i in range(6):
            add_event(con, f"a:{year}:{i}", f"{year}-05-{i + 1:02d}", country="MLI",
                      admin1="Menaka", lat=15.9, lon=2.4, attributions=(("is-sahel", 1, 1.0),))
        for i in range(12):
            add_event(con, f"j:{year}:{i}", f"{year}-06-{i + 1:02d}", country="MLI",
                      admin1="Menaka", lat=15.9, lon=2.4,
                      attributions=(("is-sahel", 1, 0.5), ("jnim", 1, 0.5)))
    fr = build_frame(con, kb)
    plain = run_preset(fr, "shift-to-africa", n_boot=100, sensitivity=False)
    assert plain.verdict == CONTRADICTED  # split: 6 + 12 x 0.5 = 12, a tie every year
    r = run_preset(fr, "shift-to-africa", n_boot=100)
    assert r.verdict == NOT_TESTABLE and r.reason.startswith("fragile (not robust)")
    runs = {(x["axis"], x["value"]): x["verdict"] for x in r.figures["sensitivity"]}
    assert runs[("as given", "ambiguous=split, count=incidents")] == CONTRADICTED
    assert runs[("ambiguous", "exclude")] == CONTRADICTED
    assert runs[("ambiguous", "full")] != CONTRADICTED  # 18 against 12
    assert r.figures["robust"] is False
    assert list(r.tables["sensitivity"].columns) == ["axis", "value", "verdict", "reason"]


def test_decentralization_compares_years_of_similar_size(tmp_path):
    """2017 with 300 events is not compared with a 2022 of 4 (the old 'supported'): the
    latest later year of similar size (2021, 120 events) is, and 2022 is listed."""
    kb = tiny_kb(tmp_path)
    con = connect(tmp_path / "size.duckdb")
    n = {2016: 200, 2017: 300, 2018: 200, 2020: 150, 2021: 120, 2022: 4}
    rows, atts = [], []
    for year, k in n.items():
        for i in range(k):
            core = i % 10 < (8 if year < 2019 else 5)
            eid = f"e:{year}:{i}"
            rows.append((eid, f"{year}-{i % 12 + 1:02d}-10", "IRQ" if core else "NGA"))
            atts.append((eid, "is-iraq" if core else "is-west-africa"))
    con.register("ev", pd.DataFrame(rows, columns=["e", "d", "c"]))
    con.register("att_rows", pd.DataFrame(atts, columns=["e", "b"]))
    con.execute("INSERT INTO events (event_id, source, date_start, country_iso3) "
                "SELECT e, 'test', CAST(d AS DATE), c FROM ev")
    con.execute("INSERT INTO attributions (event_id, entity_id, side, confidence, rule) "
                "SELECT e, b, 1, 1.0, 'test' FROM att_rows")
    d = run_preset(build_frame(con, kb), "decentralization", n_boot=100, sensitivity=False)
    assert (d.figures["baseline"]["year"], d.figures["last"]["year"]) == (2017, 2021)
    assert d.figures["skipped_small_years"] == ["2022 (4 events)"]
    assert d.verdict == SUPPORTED, d.reason


def test_unknown_preset():
    with pytest.raises(UserInputError, match="unknown preset 'world-peace': choose one of "
                                             "shift-to-africa, decentralization"):
        run_preset(None, "world-peace")
    with pytest.raises(UserInputError, match="unknown preset"):
        run_presets(None, ["decentralization", "world-peace"])


def test_cli_commands_print_the_library_tables(tmp_path):
    """Every analysis command runs on a store, applies its filters and prints the
    library's table as parseable JSON / CSV."""
    from typer.testing import CliRunner

    from kharita.analysis.activity import activity
    from kharita.cli import app

    path = tmp_path / "cli.duckdb"
    con = connect(path)
    insert_synthetic_events(con, 3_000, seed=2)
    lib = activity(build_frame(con), by="region", freq="year")
    nga = con.scalar("SELECT count(*) FROM events WHERE country_iso3 = 'NGA' "
                     "AND date_start >= DATE '2020-01-01'")
    con.close()
    run = CliRunner().invoke
    store = ["--store", str(path), "--engine", "duckdb"]
    out = run(app, ["activity", "--by", "region", "--freq", "year", *store, "-f", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert {r["region"] for r in rows} == {"Africa", "Asia", "Middle East"}
    assert sum(r["events_raw"] for r in rows) == 3_000
    assert [r["events"] for r in rows] == pytest.approx(lib.events.tolist())
    out = run(app, ["activity", "--by", "country", "--countries", "Nigeria", "--from", "2020",
                    *store, "-f", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert {r["country_iso3"] for r in rows} == {"NGA"}
    assert sum(r["events_raw"] for r in rows) == nga
    out = run(app, ["activity", "--branches", "ISWAP", *store, "-f", "json"])
    assert out.exit_code == 0, out.output
    assert {r["entity_id"] for r in json.loads(out.output)} == {"is-west-africa"}
    out = run(app, ["geography", "--boot", "50", "--countries", "NGA,IRQ", *store, "-f", "json"])
    assert out.exit_code == 0, out.output
    geo = json.loads(out.output)
    assert {"centres", "regions", "crossing"} <= set(geo)
    assert {r["region"] for r in geo["regions"]} == {"Africa", "Middle East"}
    out = run(app, ["decentralization", "--boot", "20", "--ambiguous", "exclude", *store,
                    "-f", "csv"])
    assert out.exit_code == 0 and out.output.startswith("period,total"), out.output
    out = run(app, ["shocks", "--placebos", "0", "--date", "death", *store, "-f", "json"])
    assert out.exit_code == 0, out.output
    assert {r["kind"] for r in json.loads(out.output)} <= {"death"}
    out = run(app, ["structure", "--as-of", "2024-06-01", "--seeds", "2", "-f", "json"])
    assert out.exit_code == 0 and "measures" in json.loads(out.output)
    out = run(app, ["check", "decentralization", "--countries", "IRQ,SYR", *store, "-f",
                    "json"])
    assert out.exit_code == 0, out.output
    checked = json.loads(out.output)[0]
    assert checked["verdict"] in VERDICTS and checked["filters"]["countries"] == ["IRQ", "SYR"]
    assert checked["figures"]["coverage"]["countries"] == "IRQ,SYR"
    out = run(app, ["presets", "-f", "csv"])
    assert out.exit_code == 0 and "shift-to-africa" in out.output
    bad = run(app, ["activity", "--from", "2020-13-01", *store])
    assert isinstance(bad.exception, UserInputError)
    assert "start='2020-13-01': expected a date" in str(bad.exception)
    # through the console entry point: exit code 2 and one line naming the valid ones
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", "from kharita.cli import main; main()",
                           "activity", "--branches", "ISWAPP", *store],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    message = " ".join(proc.stderr.split())
    assert "unknown branch 'ISWAPP'; valid branches:" in message
    assert "is-west-africa" in message and "Traceback" not in proc.stderr
