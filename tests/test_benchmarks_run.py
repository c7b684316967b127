"""The benchmark scripts still run: their code is exercised nowhere else, and the pandas
baseline of ``bench_ingest.py`` was broken for a whole round (the KB index had changed)
without anyone noticing. Each runs at the smallest sizes of ``run_all.py --quick``;
figures are printed, never asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ingest"])
def test_quick_benchmark_runs(name: str) -> None:
    proc = subprocess.run([sys.executable, str(BENCH / "run_all.py"), "--quick", "--only",
                           name], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"=== {name}: exit 0" in proc.stdout
    assert "ratio    : kharita / pandas" in proc.stdout
