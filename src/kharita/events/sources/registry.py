"""The connector registry: every dataset kharita reads, in one place.

Each connector module (``ucdp``, ``acled``, ``gtd``, ``gdelt``) defines one
:class:`~kharita.events.sources._common.Connector` named ``CONNECTOR`` (name, label,
header keys, credit line, KB dataset-name field, joint-label syntax, ``sniff`` and
``normalize``); this module lists them. Ingest (:func:`get`), source guessing
(:func:`guess`, :func:`guess_file`), the CLI's source choices (:func:`names`), the
attribution rules (joint labels, coalitions, dataset names) and the credits printed by
the brief and the workbench (:func:`credits`) all read the registry; nothing else
names a dataset.

Adding a connector: write ``kharita/events/sources/<name>.py`` with ``sniff``,
``normalize`` and ``CONNECTOR``, add it to :data:`_CONNECTORS` below, and add tests
(see ``docs/events.md``, "Adding a connector").

>>> names()
('ucdp', 'acled', 'gtd', 'gdelt', 'synthetic', 'table')
>>> guess(["id", "type_of_violence", "side_a", "side_b", "date_start", "best"])
'ucdp'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from pathlib import Path

from kharita.errors import IngestError
from kharita.events.sources import acled, gdelt, gtd, table, ucdp
from kharita.events.sources._common import Connector, ReadPlan, first_records, head_bytes

__all__ = ["Connector", "ReadPlan", "connectors", "credits", "find", "get", "guess",
           "guess_file", "names"]

#: GED-format files written by kharita's seeded generator
#: (:mod:`kharita.events.sources.synthetic`): read as UCDP, stored with
#: ``source = 'synthetic'`` and ``synthetic = true``.
SYNTHETIC = dataclasses.replace(
    ucdp.CONNECTOR, name="synthetic", label="a kharita SYNTHETIC GED CSV",
    title="kharita's seeded synthetic events (GED format)",
    credit="SYNTHETIC: events made by kharita's seeded generator; they describe no real "
           "events.", synthetic=True, guessable=False)

#: The registered connectors, in guessing order (the first whose header matches wins).
_CONNECTORS: tuple[Connector, ...] = (
    ucdp.CONNECTOR,
    acled.CONNECTOR,
    gtd.CONNECTOR,
    gdelt.CONNECTOR,
    SYNTHETIC,
    table.CONNECTOR,  # the user's own event lists (a mapping file per list)
)
_BY_NAME: dict[str, Connector] = {c.name: c for c in _CONNECTORS}


def connectors() -> tuple[Connector, ...]:
    """Every registered connector, in registration order."""
    return _CONNECTORS


def names() -> tuple[str, ...]:
    """The source names ingest accepts (``kharita ingest SOURCE``)."""
    return tuple(c.name for c in _CONNECTORS)


def find(name: str) -> Connector | None:
    """The connector of a source name, or None."""
    return _BY_NAME.get(name)


def get(name: str) -> Connector:
    """The connector of a source name.

    Raises
    ------
    IngestError
        For a name no connector has (naming the valid ones).
    """
    c = _BY_NAME.get(name)
    if c is None:
        raise IngestError(f"unknown source {name!r}; expected one of "
                          f"{', '.join(sorted(_BY_NAME))}")
    return c


def guess(header: Sequence[str]) -> str | None:
    """The dataset a header row (column names) belongs to, or None."""
    for c in _CONNECTORS:
        if c.guessable and c.matches_header(header):
            return c.name
    return None


def guess_file(path: str | Path) -> str | None:
    """Best guess of a file's dataset from its name and first bytes (None when unknown):
    first each connector's ``detect`` (header-less layouts), then the header row read
    with ``,``, ``;`` or a tab as delimiter."""
    p = Path(path)
    data = b"" if p.suffix.lower() == ".xlsx" else head_bytes(p)
    for c in _CONNECTORS:
        if c.guessable and c.detect is not None and c.detect(p, data):
            return c.name
    if p.suffix.lower() == ".xlsx":
        return None
    for delim in (",", ";", "\t"):
        recs = first_records(data, delim=delim, n=1, encoding="latin-1")
        if recs:
            kind = guess(recs[0])
            if kind:
                return kind
    return None


def credits(sources: Iterable[str] | None = None) -> list[str]:
    """Credit lines of the given sources (every registered dataset when None), in
    registration order; unknown names are left out.

    >>> credits(["gdelt"])
    ['GDELT: The GDELT Project (gdeltproject.org), free use with citation; Leetaru & Schrodt 2013.']
    """
    wanted = None if sources is None else set(sources)
    out: list[str] = []
    for c in _CONNECTORS:
        chosen = (not c.synthetic) if wanted is None else c.name in wanted
        if chosen and c.credit and c.credit not in out:
            out.append(c.credit)
    return out
