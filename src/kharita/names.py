"""Name normalisation for matching names and aliases in Arabic, English and French.

Definitions
-----------
Arabic normalisation folds the orthographic variation that Arabic news text shows
for the same name [1]_:

* removes diacritics (tashkeel: fathatan .. sukun, superscript alef) and tatweel;
* alef variants (أ إ آ ٱ) -> ا; alef maqsura ى -> ي; ta marbuta ة -> ه;
  hamza on waw/ya (ؤ ئ) -> و / ي; Persian yeh/kaf (ی ک) -> ي / ك;
* Arabic-Indic (٠-٩) and Persian (۰-۹) digits -> ASCII digits.

Latin text is case-folded and stripped of combining accents, so that
"État islamique" and "etat islamique" compare equal.

Every normaliser here keeps a map from each output character to the index of the
character in the input it came from, so matches found in normalised text can be
reported as offsets into the original (see :func:`normalize_with_offsets`).

References
----------
.. [1] Habash, N. (2010). *Introduction to Arabic Natural Language Processing*.
   Morgan & Claypool, ch. 2 (orthographic normalisation).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

# Characters removed outright: harakat U+064B..U+0652, superscript alef U+0670,
# Quranic marks U+06D6..U+06ED, tatweel U+0640, and bidi/zero-width controls that
# copy-pasted web text carries.
_DROP = set(
    [chr(c) for c in range(0x064B, 0x0653)]
    + ["\u0670", "\u0640", "\u200c", "\u200d", "\u200e", "\u200f", "\u061c", "\ufeff"]
    + [chr(c) for c in range(0x06D6, 0x06EE)]
)

_MAP = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ة": "ه",
    "ؤ": "و",
    "ئ": "ي",
    "ی": "ي",
    "ک": "ك",
    "ـ": "",
}
_MAP.update({chr(0x0660 + i): str(i) for i in range(10)})  # Arabic-Indic digits
_MAP.update({chr(0x06F0 + i): str(i) for i in range(10)})  # Persian digits

# Proclitics that attach to a name in running Arabic text, longest first, so that
# "وبولاية" -> "ولاية" and "للتنظيم" -> "التنظيم" (li- + al- fuse as "لل").
ARABIC_PROCLITICS: tuple[str, ...] = ("وال", "فال", "بال", "كال", "ولل", "فلل", "لل", "ال",
                                      "وب", "ول", "فب", "فل", "و", "ف", "ب", "ل", "ك")

_ARABIC_LETTER = re.compile(r"[\u0600-\u06FF]")


def is_arabic(text: str) -> bool:
    """True if ``text`` contains at least one Arabic-script letter."""
    return bool(_ARABIC_LETTER.search(text))


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """Normalise ``text`` and return it with, for each output character, its input index.

    Arabic is folded as described in the module docstring; Latin letters are
    case-folded and stripped of accents; runs of whitespace and punctuation
    other than letters and digits become a single space.

    >>> normalize_with_offsets("وَلايَة")[0]
    'ولايه'
    >>> normalize_with_offsets("État-Islamique")[0]
    'etat islamique'
    """
    out: list[str] = []
    offsets: list[int] = []
    last_space = True
    for i, ch in enumerate(text):
        if ch in _DROP:
            continue
        mapped = _MAP.get(ch, ch)
        for m in mapped:
            if not m.isascii() and not _ARABIC_LETTER.match(m):
                decomposed = unicodedata.normalize("NFKD", m)
                m = "".join(c for c in decomposed if not unicodedata.combining(c)) or m
            for c in m.casefold():
                if c.isalnum():
                    out.append(c)
                    offsets.append(i)
                    last_space = False
                elif not last_space:
                    out.append(" ")
                    offsets.append(i)
                    last_space = True
    while out and out[-1] == " ":
        out.pop()
        offsets.pop()
    return "".join(out), offsets


def normalize(text: str) -> str:
    """Normalised form of ``text`` used as a matching key (see module docstring).

    >>> normalize("الدَّوْلَة الإسلاميّة")
    'الدوله الاسلاميه'
    >>> normalize("٢٠١٩")
    '2019'
    """
    return normalize_with_offsets(text)[0]


def strip_clitic_variants(token: str) -> Iterator[tuple[str, str]]:
    """Yield ``(stem, clitic)`` readings of a normalised Arabic ``token``.

    The token itself comes first (clitic ``""``). A clitic reading is yielded only
    when the stem keeps at least two letters; readings that drop a fused article
    also yield the stem with ``ال`` restored, because "للتنظيم" is li- + "التنظيم".

    >>> [s for s, _ in strip_clitic_variants("وداعش")]
    ['وداعش', 'داعش']
    >>> ("التنظيم", "لل") in list(strip_clitic_variants("للتنظيم"))
    True
    """
    yield token, ""
    if not is_arabic(token):
        return
    seen = {token}
    for clitic in ARABIC_PROCLITICS:
        if token.startswith(clitic) and len(token) - len(clitic) >= 2:
            stem = token[len(clitic):]
            readings = [stem]
            if clitic.endswith("ل") and clitic.endswith("لل"):
                readings.insert(0, "ال" + stem)
            elif clitic.endswith("ال"):
                readings.append("ال" + stem)
            for reading in readings:
                if reading not in seen:
                    seen.add(reading)
                    yield reading, clitic


def name_keys(name: str) -> set[str]:
    """All normalised matching keys for a name or alias.

    A key is the normalised name, plus (for Arabic) the forms without the
    definite article on the first word, so "الدولة الإسلامية" also matches
    "دولة إسلامية" written without articles in headlines.

    >>> sorted(name_keys("ISIS-K"))
    ['isis k']
    """
    base = normalize(name)
    keys = {base}
    if is_arabic(base):
        words = base.split(" ")
        if words and words[0].startswith("ال") and len(words[0]) > 3:
            keys.add(" ".join([words[0][2:], *words[1:]]))
    return {k for k in keys if k}
