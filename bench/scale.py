"""Scale curve: search latency, memory and disk at growing corpus sizes.

Corpora beyond the bundled 460 are synthetic, built from the seed corpus so
that text statistics stay realistic:

* each synthetic abstract is 8 sentences drawn at random from the seed
  abstracts, its title 6-12 words drawn from seed titles;
* its passage vectors are real seed passage vectors plus Gaussian noise
  (sigma 0.05 per dimension, renormalised), so the vectors cluster the way
  real ones do. Embedding 100k abstracts for real would take ~4 h on 2 cores,
  and the embedding cost per query does not depend on corpus size.

Papers go through the store's real commit path (Chroma + SQLite + BM25).
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from assistant.models import Paper
from assistant.settings import Settings
from assistant.store import Store, bundled_corpus
from assistant.store.ingest import embed_hash

ROOT = Path(__file__).resolve().parent.parent
BATCH = 5000


def env_for(home: Path, chroma_url: str | None) -> dict[str, str]:
    env = {"LITREVIEW_HOME": str(home)}
    if chroma_url:
        env["LITREVIEW_CHROMA_URL"] = chroma_url
    return env


def synthetic_store(home: Path, size: int, seed_store: Store, chroma_url: str | None = None) -> float:
    """Fill ``home`` (and the server, if given) with ``size`` papers, seeds included; returns seconds spent."""
    rng = random.Random(size)
    nrng = np.random.default_rng(size)
    store = Store.open(Settings.load(env_for(home, chroma_url)))
    start = time.perf_counter()
    store.ingest(bundled_corpus())
    seeds = list(seed_store.catalogue.iter_papers())
    sentences = [s for p in seeds for s in p.abstract.split(". ") if len(s) > 40]
    title_words = [w for p in seeds for w in p.title.split()]
    base = seed_store.vectors.all_vectors()
    made = len(seeds)
    while made < size:
        n = min(BATCH, size - made)
        to_write, ids, metas = [], [], []
        for i in range(n):
            title = " ".join(rng.choices(title_words, k=rng.randint(6, 12))) + f" {made + i}"
            abstract = ". ".join(rng.choices(sentences, k=8)) + "."
            paper = Paper.make(title, abstract, f"synthetic-{size}.jsonl", year=rng.randint(2015, 2025))
            ehash = embed_hash(paper)
            to_write.append((paper, ehash, True))
            for k in range(2):
                ids.append(f"{paper.paper_id}:{ehash}:{k}")
                metas.append({"paper_id": paper.paper_id, "embed_hash": ehash, "source": paper.source,
                              "year": paper.year})
        vecs = base[nrng.integers(0, len(base), len(ids))] + nrng.normal(0, 0.05, (len(ids), base.shape[1]))
        vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
        with store.write_lock():
            store.commit(to_write, ids, vecs, metas)
        made += n
    _ = store.lexical  # build and save the BM25 index once
    return time.perf_counter() - start


PROBE = """
import statistics, sys, time
from assistant.settings import Settings
from assistant.store import Store
from assistant.retrieval import search
env = {"LITREVIEW_HOME": sys.argv[1]}
if len(sys.argv) > 3:
    env["LITREVIEW_CHROMA_URL"] = sys.argv[3]
store = Store.open(Settings.load(env))
qs = [l.strip() for l in open(sys.argv[2]) if l.strip()]
search(store, "warm up")
times = []
for q in qs:
    t = time.perf_counter(); search(store, q, k=10); times.append(time.perf_counter() - t)
hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]
print(statistics.median(times), sorted(times)[int(0.95 * len(times)) - 1], hwm)
"""


SYNC_PROBE = """
import sys, time
from assistant.settings import Settings
from assistant.store import Store
t = time.perf_counter()
store = Store.open(Settings.load({"LITREVIEW_HOME": sys.argv[1], "LITREVIEW_CHROMA_URL": sys.argv[2],
                                  "LITREVIEW_READ_ONLY": "1"}))
report = store.sync()
mirrored = time.perf_counter() - t
_ = store.lexical
hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]
print(report.papers, mirrored, time.perf_counter() - t, hwm)
"""


def reader_sync(home: Path, url: str) -> str:
    """A read-only reader's first command on the server: mirror every published paper, build BM25."""
    res = subprocess.run([sys.executable, "-c", SYNC_PROBE, str(home), url], capture_output=True, text=True, cwd=ROOT)
    papers, mirrored, total, hwm = res.stdout.split()
    return f"{int(papers):,} papers: {float(mirrored):.1f} s + BM25 {float(total) - float(mirrored):.1f} s, " \
           f"{int(hwm) / 1024:.0f} MB"


def chroma_server(path: Path) -> tuple[subprocess.Popen, str]:
    """A real `chroma run` on 127.0.0.1 (a free port), ready to answer."""
    import socket
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([str(Path(sys.executable).with_name("chroma")), "run", "--path", str(path), "--host",
                             "127.0.0.1", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("chroma run did not start")


def bench_scale(tmp: Path, sizes: list[int], out: Callable[[str], None], server: bool = False) -> None:
    from assistant.evaluation import load_sets

    seed_home = tmp / "default"
    seed_store = Store.open(Settings.load({"LITREVIEW_HOME": str(seed_home)}))
    qfile = tmp / "questions.txt"
    qfile.write_text("\n".join(q.question for qs in load_sets().values() for q in qs))
    for mode in ("embedded", "server") if server else ("embedded",):
        proc, url = chroma_server(tmp / "chroma-server") if mode == "server" else (None, None)
        out(f"## Scale curve, {mode} store (synthetic corpora, see bench/scale.py)")
        out("")
        reader = " reader's first sync (mirror + BM25, peak RSS) |" if url else ""
        out("| papers | build | search p50 | search p95 | searcher peak RSS | data dir |" + reader)
        out("|---|---|---|---|---|---|" + ("---|" if url else ""))
        try:
            for size in [460, *sizes]:
                home = tmp / f"{mode}-{size}"
                if size == 460 and mode == "embedded":
                    home, build = seed_home, 0.0
                else:
                    build = synthetic_store(home, size, seed_store, url)
                res = subprocess.run([sys.executable, "-c", PROBE, str(home), str(qfile), *([url] if url else [])],
                                     capture_output=True, text=True, cwd=ROOT)
                p50, p95, hwm = res.stdout.split()
                disk = sum(f.stat().st_size for f in home.rglob("*") if f.is_file()) / 1e6
                out(f"| {size:,} | {build:.0f} s | {float(p50) * 1000:.1f} ms | {float(p95) * 1000:.1f} ms | "
                    f"{int(hwm) / 1024:.0f} MB | {disk:.0f} MB{' (+ server)' if url else ''} |"
                    + (f" {reader_sync(tmp / f'reader-{size}', url)} |" if url else ""))
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)
        out("")
