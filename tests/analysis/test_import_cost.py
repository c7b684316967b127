"""The analysis modules a command imports before it computes leave the heavy libraries
(scipy.stats, scipy.optimize, statsmodels) to the functions that use them (issue 16: every
analysis command's import cost under 1 s; the figures are in benchmarks/bench_imports.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("scipy.stats", "scipy.optimize", "statsmodels", "statsmodels.api")


@pytest.mark.parametrize("module", ["kharita.analysis.contagion", "kharita.analysis.forecast",
                                    "kharita.analysis.capture", "kharita.views.outlook"])
def test_module_import_leaves_heavy_libraries_out(module: str) -> None:
    code = (f"import sys; import {module}; "
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]", f"{module} imports {out.strip()}"


def test_deferred_imports_still_work() -> None:
    """The functions that need scipy import it themselves."""
    from kharita.analysis.capture import chapman
    from kharita.analysis.forecast.alerts import surprise

    assert surprise(30.0, __import__("numpy").array([2.0, 3, 1, 2]))[1] < 1e-3
    assert chapman(50, 40, 20).total > 50
