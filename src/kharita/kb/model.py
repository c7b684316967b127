"""The knowledge base's data model (pydantic v2), as written in ``kb/data/*.yaml``.

Every fact (entity, relation, territory, claim) cites at least one source id from
the source registry and carries a confidence in [0, 1]: 1 = stated by several
authoritative sources, 0.7-0.9 = one authoritative source, 0.5 = partly confirmed.
Dates are :class:`~kharita.kb.dates.FuzzyDate` strings (``2019``, ``2019-10``,
``2019-10-27``). See ``docs/kb.md`` for the file format.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    PlainSerializer,
)
from pydantic_core import core_schema

from kharita.kb.dates import FuzzyDate

Date = Annotated[
    FuzzyDate,
    BeforeValidator(FuzzyDate.parse),
    PlainSerializer(str, return_type=str),
]

EntityType = Literal[
    "organisation",  # the whole network (``is``)
    "directorate",  # e.g. the General Directorate of Provinces
    "office",  # a regional office of the directorate
    "province",  # a branch / wilayah
    "predecessor",  # an earlier name or organisation of the network
    "splinter",  # a faction that split away
    "group",  # another armed group that pledged (or did not) - affiliation is a relation
    "person",  # a publicly reported leader or official
    "landmark_event",  # an attack, a fall of a town, a leader's death
]

RelationType = Literal[
    "part_of",  # formal status: source is a part of target
    "office_of",  # source (an office) covers target (a province)
    "pledged_to",  # source pledged allegiance to target
    "accepted_by",  # source's pledge was accepted by target
    "affiliated_with",  # operational identity: source's activity counts as target's
    "split_from",
    "successor_of",
    "led_by",  # source was led by target (a person); validity = tenure
    "rival_of",
    "funds",
    "supports",
    "perpetrated_by",  # a landmark event (source) was carried out by target
]

PersonDateKind = Literal["death", "death_announced", "appointed", "appointment_announced",
                         "captured", "born"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Validity(_Strict):
    """Interval in which a fact holds; ``to=None`` means still holds."""

    from_: Date | None = Field(default=None, alias="from")
    to: Date | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def bounds(self) -> tuple[dt.date | None, dt.date | None]:
        """``(from.earliest, to.latest)``: the widest interval the fact may hold in (the
        lenient reading of :meth:`contains`); None where it is open."""
        return (self.from_.earliest if self.from_ is not None else None,
                self.to.latest if self.to is not None else None)

    def contains(self, day: dt.date) -> bool:
        """True if ``day`` lies within ``[from.earliest, to.latest]`` (lenient reading)."""
        if self.from_ is not None and day < self.from_.earliest:
            return False
        return not (self.to is not None and day > self.to.latest)


class Names(_Strict):
    en: str
    ar: str | None = None
    fr: str | None = None


class Aliases(_Strict):
    en: list[str] = Field(default_factory=list)
    ar: list[str] = Field(default_factory=list)
    fr: list[str] = Field(default_factory=list)


class DatedFact(_Strict):
    """One dated event in a person's record, e.g. a death and, separately, its announcement.

    Several entries of the same kind with different dates record disagreeing sources.
    """

    kind: PersonDateKind
    date: Date
    sources: list[str] = Field(min_length=1)
    confidence: float = Field(ge=0, le=1)
    note: str | None = None


def _dated_label(value: Any, key: str) -> tuple[Any, Validity]:
    """``(value, validity)`` of a dataset label written plain or as ``{key, from, to}``."""
    if isinstance(value, dict):
        extra = set(value) - {key, "from", "to"}
        if extra or key not in value:
            raise ValueError(f"a dated dataset label is {{{key}, from, to}}; got keys "
                             f"{sorted(value)}")
        valid = Validity.model_validate({k: value[k] for k in ("from", "to") if k in value})
        return value[key], valid
    return value, Validity()


def _label_ser(value: DatasetName | DatasetId) -> Any:
    plain = str(value) if isinstance(value, DatasetName) else int(value)
    if value.valid.from_ is None and value.valid.to is None:
        return plain
    key = "name" if isinstance(value, DatasetName) else "id"
    out: dict[str, Any] = {key: plain}
    if value.valid.from_ is not None:
        out["from"] = str(value.valid.from_)
    if value.valid.to is not None:
        out["to"] = str(value.valid.to)
    return out


class DatasetName(str):
    """A dataset's actor string for an entity, with the period of event dates in which
    the dataset's label denotes it (``valid``; open when written as a plain string).

    Written in the YAML as a plain string or as ``{name, from, to}``; it *is* the string
    (compares and hashes as the name), with the period in ``.valid``. Attribution reads
    an unset period of a branch's (province's) label as the branch's own validity
    (:mod:`kharita.events.rules`, rule ``label-fallback``).

    >>> n = DatasetName.parse({"name": "Islamic State (Mozambique)", "from": "2022-05-09"})
    >>> n == "Islamic State (Mozambique)", str(n.valid.from_)
    (True, '2022-05-09')
    """

    valid: Validity

    def __new__(cls, name: str, valid: Validity | None = None) -> DatasetName:
        obj = super().__new__(cls, name)
        obj.valid = valid if valid is not None else Validity()
        return obj

    def __reduce__(self) -> Any:
        return (DatasetName, (str(self), self.valid))

    @classmethod
    def parse(cls, value: Any) -> DatasetName:
        if isinstance(value, DatasetName):
            return value
        name, valid = _dated_label(value, "name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"a dataset name must be a non-empty string, got {name!r}")
        return cls(name, valid)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler
                                     ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls.parse, serialization=core_schema.plain_serializer_function_ser_schema(
                _label_ser))


class DatasetId(int):
    """A dataset's numeric actor id for an entity (UCDP), with the period of event dates
    in which it denotes it: a plain integer or ``{id, from, to}`` (see
    :class:`DatasetName`)."""

    valid: Validity

    def __new__(cls, value: int, valid: Validity | None = None) -> DatasetId:
        obj = super().__new__(cls, value)
        obj.valid = valid if valid is not None else Validity()
        return obj

    def __reduce__(self) -> Any:
        return (DatasetId, (int(self), self.valid))

    @classmethod
    def parse(cls, value: Any) -> DatasetId:
        if isinstance(value, DatasetId):
            return value
        raw, valid = _dated_label(value, "id")
        if isinstance(raw, bool) or not isinstance(raw, int | str) or \
                not str(raw).strip().isdigit():
            raise ValueError(f"a dataset actor id must be a whole number, got {raw!r}")
        return cls(int(raw), valid)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler
                                     ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls.parse, serialization=core_schema.plain_serializer_function_ser_schema(
                _label_ser))


class SourceIds(_Strict):
    """Identifiers of an entity in external datasets, used by attribution rules.

    Each item is the plain label (``"Islamic State (Sahel)"``, ``234``) or a dated one
    (``{name: ..., from: ..., to: ...}``; ``{id: ..., from: ..., to: ...}`` for UCDP
    actor ids): the period of event dates in which the dataset's label denotes this
    entity. Outside it attribution falls back to the entity that carried the name then
    (``docs/attribution.md``).
    """

    ucdp_actor_id: list[DatasetId] = Field(default_factory=list)
    acled: list[DatasetName] = Field(default_factory=list)
    gtd: list[DatasetName] = Field(default_factory=list)
    gdelt: list[DatasetName] = Field(default_factory=list)


class Entity(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    type: EntityType
    names: Names
    aliases: Aliases = Field(default_factory=Aliases)
    wikidata: str | None = Field(default=None, pattern=r"^Q\d+$")
    valid: Validity = Field(default_factory=Validity)
    dates: list[DatedFact] = Field(default_factory=list)
    dataset_names: SourceIds = Field(default_factory=SourceIds)
    region: str | None = None  # world region for events of this branch, e.g. "Africa"
    description: str | None = None
    sources: list[str] = Field(min_length=1)
    confidence: float = Field(ge=0, le=1)
    line: int | None = Field(default=None, exclude=True)
    file: str | None = Field(default=None, exclude=True)

    def all_names(self) -> list[tuple[str, str]]:
        """Every (name, language) pair: names first, then aliases."""
        out: list[tuple[str, str]] = []
        for lang in ("en", "ar", "fr"):
            value = getattr(self.names, lang)
            if value:
                out.append((value, lang))
        for lang in ("en", "ar", "fr"):
            out.extend((a, lang) for a in getattr(self.aliases, lang))
        return out


class Relation(_Strict):
    type: RelationType
    source: str
    target: str
    valid: Validity = Field(default_factory=Validity)
    sources: list[str] = Field(min_length=1)
    confidence: float = Field(ge=0, le=1)
    note: str | None = None
    line: int | None = Field(default=None, exclude=True)
    file: str | None = Field(default=None, exclude=True)

    @property
    def id(self) -> str:
        start = str(self.valid.from_) if self.valid.from_ else "*"
        return f"{self.source}/{self.type}/{self.target}@{start}"


class Territory(_Strict):
    """Where a branch operates: a country (ISO3) and optionally first-level admin areas.

    ``admin1`` lists area names as the event datasets spell them (several spellings
    allowed); an empty list means the whole country. ``exclude_admin1`` carves areas
    out of a whole-country rule. ``priority`` breaks ties when two rules cover the
    same place and date (higher wins).
    """

    entity: str
    country: str = Field(pattern=r"^[A-Z]{3}$")
    admin1: list[str] = Field(default_factory=list)
    exclude_admin1: list[str] = Field(default_factory=list)
    valid: Validity = Field(default_factory=Validity)
    priority: int = 0
    sources: list[str] = Field(min_length=1)
    confidence: float = Field(ge=0, le=1)
    note: str | None = None
    line: int | None = Field(default=None, exclude=True)
    file: str | None = Field(default=None, exclude=True)


class Claim(_Strict):
    """A figure analysts quote, as a sourced claim (never a constant in code)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    subject: str
    property: str
    value: float | None = None
    low: float | None = None
    high: float | None = None
    qualifier: Literal["exactly", "about", "more_than", "less_than", "between", "up_to"] = "about"
    unit: str
    date: Date
    text: str | None = None
    sources: list[str] = Field(min_length=1)
    confidence: float = Field(ge=0, le=1)
    line: int | None = Field(default=None, exclude=True)
    file: str | None = Field(default=None, exclude=True)


SourceKind = Literal["un_report", "government", "journal", "think_tank", "news", "dataset",
                     "reference", "book", "article"]


class Source(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    kind: SourceKind
    title: str
    publisher: str
    date: Date
    url: str | None = None
    symbol: str | None = None  # e.g. UN document symbol S/2025/71
    note: str | None = None
    line: int | None = Field(default=None, exclude=True)
    file: str | None = Field(default=None, exclude=True)


class KBFile(_Strict):
    """One YAML file of the KB: any of the sections may be present."""

    kb_version: str | None = None
    sources: list[Source] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    territories: list[Territory] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)


def model_dump_public(obj: BaseModel) -> dict[str, Any]:
    """JSON-ready dict of a KB object, with ``from`` (not ``from_``) and dates as strings."""
    return obj.model_dump(mode="json", by_alias=True, exclude_none=True)
