"""The README's first command, end to end on a small synthetic store."""

from __future__ import annotations

from typer.testing import CliRunner

from kharita.store.duckdb import connect


def test_demo_builds_store_and_synthetic_brief(tmp_path) -> None:
    from kharita.cli import app

    res = CliRunner().invoke(app, ["demo", "--out", str(tmp_path), "--rows", "2000",
                                   "--seed", "7"])
    assert res.exit_code == 0, res.output
    brief = tmp_path / "kharita-brief.html"
    store = tmp_path / "kharita-demo.duckdb"
    assert brief.exists() and store.exists()
    with connect(store, read_only=True) as st:
        n, syn, attributed = st.rows(
            "SELECT count(*), bool_and(synthetic), (SELECT count(DISTINCT event_id) FROM "
            "attributions) FROM events")[0]
        files = st.rows("SELECT rows_read, rows_stored, rows_quarantined, rows_filtered "
                        "FROM ingest_files")
    assert syn is True
    assert n > 0 and attributed > 0
    assert files[0][0] == 2000 and sum(files[0][1:]) == 2000
    html = brief.read_text()
    assert "SYNTHETIC DATA" in html and "(SYNTHETIC DEMO)" in html
    assert f"{n:,} events in the store" in html
    assert "kharita demo --out" in html  # the command that produced it
    assert brief.stat().st_size < 15_000_000
