"""Accepting claims read from text into a user KB overlay file.

:func:`accept_claims` appends, to a YAML overlay (created if missing), one
``sources`` entry for each article (kind ``news``; title = the article's first
line as written; publisher as given, else ``unknown``; date = the article's
publication date; note = file path and sha256 and the bodies the claims cite)
and one ``claims`` entry per accepted claim (subject, property, value/low/high,
qualifier, unit, date = the cited source's date if the sentence gives one, else
the publication date; ``text`` = the claim sentence as written; confidence 0.5:
one news report, not yet checked against the cited source). Records whose id is
already in the file are kept as they are, and the new records are inserted as
text at the end of the file's ``sources:`` and ``claims:`` blocks, so the user's
comments and layout survive (a file in another layout is rewritten as a whole).
The result is validated by loading the KB with the overlay
(:func:`kharita.kb.load.load_kb`); on any problem the file is restored and the
error raised.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from kharita.errors import KharitaError
from kharita.kb.load import KBLimitError, load_kb, read_limited, safe_load_bounded
from kharita.text.store import get_claims


def _num(v: Any) -> float | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return float(v)


def _str(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    return str(v)


def _dump_items(records: list[dict[str, Any]], indent: int) -> list[str]:
    text = yaml.safe_dump(records, allow_unicode=True, sort_keys=False, width=100)
    return [" " * indent + line + "\n" for line in text.splitlines()]


def append_records(text: str, section: str, records: list[dict[str, Any]]) -> str | None:
    r"""``text`` with ``records`` added at the end of its top-level ``section:`` list.

    Returns None when the section is not a plain block list (then the caller
    rewrites the file).

    >>> text = "# mine\nclaims:\n  - id: a  # kept\n"
    >>> print(append_records(text, "claims", [{"id": "b"}]), end="")
    # mine
    claims:
      - id: a  # kept
      - id: b
    """
    if not records:
        return text
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    head = re.compile(rf"^{section}:\s*(#.*)?$")
    start = next((i for i, line in enumerate(lines) if head.match(line.rstrip("\n"))), None)
    if start is None:
        if any(re.match(rf"^{section}\s*:", line) for line in lines):
            return None  # flow style or something unusual
        return "".join(lines) + f"{section}:\n" + "".join(_dump_items(records, 2))
    end = next((j for j in range(start + 1, len(lines))
                if re.match(r"^[^\s#-]", lines[j])), len(lines))
    items = [re.match(r"^(\s*)- ", line) for line in lines[start + 1:end]]
    indents = {len(m.group(1)) for m in items if m}
    if len(indents) > 1:
        return None
    indent = indents.pop() if indents else 2
    insert = end
    while insert > start + 1 and not lines[insert - 1].strip():
        insert -= 1
    return "".join(lines[:insert] + _dump_items(records, indent) + lines[insert:])


def source_id(sha256: str) -> str:
    """KB source id of an article: ``news-<first 10 hex of its sha256>``."""
    return f"news-{sha256[:10]}"


def accept_claims(con: Any, ids: list[str], into: str | Path, *, publisher: str | None = None,
                  overlays: list[str | Path] | None = None) -> dict[str, Any]:
    """Write the stored claims ``ids`` with their articles as sources into ``into``.

    Returns a summary: ``{"file", "sources_added", "claims_added", "claims_kept"}``.
    """
    df = get_claims(con, ids)
    path = Path(into)
    try:  # bounded: size, aliases and nesting (an overlay is user input)
        before = read_limited(path).decode("utf-8") if path.exists() else None
        data: dict[str, Any] = (safe_load_bounded(before) if before else None) or {}
    except KBLimitError as exc:
        raise KharitaError(f"{path}: {exc.problem}") from None
    if not isinstance(data, dict):
        raise KharitaError(f"{path}: not a KB overlay (top level must be a mapping)")
    original_keys = set(data)
    sources = data.get("sources") or []
    claims = data.get("claims") or []
    if not isinstance(sources, list) or not isinstance(claims, list):
        raise KharitaError(f"{path}: 'sources' and 'claims' must be lists")
    have_sources = {s.get("id") for s in sources if isinstance(s, dict)}
    have_claims = {c.get("id") for c in claims if isinstance(c, dict)}
    added_s, added_c, kept = 0, 0, 0
    new_sources: list[dict[str, Any]] = []
    new_claims: list[dict[str, Any]] = []
    for row in df.sort_values("claim_id").to_dict("records"):
        cid = row["claim_id"]
        if row["kind"] != "figure":
            raise KharitaError(f"claim {cid} is a relation claim; only figure claims can be "
                               "accepted as KB claims (add the relation to your overlay by hand)")
        if not _str(row["subject"]):
            raise KharitaError(f"claim {cid} has no subject (no network entity in or before "
                               "its sentence); cannot accept it")
        published = _str(row["published"])
        if not published:
            raise KharitaError(f"claim {cid}: its article {row['path']} has no publication "
                               "date; cannot cite it as a KB source")
        sid = source_id(row["sha256"])
        if sid not in have_sources:
            new_sources.append({
                "id": sid, "kind": "news", "title": _str(row["title"]) or Path(row["path"]).name,
                "publisher": publisher or "unknown", "date": published,
                "note": f"read by kharita from {Path(row['path']).name}, "
                        f"sha256 {row['sha256']}",
            })
            have_sources.add(sid)
            added_s += 1
        if cid in have_claims:
            kept += 1
            continue
        rec: dict[str, Any] = {"id": cid, "subject": row["subject"], "property": row["property"]}
        for k in ("value", "low", "high"):
            v = _num(row[k])
            if v is not None:
                rec[k] = int(v) if v.is_integer() else v
        rec.update({
            "qualifier": row["qualifier"], "unit": row["unit"],
            "date": _str(row["source_date"]) or published,
            "text": row["sentence"],
            "sources": [sid], "confidence": 0.5,
        })
        new_claims.append(rec)
        have_claims.add(cid)
        added_c += 1
    for key, old, new in (("sources", sources, new_sources), ("claims", claims, new_claims)):
        if new or key in original_keys:
            data[key] = old + new
    new_text = append_records(before, "sources", new_sources) if before else None
    if new_text is not None:
        new_text = append_records(new_text, "claims", new_claims)
    if new_text is None or safe_load_bounded(new_text) != data:
        new_text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new_text, encoding="utf-8")
    try:
        load_kb([*(overlays or []), path])
    except Exception:
        if before is None:
            path.unlink()
        else:
            path.write_text(before, encoding="utf-8")
        raise
    return {"file": str(path), "sources_added": added_s, "claims_added": added_c,
            "claims_kept": kept}
