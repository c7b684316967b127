"""Benchmark: the reader on the shared real articles, scored against the hand-made gold.

The texts are third-party and are not in the repository: rebuild them as
``../shared/data/news/PROVENANCE.md`` says, into a folder outside it, and give that
folder here. Each ``<id>.txt`` is read once (one process, the KB and gazetteer built
once), its JSON (the same as ``kharita read FILE --format json --no-store``) is
written to ``--out`` (default: a temporary folder), and the shared scorer
``../shared/data/news/score.py`` prints precision and recall per language and
category (and, with ``--details``, every miss and false positive).

    python benchmarks/bench_news.py /path/to/news-texts [--out DIR] [--details]
        [--scorer ../shared/data/news/score.py] [--no-metadata]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NEWS = REPO.parent / "shared" / "data" / "news"
DEFAULT_SCORER = NEWS / "score.py"
#: mention rules that resolve an anaphor ("التنظيم" after a name of the network)
ANAPHORA_RULES: tuple[str, ...] = ("generic-after-network",)


def publication_dates(sources: Path) -> dict[str, str]:
    """``id -> date`` from the articles' metadata (SOURCES.tsv: the page's own date,
    as a CMS header gives it), given to the reader as ``--published`` would be."""
    import csv

    if not sources.exists():
        return {}
    with sources.open(encoding="utf-8", newline="") as fh:
        return {r["id"]: r["date"] for r in csv.DictReader(fh, delimiter="\t")
                if r.get("date")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("texts", type=Path, help="folder of rebuilt <id>.txt files")
    ap.add_argument("--out", type=Path, help="write the JSON outputs here (default: a temp dir)")
    ap.add_argument("--scorer", type=Path, default=DEFAULT_SCORER)
    ap.add_argument("--details", action="store_true", help="list misses and false positives")
    ap.add_argument("--no-metadata", action="store_true",
                    help="do not pass the metadata's publication date (SOURCES.tsv) as "
                         "--published: only datelines in the text date the article")
    a = ap.parse_args(argv)
    published = {} if a.no_metadata else publication_dates(NEWS / "SOURCES.tsv")

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
        result, sha = read_file(path, kb=kb, published=published.get(path.stem))
        read_s += time.perf_counter() - t
        n_chars += len(result.text)
        doc = [{"path": str(path), "sha256": sha, "stored": False, **result.to_dict()}]
        (out / f"{path.stem}.json").write_text(to_json(doc) + "\n", encoding="utf-8")
    total = time.perf_counter() - t0
    print(f"{len(files)} articles, {n_chars:,} characters: read in {read_s:.2f} s "
          f"({total:.2f} s with KB load and first-use setup); outputs in {out}; "
          f"publication date from metadata for {sum(p.stem in published for p in files)}")
    cmd = [sys.executable, str(a.scorer), str(out)] + (["--details"] if a.details else [])
    rc = subprocess.call(cmd)
    # The gold annotates names, not anaphora ("التنظيم", "the organisation": see its
    # PROVENANCE.md), so the reader's resolved anaphora count as false positives above.
    # The same outputs scored without them, for reference (the table above is the one
    # to quote):
    bare = out / "without-anaphora"
    bare.mkdir(exist_ok=True)
    n_anaphora = 0
    for path in sorted(out.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for d in doc:
            keep = [m for m in d["mentions"] if m.get("rule") not in ANAPHORA_RULES]
            n_anaphora += len(d["mentions"]) - len(keep)
            d["mentions"] = keep
        (bare / path.name).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    print(f"\nthe same outputs without the {n_anaphora} resolved anaphora "
          f"(rules {', '.join(ANAPHORA_RULES)}), which the gold does not annotate:")
    subprocess.call([sys.executable, str(a.scorer), str(bare)])
    return rc


if __name__ == "__main__":
    sys.exit(main())
