"""The brief's sections: one module each, registered here in the order they print.

Each section module defines ``ID``, ``TITLE`` and ``build(data) -> Section``, reading
only the shared :class:`~kharita.report.sections.base.BriefData` (which computes each
figure once per brief) and :mod:`kharita.views`. Adding a section is one module and one
line in :data:`SECTIONS`. :func:`run_section` turns a builder that cannot run on this
store into a notice ("unavailable" when it raises
:class:`~kharita.report.sections.base.Unavailable`, "error" otherwise), never into
invented numbers, and the rest of the brief is still written.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence

from kharita.report.sections import (
    activity,
    capture,
    caveats,
    claims,
    contagion,
    coverage,
    decentralization,
    eventmap,
    gravity,
    outlook,
    provenance,
    regions,
    shocks,
    structure,
    summary,
)
from kharita.report.sections.base import (
    BriefData,
    Chart,
    Section,
    SectionSpec,
    Table,
    Unavailable,
)

__all__ = ["SECTIONS", "BriefData", "Chart", "Section", "SectionSpec", "Table", "Unavailable",
           "build_sections", "run_section", "spec"]


def spec(module: object) -> SectionSpec:
    """The registry entry of a section module (its ``ID``, ``TITLE`` and ``build``)."""
    return SectionSpec(module.ID, module.TITLE, module.build,  # type: ignore[attr-defined]
                       getattr(module, "prefetch", None))


SECTIONS: tuple[SectionSpec, ...] = tuple(spec(m) for m in (
    summary, claims, eventmap, activity, regions, gravity, decentralization, shocks,
    structure, contagion, outlook, capture, coverage, provenance, caveats))


def run_section(s: SectionSpec, data: BriefData) -> Section:
    """Build one section; a builder that fails gives a notice section with the reason."""
    try:
        return s.builder(data)
    except Unavailable as exc:
        return Section(s.id, s.title, status="unavailable",
                       reason=f"not available for this store: {exc}")
    except Exception as exc:  # a section must never take the whole brief down
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return Section(s.id, s.title, status="error",
                       reason=f"could not be computed on this store: {detail}")


def build_sections(data: BriefData, specs: Sequence[SectionSpec] | None = None,
                   progress: Callable[[str], None] | None = None) -> list[Section]:
    """Run every registered section (or ``specs``) in order on one data object (after
    each section's ``prefetch``, which may start background work)."""
    specs = specs if specs is not None else SECTIONS
    for s in specs:
        if s.prefetch is not None:
            s.prefetch(data)
    out = []
    for s in specs:
        if progress:
            progress(s.title)
        out.append(run_section(s, data))
    return out
