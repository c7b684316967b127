"""Longest-match lookup of multi-word names in a normalised text.

A :class:`Lexicon` maps normalised keys (see :func:`kharita.names.normalize`) to
payloads. :meth:`Lexicon.scan` walks the tokens of a :class:`~kharita.text.normalize.View`
left to right and, at each token, tries the token as written and then (for Arabic)
its readings without a proclitic (wa-, fa-, bi-, li-, ka-, al-; see
:func:`kharita.names.strip_clitic_variants`), extending word by word while the
words read so far are the beginning of some key. The longest key wins; matches do
not overlap.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from kharita.names import is_arabic, strip_clitic_variants
from kharita.text.normalize import View

T = TypeVar("T")

# Clitics whose letters are not part of the name as written: the surface starts after
# them. For "وال"/"بال"... the article stays in the surface ("والموصل" -> "الموصل");
# for fused "لل" (li- + al-) the whole token is the surface ("للتنظيم").
_SKIP = {"و": 1, "ف": 1, "ب": 1, "ل": 1, "ك": 1, "وب": 2, "ول": 2, "فب": 2, "فل": 2,
         "وال": 1, "فال": 1, "بال": 1, "كال": 1, "ال": 0, "لل": 0, "ولل": 0, "فلل": 0}


# Spelling classes of (normalised) Arabic words that news sites write both ways:
# ديمقراطية / ديموقراطية, أمريكا / أميركا, ألمانيا / المانيا is already one after folding.
SPELLING_CLASSES: tuple[tuple[str, str], ...] = (
    ("ديمقراط", "ديموقراط"), ("امريك", "اميرك"), ("فرانس", "فرنس"),
)


def spelling_variants(key: str) -> set[str]:
    """``key`` and its spellings under :data:`SPELLING_CLASSES` (normalised text).

    >>> "القوات الديموقراطيه المتحالفه" in spelling_variants("القوات الديمقراطيه المتحالفه")
    True
    """
    out = {key}
    for a, b in SPELLING_CLASSES:
        for k in list(out):
            if a in k:
                out.add(k.replace(a, b))
            elif b in k:
                out.add(k.replace(b, a))
    return out


@functools.lru_cache(maxsize=65536)
def _clitic_readings(token: str) -> tuple[tuple[str, str, int], ...]:
    """(stem, clitic, letters of the stem without the article) of an Arabic token."""
    if not is_arabic(token):
        return ()
    return tuple((stem, clitic, len(stem) - (2 if stem.startswith("ال") else 0))
                 for stem, clitic in list(strip_clitic_variants(token))[1:])


def _drops_article(key: str, clitic: str) -> bool:
    return ("ال" in clitic or "لل" in clitic) and not key.startswith("ال")


@dataclass(frozen=True)
class Hit(Generic[T]):
    """One lexicon match: tokens ``[first, last)`` of the view, and its original span."""

    first: int
    last: int
    key: str
    clitic: str
    start: int
    end: int
    payloads: tuple[T, ...]

    @property
    def article_dropped(self) -> bool:
        """True if the match needed the Arabic article removed ("السورية" -> "سورية")."""
        return _drops_article(self.key, self.clitic)


class Lexicon(Generic[T]):
    """Normalised multi-word keys -> payloads, with longest-match scanning.

    >>> from kharita.names import normalize
    >>> from kharita.text.normalize import norm_text
    >>> lex = Lexicon[str]()
    >>> lex.add(normalize("ولاية خراسان"), "is-khorasan")
    >>> t = "هجمات بولاية خراسان"
    >>> [(t[h.start:h.end], h.payloads, h.clitic) for h in lex.scan(norm_text(t))]
    [('ولاية خراسان', ('is-khorasan',), 'ب')]
    """

    def __init__(self, min_stem: int = 2) -> None:
        self._entries: dict[str, list[T]] = {}
        self._prefixes: set[str] = set()
        self.min_stem = min_stem
        self.max_words = 1

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def add(self, key: str, payload: T) -> None:
        """Add ``payload`` under the already normalised ``key`` (ignored if empty) and
        its :func:`spelling_variants`."""
        if not key:
            return
        for k in spelling_variants(key) if is_arabic(key) else (key,):
            items = self._entries.setdefault(k, [])
            if payload not in items:
                items.append(payload)
            words = k.split(" ")
            self.max_words = max(self.max_words, len(words))
            for n in range(1, len(words) + 1):
                self._prefixes.add(" ".join(words[:n]))

    def get(self, key: str) -> list[T]:
        return self._entries.get(key, [])

    def _readings(self, token: str) -> Iterator[tuple[str, str]]:
        yield token, ""
        for stem, clitic, letters in _clitic_readings(token):
            if letters >= self.min_stem:
                yield stem, clitic

    def scan(self, view: View) -> list[Hit[T]]:
        """All non-overlapping longest matches in ``view``, left to right."""
        hits: list[Hit[T]] = []
        toks = [view.text[s:e] for s, e in view.tokens]
        n = len(toks)
        i = 0
        while i < n:
            best: tuple[int, str, str] | None = None
            for reading, clitic in self._readings(toks[i]):
                if reading not in self._prefixes:
                    continue
                words = reading
                j = i + 1
                while True:
                    if words in self._entries and (
                            best is None or j > best[0]
                            or (j == best[0] and _drops_article(best[1], best[2])
                                and not _drops_article(words, clitic))):
                        # longest first; at equal length the reading that keeps the
                        # article ("والرقة": "الرقة", not "رقة")
                        best = (j, words, clitic)
                    if j >= n or j - i >= self.max_words:
                        break
                    words = words + " " + toks[j]
                    if words not in self._prefixes:
                        break
                    j += 1
                if best is not None and best[2] == "" and best[0] == i + 1:
                    # token matched as written; clitic readings only if they are longer
                    continue
            if best is None:
                i += 1
                continue
            j, key, clitic = best
            skip = _SKIP.get(clitic, 0)
            start, end = view.span(view.tokens[i][0] + skip, view.tokens[j - 1][1])
            hits.append(Hit(i, j, key, clitic, start, end, tuple(self._entries[key])))
            i = j
        return hits
