"""Loading the KB: the YAML files shipped in ``kb/data`` plus user overlay files.

Overlays (files or folders passed as ``overlays``) are loaded after the shipped files and
validated the same way. An overlay may add
sources, entities, relations, territories and claims; an entity whose id already
exists replaces the shipped one (so an analyst can correct a fact locally).

Loading is bounded, since overlays are user input: :data:`MAX_FILE_BYTES` per file and
:data:`MAX_TOTAL_BYTES` over all files of one load,
nesting of at most :data:`MAX_DEPTH` collections (YAML or JSON), no YAML aliases
(:data:`MAX_ALIASES`, against "billion laughs" expansion); a file over a limit is one
``limits`` problem naming the file and line. Repeated keys in a mapping are
``duplicate-key`` problems naming the record.

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

#: Largest KB file or overlay read, in bytes (the largest shipped file is about 40 kB).
MAX_FILE_BYTES = 4 * 1024 * 1024
#: Largest total read over all KB files and overlays of one load, in bytes.
MAX_TOTAL_BYTES = 32 * 1024 * 1024
#: Deepest nesting of YAML (or JSON) collections in a KB file; shipped files use 4.
MAX_DEPTH = 64
#: YAML aliases (``*name``) allowed per file. KB files need none, and each alias can
#: double what a file expands to ("billion laughs"), so none are accepted.
MAX_ALIASES = 0


class KBLimitError(yaml.MarkedYAMLError):
    """A KB file exceeds a loading limit (size, nesting depth, aliases)."""


class _BoundedSafeLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases beyond :data:`MAX_ALIASES` and nesting beyond
    :data:`MAX_DEPTH` while composing, before anything is expanded."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        #: (line of the repeated key, key) for every key repeated in one mapping
        self.duplicate_keys: list[tuple[int, str]] = []

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                event = self.peek_event()
                raise KBLimitError(
                    problem=f"YAML alias *{event.anchor} refused: KB files may use at most "
                            f"{MAX_ALIASES} aliases (write the value out)",
                    problem_mark=event.start_mark)
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise KBLimitError(problem=f"nesting deeper than {MAX_DEPTH} levels refused",
                                   problem_mark=self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _LineLoader(_BoundedSafeLoader):
    """Bounded SafeLoader that records the 1-based line of every mapping as
    ``__line__`` and collects duplicate keys (``duplicate_keys``)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            key = loader.construct_scalar(key_node)
            if key in seen:
                loader.duplicate_keys.append((key_node.start_mark.line + 1, str(key)))
            seen.add(key)
    mapping: dict[str, Any] = dict(loader.construct_mapping(node, deep=True))  # type: ignore[arg-type]
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Keep dates as strings: the KB's precision lives in the string's length.
_LineLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_limited(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path``, refusing more than ``limit`` (read with a bound, so a
    device or a growing file cannot exhaust memory). Raises :class:`KBLimitError`."""
    with path.open("rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise KBLimitError(problem=f"file larger than {limit:,} bytes refused "
                                   "(KB files and overlays are small YAML files)")
    return data


def safe_load_bounded(text: str) -> Any:
    """``yaml.safe_load`` with the KB's alias and nesting limits (for code that edits
    an overlay file). Raises :class:`KBLimitError` (a ``yaml.YAMLError``)."""
    loader = _BoundedSafeLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


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


def _record_label(record: dict[str, Any]) -> str:
    """How a problem names a top-level record: its id, or a relation's endpoints."""
    if "id" in record:
        return f"{record['id']}"
    if "source" in record and "target" in record:
        return f"{record['source']} -{record.get('type', '?')}-> {record['target']}"
    if "entity" in record:
        return f"territory {record['entity']}/{record.get('country', '?')}"
    return "record"


def _duplicate_key_problems(path: Path, raw: dict[str, Any],
                            duplicates: list[tuple[int, str]]) -> list[Problem]:
    """One ``duplicate-key`` problem per repeated key, naming the record it is in."""
    starts: list[tuple[int, str, str]] = []
    for section, value in raw.items():
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and isinstance(item.get("__line__"), int):
                    starts.append((item["__line__"], section, _record_label(item)))
    starts.sort()
    out = []
    for line, key in duplicates:
        inside = [s for s in starts if s[0] <= line]
        where = f" in {inside[-1][1]} record {inside[-1][2]}" if inside else " at top level"
        out.append(Problem(str(path), line, f"duplicate key {key!r}{where} (YAML would keep "
                                            "only the last value)", "duplicate-key"))
    return out


def _parse_file(path: Path, text: str, problems: list[Problem]) -> KBFile | None:
    loader = _LineLoader(text)
    try:
        raw = loader.get_single_data()
    except KBLimitError as exc:
        mark = exc.problem_mark
        problems.append(Problem(str(path), mark.line + 1 if mark is not None else None,
                                f"cannot read YAML: {exc.problem}", "limits"))
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problems.append(Problem(str(path), line, f"cannot read YAML: {exc}"))
        return None
    finally:
        loader.dispose()
    if raw is None:
        return KBFile()
    if not isinstance(raw, dict):
        problems.append(Problem(str(path), 1, "top level must be a mapping of sections"))
        return None
    problems.extend(_duplicate_key_problems(path, raw, loader.duplicate_keys))
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
    total = 0
    for path in paths:
        try:
            data = read_limited(path, min(MAX_FILE_BYTES, max(MAX_TOTAL_BYTES - total, 0)))
            text = data.decode("utf-8")
        except KBLimitError as exc:
            why = exc.problem if total + MAX_FILE_BYTES <= MAX_TOTAL_BYTES else (
                f"the KB files read so far and this one exceed {MAX_TOTAL_BYTES:,} bytes")
            problems.append(Problem(str(path), None, f"cannot read file: {why}", "limits"))
            continue
        except IsADirectoryError:
            problems.append(Problem(str(path), None, "cannot read file: is a directory"))
            continue
        except OSError as exc:
            problems.append(Problem(str(path), None,
                                    f"cannot read file: {exc.strerror or exc}"))
            continue
        except UnicodeDecodeError as exc:
            problems.append(Problem(str(path), None, f"cannot read file: not UTF-8 ({exc})"))
            continue
        total += len(data)
        digest.update(data)
        kbfile = _parse_file(path, text, problems)
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
