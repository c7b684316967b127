"""Record linkage across datasets (kharita.linkage): links, waterfall, incidents,
reviews, the all-or-nothing write, and the CLI, on a small synthetic store and a planted
"other dataset" ingested through the ``table`` connector."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from kharita.errors import NotFound, UserInputError
from kharita.events import ingest as ing
from kharita.linkage import (
    event_links_for,
    link_events,
    links_frame,
    rebuild_incidents,
    review_link,
    stored_threshold,
)
from kharita.linkage import planted as pl
from kharita.store.base import open_store
from kharita.store.synthetic import insert_synthetic_events


def plant(store, tmp: Path, *, name: str = "planted", seed: int = 1,
          where: str = "TRUE") -> pl.Planted:
    """Ingest a perturbed copy of the store's events as the table ``name``."""
    # in event-id order, so that a seed gives the same copy on every run
    events = store.sql("SELECT * FROM events").sort_values("event_id", ignore_index=True)
    events = events.query(where) if where != "TRUE" else events
    planted = pl.perturbed_copy(events, seed=seed, prefix="p")
    csv = tmp / f"{name}.csv"
    planted.rows.drop(columns=["origin_event_id"]).to_csv(csv, index=False)
    (tmp / f"{name}.map.yaml").write_text(pl.mapping_yaml(name), encoding="utf-8")
    ing.ingest_file(store, "table", csv)
    return planted


def truth_pairs(planted: pl.Planted, name: str = "planted") -> set[tuple[str, str]]:
    return {tuple(sorted((a, f"table:{name}:{b}"))) for a, b in planted.pairs.items()}  # type: ignore[misc]


def incident_pairs(store) -> set[tuple[str, str]]:
    inc = store.sql("SELECT event_id, incident_id FROM incidents")
    out: set[tuple[str, str]] = set()
    for members in inc.groupby("incident_id")["event_id"].apply(sorted):
        out.update((a, b) for i, a in enumerate(members) for b in members[i + 1:])
    return out


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("linkage")
    store = open_store(tmp / "s.duckdb")
    insert_synthetic_events(store, 3000, seed=5)
    planted = plant(store, tmp)
    report = link_events(store, None)
    yield store, planted, report, tmp
    store.close()


def test_links_are_pairs_of_two_datasets_with_their_waterfall(linked) -> None:
    store, planted, report, _ = linked
    assert report.datasets == {"synthetic": 3000, "table:planted": len(planted.rows)}
    assert report.pairs_compared >= report.links > 0
    links = store.sql("SELECT * FROM event_links")
    assert (links.event_id_l < links.event_id_r).all()
    src = links.event_id_l.str.split(":").str[0] != links.event_id_r.str.split(":").str[0]
    assert src.all()
    for row in links.head(200).itertuples():
        terms = json.loads(row.comparisons)
        assert [t["comparison"] for t in terms] == [
            "prior", "date", "distance", "event_type", "fatalities", "actor"]
        assert all(t["level"] for t in terms[1:])
        assert sum(t["log2_bayes_factor"] for t in terms) == pytest.approx(row.match_weight,
                                                                          abs=1e-3)


def test_planted_pairs_are_recovered_on_synthetic_density(linked) -> None:
    store, planted, report, _ = linked
    truth = truth_pairs(planted)
    found = incident_pairs(store)
    tp = len(found & truth)
    assert tp / len(found) >= 0.95 and tp / len(truth) >= 0.9, (tp, len(found), len(truth))
    # each incident holds at most one report per dataset, and one representative
    inc = store.sql("SELECT * FROM incidents")
    assert (inc.groupby("incident_id").size() == inc.groupby("incident_id").n_reports.first()
            ).all()
    assert (inc.groupby("incident_id").representative.sum() == 1).all()
    reps = inc[inc.representative]
    assert (reps.event_id == reps.incident_id).all()
    assert report.incidents == inc.incident_id.nunique()


def test_representative_is_the_best_documented_report(linked) -> None:
    store, *_ = linked
    inc = store.sql("SELECT i.*, e.source, e.geo_precision FROM incidents i "
                    "JOIN events e USING (event_id)")
    # synthetic reports have day dates and geo precision 1 like the table's, so the
    # source priority decides: 'table' is ranked above 'synthetic' (not in the list)
    reps = inc[inc.representative]
    assert (reps.source == "table").all()


def test_reviews_apply_at_once_and_survive_relinking(linked) -> None:
    store, *_ = linked
    links = links_frame(store, min_probability=stored_threshold(store))
    a, b = links.iloc[0].event_id_l, links.iloc[0].event_id_r
    assert (a, b) in incident_pairs(store)
    review_link(store, a, b, "reject", note="different attack")
    assert (a, b) not in incident_pairs(store)
    # confirm a pair the model did not link: two far-apart reports
    ev = store.sql("SELECT event_id FROM events ORDER BY event_id")
    taken = set(store.sql("SELECT event_id FROM incidents").event_id) | {a, b}
    c = next(e for e in ev.event_id if e.startswith("synthetic:") and e not in taken)
    d = next(e for e in ev.event_id if e.startswith("table:") and e not in taken)
    review_link(store, d, c, "confirm")
    assert tuple(sorted((c, d))) in incident_pairs(store)
    mine = event_links_for(store, c)
    assert mine.set_index("other_event_id").loc[d, "review"] == "confirm"
    link_events(store, None)
    pairs = incident_pairs(store)
    assert (a, b) not in pairs and tuple(sorted((c, d))) in pairs
    assert store.scalar("SELECT count(*) FROM link_reviews") == 2
    # a later decision wins
    review_link(store, a, b, "confirm")
    assert (a, b) in incident_pairs(store)


def test_review_errors(linked) -> None:
    store, *_ = linked
    with pytest.raises(UserInputError, match="confirm, reject"):
        review_link(store, "a", "b", "maybe")
    with pytest.raises(NotFound):
        review_link(store, "synthetic:5:1", "nope:1", "confirm")
    with pytest.raises(UserInputError, match="both from synthetic"):
        review_link(store, "synthetic:5:1", "synthetic:5:2", "confirm")
    with pytest.raises(UserInputError):
        link_events(store, None, threshold=1.5)


def test_a_failed_link_leaves_the_store_as_it_was(linked, monkeypatch) -> None:
    store, *_ = linked
    before = store.sql("SELECT * FROM event_links ORDER BY event_id_l, event_id_r")
    inc = store.sql("SELECT * FROM incidents ORDER BY event_id")

    def boom(*_a, **_k):
        raise RuntimeError("crash while rebuilding incidents")

    import kharita.linkage.link as link_mod

    monkeypatch.setattr(link_mod, "rebuild_incidents", boom)
    with pytest.raises(RuntimeError):
        link_events(store, None, threshold=0.7)
    pd.testing.assert_frame_equal(
        store.sql("SELECT * FROM event_links ORDER BY event_id_l, event_id_r"), before)
    pd.testing.assert_frame_equal(store.sql("SELECT * FROM incidents ORDER BY event_id"), inc)
    assert not store.sql("SELECT table_name FROM information_schema.tables "
                         "WHERE table_name LIKE '__splink__%'").shape[0]


def test_withdrawn_reports_are_never_in_an_incident(linked) -> None:
    store, *_ = linked
    e = store.scalar("SELECT event_id FROM incidents ORDER BY event_id LIMIT 1")
    store.execute("UPDATE events SET withdrawn = TRUE WHERE event_id = ?", [e])
    try:
        with store.transaction():
            rebuild_incidents(store, stored_threshold(store))
        assert e not in set(store.sql("SELECT event_id FROM incidents").event_id)
    finally:
        store.execute("UPDATE events SET withdrawn = NULL WHERE event_id = ?", [e])
        with store.transaction():
            rebuild_incidents(store, stored_threshold(store))


def test_one_dataset_gives_no_links(tmp_path) -> None:
    store = open_store(tmp_path / "one.duckdb")
    insert_synthetic_events(store, 200, seed=2)
    report = link_events(store, None)
    assert report.links == 0 and report.incidents == 0 and report.reports == 200
    assert links_frame(store).empty
    store.close()


def test_cli_link_links_and_review(linked) -> None:
    from kharita.cli import app

    *_, tmp = linked
    path = tmp / "cli.duckdb"
    copy = open_store(path)
    insert_synthetic_events(copy, 500, seed=9)
    plant(copy, tmp, name="cli", seed=2)
    copy.close()
    runner = CliRunner()
    out = runner.invoke(app, ["link", "--store", str(path), "--threshold", "0.6"])
    assert out.exit_code == 0, out.output
    assert "pairs compared" in out.output and "incidents" in out.output
    out = runner.invoke(app, ["links", "--store", str(path), "-f", "json",
                              "--min-probability", "0.6"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert rows and all(r["match_probability"] >= 0.6 for r in rows)
    a, b = rows[0]["event_id_l"], rows[0]["event_id_r"]
    out = runner.invoke(app, ["links", "reject", a, b, "--store", str(path),
                              "--note", "not the same"])
    assert out.exit_code == 0, out.output
    assert "rejected" in out.output
    out = runner.invoke(app, ["links", "confirm", a, "nope:1", "--store", str(path)])
    assert out.exit_code != 0


def test_datasets_with_no_rule_pair_link_without_error(tmp_path, shared_data) -> None:
    """UCDP Nigeria and the GDELT sample have no pair passing the prior's deterministic
    rule: Splink's estimate is then exactly 0, which used to fail every prediction
    ("math domain error"); the prior is clamped and linking completes."""
    from kharita import load_kb

    store = open_store(tmp_path / "s.duckdb", create=True)
    kb = load_kb()
    ing.ingest_file(store, "ucdp", shared_data / "ucdp-ged" / "conflict_data_nga.csv", kb=kb)
    ing.ingest_file(store, "gdelt", shared_data / "gdelt" / "events.csv", kb=kb)
    report = link_events(store, kb)
    current = int(store.scalar("SELECT count(*) FROM events WHERE NOT coalesce(withdrawn, "
                               "FALSE)"))
    years = int(store.scalar("SELECT count(*) FROM events WHERE date_precision = 'year' "
                             "AND country_iso3 IS NOT NULL"))
    no_country = int(store.scalar("SELECT count(*) FROM events WHERE country_iso3 IS NULL"))
    store.close()
    assert report.reports > 4000
    # every current report is linked or counted as not linkable, with its reason
    assert report.reports + sum(report.left_out.values()) == current
    assert report.left_out.get("date known only to the year", 0) == years > 0
    assert report.left_out.get("no country", 0) == no_country > 0


def test_an_empty_em_block_keeps_every_comparison(tmp_path, shared_data) -> None:
    """UCDP Syria and the GDELT sample: GDELT has no fatalities and no actor names UCDP
    uses, so the EM blocks that hold those fixed have no pairs. Splink 5.0 had already
    taken the blocked comparisons out of the linker's settings when it found the block
    empty: the model lost its date, fatality and actor comparisons, and a GDELT report
    in Aleppo on 2016-07-28 was linked at 0.93 to a UCDP report of 11-12 July (and to 14
    others) on place and type alone. Every comparison must stay in the model and in every
    link's waterfall, and a 16-day gap must count against a link."""
    from kharita import load_kb
    from kharita.linkage.link import stored_model

    store = open_store(tmp_path / "s.duckdb", create=True)
    kb = load_kb()
    for name in ("ucdp_syria_df.csv.gz", "conflict_data_irq.csv", "ucdpged.csv"):
        ing.ingest_file(store, "ucdp", shared_data / "ucdp-ged" / name, kb=kb)
    ing.ingest_file(store, "gdelt", shared_data / "gdelt" / "events.csv", kb=kb)
    link_events(store, kb)
    model = stored_model(store)
    names = [c["output_column_name"] for c in model["comparisons"]]
    links = store.sql("SELECT event_id_l, event_id_r, match_probability, comparisons "
                      "FROM event_links")
    store.close()
    assert names == ["date", "distance", "event_type", "fatalities", "actor"]
    assert len(links) > 0
    for text in links.comparisons:
        assert [t["comparison"] for t in json.loads(text)] == ["prior", *names]
    far = links[(links.event_id_l == "gdelt:564464302") & (links.event_id_r == "ucdp:317430")]
    assert far.empty or float(far.match_probability.iloc[0]) < 0.3
