"""Ingest memory at growing file sizes: is peak RSS flat in corpus size?

    python bench/ingest_memory.py [--sizes 10000,100000]

Writes synthetic arXiv-style JSONL files (abstracts are 8 sentences drawn from
the bundled corpus) and runs the real `litreview ingest FILE` process on each,
recording wall time and peak RSS (VmHWM). To measure the ingest pipeline
(reading, batching, SQLite, Chroma, BM25) rather than wait hours for MiniLM,
the embeddings come from the OpenAI-compatible test server in
tests/llm_server.py on 127.0.0.1 (deterministic 64-dim vectors): the model's own
memory does not depend on corpus size, the pipeline's must not either.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.models import Paper  # noqa: E402
from assistant.readers import read_records  # noqa: E402
from assistant.store import bundled_corpus  # noqa: E402
from testkit.llm_server import FakeOpenAIServer  # noqa: E402

WRAP = ("import runpy, sys; sys.argv = ['litreview', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('assistant', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1], file=sys.stderr)")


def synthetic_jsonl(path: Path, n: int) -> None:
    seeds = [r for p in bundled_corpus() for r in read_records(p) if isinstance(r, Paper)]
    sentences = [s for p in seeds for s in p.abstract.split(". ") if len(s) > 40]
    words = [w for p in seeds for w in p.title.split()]
    rng = random.Random(n)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"9901.{i:05d}", "title": " ".join(rng.choices(words, k=9)) + f" {i}",
                                 "abstract": ". ".join(rng.choices(sentences, k=8)) + ".",
                                 "authors": "A. Author and B. Author", "categories": "cs.LG",
                                 "update_date": f"20{rng.randint(15, 25)}-01-01"}) + "\n")


def bench_ingest_memory(sizes: list[int], out: Callable[[str], None]) -> None:
    out("## Ingest memory: real `litreview ingest` of synthetic arXiv JSONL (see bench/ingest_memory.py)")
    out("")
    out("| papers | file | ingest wall | peak RSS |")
    out("|---|---|---|---|")
    rows = []
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAIServer() as server:
        for n in sizes:
            data = Path(tmp) / f"arxiv-{n}.jsonl"
            synthetic_jsonl(data, n)
            env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LITREVIEW_"))}
            env.update(LITREVIEW_HOME=str(Path(tmp) / f"home-{n}"), OPENAI_BASE_URL=server.base_url,
                       LITREVIEW_EMBEDDING="openai:fake-embedding")
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-c", WRAP, "ingest", str(data), "--json"], env=env,
                                  capture_output=True, text=True, cwd=ROOT)
            wall = time.perf_counter() - start
            summary = json.loads(proc.stdout)
            assert summary["added"] == n, proc.stderr[-500:]
            rss = int(proc.stderr.strip().splitlines()[-1]) / 1024
            rows.append(rss)
            out(f"| {n:,} | {data.stat().st_size / 1e6:.0f} MB | {wall:.0f} s | {rss:.0f} MB |")
    if len(rows) > 1:
        out("")
        out(f"Peak RSS, largest / smallest corpus: {rows[-1] / rows[0]:.2f}x "
            f"(batches of {os.environ.get('LITREVIEW_INGEST_BATCH', '1000')} papers).")
    out("")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    bench_ingest_memory([int(x) for x in args.sizes.split(",")], lambda line: print(line, flush=True))


if __name__ == "__main__":
    main()
