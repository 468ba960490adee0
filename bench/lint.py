"""`litreview lint` speed on a 200-sentence draft, beside a baseline measured in the same run.

    python bench/lint.py [--sentences 200] [--repeat 3] [--home DIR]

Writes a Markdown draft and its .bib from the bundled corpus: a third of the sentences quote a
paper's own sentence (faithful), a third negate one ("does not ..."), a third change a figure in
it; each cites its paper through the .bib by key, ``--per-paper`` sentences per paper (4: a
200-sentence draft cites 50 papers; 1 is the worst case, 200 papers each analysed once). Times (median of ``--repeat``):

* ``lint`` in process on a warm store: parse, resolve, one Verifier, one ``verify_many``;
* the whole command, ``litreview lint draft.md --bib refs.bib --json`` in a new process (imports,
  store, model load);
* baseline: embedding the same sentences once with the embedding model itself, no cache (what any
  embedding-based check must at least pay).

Without ``--home`` a temporary data dir is seeded with the bundled corpus (shipped vectors: seconds).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.settings import Settings  # noqa: E402
from assistant.store import Store, bundled_corpus  # noqa: E402
from assistant.textnorm import split_sentences  # noqa: E402

_FIGURE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?=\s*(?:%|x\b|times\b|ms\b|points\b|fewer\b|faster\b|higher\b))")
_NEGATABLE = re.compile(r"\b(is|are|can|achieves|outperforms|improves|reduces|shows|demonstrates|enables)\b")


def negate(sentence: str) -> str | None:
    """The sentence saying the opposite: "X achieves Y" -> "X does not achieve Y"."""
    m = _NEGATABLE.search(sentence)
    if not m:
        return None
    verb = m.group(1)
    if verb in ("is", "are", "can"):
        repl = f"{verb} not"
    else:
        base = verb[:-2] if verb.endswith("es") and verb[-3] in "sh" else verb[:-1]
        repl = f"does not {base}"
    return sentence[:m.start()] + repl + sentence[m.end():]


def wrong_figure(sentence: str) -> str | None:
    """The sentence with its first figure changed (x 3, or + 17 for small numbers)."""
    m = _FIGURE.search(sentence)
    if not m:
        return None
    value = float(m.group(1))
    new = value * 3 if value >= 10 else value + 17
    text = f"{new:.1f}" if "." in m.group(1) else f"{int(new)}"
    return sentence[:m.start()] + text + sentence[m.end():]


def write_draft(folder: Path, n: int, per_paper: int = 4) -> tuple[Path, Path, Counter]:
    """A draft of ``n`` cited sentences (faithful / negated / wrong figure, in turn), ``per_paper`` of them
    from each paper's abstract (a review cites a paper for several points), and its .bib."""
    from assistant.readers import read_records

    papers = [r for path in bundled_corpus() for r in read_records(path) if hasattr(r, "abstract")]
    lines, bib, kinds = ["# A review written for timing", ""], [], Counter()
    i = 0
    for paper in papers:
        made_here = 0
        key = f"p{len(bib) + 1}"
        for s in [s for s in split_sentences(paper.abstract)[1:] if 40 < len(s) < 300]:
            if len(lines) - 2 >= n or made_here >= per_paper:
                break
            kind = ("faithful", "negated", "wrong_figure")[i % 3]
            made = s if kind == "faithful" else negate(s) if kind == "negated" else wrong_figure(s)
            if not made:
                continue
            lines.append(f"{made.rstrip('.')} [@{key}].")
            kinds[kind] += 1
            made_here += 1
            i += 1
        if made_here:
            title = paper.title.replace("{", "").replace("}", "")
            bib.append(f"@article{{{key},\n  title = {{{title}}},\n  year = {{2024}},\n}}\n")
    draft, refs = folder / "draft.md", folder / "refs.bib"
    draft.write_text("\n".join(lines) + "\n", encoding="utf-8")
    refs.write_text("\n".join(bib), encoding="utf-8")
    return draft, refs, kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=200)
    parser.add_argument("--per-paper", type=int, default=4, help="sentences citing each paper (default 4)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--home", type=Path, help="a data dir holding the bundled corpus (default: a new one)")
    args = parser.parse_args()
    from assistant.lint import lint

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        home = args.home or folder / "home"
        store = Store.open(Settings.load({"LITREVIEW_HOME": str(home)}))
        if not len(store):
            store.ingest(bundled_corpus())
        draft, refs, kinds = write_draft(folder, args.sentences, args.per_paper)
        store.embedder.embed(["warm up"])
        runs, reports = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            reports.append(lint(draft, store, bib=refs))
            runs.append(time.perf_counter() - start)
        report = reports[-1]
        from assistant.lint.parse import parse_draft

        claims = [c for s in parse_draft(draft).sentences for c in s.claims]
        base = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            getattr(store.embedder, "model", store.embedder).embed(claims)  # the model itself, no cache
            base.append(time.perf_counter() - start)
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
        env["LITREVIEW_HOME"] = str(home)
        walls = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "assistant", "lint", str(draft), "--bib", str(refs),
                                   "--json"], env=env, capture_output=True, text=True, cwd=ROOT)
            walls.append(time.perf_counter() - start)
            assert proc.returncode == 0, proc.stderr
        store.close()
    papers = len({c.paper_id for s in report.sentences for c in s.citations})
    print(f"## lint: a {report.checked}-sentence draft citing {papers} papers ({dict(kinds)}), "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print()
    print("| what | median | runs |")
    print("|---|---|---|")
    print(f"| lint in process (warm store: parse, resolve, verify) | {statistics.median(runs):.2f} s | "
          f"{', '.join(f'{t:.2f}' for t in runs)} |")
    print(f"| `litreview lint --json` in a new process (imports, store, model load) | "
          f"{statistics.median(walls):.2f} s | "
          f"{', '.join(f'{t:.2f}' for t in walls)} |")
    print(f"| baseline: embedding the {len(claims)} claims once | {statistics.median(base):.2f} s | "
          f"{', '.join(f'{t:.2f}' for t in base)} |")
    print()
    print(f"verdicts: {report.summary}")


if __name__ == "__main__":
    main()
