"""Offline `ask` latency, warm and in-process: p50/p95 over the question sets' questions.

    python bench/ask_latency.py [--home DIR]

Uses (or builds) a store of the bundled corpus, asks every question of ``evals/sets`` once after a
warm-up question, and prints the median and 95th percentile. The machine is shared: compare figures
measured in the same session only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.engines.answer import ask  # noqa: E402
from assistant.evaluation import load_sets  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.store import Store, bundled_corpus  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="a data dir holding the bundled corpus (built if empty)")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="litreview-bench-"))
    store = Store.open(Settings.load({"LITREVIEW_HOME": str(home)}))
    if len(store) == 0:
        store.ingest(bundled_corpus())
    questions = [q.question for qs in load_sets().values() for q in qs]
    ask(store, "warm up question about video", engine="offline")
    times = []
    for question in questions:
        start = time.perf_counter()
        ask(store, question, engine="offline")
        times.append(time.perf_counter() - start)
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    print(f"offline ask, warm, {len(times)} questions: p50 {statistics.median(times) * 1000:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms")


if __name__ == "__main__":
    main()
