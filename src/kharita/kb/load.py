"""Loading the KB: the YAML files shipped in ``kb/data`` plus user overlay files.

Overlays (files or folders passed as ``overlays``) are loaded after the shipped files and
validated the same way. An overlay may add
sources, entities, relations, territories and claims; an entity whose id already
exists replaces the shipped one (so an analyst can correct a fact locally).

The library never reads the environment: the command line and the workbench turn the
``KHARITA_KB_PATH`` setting (:mod:`kharita.config`) and ``--kb`` into ``overlays``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from kharita.errors import KBValidationError
from kharita.kb.knowledge import KnowledgeBase
from kharita.kb.model import KBFile
from kharita.kb.validate import Problem, validate


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records the 1-based line of every mapping as ``__line__``."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping: dict[str, Any] = dict(loader.construct_mapping(node, deep=True))  # type: ignore[arg-type]
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Keep dates as strings: the KB's precision lives in the string's length.
_LineLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def shipped_files() -> list[Path]:
    """The KB files shipped inside the package, in load order (sorted by name)."""
    root = resources.files("kharita.kb") / "data"
    return sorted(Path(str(p)) for p in root.iterdir() if str(p).endswith((".yaml", ".yml")))


def overlay_files(extra: Iterable[str | os.PathLike[str]] | None = None) -> list[Path]:
    """The YAML files of ``extra``: files as given, folders expanded to their
    ``*.yaml``/``*.yml`` files (sorted by name)."""
    paths = [Path(p) for p in (extra or [])]
    out: list[Path] = []
    for p in paths:
        out.extend(sorted(p.glob("*.y*ml")) if p.is_dir() else [p])
    return out


def _strip_lines(obj: Any, file: str) -> Any:
    """Move ``__line__`` keys to ``line``/``file`` on top-level records only."""
    if isinstance(obj, dict):
        return {k: _strip_lines(v, file) for k, v in obj.items() if k != "__line__"}
    if isinstance(obj, list):
        return [_strip_lines(v, file) for v in obj]
    return obj


def _parse_file(path: Path, problems: list[Problem]) -> KBFile | None:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problems.append(Problem(str(path), line, f"cannot read YAML: {exc}"))
        return None
    if raw is None:
        return KBFile()
    if not isinstance(raw, dict):
        problems.append(Problem(str(path), 1, "top level must be a mapping of sections"))
        return None
    raw.pop("__line__", None)
    sections: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, list):
            items = []
            for item in value:
                if isinstance(item, dict):
                    line = item.get("__line__")
                    item = _strip_lines(item, str(path))
                    item["line"] = line
                    item["file"] = str(path)
                items.append(item)
            sections[key] = items
        else:
            sections[key] = value
    try:
        return KBFile.model_validate(sections)
    except ValidationError as exc:
        for err in exc.errors():
            loc = err["loc"]
            line = None
            section = str(loc[0]) if loc else ""
            rows = sections.get(section)
            if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(rows, list):
                record = sections[section][loc[1]]
                if isinstance(record, dict):
                    line = record.get("line")
            field = ".".join(str(x) for x in loc)
            problems.append(Problem(str(path), line, f"{field}: {err['msg']}"))
        return None


def load_kb(
    overlays: Sequence[str | os.PathLike[str]] | None = None,
    *,
    include_shipped: bool = True,
    files: Sequence[str | os.PathLike[str]] | None = None,
    check: bool = True,
) -> KnowledgeBase:
    """Load and validate the knowledge base.

    Parameters
    ----------
    overlays
        Extra YAML files or folders loaded on top of the shipped KB, in order. The
        environment is not read here (``KHARITA_KB_PATH`` is the CLI's and the web
        app's: :func:`kharita.config.setting`).
    include_shipped
        Load the files shipped in the package (default). Tests of broken fixtures
        turn this off.
    files
        Load exactly these files instead of the shipped ones (overlays still apply).
    check
        Raise :class:`~kharita.errors.KBValidationError` on any problem (default).
        With ``check=False`` the KB is returned with ``kb.problems`` filled in.

    Returns
    -------
    KnowledgeBase

    Examples
    --------
    >>> kb = load_kb()
    >>> kb.entity("is-khorasan").names.en
    'Islamic State Khorasan Province'
    """
    paths: list[Path] = []
    if files is not None:
        paths.extend(Path(f) for f in files)
    elif include_shipped:
        paths.extend(shipped_files())
    paths.extend(overlay_files(overlays))
    problems: list[Problem] = []
    parsed: list[tuple[Path, KBFile]] = []
    digest = hashlib.sha256()
    for path in paths:
        try:
            digest.update(path.read_bytes())
        except OSError as exc:
            problems.append(Problem(str(path), None, f"cannot read file: {exc}"))
            continue
        kbfile = _parse_file(path, problems)
        if kbfile is not None:
            parsed.append((path, kbfile))
    base_version = next((f.kb_version for _, f in parsed if f.kb_version), "0")
    kb = KnowledgeBase.from_files(
        [f for _, f in parsed],
        version=f"{base_version}+{digest.hexdigest()[:10]}",
        paths=[str(p) for p in paths],
    )
    problems.extend(validate(kb))
    kb.problems = problems
    if check and problems:
        raise KBValidationError(problems)
    return kb
