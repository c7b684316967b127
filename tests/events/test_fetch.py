"""``kharita fetch ucdp`` against a real HTTP server on 127.0.0.1 (threaded
``http.server`` with Range support) serving a fixture zip: full download, reuse,
resume after an interruption, corrupt downloads, a corrupted cache."""

from __future__ import annotations

import hashlib
import io
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kharita.errors import FetchError
from kharita.events.fetch import fetch_ucdp, ged_filename


def _fixture_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        # Made-up GED-format content; stored uncompressed so the archive is large enough
        # to be cut in the middle.
        rows = "\n".join(f"{i},IS,Government of Testland,2019-01-01" for i in range(20_000))
        zf.writestr("GEDEvent_v25_1.csv", "id,side_a,side_b,date_start\n" + rows)
    return buf.getvalue()


@dataclass
class Server:
    files: dict[str, bytes]
    url: str = ""
    cut_after: int | None = None  # first download stops after this many bytes
    checksums: dict[str, str] = field(default_factory=dict)
    ranges: list[str | None] = field(default_factory=list)
    support_range: bool = True


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server(files={})

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:
            name = self.path.rsplit("/", 1)[-1]
            if name.endswith(".sha256"):
                digest = state.checksums.get(name[: -len(".sha256")])
                if digest is None:
                    self.send_error(404)
                    return
                body = f"{digest}  {name[:-7]}\n".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            data = state.files.get(name)
            if data is None:
                self.send_error(404)
                return
            rng = self.headers.get("Range")
            state.ranges.append(rng)
            start = 0
            if rng and state.support_range:
                start = int(rng.removeprefix("bytes=").split("-")[0])
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            if state.cut_after is not None:
                cut, state.cut_after = state.cut_after, None
                self.wfile.write(body[:cut])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/downloads/ged"
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def payload() -> bytes:
    return _fixture_zip()


def test_download_reuse_and_sidecar(server: Server, payload: bytes, tmp_path: Path) -> None:
    server.files[ged_filename("25.1")] = payload
    seen: list[tuple[int, int | None]] = []
    r = fetch_ucdp("25.1", cache_dir=tmp_path, base_url=server.url,
                   progress=lambda d, t: seen.append((d, t)))
    assert r.path == tmp_path / "ucdp" / "ged251-csv.zip"
    assert r.path.read_bytes() == payload
    assert r.sha256 == hashlib.sha256(payload).hexdigest() and r.checksum_source == "local"
    assert (tmp_path / "ucdp" / "ged251-csv.zip.sha256").read_text().split()[0] == r.sha256
    assert seen[-1] == (len(payload), len(payload))
    assert not (tmp_path / "ucdp" / "ged251-csv.zip.part").exists()
    again = fetch_ucdp("25.1", cache_dir=tmp_path, base_url=server.url)
    assert again.reused and again.sha256 == r.sha256
    assert len(server.ranges) == 1  # the reuse made no download


def test_interrupted_download_resumes(server: Server, payload: bytes, tmp_path: Path) -> None:
    server.files["ged251-csv.zip"] = payload
    server.checksums["ged251-csv.zip"] = hashlib.sha256(payload).hexdigest()
    server.cut_after = len(payload) // 3
    with pytest.raises(FetchError, match=r"interrupted|incomplete"):
        fetch_ucdp("25.1", cache_dir=tmp_path, base_url=server.url)
    part = tmp_path / "ucdp" / "ged251-csv.zip.part"
    assert part.exists() and 0 < part.stat().st_size < len(payload)
    assert not (tmp_path / "ucdp" / "ged251-csv.zip").exists()
    have = part.stat().st_size
    r = fetch_ucdp("25.1", cache_dir=tmp_path, base_url=server.url)
    assert r.resumed and r.checksum_source == "server"
    assert server.ranges[-1] == f"bytes={have}-"
    assert r.path.read_bytes() == payload


def test_server_without_range_support_restarts(server: Server, payload: bytes,
                                               tmp_path: Path) -> None:
    server.files["ged251-csv.zip"] = payload
    server.support_range = False
    part = tmp_path / "ucdp" / "ged251-csv.zip.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"garbage from an older attempt")
    r = fetch_ucdp("25.1", cache_dir=tmp_path, base_url=server.url)
    assert not r.resumed and r.path.read_bytes() == payload


def test_corrupt_download_is_detected(server: Server, payload: bytes, tmp_path: Path) -> None:
    damaged = bytearray(payload)
    damaged[len(damaged) // 2] ^= 0xFF
    server.files["ged251-csv.zip"] = bytes(damaged)
    server.checksums["ged251-csv.zip"] = hashlib.sha256(payload).hexdigest()
    with pytest.raises(FetchError, match="corrupt download"):
        fetch_ucdp("25.1", cache_dir=tmp_path, base_url=server.url)
    assert not (tmp_path / "ucdp" / "ged251-csv.zip").exists()
    assert not (tmp_path / "ucdp" / "ged251-csv.zip.part").exists()


def test_not_a_zip_is_detected(server: Server, tmp_path: Path) -> None:
    server.files["ged251-csv.zip"] = b"<html>maintenance</html>"
    with pytest.raises(FetchError, match="not a readable zip"):
        fetch_ucdp("25.1", cache_dir=tmp_path, base_url=server.url)


def test_corrupted_cache_is_downloaded_again(server: Server, payload: bytes,
                                             tmp_path: Path) -> None:
    server.files["ged251-csv.zip"] = payload
    r = fetch_ucdp("25.1", cache_dir=tmp_path, base_url=server.url)
    r.path.write_bytes(payload[:-10] + b"0123456789")
    again = fetch_ucdp("25.1", cache_dir=tmp_path, base_url=server.url)
    assert not again.reused and "failed its recorded sha256" in again.note
    assert again.path.read_bytes() == payload


def test_http_errors_and_bad_versions(server: Server, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch_ucdp("24.1", cache_dir=tmp_path, base_url=server.url)
    with pytest.raises(FetchError, match="unsupported UCDP GED version"):
        fetch_ucdp("latest", cache_dir=tmp_path, base_url=server.url)


def test_cli_fetch_with_env_base_url(server: Server, payload: bytes, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from kharita.cli import app

    server.files["ged241-csv.zip"] = payload
    monkeypatch.setenv("KHARITA_UCDP_BASE_URL", server.url)
    monkeypatch.setenv("KHARITA_CACHE", str(tmp_path))
    res = CliRunner().invoke(app, ["fetch", "ucdp", "--version", "24.1", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert '"reused": false' in res.output
    assert (tmp_path / "ucdp" / "ged241-csv.zip").read_bytes() == payload
