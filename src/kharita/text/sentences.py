"""Sentence and clause splitting that respects Arabic punctuation.

A *sentence* ends at ``.``, ``!``, ``?``, the Arabic question mark ``؟``, the
Arabic semicolon ``؛``, the ellipsis, or a line break. A *clause* also ends at the
Arabic comma ``،`` (and the Latin semicolon). A full stop between two digits
(``1.5``) or after a single Latin capital (``U.S.``) does not end a sentence.

Spans are ``(start, end)`` character offsets into the original text, with
surrounding whitespace trimmed; empty pieces are dropped.
"""

from __future__ import annotations

import re

_SENT_END = re.compile(r"[!?؟؛\n…]+|\.+")
_CLAUSE_END = re.compile(r"[!?؟؛\n…،;]+|\.+")


def _split(text: str, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for m in pattern.finditer(text):
        if m.group().startswith("."):
            before = text[m.start() - 1] if m.start() > 0 else ""
            after = text[m.end()] if m.end() < len(text) else ""
            if before.isdigit() and after.isdigit():
                continue  # decimal point
            prev2 = text[m.start() - 2] if m.start() > 1 else " "
            if before.isupper() and before.isascii() and not prev2.isalpha():
                continue  # initial such as "U.S."
        end = m.end()
        _add(text, start, end, spans)
        start = end
    _add(text, start, len(text), spans)
    return spans


def _add(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start and any(c.isalnum() for c in text[start:end]):
        spans.append((start, end))


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of ``text``.

    >>> t = "سقطت الباغوز عام 2019. هل انتهى التنظيم؟ لا"
    >>> [t[s:e] for s, e in split_sentences(t)]
    ['سقطت الباغوز عام 2019.', 'هل انتهى التنظيم؟', 'لا']
    """
    return _split(text, _SENT_END)


def split_clauses(text: str) -> list[tuple[int, int]]:
    """Clause spans: sentences further cut at the Arabic comma ``،`` and ``;``.

    >>> t = "في إفريقيا، أقامت الفروع تحالفات."
    >>> [t[s:e] for s, e in split_clauses(t)]
    ['في إفريقيا،', 'أقامت الفروع تحالفات.']
    """
    return _split(text, _CLAUSE_END)
