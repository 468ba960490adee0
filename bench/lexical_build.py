"""BM25 build memory: litreview's chunked build vs bm25s's own whole-corpus ``index()``.

Each build runs in its own process over the same synthetic papers (titles and 8-sentence
abstracts drawn from the bundled corpus, as in scale.py); the figure is the peak RSS of that
process above its RSS before the build (papers generated lazily, so they add nothing).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import random, resource, sys, time
from assistant.models import Paper
from assistant.store import bundled_corpus
from assistant.readers import read_records
from assistant.store.lexical import LexicalIndex, document_text, tokenize
mode, n = sys.argv[1], int(sys.argv[2])
seeds = [r for path in bundled_corpus() for r in read_records(path) if isinstance(r, Paper)]
sentences = [s for p in seeds for s in p.abstract.split(". ")]
words = [w for p in seeds for w in p.title.split()]
def papers():
    rng = random.Random(0)
    for i in range(n):
        yield Paper(" ".join(rng.choices(words, k=9)) + f" {i}", ". ".join(rng.choices(sentences, k=8)), "x")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
if mode == "chunked":
    LexicalIndex.build(papers())
else:
    import bm25s
    retriever = bm25s.BM25()
    retriever.index(tokenize([document_text(p) for p in papers()]), show_progress=False)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(time.perf_counter() - t, (after - before) / 1024)
"""


def bench_lexical(sizes: list[int], out: Callable[[str], None]) -> None:
    out("## BM25 build: chunked (litreview) vs bm25s's whole-corpus index(), synthetic papers")
    out("")
    out("| papers | litreview build | its extra peak RSS | bm25s index() | its extra peak RSS | memory ratio |")
    out("|---|---|---|---|---|---|")
    for size in sizes:
        got = {}
        for mode in ("chunked", "bm25s"):
            res = subprocess.run([sys.executable, "-c", PROBE, mode, str(size)], capture_output=True, text=True,
                                 cwd=ROOT, check=True)
            seconds, mb = (float(x) for x in res.stdout.split())
            got[mode] = (seconds, mb)
        (cs, cm), (bs, bm) = got["chunked"], got["bm25s"]
        out(f"| {size:,} | {cs:.1f} s | {cm:.0f} MB | {bs:.1f} s | {bm:.0f} MB | {cm / bm:.2f}x |")
    out("")


if __name__ == "__main__":
    bench_lexical([int(x) for x in (sys.argv[1] if len(sys.argv) > 1 else "10000,100000").split(",")], print)
