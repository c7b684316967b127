"""What the benchmarks measure of their own process (imported by the scripts beside it).

``peak_rss_mb`` is the process' peak resident memory: ``VmHWM`` of ``/proc/self/status``
on Linux, which ``exec`` resets, unlike ``ru_maxrss``: a child started by ``fork`` +
``exec`` inherits its parent's (a parent that generated a 1M-row file made every child
print its 959 MB). Elsewhere ``ru_maxrss``.
"""

from __future__ import annotations

import resource
from pathlib import Path


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB (module docstring)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
