"""Import cost of every analysis command: what a command imports before it computes.

Target (issue 16): under 1 s for each. A command's import cost is its CLI module
(``kharita.cli.<module>``, which imports nothing heavy at module level) plus the
analysis modules its function imports when it runs (the deferred ``from kharita.analysis
... import`` of the command); heavy libraries (``scipy.stats``, ``scipy.optimize``,
``statsmodels``) are imported inside the functions that use them, so they are paid by a
command only when it reaches them. Each figure is the median of N fresh interpreters:
the wall time and the interpreter's own CPU time (user + system, which a busy machine
inflates less than the wall). Baselines measured in the same run: ``python -c pass`` and
``import pandas`` (the floor of every command that builds an analysis frame).

    python benchmarks/bench_imports.py [N]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

#: command -> modules imported before it computes (its CLI module first)
COMMANDS: dict[str, tuple[str, ...]] = {
    "activity": ("kharita.cli.analysis", "kharita.analysis.activity",
                 "kharita.analysis.frame"),
    "geography": ("kharita.cli.analysis", "kharita.analysis.geography",
                  "kharita.analysis.frame"),
    "concentration": ("kharita.cli.analysis", "kharita.analysis.concentration",
                      "kharita.analysis.frame"),
    "shocks": ("kharita.cli.analysis", "kharita.analysis.shocks", "kharita.analysis.frame"),
    "structure": ("kharita.cli.analysis", "kharita.analysis.structure"),
    "check (presets)": ("kharita.cli.analysis", "kharita.analysis.presets",
                        "kharita.analysis.frame"),
    "coverage": ("kharita.cli.coverage", "kharita.analysis.coverage",
                 "kharita.analysis.frame"),
    "coverage-estimate": ("kharita.cli.coverage", "kharita.analysis.capture",
                          "kharita.analysis.frame"),
    "contagion": ("kharita.cli.contagion", "kharita.analysis.contagion",
                  "kharita.analysis.frame"),
    "outlook": ("kharita.cli.outlook", "kharita.analysis.forecast", "kharita.analysis.frame"),
    "brief": ("kharita.cli.report", "kharita.report.brief", "kharita.analysis.frame"),
}

_CHILD = ("import resource, time; t = time.perf_counter(); {imports}; "
          "r = resource.getrusage(resource.RUSAGE_SELF); "
          "print(time.perf_counter() - t, r.ru_utime + r.ru_stime)")


def measure(imports: str, n: int) -> tuple[float, float]:
    """Median (wall of the imports, CPU of the whole interpreter) over ``n`` runs."""
    walls, cpus = [], []
    for _ in range(n):
        out = subprocess.run([sys.executable, "-c", _CHILD.format(imports=imports)],
                             check=True, capture_output=True, text=True).stdout.split()
        walls.append(float(out[0]))
        cpus.append(float(out[1]))
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    t0 = time.perf_counter()
    base_wall, base_cpu = measure("pass", n)
    pd_wall, pd_cpu = measure("import pandas", n)
    print(f"{'python -c pass':22s} imports {base_wall:6.3f} s wall, interpreter "
          f"{base_cpu:6.3f} s CPU")
    print(f"{'import pandas':22s} imports {pd_wall:6.3f} s wall, interpreter "
          f"{pd_cpu:6.3f} s CPU")
    worst = 0.0
    for name, modules in COMMANDS.items():
        wall, cpu = measure("; ".join(f"import {m}" for m in modules), n)
        worst = max(worst, cpu)
        print(f"{name:22s} imports {wall:6.3f} s wall, interpreter {cpu:6.3f} s CPU "
              f"(x{cpu / max(pd_cpu, 1e-9):4.2f} import pandas)")
    met = "met" if worst < 1.0 else "NOT met"
    print(f"target: every command's import cost < 1 s (CPU) -> {met} (worst {worst:.3f} s; "
          f"{time.perf_counter() - t0:.0f} s for the benchmark)")


if __name__ == "__main__":
    main()
