"""Shows the precision/recall table of tests/text/test_gold.py in pytest's summary."""

from __future__ import annotations

from typing import Any

REPORT: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if REPORT:
        terminalreporter.section("kharita.text: mention precision and recall")
        for line in REPORT:
            terminalreporter.write_line(line)
