"""What every connector shares: the :class:`Connector` record, sniffing files, read
plans, and Ibis building blocks.

A connector (``ucdp``, ``acled``, ``gtd``, ``gdelt``; each module's ``CONNECTOR``,
listed in :mod:`kharita.events.sources.registry`) has three steps:

1. ``sniff(path)`` looks at the first bytes of the file and returns a :class:`ReadPlan`
   (how to read it), or raises :class:`~kharita.errors.WrongSourceError` when the file
   is another dataset's (nothing has been written at that point);
2. the ingest layer executes the plan with the store's engine into a raw all-VARCHAR
   table with ``_row`` (1-based record number) and ``_raw`` (the record's text);
3. ``normalize(raw)`` is one engine-neutral Ibis expression that casts and validates
   every field and yields the event columns plus ``_reason``/``_field`` (NULL for
   rows to store; set for rows to quarantine). It only uses Ibis operations that the
   DuckDB and PySpark backends both compile (``try_cast``, ``cases``, ``substitute``,
   regular expressions, arithmetic), never engine SQL.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from kharita.errors import IngestError, WrongSourceError
from kharita.events.schema import EVENT_COLUMNS

#: Columns a normalised table has, in order (events columns except ingest_file_id, which
#: the ingest layer adds) plus the quarantine verdict and a quarantined row's raw text.
NORMALIZED_COLUMNS: tuple[str, ...] = (
    *(c for c in EVENT_COLUMNS if c != "ingest_file_id"), "_reason", "_field", "_raw")

_IBIS_TYPES = {"VARCHAR": "string", "DATE": "date", "DOUBLE": "float64", "INTEGER": "int32",
               "BIGINT": "int64", "BOOLEAN": "boolean"}


# ---------------------------------------------------------------------------------------
# Reading plans
# ---------------------------------------------------------------------------------------


@dataclass
class ReadPlan:
    """How to load a file into a raw table; executed by :mod:`kharita.events.ingest`.

    ``kind`` is ``"delimited"`` (read by the engine's CSV reader: ``columns`` named from
    the header, ``drop_rows`` the HXL row), ``"lines"`` (one column per line, split on
    tabs into ``c01`` ... ``c<split_fields>`` plus ``_nfields``: GDELT), or ``"records"``
    (``batches()`` yields Arrow record batches with ``_row``, ``_raw`` and VARCHAR
    columns: GTD xlsx, ACLED JSON).
    """

    source: str
    kind: str
    path: Path
    columns: list[str] = field(default_factory=list)
    delim: str = ","
    quote: str = '"'
    header: bool = True
    encoding: str = "utf-8"
    drop_rows: list[int] = field(default_factory=list)
    split_fields: int = 0
    batches: Callable[[], Iterator[pa.RecordBatch]] | None = None
    schema: pa.Schema | None = None
    source_version: str | None = None
    notes: list[str] = field(default_factory=list)
    #: Records a ``records`` reader could not use (filled while its batches are read):
    #: dicts with row_number, field, reason, raw.
    rejects: list[dict[str, Any]] = field(default_factory=list)


Sniff = Callable[..., ReadPlan]
"""``sniff(path, *, source, source_version) -> ReadPlan``; raises
:class:`~kharita.errors.WrongSourceError` for another dataset's file."""
Normalize = Callable[..., ir.Table]
"""``normalize(raw, *, source, source_version, synthetic) -> ir.Table``."""


@dataclass(frozen=True)
class Connector:
    """Everything kharita knows about one dataset, registered in
    :mod:`kharita.events.sources.registry`.

    Reading: ``sniff`` (checks the file and returns its :class:`ReadPlan`) and
    ``normalize`` (the engine-neutral Ibis expression over the raw table).
    Guessing a file's dataset: a header row with every one of ``header_keys`` and, when
    given, at least one of ``header_any``; ``detect(path, first_bytes)`` for files
    without such a header (GDELT's tab lines, ACLED's JSON, GTD's xlsx).
    Attribution: ``dataset_names`` is the field of an entity's KB ``dataset_names``
    that lists this dataset's actor strings (``acled``, ``gtd``, ``gdelt``);
    ``actor_ids`` the field that lists its numeric actor ids (``ucdp_actor_id``);
    ``joint_label`` the regular expression that separates the candidates of a joint
    label (ACLED's ``" and/or "``: each candidate gets confidence / n);
    ``coalition_sep`` the separator of a side listing several actors (UCDP's ``","``).
    ``credit`` is the line the brief and the workbench print for the dataset's data.
    ``field_names(n)`` names the fields of a headerless file's row of ``n`` fields.
    """

    name: str
    label: str
    title: str
    credit: str
    sniff: Sniff = field(repr=False)
    normalize: Normalize = field(repr=False)
    header_keys: frozenset[str] = frozenset()
    header_any: frozenset[str] = frozenset()
    detect: Callable[[Path, bytes], bool] | None = field(default=None, repr=False)
    dataset_names: str | None = None
    actor_ids: str | None = None
    joint_label: str | None = None
    coalition_sep: str | None = None
    synthetic: bool = False
    guessable: bool = True
    licensed: bool = False
    #: For files without a header (GDELT): the codebook's column names of a row with that
    #: many fields (``None`` for another width), shown by ``kharita explain``.
    field_names: Callable[[int], list[str] | None] | None = field(default=None, repr=False)

    def read_plan(self, path: str | Path, source_version: str | None = None) -> ReadPlan:
        """Sniff ``path`` as this dataset and return how to read it."""
        return self.sniff(Path(path), source=self.name, source_version=source_version)

    def normalized(self, raw: ir.Table, source_version: str | None = None) -> ir.Table:
        """The normalised rows of a raw table (event columns + ``_reason``/``_field``)."""
        return self.normalize(raw, source=self.name, source_version=source_version,
                              synthetic=self.synthetic)

    def matches_header(self, cols: Sequence[str]) -> bool:
        """True when a header row (column names) is this dataset's."""
        s = {c.strip().lower() for c in cols}
        return bool(self.header_keys) and s >= self.header_keys and (
            not self.header_any or bool(s & self.header_any))

    def split_joint(self, name: str) -> list[str] | None:
        """The candidates of a joint label, or None when ``name`` is not one.

        >>> from kharita.events.sources.registry import get
        >>> get("acled").split_joint("JNIM and/or Islamic State (Greater Sahara)")
        ['JNIM', 'Islamic State (Greater Sahara)']
        >>> get("ucdp").split_joint("JNIM and/or IS") is None
        True
        """
        if not self.joint_label:
            return None
        pattern = _joint_pattern(self.joint_label)
        if not pattern.search(name):
            return None
        return [n.strip() for n in pattern.split(name) if n.strip()]


@cache
def _joint_pattern(regex: str) -> re.Pattern[str]:
    return re.compile(regex, re.IGNORECASE)


def python_fallback(plan: ReadPlan, path: Path, reason: str) -> ReadPlan:
    """The same plan read by Python's lenient ``csv`` module instead of the engine's
    reader (used when the engine gives up on a file). Records with the wrong number of
    fields or undecodable bytes are rejected with their record number and text."""
    columns = plan.columns if plan.kind != "lines" else [
        f"c{i:02d}" for i in range(1, plan.split_fields + 1)]
    names = ["_row", "_raw"] + (["_nfields"] if plan.kind == "lines" else []) + columns
    types = [pa.int64(), pa.string()] + ([pa.int64()] if plan.kind == "lines" else []) + \
        [pa.string()] * len(columns)
    schema = pa.schema(list(zip(names, types, strict=True)))
    new = ReadPlan(source=plan.source, kind="records", path=plan.path, columns=plan.columns,
                   schema=schema, source_version=plan.source_version,
                   notes=[*plan.notes, f"engine CSV reader failed ({reason}); read with "
                          "Python's csv module instead"], split_fields=plan.split_fields)
    lines = plan.kind == "lines"

    def batches() -> Iterator[pa.RecordBatch]:
        buf: dict[str, list[Any]] = {n: [] for n in names}
        for row, rec, bad in _python_records(path, plan, lines):
            raw = "\t".join(rec) if lines else _requote(rec, plan.delim, plan.quote)
            if bad is None and len(raw) > MAX_HEADER_BYTES:
                new.rejects.append({
                    "row_number": row, "field": "_record", "raw": raw[:MAX_HEADER_BYTES],
                    "reason": f"line size over maximum: the record is longer than "
                              f"{MAX_HEADER_BYTES} bytes (4 MB)"})
                continue
            if bad:
                new.rejects.append({"row_number": row, "field": None, "reason": bad,
                                    "raw": raw.encode("utf-8", "replace").decode("utf-8")})
                continue
            if not lines and len(rec) != len(columns):
                new.rejects.append({
                    "row_number": row, "field": None,
                    "reason": f"wrong column count: expected {len(columns)}, found {len(rec)}",
                    "raw": raw})
                continue
            buf["_row"].append(row)
            buf["_raw"].append(raw)
            if lines:
                buf["_nfields"].append(len(rec))
            for i, c in enumerate(columns):
                buf[c].append((rec[i] or None) if i < len(rec) else None)
            if len(buf["_row"]) >= 50_000:
                yield pa.RecordBatch.from_pydict(buf, schema=schema)
                buf = {n: [] for n in names}
        if buf["_row"]:
            yield pa.RecordBatch.from_pydict(buf, schema=schema)

    new.batches = batches
    return new


def _requote(rec: Sequence[str], delim: str, quote: str) -> str:
    """A record's text as written with minimal quoting (as the engine reader's raw)."""
    if not quote:
        return delim.join(rec)
    buf = io.StringIO()
    csv.writer(buf, delimiter=delim, quotechar=quote, lineterminator="").writerow(rec)
    return buf.getvalue()


def _python_records(path: Path, plan: ReadPlan, lines: bool
                    ) -> Iterator[tuple[int, list[str], str | None]]:
    """(record number, fields, reject reason or None) for every data record."""
    opener: Any = gzip.open if path.suffix.lower() == ".gz" else open
    enc = "latin-1" if plan.encoding.lower().replace("_", "-") in ("latin-1", "latin1") \
        else "utf-8"
    csv.field_size_limit(1 << 30)
    try:
        yield from _python_records_of(opener, path, plan, lines, enc)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise IngestError(f"{path}: the compressed data is truncated or corrupt ({exc}); "
                          "nothing was written") from None


def _python_records_of(opener: Any, path: Path, plan: ReadPlan, lines: bool, enc: str
                       ) -> Iterator[tuple[int, list[str], str | None]]:
    with opener(path, "rb") as fb:
        text = io.TextIOWrapper(fb, encoding=enc, errors="surrogateescape", newline="")
        if lines:
            # one record per "\n" (as the line count and DuckDB's reader), not
            # universal newlines: a stray "\r" inside a line does not split it
            for n, bline in enumerate(fb, start=1):
                line = bline.rstrip(b"\r\n").decode(enc, errors="surrogateescape")
                bad = "invalid encoding: undecodable bytes" if _has_surrogates(line) else None
                yield n, line.split("\t"), bad
            return
        reader = csv.reader(text, delimiter=plan.delim, quotechar=plan.quote or None,
                            strict=False)
        n = 0
        while True:
            try:
                rec = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                n += 1
                yield n, [], f"unparseable record: {exc}"
                continue
            n += 1
            if (n == 1 and plan.header) or (n in plan.drop_rows and is_hxl_row(
                    rec[1:] if plan.columns[:1] == ["_index"] else rec)):
                continue
            bad = ("invalid encoding: undecodable bytes"
                   if any(_has_surrogates(f) for f in rec) else None)
            yield n, rec, bad


def _has_surrogates(s: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in s)


# ---------------------------------------------------------------------------------------
# Sniffing
# ---------------------------------------------------------------------------------------


#: Longest header row kharita reads (bytes; DuckDB's longest record, too).
MAX_HEADER_BYTES = 4 * 1024 * 1024


def head_bytes(path: Path, n: int = 65536) -> bytes:
    """The first ``n`` bytes of a file's content (decompressing ``.gz``; for ``.zip`` the
    first member). When those bytes hold no complete second line (a header row longer
    than ``n``), up to :data:`MAX_HEADER_BYTES` are read, so a long header is never
    cut."""
    data = _head(path, n)
    if len(data) >= n and data.count(b"\n") < 2:
        data = _head(path, MAX_HEADER_BYTES)
    return data


def _head(path: Path, n: int) -> bytes:
    try:
        if path.suffix.lower() == ".gz":
            with gzip.open(path, "rb") as fh:
                return fh.read(n)
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as zf:
                members = zip_data_members(zf)
                if not members:
                    raise IngestError(f"{path}: the zip archive is empty")
                with zf.open(members[0]) as fh:
                    return fh.read(n)
        with open(path, "rb") as fh:
            return fh.read(n)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise IngestError(f"{path}: the compressed data is truncated or corrupt ({exc}); "
                          "nothing was written") from None
    except (OSError, zipfile.BadZipFile) as exc:
        raise IngestError(f"{path}: cannot read: {exc}") from None


@dataclass(frozen=True)
class LineScan:
    """A file's own line count (``\\n``-terminated lines plus a last line without
    one) and whether its last byte is a line end."""

    lines: int
    ends_with_newline: bool


def scan_lines(path: Path, chunk: int = 1 << 22) -> LineScan:
    """Count the lines of a (possibly gzip-compressed) file, streaming. A truncated or
    corrupt ``.gz`` raises :class:`~kharita.errors.IngestError` with the real cause
    (before any transaction starts)."""
    opener: Any = gzip.open if path.suffix.lower() == ".gz" else open
    n, last = 0, b"\n"
    try:
        with opener(path, "rb") as fh:
            while block := fh.read(chunk):
                n += block.count(b"\n")
                last = block[-1:]
    except (EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
        raise IngestError(f"{path}: the compressed data is truncated or corrupt ({exc}); "
                          "nothing was written") from None
    ends = last == b"\n"
    return LineScan(lines=n + (0 if ends else 1), ends_with_newline=ends)


def interior_blank_line(path: Path, quote: str = '"', chunk: int = 1 << 22, *,
                        candidate: bool | None = None) -> bool:
    """True when a (possibly gzip-compressed) delimited file has an empty line outside
    quotes followed by more content. DuckDB's reader skips such a line but counts it in
    its record numbers, so the ingest reads these files with Python's csv module
    instead (every record numbered as in the file). Quote parity is tracked from the
    start of the file (RFC 4180: a doubled quote inside a quoted field keeps it).
    ``candidate``: whether the file holds ``\\n\\n`` or ``\\n\\r\\n`` anywhere, when the
    caller knows it already (:func:`sha256_and_blank_line`); False answers at once."""
    opener: Any = gzip.open if path.suffix.lower() == ".gz" else open
    if candidate is False or (candidate is None and
                              not _has_blank_line(opener, path, chunk)):
        return False  # no empty line anywhere (most files): no quote parity to track
    q = quote.encode() if quote else b""
    odd = False  # inside a quoted field at the start of the current block
    pending = False  # a blank line outside quotes was seen: is there content after it?
    prev = b""
    try:
        with opener(path, "rb") as fh:
            while block := fh.read(chunk):
                if pending and block.strip(b"\r\n"):
                    return True
                # prev: the last two bytes of the previous block, so that a line end
                # split between blocks is found; a hit inside prev was seen already
                data = prev + block
                last = len(prev)  # quotes are counted up to here
                hits = sorted(i for pat in (b"\n\n", b"\n\r\n")
                              for i in _find_all(data, pat) if i + len(pat) > last)
                for i in hits:
                    # a hit starting in prev: the bytes between it and the block are
                    # line ends, so the parity counted so far is the one at the hit
                    if q and i + 1 > last:
                        odd ^= bool(data.count(q, last, i + 1) % 2)
                        last = i + 1
                    if not odd:
                        if data[i + 1:].strip(b"\r\n"):
                            return True
                        pending = True
                if q:
                    odd ^= bool(data.count(q, last) % 2)
                prev = data[-2:]
    except (EOFError, zlib.error, gzip.BadGzipFile, OSError):
        return False
    return False


_BLANK_LINE = re.compile(rb"\n\r?\n")


def _has_blank_line(opener: Any, path: Path, chunk: int) -> bool:
    """True when the file has ``\\n\\n`` or ``\\n\\r\\n`` anywhere (inside quotes or not)."""
    prev = b""
    try:
        with opener(path, "rb") as fh:
            while block := fh.read(chunk):
                if _blank_in(prev, block):
                    return True
                prev = (prev + block)[-2:]
    except (EOFError, zlib.error, gzip.BadGzipFile, OSError):
        return False
    return False


def _blank_in(prev: bytes, block: bytes) -> bool:
    """``\\n\\n`` or ``\\n\\r\\n`` in ``prev + block`` (``prev``: the two bytes before the
    block, so that a pattern split between blocks is found), from the positions of
    the block's line ends (numpy: about half the time of a regular-expression search on
    GED text, whose lines are ~500 bytes long)."""
    import numpy as np

    if _BLANK_LINE.search(prev + block[:2]):
        return True
    a = np.frombuffer(block, dtype=np.uint8)
    nl = np.flatnonzero(a == 10)
    if len(nl) < 2:
        return False
    gap = np.diff(nl)
    return bool((gap == 1).any() or (a[nl[:-1][gap == 2] + 1] == 13).any())


def sha256_and_blank_line(path: Path, chunk: int = 1 << 22) -> tuple[str, bool]:
    """One read of a file's bytes (as stored, not decompressed): their hex sha256 and
    whether they hold ``\\n\\n`` or ``\\n\\r\\n`` anywhere (for a plain file, the
    ``candidate`` of :func:`interior_blank_line`)."""
    import hashlib

    h = hashlib.sha256()
    prev, blank = b"", False
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
            if not blank:
                blank = _blank_in(prev, block)
            prev = (prev + block)[-2:]
    return h.hexdigest(), blank


def _find_all(data: bytes, pat: bytes) -> Iterator[int]:
    i = data.find(pat)
    while i >= 0:
        yield i
        i = data.find(pat, i + 1)


def has_body(path: Path, plan: ReadPlan) -> bool:
    """True when a text file has content after its header record (and an HXL row): a
    file that yields no rows from such a body is an error, not an empty ingest. JSON and
    xlsx files are not checked (an empty list of records is an empty export)."""
    if plan.path.suffix.lower() in (".json", ".xlsx") or path.suffix.lower() == ".xlsx":
        return False
    try:
        rest = _head(path, 1 << 20)
    except IngestError:
        return False
    skip = (1 if plan.header and not plan.split_fields else 0) + (1 if plan.drop_rows else 0)
    quote = (plan.quote or "").encode()
    for _ in range(skip):
        rest = _after_record(rest, quote)
    return bool(rest.strip(b" \t\r\n"))


def _after_record(data: bytes, quote: bytes) -> bytes:
    """The bytes after the first CSV record (a newline outside quotes)."""
    inside = False
    for i, ch in enumerate(data):
        if quote and ch == quote[0]:
            inside = not inside
        elif ch == 10 and not inside:
            return data[i + 1:]
    return b""


def text_problem(data: bytes) -> str | None:
    """Why the first bytes of a file are not text kharita reads (UTF-16, CR-only line
    ends, binary), or None.

    >>> text_problem("id,x\\n".encode("utf-16"))
    'UTF-16 encoded text (save it as UTF-8)'
    >>> text_problem(b"id,x\\r1,2\\r"), text_problem(b"id,x\\n1,2\\n") is None
    ('line ends are CR only (classic Mac); convert them to LF or CRLF', True)
    """
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 encoded text (save it as UTF-8)"
    if len(head) >= 8:
        even, odd = head[0::2], head[1::2]
        if even.count(0) > 0.4 * len(even) or odd.count(0) > 0.4 * len(odd):
            if head.count(0) < 0.9 * len(head):
                return "UTF-16 encoded text without a byte-order mark (save it as UTF-8)"
            return "binary data (NUL bytes), not text"
    if b"\r" in head and b"\n" not in head:
        return "line ends are CR only (classic Mac); convert them to LF or CRLF"
    return None


def delimiter_of(data: bytes) -> str | None:
    """The delimiter a header line uses when it is not a comma (``;``, tab, ``|``), or
    None."""
    line = data.split(b"\n", 1)[0]
    counts = {d: line.count(d.encode()) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if best != "," and counts[best] > counts[","] else None


DELIMITER_NAMES = {";": "semicolon", "\t": "tab", "|": "pipe"}


def zip_data_members(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """Members of a zip archive, data files (.csv, .tsv, .txt) first."""
    members = [m for m in zf.infolist() if not m.is_dir()]
    data = [m for m in members if m.filename.lower().endswith((".csv", ".tsv", ".txt"))]
    return data + [m for m in members if m not in data]


def first_records(data: bytes, *, delim: str = ",", n: int = 2,
                  encoding: str = "utf-8") -> list[list[str]]:
    """Parse the first ``n`` CSV records of ``data`` (undecodable bytes replaced)."""
    text = data.decode(encoding, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    # Drop a possibly truncated last line.
    if len(data) >= 65536 and "\n" in text:
        text = text[: text.rfind("\n")]
    out = []
    try:
        for i, rec in enumerate(csv.reader(io.StringIO(text), delimiter=delim)):
            out.append(rec)
            if i + 1 >= n:
                break
    except csv.Error:
        pass
    return out


def classify_header(cols: Sequence[str]) -> str | None:
    """Which dataset a header row belongs to (see
    :func:`kharita.events.sources.registry.guess`), or None."""
    from kharita.events.sources import registry

    return registry.guess(cols)


def looks_like_gdelt(data: bytes) -> bool:
    """The first line has 57, 58 or 61 tab-separated fields starting with a numeric
    GLOBALEVENTID and an 8-digit SQLDATE."""
    line = data.split(b"\n", 1)[0].rstrip(b"\r")
    parts = line.split(b"\t")
    return (len(parts) in (57, 58, 61) and parts[0].isdigit()
            and len(parts[1]) == 8 and parts[1].isdigit())


def guess_source(path: Path) -> str | None:
    """Best guess of a file's dataset from its first bytes (None when unknown; see
    :func:`kharita.events.sources.registry.guess_file`)."""
    from kharita.events.sources import registry

    return registry.guess_file(path)


def wrong_source(path: Path, expected: str, found: str | None, detail: str = "") -> \
        WrongSourceError:
    """The error for a file that is not the dataset the user named."""
    from kharita.events.sources import registry

    label = registry.get(expected).label
    try:
        data = b"" if path.suffix.lower() == ".xlsx" or not path.is_file() else \
            _head(path, 65536)
    except IngestError:
        data = b""
    problem = text_problem(data)
    if problem:
        return WrongSourceError(f"{path}: {problem}; expected {label}. Nothing was written.")
    delim = delimiter_of(data)
    if delim is not None and (found == expected or found is None):
        return WrongSourceError(
            f"{path}: {DELIMITER_NAMES[delim]}-delimited; expected commas ({label}: save it "
            "as comma-separated CSV). Nothing was written.")
    known = registry.find(found) if found else None
    what = known.label if known is not None else "no dataset kharita reads"
    hint = f"; ingest it as `{found}`" if found else ""
    extra = f" ({detail})" if detail else ""
    return WrongSourceError(
        f"{path}: expected {label}, but this looks like {what}{extra}"
        f"{hint}. Nothing was written.")


def header_columns(raw_cols: Sequence[str]) -> tuple[list[str], list[str]]:
    """Normalised column names (lower case, stripped; an unnamed column becomes
    ``_index`` or ``_col<i>``; duplicates get a suffix) and notes about them."""
    out: list[str] = []
    notes: list[str] = []
    seen: dict[str, int] = {}
    for i, c in enumerate(raw_cols):
        name = c.strip().lstrip("\ufeff").lower()
        if not name:
            name = "_index" if i == 0 else f"_col{i}"
            if i == 0:
                notes.append("unnamed leading index column ignored")
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out, notes


def is_hxl_row(rec: Sequence[str]) -> bool:
    """An HXL hashtag row: every non-empty cell starts with '#', and at least one does."""
    cells = [c.strip() for c in rec if c.strip()]
    return bool(cells) and all(c.startswith("#") for c in cells)


def version_from_filename(path: Path) -> str | None:
    """UCDP-style version from a file name: ``ged251-csv.zip`` -> ``25.1``,
    ``GEDEvent_v22_1.csv`` -> ``22.1``, ``GEDEvent_v24_0_3.csv`` -> ``24.0.3``.

    >>> version_from_filename(Path("ged251-csv.zip"))
    '25.1'
    >>> version_from_filename(Path("GEDEvent_v24_0_3.csv"))
    '24.0.3'
    """
    name = path.name.lower()
    m = re.search(r"gedevent_v(\d{2})_(\d+)(?:_(\d+))?", name)
    if m:
        return ".".join(g for g in m.groups() if g)
    m = re.search(r"ged(\d{2})(\d)(?:-|_|\.)", name)
    if m:
        return f"{m.group(1)}.{m.group(2)}"
    return None


# ---------------------------------------------------------------------------------------
# Ibis building blocks (engine-neutral)
# ---------------------------------------------------------------------------------------

Check = tuple[Any, str, str]  # (bad condition, field, reason)


def col(raw: ir.Table, *names: str) -> ir.StringValue:
    """The first of ``names`` present in ``raw``, trimmed, '' as NULL (else a NULL)."""
    for name in names:
        if name in raw.columns:
            return raw[name].cast("string").strip().nullif("")
    return ibis.null("string")


def try_float(s: ir.StringValue) -> ir.FloatingValue:
    """A string as float64, NULL when empty or unparseable (NaN/inf count as unparseable)."""
    f = s.try_cast("float64")
    return ibis.cases((f.isnan() | f.isinf(), ibis.null("float64")), else_=f)


def try_int(s: ir.StringValue) -> ir.IntegerValue:
    """A string as int64 when it is a whole number within +/-2^31 ('12.0' is 12)."""
    f = try_float(s)
    ok = f.notnull() & (f.abs() < 2.0**31) & (f == f.floor())
    return ibis.cases((ok, f.cast("int64")), else_=ibis.null("int64"))


def bad_number(s: ir.StringValue, value: ir.Value) -> ir.BooleanValue:
    """True where a field is present but did not parse."""
    return s.notnull() & value.isnull()


def iso_date(s: ir.StringValue) -> ir.DateValue:
    """The date in the first 10 characters ('2019-06-09', '2019-06-09 00:00:00.000')."""
    d10 = s.substr(0, 10)
    ok = d10.re_search(r"^\d{4}-\d{2}-\d{2}$")
    return ibis.cases((ok, d10.try_cast("date")), else_=ibis.null("date"))


def ymd_date(y: ir.StringValue, m: ir.StringValue, d: ir.StringValue) -> ir.DateValue:
    """A date from year, month and day strings of digits (NULL if not a real date)."""
    ok = (y.re_search(r"^\d{4}$") & m.re_search(r"^\d{1,2}$") & d.re_search(r"^\d{1,2}$"))
    text = y.concat("-", m.lpad(2, "0"), "-", d.lpad(2, "0"))
    return ibis.cases((ok, text.try_cast("date")), else_=ibis.null("date"))


def strip_float_suffix(s: ir.StringValue) -> ir.StringValue:
    """'234.0' -> '234' (ids written as floats by some exports); others unchanged."""
    return ibis.cases((s.re_search(r"^-?\d+\.0+$"), s.re_replace(r"\.0+$", "")), else_=s)


def priogrid(lat: ir.FloatingValue, lon: ir.FloatingValue) -> ir.IntegerValue:
    """PRIO-GRID cell id of coordinate columns: :func:`kharita.geo.priogrid_expr` (the
    one definition; edges 90 and 180 fall in the last cell, NULL without a cell)."""
    from kharita.geo import priogrid_expr

    return priogrid_expr(lat, lon)


def coordinate_checks(lats: ir.StringValue, lons: ir.StringValue, lat: ir.FloatingValue,
                      lon: ir.FloatingValue, lat_field: str, lon_field: str) -> list[Check]:
    """Quarantine checks for coordinates: unparseable, out of range (|lat| > 90,
    |lon| > 180), or only one of the two given. Both missing is allowed (NULL)."""
    return [
        (bad_number(lats, lat), lat_field, "unparseable number"),
        (bad_number(lons, lon), lon_field, "unparseable number"),
        ((lat.abs() > 90.0).fill_null(False), lat_field, "impossible coordinates"),
        ((lon.abs() > 180.0).fill_null(False), lon_field, "impossible coordinates"),
        (lat.isnull() != lon.isnull(), lat_field, "incomplete coordinates"),
    ]




def verdict(checks: Sequence[Check]) -> tuple[ir.StringValue, ir.StringValue]:
    """``_reason`` and ``_field`` of the first failing check (NULL when all pass)."""
    if not checks:
        return ibis.null("string"), ibis.null("string")
    reason = ibis.cases(*[(c.fill_null(False), r) for c, _, r in checks],
                        else_=ibis.null("string"))
    fld = ibis.cases(*[(c.fill_null(False), f) for c, f, _ in checks],
                     else_=ibis.null("string"))
    return reason, fld


def finalize(raw: ir.Table, values: dict[str, Any], checks: Sequence[Check]) -> ir.Table:
    """Select the normalised columns (typed as in the event schema) from ``values``;
    columns not given are NULL. Adds ``ingest_row`` from ``_row`` and the verdict."""
    reason, fld = verdict(checks)
    out: dict[str, Any] = {}
    for name, sqltype in EVENT_COLUMNS.items():
        if name == "ingest_file_id":
            continue
        typ = _IBIS_TYPES[sqltype]
        if name == "ingest_row":
            out[name] = raw["_row"].cast("int64")
            continue
        v = values.get(name)
        out[name] = ibis.null(typ) if v is None else ibis.literal(v, typ) if not isinstance(
            v, ir.Value) else v.cast(typ)
    out["_reason"] = reason
    out["_field"] = fld
    # the record's text, in the same scan (a second scan may see other records: the
    # reader checks bytes only in the columns it reads), kept for quarantined rows only
    out["_raw"] = ibis.cases((reason.notnull(), raw["_raw"]), else_=ibis.null("string"))
    return raw.select(**out)


@cache
def fips_to_iso3() -> dict[str, str]:
    """FIPS 10-4 country code -> ISO3 (shipped table ``fips10_iso3.csv``, sourced there)."""
    text = resources.files("kharita.events.sources").joinpath("fips10_iso3.csv").read_text(
        encoding="utf-8")
    rows = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    return dict(tuple(r.split(",", 1)) for r in rows[1:])  # type: ignore[misc]


#: Country names used by UCDP GED, GTD and ACLED that pycountry does not resolve.
COUNTRY_NAME_OVERRIDES: dict[str, str] = {
    "DR Congo (Zaire)": "COD", "DR Congo": "COD", "Democratic Republic of the Congo": "COD",
    "Democratic Republic of Congo": "COD", "Zaire": "COD",
    "Congo": "COG", "Republic of Congo": "COG", "Republic of the Congo": "COG",
    "People's Republic of the Congo": "COG",
    "Yemen (North Yemen)": "YEM", "North Yemen": "YEM", "South Yemen": "YEM",
    "Russia (Soviet Union)": "RUS", "Soviet Union": "RUS", "Russia": "RUS",
    "Cambodia (Kampuchea)": "KHM", "Myanmar (Burma)": "MMR", "Myanmar": "MMR", "Burma": "MMR",
    "Zimbabwe (Rhodesia)": "ZWE", "Rhodesia": "ZWE", "Serbia (Yugoslavia)": "SRB",
    "Yugoslavia": "SRB", "Serbia-Montenegro": "SRB", "Madagascar (Malagasy)": "MDG",
    "Bosnia-Herzegovina": "BIH", "Bosnia and Herzegovina": "BIH", "Ivory Coast": "CIV",
    "Cote d'Ivoire": "CIV", "Kingdom of eSwatini (Swaziland)": "SWZ", "Swaziland": "SWZ",
    "eSwatini": "SWZ", "Iran": "IRN", "Syria": "SYR", "Laos": "LAO", "Bolivia": "BOL",
    "Venezuela": "VEN", "Tanzania": "TZA", "Vietnam (North Vietnam)": "VNM",
    "Vietnam": "VNM", "South Vietnam": "VNM", "North Korea": "PRK", "South Korea": "KOR",
    "Macedonia, FYR": "MKD", "Macedonia": "MKD", "North Macedonia": "MKD", "Turkey": "TUR",
    "Turkiye": "TUR", "Moldova": "MDA", "Taiwan": "TWN", "Gambia": "GMB", "The Gambia": "GMB",
    "East Timor": "TLS", "Timor-Leste": "TLS", "Czech Republic": "CZE", "Czechia": "CZE",
    "Palestine": "PSE", "West Bank and Gaza Strip": "PSE", "Kosovo": "XKX",
    "United States": "USA", "United States of America": "USA", "United Kingdom": "GBR",
    "Brunei": "BRN", "Cape Verde": "CPV", "Micronesia": "FSM", "Guinea-Bissau": "GNB",
    "West Germany (FRG)": "DEU", "East Germany (GDR)": "DEU", "Germany": "DEU",
    "Western Sahara": "ESH", "South Sudan": "SSD", "Sudan": "SDN", "Libya": "LBY",
    "Rhodesia/Zimbabwe": "ZWE", "Comoros": "COM", "Hong Kong": "HKG", "Macau": "MAC",
    "Vatican City": "VAT", "St. Kitts and Nevis": "KNA", "St. Lucia": "LCA",
    "Bahamas": "BHS", "Falkland Islands": "FLK", "Slovak Republic": "SVK",
}


@cache
def country_name_to_iso3() -> dict[str, str]:
    """Country name -> ISO3 for names used by UCDP, ACLED and GTD (pycountry + overrides)."""
    import pycountry

    out: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name"):
            v = getattr(c, attr, None)
            if v and "," not in v:  # "Korea, Republic of" style names: overrides cover them
                out[v] = c.alpha_3
    out.update(COUNTRY_NAME_OVERRIDES)
    return out


@cache
def numeric_to_iso3() -> dict[str, str]:
    """ISO 3166-1 numeric code (as written by ACLED's ``iso``, no leading zeros) -> ISO3."""
    import pycountry

    return {str(int(c.numeric)): c.alpha_3 for c in pycountry.countries}


def country_iso3(name: ir.StringValue) -> ir.StringValue:
    """ISO3 of a country name (NULL when unknown)."""
    return name.substitute(country_name_to_iso3(), else_=ibis.null("string"))


def raw_schema(columns: Sequence[str]) -> pa.Schema:
    """Arrow schema of a raw table: ``_row`` int64, ``_raw`` and the columns as strings."""
    return pa.schema([("_row", pa.int64()), ("_raw", pa.string())]
                     + [(c, pa.string()) for c in columns])


def ibis_raw(columns: Sequence[str], name: str = "raw", *, lines: int = 0) -> ir.Table:
    """An unbound Ibis table with a raw table's schema (for compiling ``normalize``)."""
    if lines:
        schema = {"_row": "int64", "_raw": "string", "_nfields": "int64"}
        schema.update({f"c{i:02d}": "string" for i in range(1, lines + 1)})
    else:
        schema = {"_row": "int64", "_raw": "string"}
        schema.update({c: "string" for c in columns})
    return ibis.table(schema, name=name)
