"""How fast the command line answers: ``kharita --help``, ``kharita --version`` and
``import kharita`` (wall time, median of N runs, each a fresh interpreter).

Target (issue 14): ``kharita --help`` under 0.3 s. Prints the figures and the ratio
against a bare ``python -c pass`` measured in the same run.

    python benchmarks/bench_cli_help.py [N]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time


def wall(cmd: list[str], n: int) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    py = sys.executable
    base = wall([py, "-c", "pass"], n)
    rows = {
        "python -c pass": base,
        "import kharita": wall([py, "-c", "import kharita"], n),
        "import kharita.cli": wall([py, "-c", "import kharita.cli"], n),
        "kharita --version": wall([py, "-c", "import sys; sys.argv=['kharita','--version'];"
                                      "from kharita.cli import main; main()"], n),
        "kharita --help": wall([py, "-c", "import sys; sys.argv=['kharita','--help'];"
                                          "from kharita.cli import main; main()"], n),
    }
    for name, t in rows.items():
        print(f"{name:22s} {t:6.3f} s   x{t / base:5.1f} python startup")
    met = "met" if rows["kharita --help"] < 0.3 else "NOT met"
    print(f"target: kharita --help < 0.300 s -> {met}")


if __name__ == "__main__":
    main()
