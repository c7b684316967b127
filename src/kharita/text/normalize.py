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

import functools
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
    fast = _fast_normalize(text)
    norm, offsets = fast if fast is not None else normalize_with_offsets(text)
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(norm)]
    return View(text, norm, offsets, tokens)


_WORD_CACHE: dict[str, str] = {}


def _fast_normalize(text: str) -> tuple[str, list[int]] | None:
    """``normalize_with_offsets(text)`` computed with C-level string operations.

    Each distinct character is folded once; text whose characters all fold to at
    most one character (almost all news text) is then folded with one
    ``str.translate`` and cut into tokens with one regular expression, so the cost
    per character is a few C operations. Returns None (use the general function)
    when a character expands to several ("ß", ligatures, presentation forms).
    """
    table: dict[int, str] = {}
    for ch in set(text):
        f = _WORD_CACHE.get(ch)
        if f is None:
            f = _fold_one(ch)
            if len(_WORD_CACHE) < 100_000:
                _WORD_CACHE[ch] = f
        if len(f) > 1:
            return None
        table[ord(ch)] = f
    folded = text.translate(table)
    # dropped characters (diacritics, tatweel): map folded positions back
    keep = ([i for i, ch in enumerate(text) if table[ord(ch)]] if len(folded) != len(text)
            else None)
    parts: list[str] = []
    offsets: list[int] = []
    prev_end = -1
    for m in _TOKEN.finditer(folded):
        s, e = m.span()
        if prev_end >= 0:
            parts.append(" ")
            offsets.append(keep[prev_end] if keep is not None else prev_end)
        parts.append(m.group())
        offsets.extend(keep[s:e] if keep is not None else range(s, e))
        prev_end = e
    return "".join(parts), offsets


def _fold_one(ch: str) -> str:
    """One character as :func:`kharita.names.normalize_with_offsets` folds it:
    ``""`` (dropped), ``" "`` (a separator) or its folded letters/digits."""
    if ch in _DROP:
        return ""
    out, _ = normalize_with_offsets(ch)
    if not out:
        return " "
    return out


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
    return _fold_view(text).text


_ONE_TO_ONE = {ord(k): v for k, v in _MAP.items() if len(v) == 1}
_WITH_DROPS = {**_ONE_TO_ONE, **{ord(c): None for c in _DROP},
               **{ord(k): None for k, v in _MAP.items() if v == ""}}
_NEEDS_SLOW = re.compile("[" + "".join(sorted(_DROP | {k for k, v in _MAP.items() if len(v) != 1}))
                         + "]")


@functools.lru_cache(maxsize=2)
def fold_text(text: str) -> View:
    """The folded view of ``text`` with offsets (see :func:`fold`); the last two are
    cached, as several readers of one document fold the same text."""
    return _fold_view(text)


def _fold_view(text: str) -> View:
    """The folded view of ``text`` with offsets (see :func:`fold`).

    Text without diacritics or tatweel (most news text) is folded with one
    ``str.translate``; its offsets are then the identity.
    """
    if not _NEEDS_SLOW.search(text):
        folded = text.translate(_ONE_TO_ONE).lower()
        if len(folded) == len(text):
            return View(text, folded, range(len(text)))
    else:
        # drops (diacritics, tatweel, bidi marks) removed in one translate, offsets
        # of the kept characters in one pass
        folded = text.translate(_WITH_DROPS).lower()
        keep = [i for i, ch in enumerate(text) if ch not in _DROP]
        if len(folded) == len(keep):
            return View(text, folded, keep)
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
    folded = "".join(c if c.isascii() else fold_char(c) for c in pattern)
    return re.compile(bound_spaces(folded), flags)


MAX_SPACES = 4
_UNBOUNDED_SPACE = re.compile(r"(?<!\\)\\s([+*])(?![+{])")


def bound_spaces(pattern: str) -> str:
    r"""Rewrite ``\s+`` as ``\s{1,4}`` and ``\s*`` as ``\s{0,4}`` (:data:`MAX_SPACES`).

    Patterns that put several whitespace quantifiers side by side
    (``\s*[/.]?\s*,?\s*``) backtrack polynomially on a long run of spaces; with
    bounded runs every starting position costs a constant amount of work, so a
    scan is linear in the length of the text. Real text puts at most a few spaces
    between the words of a date or figure.

    >>> print(bound_spaces(r"a\s+b\s*?c\\s+"))
    a\s{1,4}b\s{0,4}?c\\s+
    """
    return _UNBOUNDED_SPACE.sub(
        lambda m: rf"\s{{{1 if m.group(1) == '+' else 0},{MAX_SPACES}}}",
        pattern)
