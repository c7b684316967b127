"""``kharita serve`` never holds the store: writers work while it runs, and it shows
their new data without a restart (kharita.web.snapshot)."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from kharita import load_kb
from kharita.store.base import open_store
from kharita.store.synthetic import insert_synthetic_events
from kharita.web.app import create_app


def test_writer_works_while_serving_and_new_data_appears(tmp_path) -> None:
    path = tmp_path / "s.duckdb"
    st = open_store(path)
    insert_synthetic_events(st, 200, seed=1)
    st.close()
    app = create_app(path, kb=load_kb())
    app.state.snapshot.interval = 0.0
    client = TestClient(app, base_url="http://127.0.0.1")
    before = client.get("/api/summary").json()
    # a writer opens the very file the workbench serves (DuckDB would refuse it if the
    # workbench held it open, even read-only)
    writer = open_store(path)
    insert_synthetic_events(writer, 150, seed=2)
    writer.close()
    time.sleep(0.01)
    after = client.get("/api/summary").json()
    assert before["n_events"] == 200
    assert after["n_events"] == 350
    app.state.snapshot.close()


def test_serving_a_missing_store_is_a_clear_error(tmp_path) -> None:
    import pytest

    from kharita.errors import NotFound

    with pytest.raises(NotFound, match=r"no store at typo\.duckdb"):
        create_app(tmp_path / "typo.duckdb", kb=load_kb())
