"""Copy-on-read for the workbench: serve a snapshot, never hold the user's store open.

DuckDB lets one process write a database file, and a process that holds it open (even
read-only) keeps every writer out. ``kharita serve`` would then block ``kharita ingest``,
``kharita attribute`` and every other command for as long as it runs. Instead the
workbench reads a private copy of the store file, taken when it starts, and takes a new
copy when the file changes (checked at most once per ``interval`` seconds, on a request):

* the original file is opened by nobody but the commands that write it;
* new data appears after an ingest without restarting ``serve``;
* a copy is taken only while no write is in progress (no ``.wal`` beside the file, and the
  file unchanged while copying); until then the previous snapshot keeps serving.

The copy is a plain file copy (no SQL), opened read-only and shared through
:func:`kharita.store.base.open_store` (``shared=True``): the handlers read it in
parallel, each thread through its own cursor of one DuckDB instance.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kharita.store.base import Store


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class Snapshot:
    """A read-only copy of a DuckDB store file, refreshed when the original changes."""

    def __init__(self, path: str | os.PathLike[str], *, interval: float = 1.0) -> None:
        self.path = Path(path)
        self.interval = interval
        self.dir = Path(tempfile.mkdtemp(prefix="kharita-serve-"))
        self._lock = threading.Lock()
        self._checked = 0.0
        self._n = 0
        self.signature: tuple[int, int] | None = None
        first = self._take()
        if first is None:
            from kharita.errors import StoreError

            raise StoreError(f"{self.path.name} is being written (a .wal file is beside it); "
                             "try kharita serve again when the write has finished")
        self.store: Store = first

    def _take(self) -> Store | None:
        """Copy the file and open the copy; ``None`` when a write is in progress."""
        from kharita.store.base import open_store

        wal = self.path.with_name(self.path.name + ".wal")
        before = _signature(self.path)
        if before is None or wal.exists():
            return None
        self._n += 1
        target = self.dir / f"snapshot-{self._n}.duckdb"
        shutil.copyfile(self.path, target)
        if _signature(self.path) != before or wal.exists():
            target.unlink(missing_ok=True)
            return None
        self.signature = before
        return open_store(target, read_only=True, shared=True)

    def changed(self) -> Store | None:
        """A newly opened snapshot when the original changed since the last one (checked
        at most once per ``interval``), else ``None``."""
        now = time.monotonic()
        if now - self._checked < self.interval:
            return None
        with self._lock:
            self._checked = now
            if _signature(self.path) == self.signature:
                return None
            fresh = self._take()
            if fresh is not None:
                self.store = fresh
            return fresh

    def close(self) -> None:
        """Remove the copies (the open connection, if any, keeps its file until closed)."""
        shutil.rmtree(self.dir, ignore_errors=True)
