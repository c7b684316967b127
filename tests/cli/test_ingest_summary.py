"""What ``kharita ingest`` prints about attribution: a table with a row per file whose
figures are those of the store, and counts with thousands separators throughout."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from kharita.cli import app
from kharita.store.base import open_store


def test_attribution_table_matches_the_store(shared_data: Path, tmp_path: Path) -> None:
    ged = shared_data / "ucdp-ged"
    store = tmp_path / "s.duckdb"
    files = [ged / "conflict_data_nga.csv", ged / "ucdpged.csv"]
    res = CliRunner().invoke(app, ["ingest", "ucdp", *map(str, files), "--store", str(store)],
                             env={"COLUMNS": "100"})
    assert res.exit_code == 0, res.output
    out = res.output
    assert "Attribution of the new events" in out and "attribution: kb_version" not in out
    with open_store(store, read_only=True) as st:
        attributed = int(st.scalar("SELECT count(DISTINCT event_id) FROM attributions"))
        rows = int(st.scalar("SELECT count(*) FROM attributions"))
    table = out[out.index("Attribution of the new events"):].splitlines()
    per_file = {}
    for f in files:
        line = next(li for li in table if f.name in li and "│" in li)
        cells = [c.strip() for c in line.split("│")[1:-1]]
        per_file[f.name] = [int(c.replace(",", "")) for c in cells[1:]]
    # Nigeria's 4,603 events are printed as 4,603 (never 4603 beside 16,566)
    assert re.search(r"\b4,603\b", out)
    # the global sample's rows that repeat a country file's ids were attributed again in its
    # own transaction, so the per-file sums count them once per file; the store once
    assert sum(v[1] for v in per_file.values()) >= attributed
    assert sum(v[2] for v in per_file.values()) >= rows
    assert all(v[2] >= v[1] for v in per_file.values())
