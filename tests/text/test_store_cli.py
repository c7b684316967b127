"""Storing read documents, listing claims, accepting them into a KB overlay, and the CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kharita.cli import app
from kharita.errors import KBValidationError, KharitaError, NotFound
from kharita.kb import load_kb
from kharita.store.duckdb import connect
from kharita.text.overlay import accept_claims
from kharita.text.read import read_file
from kharita.text.store import list_claims, store_document

from .gold import AR_TEXT, EN_TEXT


@pytest.fixture
def articles(tmp_path: Path) -> list[Path]:
    ar = tmp_path / "ar.txt"
    ar.write_text(AR_TEXT, encoding="utf-8")
    en = tmp_path / "en.txt"
    en.write_text(EN_TEXT, encoding="utf-8")
    return [ar, en]


def _counts(con) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    return tuple(con.scalar(f"SELECT count(*) FROM {t}")  # type: ignore[return-value]
                 for t in ("text_documents", "text_mentions", "text_claims"))


def test_store_is_idempotent_and_keeps_offsets(tmp_path: Path, articles: list[Path],
                                               kb) -> None:  # type: ignore[no-untyped-def]
    con = connect(tmp_path / "s.duckdb")
    for path in articles:
        result, sha = read_file(path, kb=kb)
        assert store_document(con, result, path=str(path), sha256=sha)
    first = _counts(con)
    assert first[0] == 2 and first[1] > 40 and first[2] >= 3
    for path in articles:
        result, sha = read_file(path, kb=kb)
        assert not store_document(con, result, path=str(path), sha256=sha)
    assert _counts(con) == first
    rows = con.rows("SELECT d.path, m.start, m.\"end\", m.surface FROM text_mentions m "
                       "JOIN text_documents d USING (doc_id)")
    texts = {str(p): p.read_text(encoding="utf-8") for p in articles}
    for path, start, end, surface in rows:
        assert texts[path][start:end] == surface
    claims = list_claims(con)
    assert set(claims["comparison"]) <= {"same", "different_value", "new"}
    assert len(list_claims(con, new_only=True)) == (claims["comparison"] == "new").sum()


def test_accept_claims_into_overlay(tmp_path: Path, articles: list[Path],
                                    kb) -> None:  # type: ignore[no-untyped-def]
    con = connect(tmp_path / "s.duckdb")
    result, sha = read_file(articles[0], kb=kb)
    store_document(con, result, path=str(articles[0]), sha256=sha)
    claims = list_claims(con)
    somalia = claims[(claims["subject"] == "is-somalia")].iloc[0]
    overlay = tmp_path / "my-kb.yaml"
    summary = accept_claims(con, [somalia["claim_id"]], overlay, publisher="Test Desk")
    assert summary["claims_added"] == 1 and summary["sources_added"] == 1
    data = yaml.safe_load(overlay.read_text(encoding="utf-8"))
    (src,) = data["sources"]
    assert src["kind"] == "news" and src["date"] == "2025-10-14" and sha in src["note"]
    assert src["title"] == AR_TEXT.splitlines()[0]
    (claim,) = data["claims"]
    assert (claim["low"], claim["high"], claim["unit"]) == (600, 800, "fighters")
    assert claim["date"] == "2025-07" and claim["sources"] == [src["id"]]
    assert claim["text"] in AR_TEXT
    merged = load_kb([overlay])
    assert any(c.id == somalia["claim_id"] for c in merged.claims)
    # accepting again keeps the file as it is; the same claim now compares as "same"
    again = accept_claims(con, [somalia["claim_id"]], overlay)
    assert again["claims_added"] == 0 and again["claims_kept"] == 1
    reread, _ = read_file(articles[0], kb=merged)
    assert any(c.comparison == "same" and somalia["claim_id"] in c.kb_claims
               for c in reread.claims)


def test_accept_rejects_unknown_ids_and_restores_a_broken_overlay(
        tmp_path: Path, articles: list[Path], kb) -> None:  # type: ignore[no-untyped-def]
    con = connect(tmp_path / "s.duckdb")
    result, sha = read_file(articles[0], kb=kb)
    store_document(con, result, path=str(articles[0]), sha256=sha)
    overlay = tmp_path / "my-kb.yaml"
    with pytest.raises(NotFound, match="no stored claim with id nope-1"):
        accept_claims(con, ["nope-1"], overlay)
    broken = "claims:\n  - id: x\n    subject: no-such-entity\n"
    overlay.write_text(broken, encoding="utf-8")
    cid = list_claims(con)["claim_id"].iloc[0]
    with pytest.raises(KBValidationError):
        accept_claims(con, [cid], overlay)
    assert overlay.read_text(encoding="utf-8") == broken


def test_read_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(KharitaError, match=r"latin1\.txt: not UTF-8 text \(byte 3\)"):
        read_file(bad)
    with pytest.raises(KharitaError, match="cannot read file"):
        read_file(tmp_path / "missing.txt")


def test_cli_read_claims_accept(tmp_path: Path, articles: list[Path]) -> None:
    runner = CliRunner()
    store = tmp_path / "cli.duckdb"
    novel = tmp_path / "novel.txt"  # a unit no KB claim uses: the claim must be new
    novel.write_text("Test brief\n1 June 2024\n\nAccording to officials, ISWAP has 1,234 "
                     "members in the test region.\n", encoding="utf-8")
    res = runner.invoke(app, ["read", *map(str, articles), str(novel), "--store", str(store),
                              "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [d["stored"] for d in out] == [True, True, True]
    assert out[0]["language"] == "ar" and out[1]["language"] == "en"
    res = runner.invoke(app, ["read", str(articles[0]), "--store", str(store)])
    assert res.exit_code == 0 and "already in the store" in res.stdout
    res = runner.invoke(app, ["claims", "--new", "--store", str(store), "--format", "json"])
    assert res.exit_code == 0, res.output
    new = json.loads(res.stdout)
    assert new and {c["comparison"] for c in new} == {"new"}
    cid = next(c["claim_id"] for c in new if c["figure_text"] == "1,234 members")
    overlay = tmp_path / "mine.yaml"
    res = runner.invoke(app, ["claims", "accept", cid, "--into", str(overlay),
                              "--store", str(store)])
    assert res.exit_code == 0, res.output
    assert cid in overlay.read_text(encoding="utf-8")
    res = runner.invoke(app, ["read", str(articles[1]), "--no-store", "--format", "csv"])
    assert res.exit_code == 0 and res.stdout.startswith("kind,key,text,start,end")


def test_accept_keeps_the_users_comments_and_records(
        tmp_path: Path, articles: list[Path], kb) -> None:  # type: ignore[no-untyped-def]
    con = connect(tmp_path / "s.duckdb")
    result, sha = read_file(articles[0], kb=kb)
    store_document(con, result, path=str(articles[0]), sha256=sha)
    overlay = tmp_path / "mine.yaml"
    mine = ("# my own notes: keep this comment\n"
            "sources:\n"
            "  - id: my-notes  # a source of mine\n"
            "    kind: reference\n"
            "    title: My notes\n"
            "    publisher: me\n"
            "    date: '2024'\n")
    overlay.write_text(mine, encoding="utf-8")
    cid = list_claims(con).query("kind == 'figure'")["claim_id"].iloc[0]
    accept_claims(con, [cid], overlay)
    text = overlay.read_text(encoding="utf-8")
    assert text.startswith(mine)
    data = yaml.safe_load(text)
    assert [s["id"] for s in data["sources"]] == ["my-notes", f"news-{sha[:10]}"]
    assert [c["id"] for c in data["claims"]] == [cid]
    load_kb([overlay])


def _main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
          *args: str) -> tuple[int, str]:
    """Run ``kharita ARGS`` through the console entry point (KharitaError -> exit 2)."""
    from kharita.cli import main

    monkeypatch.setattr(sys, "argv", ["kharita", *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    out = capsys.readouterr()
    return int(exit_.value.code or 0), " ".join((out.out + out.err).split())


def test_cli_errors_exit_2_with_the_message(tmp_path: Path, articles: list[Path],
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "s.duckdb"
    code, text = _main(monkeypatch, capsys, "claims", "--store", str(store))
    assert code == 2 and f"no store at {store}" in text
    code, _ = _main(monkeypatch, capsys, "read", str(articles[0]), "--store", str(store),
                    "--format", "json")
    assert code == 0
    code, text = _main(monkeypatch, capsys, "claims", "accept", "nope-1", "--into",
                       str(tmp_path / "o.yaml"), "--store", str(store))
    assert code == 2 and "no stored claim with id nope-1" in text
    code, text = _main(monkeypatch, capsys, "claims", "--store", str(tmp_path),
                       "--engine", "duckdb")
    assert code == 2 and "is a directory" in text
