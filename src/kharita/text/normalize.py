"""Normalised views of a text that keep a map back to the original characters.

Two views are used:

* :func:`norm_text` - the matching view of :func:`kharita.names.normalize_with_offsets`
  (letters and digits only, punctuation as single spaces), split into tokens; used
  to look names up.
* :func:`fold_text` - a character-level fold that keeps punctuation (so ``%``,
  ``/``, ``–`` and parentheses survive) but removes diacritics and tatweel, unifies
  alef/hamza, ya/alef maqsura and ta marbuta, turns Arabic-Indic and Persian digits
  into ASCII and lower-cases Latin letters; used by the date and figure parsers.

Both return, for every output character, the index of the input character it came
from, so a match ``[i, j)`` in the view is ``text[offsets[i] : offsets[j-1] + 1]``
in the original (see :meth:`View.span`).

References
----------
.. [1] Habash, N. (2010). *Introduction to Arabic Natural Language Processing*.
   Morgan & Claypool, ch. 2.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

# The folding tables are those of kharita.names (one definition of Arabic folding).
from kharita.names import _DROP, _MAP, normalize_with_offsets

_TOKEN = re.compile(r"\S+")


@dataclass
class View:
    """A transformed text with a map from each of its characters to the original."""

    original: str
    text: str
    offsets: Sequence[int]
    tokens: list[tuple[int, int]] = field(default_factory=list)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``(start, end)`` of the view slice ``[start, end)``.

        Trailing diacritics and tatweel that belong to the last letter are included,
        so the original slice is a whole written word.

        >>> v = fold_text("قالَ ٢٠١٩")
        >>> v.text
        'قال 2019'
        >>> s, e = v.span(4, 8); v.original[s:e]
        '٢٠١٩'
        """
        if start >= end:
            raise ValueError(f"empty span [{start}, {end})")
        o_start = self.offsets[start]
        o_end = self.offsets[end - 1] + 1
        n = len(self.original)
        while o_end < n and self.original[o_end] in _DROP:
            o_end += 1
        return o_start, o_end

    def token_text(self, i: int) -> str:
        s, e = self.tokens[i]
        return self.text[s:e]


def norm_text(text: str) -> View:
    """The matching view of ``text`` (see :func:`kharita.names.normalize_with_offsets`).

    >>> v = norm_text("وَداعش، في «خراسان»")
    >>> v.text, [v.token_text(i) for i in range(len(v.tokens))]
    ('وداعش في خراسان', ['وداعش', 'في', 'خراسان'])
    """
    norm, offsets = normalize_with_offsets(text)
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(norm)]
    return View(text, norm, offsets, tokens)


def fold_char(ch: str) -> str:
    """Fold one character (may return ``""`` or, rarely, two characters)."""
    if ch in _DROP:
        return ""
    return _MAP.get(ch, ch).lower()


def fold(text: str) -> str:
    """Fold ``text`` character by character, keeping punctuation.

    >>> fold("أكثرُ من ٦٠٪")
    'اكثر من 60٪'
    """
    return "".join(fold_char(c) for c in text)


_ONE_TO_ONE = {ord(k): v for k, v in _MAP.items() if len(v) == 1}
_NEEDS_SLOW = re.compile("[" + "".join(sorted(_DROP | {k for k, v in _MAP.items() if len(v) != 1}))
                         + "]")


def fold_text(text: str) -> View:
    """The folded view of ``text`` with offsets (see :func:`fold`).

    Text without diacritics or tatweel (most news text) is folded with one
    ``str.translate``; its offsets are then the identity.
    """
    if not _NEEDS_SLOW.search(text):
        folded = text.translate(_ONE_TO_ONE).lower()
        if len(folded) == len(text):
            return View(text, folded, range(len(text)))
    out: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        f = fold_char(ch)
        out.append(f)
        offsets.extend([i] * len(f))
    return View(text, "".join(out), offsets)


def fold_pattern(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Compile a regular expression written in plain Arabic so that it matches folded text.

    Only non-ASCII characters are folded, so regex syntax (``\\S``, ``(?P<...>)``) is
    kept; write Latin words in lower case.

    >>> bool(fold_pattern(r"أكثر\\s+من").search(fold("أكثرُ من")))
    True
    """
    return re.compile("".join(c if c.isascii() else fold_char(c) for c in pattern), flags)
