"""Loading KB files and overlays is bounded (issue 17, item 4): YAML aliases, nesting
depth and file size are refused with one clear problem naming the file, never a
RecursionError or unbounded memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from kharita.errors import KBValidationError, KharitaError
from kharita.kb import load_kb
from kharita.kb.load import MAX_DEPTH, MAX_FILE_BYTES, MAX_TOTAL_BYTES, safe_load_bounded

FIXTURES = Path(__file__).parent / "fixtures"


def _only_problem(path: Path, *overlays: Path) -> str:
    kb = load_kb([*overlays, path], include_shipped=False, check=False)
    assert len(kb.problems) == 1, [str(p) for p in kb.problems]
    p = kb.problems[0]
    assert p.file == str(path)
    assert p.rule == "limits"
    return str(p)


def test_overlay_billion_laughs_is_refused_in_bounded_memory() -> None:
    """The 9^9 alias bomb as an overlay on the shipped KB: a clear error, and the loader's
    peak allocation stays far below what expanding it would take."""
    bomb = FIXTURES / "broken-alias-bomb.yaml"
    tracemalloc.start()
    try:
        with pytest.raises(KBValidationError) as info:
            load_kb([bomb])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"
    assert len(info.value.problems) == 1
    msg = str(info.value.problems[0])
    assert msg.startswith(f"{bomb}:3: [limits]")
    assert "alias *a0 refused" in msg


def test_yaml_nested_50k_deep_is_a_clear_error(tmp_path: Path) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text("claims: " + "[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")
    msg = _only_problem(deep)
    assert f"nesting deeper than {MAX_DEPTH} levels" in msg


def test_json_nested_100k_deep_is_a_clear_error(tmp_path: Path) -> None:
    """A KB file written as JSON (JSON is YAML) goes through the same bounded composer."""
    deep = tmp_path / "deep.json"
    deep.write_text('{"claims": ' + '{"a": ' * 100_000 + "1" + "}" * 100_001, encoding="utf-8")
    msg = _only_problem(deep)
    assert f"nesting deeper than {MAX_DEPTH} levels" in msg


def test_oversized_file_and_devices_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * MAX_FILE_BYTES + b"\n")
    assert "larger than" in _only_problem(big)
    zero = Path("/dev/zero")
    if zero.exists():
        assert "larger than" in _only_problem(zero)


def test_total_size_of_a_folder_of_overlays_is_capped(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Many files each under the per-file cap cannot add up past the total cap (caps made
    small here so the test reads kilobytes, not megabytes)."""
    from kharita.kb import load as load_mod

    monkeypatch.setattr(load_mod, "MAX_FILE_BYTES", 1000)
    monkeypatch.setattr(load_mod, "MAX_TOTAL_BYTES", 2500)
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(4):
        (folder / f"{i:03d}.yaml").write_bytes(b"# " + b"x" * 900 + b"\n")
    kb = load_kb([folder], include_shipped=False, check=False)
    limits = [p for p in kb.problems if p.rule == "limits"]
    assert [Path(p.file).name for p in limits] == ["002.yaml", "003.yaml"]
    assert all("exceed 2,500 bytes" in p.message for p in limits)
    assert MAX_TOTAL_BYTES >= 8 * MAX_FILE_BYTES  # the shipped caps


def test_moderate_nesting_and_plain_json_still_load(tmp_path: Path) -> None:
    ok = tmp_path / "ok.json"
    ok.write_text('{"sources": [{"id": "src-j", "kind": "reference", "title": "T", '
                  '"publisher": "P", "date": "2020"}]}', encoding="utf-8")
    kb = load_kb([ok], include_shipped=False)
    assert "src-j" in kb.sources
    nested = "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2)
    assert safe_load_bounded(f"x: {nested}") is not None


def test_accept_claims_refuses_a_bomb_overlay(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """text/overlay.py reads the overlay it appends to with the same limits."""
    import pandas as pd

    from kharita.text import overlay

    monkeypatch.setattr(overlay, "get_claims", lambda con, ids: pd.DataFrame())
    accept_claims = overlay.accept_claims
    target = tmp_path / "overlay.yaml"
    target.write_bytes((FIXTURES / "broken-alias-bomb.yaml").read_bytes())
    with pytest.raises(KharitaError, match="alias"):
        accept_claims(None, [], target)
