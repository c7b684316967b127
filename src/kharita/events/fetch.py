"""Download public event data releases into a local cache, with resume and checksums.

``fetch_ucdp("25.1")`` downloads ``<base_url>/ged251-csv.zip`` (UCDP GED global CSV,
CC BY 4.0) into ``<cache_dir>/ucdp/``:

* an interrupted download leaves ``<file>.part``; the next call resumes it with an
  HTTP ``Range`` request (and starts over if the server ignores ranges);
* when the server offers ``<url>.sha256`` the download must match it; the sha256 of
  the finished file is recorded in ``<file>.sha256`` and verified whenever the cached
  copy is reused (a cached copy that fails is downloaded again);
* a download that is not a readable zip archive, is shorter than announced, or fails
  the checksum raises :class:`~kharita.errors.FetchError` and is never put in place.

The base URL is a parameter (the CLI reads ``--base-url`` or ``KHARITA_UCDP_BASE_URL``).
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from kharita.errors import FetchError

Progress = Callable[[int, int | None], None]  # (bytes done, total bytes or None)

CHUNK = 1 << 16


@dataclass
class FetchResult:
    """A release in the cache. ``checksum_source`` is ``server`` (verified against the
    server's ``.sha256``) or ``local`` (computed here; no server checksum offered)."""

    path: Path
    url: str
    sha256: str
    size: int
    reused: bool = False
    resumed: bool = False
    checksum_source: str = "local"
    note: str = ""


def ged_filename(version: str) -> str:
    """File name of the GED global CSV zip of a version.

    >>> ged_filename("25.1")
    'ged251-csv.zip'
    """
    if not re.fullmatch(r"\d{2}\.\d", version):
        raise FetchError(f"unsupported UCDP GED version {version!r}: expected e.g. 25.1 "
                         "(global releases 19.1 to 25.1)")
    return f"ged{version.replace('.', '')}-csv.zip"


def ged_url(version: str, base_url: str) -> str:
    """Download URL of a GED version under ``base_url``.

    >>> ged_url("25.1", "https://example.org/downloads/ged")
    'https://example.org/downloads/ged/ged251-csv.zip'
    """
    return base_url.rstrip("/") + "/" + ged_filename(version)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _server_checksum(client: httpx.Client, url: str) -> str | None:
    """The hex sha256 published at ``url + '.sha256'`` (None when not offered)."""
    try:
        r = client.get(url + ".sha256")
    except httpx.HTTPError:
        return None
    if r.status_code != 200:
        return None
    m = re.search(r"\b([0-9a-fA-F]{64})\b", r.text)
    return m.group(1).lower() if m else None


def _download(client: httpx.Client, url: str, part: Path, progress: Progress | None) -> \
        tuple[bool, int | None]:
    """Stream ``url`` into ``part``, resuming from its current size. Returns (resumed,
    expected total size)."""
    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        with client.stream("GET", url, headers=headers) as r:
            if r.status_code == 416:  # range beyond the end: start again
                part.unlink(missing_ok=True)
                return _download(client, url, part, progress)
            if r.status_code not in (200, 206):
                raise FetchError(f"{url}: HTTP {r.status_code}")
            resumed = r.status_code == 206 and have > 0
            if not resumed:
                have = 0
            length = r.headers.get("Content-Length")
            total = have + int(length) if length is not None else None
            done = have
            with open(part, "ab" if resumed else "wb") as fh:
                for block in r.iter_bytes(CHUNK):
                    fh.write(block)
                    done += len(block)
                    if progress is not None:
                        progress(done, total)
    except httpx.HTTPError as exc:
        size = part.stat().st_size if part.exists() else 0
        raise FetchError(f"{url}: download interrupted after {size} bytes ({exc}); run the "
                         f"same command again to resume from {part}") from exc
    return resumed, total


def fetch(url: str, target: Path, *, progress: Progress | None = None,
          client: httpx.Client | None = None, timeout: float = 60.0) -> FetchResult:
    """Download ``url`` to ``target`` with resume and checksum (see the module doc)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    sidecar = target.with_name(target.name + ".sha256")
    part = target.with_name(target.name + ".part")
    own = client is None
    cl = client or httpx.Client(timeout=timeout, follow_redirects=True)
    note = ""
    try:
        if target.exists() and sidecar.exists():
            recorded = sidecar.read_text(encoding="utf-8").split()[0].lower()
            actual = file_sha256(target)
            if actual == recorded:
                return FetchResult(path=target, url=url, sha256=actual,
                                   size=target.stat().st_size, reused=True,
                                   note="cached copy verified against its recorded sha256")
            target.unlink()
            note = "the cached copy failed its recorded sha256 and was downloaded again"
        expected = _server_checksum(cl, url)
        resumed, total = _download(cl, url, part, progress)
        size = part.stat().st_size
        if total is not None and size != total:
            raise FetchError(f"{url}: incomplete download ({size} of {total} bytes); run the "
                             f"same command again to resume")
        digest = file_sha256(part)
        if expected is not None and digest != expected:
            part.unlink(missing_ok=True)
            raise FetchError(f"{url}: corrupt download: sha256 {digest} does not match the "
                             f"server's {expected}; the partial file was removed")
        if not zipfile.is_zipfile(part):
            part.unlink(missing_ok=True)
            raise FetchError(f"{url}: corrupt download: not a readable zip archive; the file "
                             "was removed")
        part.replace(target)
        sidecar.write_text(f"{digest}  {target.name}\n", encoding="utf-8")
        return FetchResult(path=target, url=url, sha256=digest, size=size, resumed=resumed,
                           checksum_source="server" if expected else "local", note=note)
    finally:
        if own:
            cl.close()


def fetch_ucdp(version: str = "25.1", *, cache_dir: str | Path, base_url: str,
               progress: Progress | None = None, client: httpx.Client | None = None
               ) -> FetchResult:
    """Download the UCDP GED global CSV zip of ``version`` into ``cache_dir/ucdp``.

    Parameters
    ----------
    version : GED version, ``19.1`` ... ``25.1``.
    cache_dir : cache root (the CLI default is the ``cache_dir`` setting).
    base_url : where the releases are (the CLI default is the ``ucdp_base_url`` setting).
    progress : called with (bytes done, total or None) while downloading.

    Returns
    -------
    FetchResult; ``path`` can be given to ``kharita ingest ucdp``.
    """
    url = ged_url(version, base_url)
    return fetch(url, Path(cache_dir) / "ucdp" / ged_filename(version), progress=progress,
                 client=client)
