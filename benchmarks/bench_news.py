"""Benchmark: the reader on the shared real articles, scored against the hand-made gold.

The texts are third-party and are not in the repository: rebuild them as
``../shared/data/news/PROVENANCE.md`` says, into a folder outside it, and give that
folder here. Each ``<id>.txt`` is read once (one process, the KB and gazetteer built
once), its JSON (the same as ``kharita read FILE --format json --no-store``) is
written to ``--out`` (default: a temporary folder), and the shared scorer
``../shared/data/news/score.py`` prints precision and recall per language and
category (and, with ``--details``, every miss and false positive).

    python benchmarks/bench_news.py /path/to/news-texts [--out DIR] [--details]
        [--scorer ../shared/data/news/score.py]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SCORER = REPO.parent / "shared" / "data" / "news" / "score.py"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("texts", type=Path, help="folder of rebuilt <id>.txt files")
    ap.add_argument("--out", type=Path, help="write the JSON outputs here (default: a temp dir)")
    ap.add_argument("--scorer", type=Path, default=DEFAULT_SCORER)
    ap.add_argument("--details", action="store_true", help="list misses and false positives")
    a = ap.parse_args(argv)

    from kharita.cli.output import to_json
    from kharita.kb.load import load_kb
    from kharita.text.read import read_file

    t0 = time.perf_counter()
    kb = load_kb()
    out = a.out or Path(tempfile.mkdtemp(prefix="kharita-news-"))
    out.mkdir(parents=True, exist_ok=True)
    files = sorted(a.texts.glob("*.txt"))
    if not files:
        print(f"no .txt files in {a.texts}", file=sys.stderr)
        return 2
    read_s = 0.0
    n_chars = 0
    for path in files:
        t = time.perf_counter()
        result, sha = read_file(path, kb=kb)
        read_s += time.perf_counter() - t
        n_chars += len(result.text)
        doc = [{"path": str(path), "sha256": sha, "stored": False, **result.to_dict()}]
        (out / f"{path.stem}.json").write_text(to_json(doc) + "\n", encoding="utf-8")
    total = time.perf_counter() - t0
    print(f"{len(files)} articles, {n_chars:,} characters: read in {read_s:.2f} s "
          f"({total:.2f} s with KB load and first-use setup); outputs in {out}")
    cmd = [sys.executable, str(a.scorer), str(out)] + (["--details"] if a.details else [])
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())
