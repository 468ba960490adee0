"""The LLM path against a real OpenAI-compatible endpoint (a local llama.cpp server, Ollama, ...).

    OPENAI_BASE_URL=http://127.0.0.1:8077/v1 OPENAI_API_KEY=x LITREVIEW_MODEL=qwen1.5b \
        python bench/llm_eval.py --home DATA_DIR --mode ask --raw ask.jsonl [--prompts DIR] [--resume]
    ... python bench/llm_eval.py --home DATA_DIR --mode reviews --raw reviews.jsonl
    python bench/llm_eval.py --home DATA_DIR --report ask.jsonl reviews.jsonl [...]

Questions: the numeric set (evals/sets/numeric.jsonl, answers known), and the held-out paraphrase and
out-of-collection questions (evals/heldout), the first ``--numeric``/``--paraphrase``/``--ooc`` of each.

Modes (each writes one JSON line per question or topic, with the model's raw output, what is shown and timings):

* ``ask``: ``litreview``'s own ``ask`` with the LLM engine (the prompt files in ``--prompts``, default the
  shipped ones), the model's raw text recorded on the way: role-tagged sources, the output checks and the
  fall-back to the offline answer are the product's, not re-wired here;
* ``reviews``: ``compare`` on three queries and ``draft`` (8 papers) on two topics, with the LLM engine; the
  synthesis and every section as the user receives them;
* ``offline``: the offline engine on the same questions.

``--report`` scores saved runs beside the offline engine on the same questions, all judged the same way:
false refusals, gold paper cited, right figure cited (a sentence stating the figure cites the gold paper),
out-of-collection refused, cited sentences the verifier finds contradicted, echo and repetition,
sentence-level citation precision and recall by the verifier, latency and tokens; an ``ask`` run is also
re-checked with today's output checks (no new model call). A ``reviews`` run gets, per text: claim
sentences, cited and uncited ones, contradicted citations, citation precision, echo, repetition, reasoning
shown and streams that ended early. Not part of CI: it needs a running model server.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.evaluation import Question, load_set  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.textnorm import paper_id_for, split_sentences  # noqa: E402


def questions(numeric: int, paraphrase: int, ooc: int) -> list[Question]:
    held = load_set(ROOT / "evals" / "heldout" / "heldout.jsonl")
    kinds = {json.loads(line)["id"]: json.loads(line)["kind"]
             for line in (ROOT / "evals" / "heldout" / "heldout.jsonl").read_text().splitlines() if line.strip()}
    para = [q for q in held if kinds[q.id] == "paraphrase"][:paraphrase]
    refuse = [Question(q.id, q.question, refuse=True) for q in held if kinds[q.id] == "out_of_collection"][:ooc]
    return load_set(ROOT / "evals" / "sets" / "numeric.jsonl")[:numeric] + para + refuse


class Recording:
    """An LLMClient that keeps the raw text of each completion (reasoning included)."""

    def __init__(self, client) -> None:  # type: ignore[no-untyped-def]
        self.client = client
        self.model = client.model
        self.raw: list[str] = []
        self.completions: list = []
        self.structured_calls = 0  # tables and theme names (tool calls or JSON), not streamed text

    def complete(self, system, user, on_token=None, stop=None, history=()):  # type: ignore[no-untyped-def]
        done = self.client.complete(system, user, on_token=on_token, stop=stop, history=history)
        self.raw.append(done.text if not done.reasoning else f"<think>{done.reasoning}</think>\n{done.text}")
        self.completions.append(done)
        return done

    def structured(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.structured_calls += 1
        return self.client.structured(*args, **kwargs)

    def __getattr__(self, name):  # type: ignore[no-untyped-def]
        return getattr(self.client, name)


def run_ask(store, client, q: Question) -> dict:  # type: ignore[no-untyped-def]
    from assistant.engines.answer import ask

    rec = Recording(client)
    start = time.perf_counter()
    answer = ask(store, q.question, engine="llm", llm=rec)
    done = rec.completions[-1] if rec.completions else None
    return {"id": q.id, "mode": "ask", "raw": rec.raw[-1] if rec.raw else None, "text": answer.text,
            "cited": [c.n for c in answer.citations], "evidence": [[e.n, e.paper.paper_id] for e in answer.evidence],
            "grounded": answer.grounded, "weak": answer.weak_match, "notes": answer.notes,
            "fallback": next((n for n in answer.notes if "offline engine answered instead" in n), None),
            "engine": answer.engine, "partial": answer.partial,
            "seconds": round(time.perf_counter() - start, 2), "usage": done.usage if done else {},
            "status": done.status if done else None}


def run_offline(store, q: Question) -> dict:  # type: ignore[no-untyped-def]
    from assistant.engines.answer import ask

    start = time.perf_counter()
    a = ask(store, q.question, engine="offline")
    return {"id": q.id, "mode": "offline", "raw": None, "text": a.text, "cited": [c.n for c in a.citations],
            "evidence": [[e.n, e.paper.paper_id] for e in a.evidence], "grounded": a.grounded, "weak": a.weak_match,
            "notes": a.notes, "seconds": round(time.perf_counter() - start, 2), "usage": {}, "status": None}


# -- compare syntheses and draft sections --------------------------------------------------------------
COMPARE_QUERIES = ("speculative decoding methods", "KV cache compression", "real-time object detection")
DRAFT_TOPICS = ("speculative decoding for large language models", "on-device LLM inference")
DRAFT_PAPERS = 8  # papers per draft: every section is a model call, minutes each on a CPU


def run_review(store, client, kind: str, topic: str) -> dict:  # type: ignore[no-untyped-def]
    """One ``compare`` or ``draft`` through the product's own functions, with the texts the model wrote
    (synthesis; each section) and the evidence their markers number."""
    from assistant.review.compare import compare
    from assistant.review.draft import draft

    rec = Recording(client)
    start = time.perf_counter()
    if kind == "compare":
        result = compare(store, topic, k=4, engine="llm", llm=rec)
        texts = [("synthesis", result.synthesis)]
        numbered = [[r.n, r.paper_id] for r in result.rows]
        notes, engine, audit = result.notes, result.engine, None
    else:
        made = draft(store, topic, k=DRAFT_PAPERS, engine="llm", llm=rec)
        texts = [(s.heading, s.text) for s in made.sections]
        numbered = [[r.n, r.paper.paper_id] for r in made.references]
        notes, engine = made.notes, made.engine
        audit = {"kept": made.audit.kept, "flagged": made.audit.flagged, "removed": made.audit.removed,
                 "uncited": len(made.audit.uncited)}
    return {"id": f"{kind}:{topic}", "mode": kind, "topic": topic, "texts": texts, "evidence": numbered,
            "raw": rec.raw, "notes": notes, "engine": engine, "audit": audit,
            "seconds": round(time.perf_counter() - start, 2), "calls": len(rec.raw) + rec.structured_calls,
            "usage": {"total_tokens": sum((c.usage or {}).get("total_tokens") or 0 for c in rec.completions)},
            "cut_calls": sum(not c.finished for c in rec.completions)}


def score_reviews(rows: list[dict], store, verifier) -> str:  # type: ignore[no-untyped-def]
    """Per compare/draft run: the model's texts judged like answers (echo, loops, uncited and contradicted
    sentences, citation precision), from the texts as the user receives them."""
    from assistant.engines.output import REASONING_OPEN, cut_repetition, remove_echo
    from assistant.models import Evidence

    head = ("| run | texts | claim sentences | cited | uncited | contradicted cited | citation precision | echo | "
            "repetition | reasoning shown | streams ended early | model calls | s |")
    lines = [head, "|" + "---|" * 13]
    for row in rows:
        evidence = {n: pid for n, pid in row["evidence"]}
        papers = {n: store.get(pid) for n, pid in evidence.items()}
        ev = [Evidence(n, p, p.abstract, 1.0) for n, p in papers.items() if p is not None]
        claims = cited = pairs = good = contradicted = echo = rep = shown = 0
        for _, text in row["texts"]:
            found, n_claims = _pairs(text, evidence)
            claims += n_claims
            cited += len({c for c, _ in found})
            verdicts = verifier.verify_many([(c, store.get(pid)) for c, pid in found]) if found else []
            pairs += len(found)
            good += sum(v.label in ("supported", "partial") for v in verdicts)
            contradicted += sum(v.label == "contradicted" for v in verdicts)
            echoed = remove_echo(text, ev)
            echo += bool(echoed.titles or echoed.dumped)
            cut = cut_repetition(text)
            rep += bool(cut.repeated or cut.loops)
            shown += bool(REASONING_OPEN.search(text) or "</think>" in text)
        cuts = row["cut_calls"]  # streams that ended early (cut, stalled, token limit)
        lines.append(f"| {row['id']} | {len(row['texts'])} | {claims} | {cited} | {claims - cited} | {contradicted} | "
                     f"{(good / pairs) if pairs else float('nan'):.2f} | {echo} | {rep} | {shown} | {cuts} | "
                     f"{row['calls']} | {row['seconds']:.0f} |")
    return "\n".join(lines)


# -- scoring ------------------------------------------------------------------------------------------
def _pairs(text: str, evidence: dict[int, str]) -> tuple[list[tuple[str, str]], int]:
    """(sentence, paper_id) for each valid marker of each sentence, and the number of claim sentences."""
    from assistant.engines.output import markers_of, paragraphs, without_markers

    pairs, claims = [], 0
    for para in paragraphs(text):
        for s in para:
            bare = without_markers(s)
            if len(bare.split()) < 4 or bare.endswith(":"):
                continue
            claims += 1
            for n in markers_of(s):
                if n in evidence:
                    pairs.append((bare, evidence[n]))
    return pairs, claims


def _model_wrote(row: dict) -> bool:
    """The shown text is the model's (not the offline engine's, nor its fall-back)."""
    return row.get("mode") not in ("offline",) and not str(row.get("engine") or "").startswith("offline") \
        and not row.get("fallback")


def score(rows: list[dict], qs: dict[str, Question], store, verifier, label: str) -> dict:  # type: ignore[no-untyped-def]
    from assistant.engines.output import REASONING_OPEN, cut_repetition, remove_echo
    from assistant.models import Evidence

    s = dict(false_refusals=0, answerable=0, gold_cited=0, numeric=0, right_figure=0, ooc=0, ooc_refused=0,
             pairs=0, supported_pairs=0, contradicted=0, claims=0, claims_supported=0, echo=0, repetition=0,
             reasoning_shown=0, fallbacks=0, seconds=[], tokens=[])
    for row in rows:
        q = qs[row["id"]]
        evidence = {n: pid for n, pid in row["evidence"]}
        papers = {n: store.get(pid) for n, pid in evidence.items()}
        text = row["text"]
        s["seconds"].append(row["seconds"])
        if row.get("usage"):
            s["tokens"].append(row["usage"].get("total_tokens") or 0)
        s["fallbacks"] += bool(row.get("fallback"))
        pairs, claims = _pairs(text, evidence)
        verdicts = verifier.verify_many([(c, papers[[n for n, p in evidence.items() if p == pid][0]])
                                         for c, pid in pairs]) if pairs else []
        good = {(c, pid) for (c, pid), v in zip(pairs, verdicts) if v.label in ("supported", "partial")}
        s["pairs"] += len(pairs)
        s["supported_pairs"] += len(good)
        s["contradicted"] += sum(v.label == "contradicted" for v in verdicts)
        s["claims"] += claims
        s["claims_supported"] += len({c for c, _ in good})
        ev = [Evidence(n, papers[n], papers[n].abstract, 1.0) for n in papers if papers[n] is not None]
        if _model_wrote(row):  # the offline engine's "Nearest papers" list is its own, not an echo
            echo = remove_echo(text, ev)
            s["echo"] += bool(echo.titles or echo.dumped)
        rep = cut_repetition(text)
        s["repetition"] += bool(rep.repeated or rep.loops)
        s["reasoning_shown"] += bool(REASONING_OPEN.search(text) or "</think>" in text)
        if q.refuse:
            s["ooc"] += 1
            s["ooc_refused"] += not row["grounded"]
            continue
        s["answerable"] += 1
        s["false_refusals"] += not row["grounded"]
        gold = {paper_id_for(t) for t in q.gold}
        cited = {evidence.get(n) for n in row["cited"]}
        s["gold_cited"] += bool(gold & cited)
        if q.answer is not None:
            s["numeric"] += 1
            right = False
            for sentence in (x for line in text.split("\n") for x in split_sentences(line)):
                if q.answer in sentence and gold & {evidence.get(int(n)) for n in re.findall(r"\[(\d+)\]", sentence)}:
                    right = True
            s["right_figure"] += right
    secs, toks = s.pop("seconds"), s.pop("tokens")
    s["label"] = label
    s["precision"] = s["supported_pairs"] / s["pairs"] if s["pairs"] else float("nan")
    s["recall"] = s["claims_supported"] / s["claims"] if s["claims"] else float("nan")
    s["p50_s"] = statistics.median(secs) if secs else float("nan")
    s["max_s"] = max(secs) if secs else float("nan")
    s["tokens_mean"] = statistics.mean(toks) if toks else float("nan")
    return s


def checks_over_raw(rows: list[dict], store, verifier, offline: dict[str, dict]) -> list[dict]:  # type: ignore[no-untyped-def]
    """A run's raw outputs passed through today's output checks (and the fall-back), no new model call."""
    from assistant.engines.citations import check_citations
    from assistant.engines.output import check_output, fallback_reason
    from assistant.models import Evidence

    out = []
    for row in rows:
        if row.get("raw") is None:
            out.append({**row, "mode": "re-checked"})
            continue
        given = row.get("shown") or row["evidence"]  # what the model was given
        ev = [Evidence(n, store.get(pid), store.get(pid).abstract, 1.0) for n, pid in given]
        checked = check_output(row["raw"], ev, verifier)
        why = fallback_reason(checked, weak=row["weak"])
        if why:
            off = offline[row["id"]]
            out.append({**off, "mode": "re-checked", "fallback": why, "seconds": row["seconds"],
                        "usage": row["usage"]})
        else:
            cit = check_citations(checked.text, ev)
            out.append({**row, "mode": "re-checked", "text": cit.text, "cited": [c.n for c in cit.citations],
                        "evidence": given, "grounded": checked.grounded, "fallback": None})
    return out


def table(results: list[dict]) -> str:
    head = ("| run | false refusals | gold cited | right figure cited | out-of-collection refused | contradicted "
            "cited | echo | repetition | reasoning shown | citation precision | citation recall | fell back to "
            "offline | p50 s | max s | tokens |")
    lines = [head, "|" + "---|" * 15]
    for r in results:
        lines.append(
            f"| {r['label']} | {r['false_refusals']}/{r['answerable']} | {r['gold_cited']}/{r['answerable']} | "
            f"{r['right_figure']}/{r['numeric']} | {r['ooc_refused']}/{r['ooc']} | {r['contradicted']} | {r['echo']} | "
            f"{r['repetition']} | {r['reasoning_shown']} | {r['precision']:.2f} | {r['recall']:.2f} | "
            f"{r['fallbacks']} | {r['p50_s']:.1f} | {r['max_s']:.1f} | {r['tokens_mean']:.0f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", required=True, help="data dir holding the bundled corpus")
    ap.add_argument("--mode", choices=("ask", "offline", "reviews"),
                    help="ask: the questions; reviews: compare and draft on a few topics")
    ap.add_argument("--raw", type=Path, help="JSON Lines file to write (a run) ")
    ap.add_argument("--prompts", type=Path, help="prompt files to use instead of the shipped ones")
    ap.add_argument("--report", type=Path, nargs="+", help="saved runs to score")
    ap.add_argument("--resume", action="store_true", help="skip the questions the --raw file already holds")
    ap.add_argument("--numeric", type=int, default=12)
    ap.add_argument("--paraphrase", type=int, default=15)
    ap.add_argument("--ooc", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=300.0, help="[llm] timeout for the run, seconds between tokens")
    ap.add_argument("--max-tokens", type=int, default=400,
                    help="cap on each answer's length (a looping model would otherwise run to its context size)")
    args = ap.parse_args()

    from assistant import prompts
    from assistant.store import Store
    from assistant.verify import Verifier

    if args.prompts:
        prompts.PROMPTS_DIR = args.prompts
        prompts.template.cache_clear()
    settings = Settings.load({**os.environ, "LITREVIEW_HOME": args.home, "LITREVIEW_LLM_TIMEOUT": str(args.timeout),
                              "LITREVIEW_LLM_RETRIES": "0"})
    store = Store.open(settings)
    verifier = Verifier(store.embedder)
    qs = questions(args.numeric, args.paraphrase, args.ooc)
    by_id = {q.id: q for q in qs}
    if args.report:
        offline = [run_offline(store, q) for q in qs]
        off_by_id = {r["id"]: r for r in offline}
        results = [score(offline, by_id, store, verifier, "offline engine")]
        for path in args.report:
            rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
            if rows and rows[0]["mode"] in ("compare", "draft"):
                print(f"\n{path.stem}:\n" + score_reviews(rows, store, verifier))
                continue
            rows = [r for r in rows if r["id"] in by_id]
            results.append(score(rows, by_id, store, verifier, f"{path.stem} ({len(rows)} q)"))
            written = [r for r in rows if _model_wrote(r)]
            if 0 < len(written) < len(rows):  # the answers the model wrote, without the offline fall-backs
                results.append(score(written, by_id, store, verifier,
                                     f"{path.stem}, model-written answers only ({len(written)} q)"))
            if rows and any(r.get("raw") for r in rows):
                results.append(score(checks_over_raw(rows, store, verifier, off_by_id), by_id, store, verifier,
                                     f"{path.stem}, re-checked now"))
        print(table(results))
        return
    from assistant.engines.llm import LLMClient

    client = LLMClient(settings)
    client.chat.extra_body = {**(client.chat.extra_body or {}), "max_tokens": args.max_tokens}
    done = ({json.loads(line)["id"] for line in args.raw.read_text().splitlines() if line.strip()}
            if args.resume and args.raw.exists() else set())
    if args.mode == "reviews":
        jobs = [("compare", t) for t in COMPARE_QUERIES] + [("draft", t) for t in DRAFT_TOPICS]
        with args.raw.open("a", encoding="utf-8") as fh:
            for kind, topic in jobs:
                if f"{kind}:{topic}" in done:
                    continue
                row = run_review(store, client, kind, topic)
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                fh.flush()
                print(f"{kind} {topic!r}: {row['seconds']:.0f}s, {row['calls']} calls, notes {row['notes']}",
                      flush=True)
        return
    with args.raw.open("a", encoding="utf-8") as fh:
        for i, q in enumerate(qs, 1):
            if q.id in done:
                continue
            try:
                row = run_ask(store, client, q) if args.mode == "ask" else run_offline(store, q)
            except Exception as exc:
                row = {"id": q.id, "mode": args.mode, "raw": None, "text": f"(error: {exc})", "cited": [],
                       "evidence": [], "grounded": False, "weak": False, "notes": [], "seconds": 0.0, "usage": {},
                       "status": "error"}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            fh.flush()
            print(f"[{i}/{len(qs)}] {q.id} {row['seconds']:.1f}s grounded={row['grounded']} "
                  f"{(row.get('raw') or row['text'])[:100]!r}", flush=True)


if __name__ == "__main__":
    main()
