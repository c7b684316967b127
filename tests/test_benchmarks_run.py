"""The benchmark scripts still run: their code is exercised nowhere else, and the pandas
baseline of ``bench_ingest.py`` was broken for a whole round (the KB index had changed)
without anyone noticing. Every benchmark of ``run_all.py`` runs at its ``--quick`` sizes
(about two minutes in all); figures are printed, never asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _names() -> list[str]:
    sys.path.insert(0, str(BENCH))
    try:
        import run_all
    finally:
        sys.path.remove(str(BENCH))
    return list(run_all.BENCHMARKS)


@pytest.mark.slow
@pytest.mark.parametrize("name", _names())
def test_quick_benchmark_runs(name: str) -> None:
    proc = subprocess.run([sys.executable, str(BENCH / "run_all.py"), "--quick", "--only",
                           name], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"=== {name}: exit 0" in proc.stdout
    if name == "ingest":
        assert "ratio    : kharita / pandas" in proc.stdout
