"""Data provenance: sources, files, quarantine, filtered rows, KB sources, credits."""

from __future__ import annotations

import pandas as pd

from kharita.report.sections.base import BriefData, Section, Table

ID, TITLE = "provenance", "Data provenance"


def build(data: BriefData) -> Section:
    info = data.info
    tables = [Table("Sources in the store", info.sources,
                    caption=data.label("Events per source and version."))]
    if len(info.files):
        tables.append(Table("Files ingested", info.files.drop(columns=["ingest_file_id"],
                                                              errors="ignore"),
                            caption=data.label("rows_read = rows_stored + rows_quarantined "
                                                "+ rows_filtered for every file.")))
    q = info.quarantine if len(info.quarantine) else pd.DataFrame(
        {"file": [], "reason": [], "rows": []})
    tables.append(Table("Quarantined rows by file and reason", q,
                        caption=data.label("Rows that could not be used; none was dropped "
                                            "silently.")))
    if len(info.filtered):
        tables.append(Table("Rows filtered on purpose", info.filtered,
                            caption=data.label("By reason.")))
    notes = [
        "UCDP GED, CC BY 4.0; Sundberg & Melander 2013, Journal of Peace Research 50(4) "
        "(\"Introducing the UCDP Georeferenced Event Dataset\"), and the codebook of the "
        "version used.",
        "GDELT: The GDELT Project (gdeltproject.org), free use with citation.",
        "ACLED and GTD, where present, were read from the user's own licensed copy and are "
        "not redistributed by kharita.",
        f"Knowledge base version {data.kb.version}; attributions made with KB version(s): "
        f"{', '.join(info.kb_versions) or 'none recorded'}.",
        "Map outlines: Natural Earth 1:110m (public domain) via world-atlas 2.0.2.",
    ]
    if data.synthetic:
        notes.insert(0, "SYNTHETIC DATA: every event in this store was made by kharita's "
                        "seeded synthetic generator. No figure in this brief describes real "
                        "events; the knowledge base (structure, territories, leaders) is real "
                        "and sourced.")
    srcs = pd.DataFrame([{"id": s.id, "title": s.title, "publisher": s.publisher,
                          "date": str(s.date), "url": s.url or ""}
                         for s in sorted(data.kb.sources.values(), key=lambda s: s.id)])
    tables.append(Table("Knowledge-base sources cited", srcs,
                        caption=data.label("Addresses are printed as text, not loaded."),
                        max_rows=400))
    return Section(ID, TITLE, intro=data.label("Where every number in this brief comes from."),
                   tables=tables, notes=notes)
