"""Peak memory of `litreview ingest` with the offline MiniLM embedder, long vs short abstracts.

    python bench/memory.py [--sizes 1000,5000,10000] [--kinds long,short] [--batch 1000]
    python bench/memory.py --embedder test-server             # the pipeline alone, without the model
    python bench/memory.py --profile 2000 [--kinds long]     # in process: RSS and Python heap per batch

Writes synthetic biomedical abstracts into a JSONL file (long: 200-350 words,
the length of a clinical or laboratory abstract; short: about 40 words, the
length of the arXiv-style abstracts `bench/ingest_memory.py` measures) and runs
the real `litreview ingest FILE --json` in a child process with
``LITREVIEW_HOME`` in a temporary directory and the installed offline embedder
(all-MiniLM-L6-v2 int8; nothing is downloaded). The child's peak RSS is its
``ru_maxrss`` as ``os.wait4`` reports it for that one child; RSS is also polled
from /proc every 0.2 s to show when the peak happens.

``--embedder test-server`` embeds through testkit's OpenAI-compatible test
server instead (deterministic 64-dim vectors, one passage per paper): the
model's own memory does not depend on the number of papers, so this measures,
in minutes rather than hours, whether everything around the model stays flat.

The abstracts are made from sentence templates whose slots are filled from
made-up word lists (conditions, interventions, cohorts, measures, numbers), so
no two abstracts are alike and none is copied from real data.

``--profile N`` runs one ingest of N papers inside this process instead and
prints, after every batch, the RSS, its peak so far and the Python heap traced
by tracemalloc (with the lines that hold the most of it at the end): memory that
grows batch after batch shows up here with the line that holds it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CONDITIONS = [
    "type 2 diabetes", "chronic kidney disease", "heart failure with preserved ejection fraction", "sepsis",
    "community-acquired pneumonia", "rheumatoid arthritis", "major depressive disorder", "ischaemic stroke",
    "non-small cell lung cancer", "hepatocellular carcinoma", "atrial fibrillation", "asthma", "psoriasis",
    "multiple sclerosis", "Parkinson's disease", "ulcerative colitis", "osteoporosis", "gestational diabetes",
    "acute kidney injury", "chronic obstructive pulmonary disease", "tuberculosis", "malaria", "migraine",
    "triple-negative breast cancer", "glioblastoma", "sickle cell disease", "cystic fibrosis", "obesity",
]
INTERVENTIONS = [
    "a once-weekly GLP-1 receptor agonist", "low-dose colchicine", "an SGLT2 inhibitor", "early mobilisation",
    "a nurse-led telemonitoring programme", "high-intensity interval training", "a Mediterranean diet",
    "intravenous iron", "vitamin D supplementation", "cognitive behavioural therapy", "a CAR-T cell product",
    "an anti-IL-17 monoclonal antibody", "transcranial magnetic stimulation", "a polypill", "tranexamic acid",
    "a checkpoint inhibitor combined with chemotherapy", "prophylactic antibiotics", "remote ischaemic conditioning",
    "a smartphone-based adherence reminder", "dual antiplatelet therapy", "a structured exercise referral",
    "an oral JAK inhibitor", "hypofractionated radiotherapy", "a community health worker visit schedule",
]
COHORTS = [
    "adults over 65 years", "children aged 5 to 12 years", "pregnant women in their first trimester",
    "patients admitted to intensive care", "outpatients from 14 primary care practices", "nursing home residents",
    "treatment-naive patients", "participants of a national birth cohort",
    "veterans with a prior myocardial infarction",
    "kidney transplant recipients", "adolescents with a first episode", "smokers with at least 20 pack-years",
    "patients from three tertiary referral centres", "women after menopause", "people living with HIV",
]
DESIGNS = [
    "a multicentre, double-blind, placebo-controlled randomised trial", "a prospective cohort study",
    "a retrospective analysis of electronic health records", "a cluster-randomised trial",
    "a nested case-control study", "a systematic review and meta-analysis of randomised trials",
    "an open-label, single-arm phase 2 study", "a cross-sectional survey", "a target trial emulation",
    "a pragmatic stepped-wedge trial", "a Mendelian randomisation analysis", "a registry-based cohort study",
]
OUTCOMES = [
    "all-cause mortality", "hospital readmission within 30 days", "HbA1c", "estimated glomerular filtration rate",
    "progression-free survival", "the six-minute walk distance", "systolic blood pressure", "quality of life",
    "the rate of severe exacerbations", "time to first relapse", "serum ferritin", "pain intensity",
    "the incidence of delirium", "length of hospital stay", "bone mineral density at the lumbar spine",
    "a composite of cardiovascular death and heart failure hospitalisation", "viral load suppression",
    "depressive symptom scores", "the need for mechanical ventilation", "objective response rate",
]
MARKERS = [
    "C-reactive protein", "interleukin-6", "troponin T", "NT-proBNP", "circulating tumour DNA", "faecal calprotectin",
    "the gut microbiome composition", "a polygenic risk score", "plasma neurofilament light chain", "cortisol",
    "the neutrophil-to-lymphocyte ratio", "serum urate", "LDL cholesterol", "a transcriptomic signature",
]
SETTINGS = ["sub-Saharan Africa", "rural China", "Scandinavia", "the United States", "Brazil", "South Asia",
            "the United Kingdom", "Japan", "Germany", "Australia", "Canada", "the Netherlands"]

BACKGROUND = [
    "{Condition} remains a leading cause of morbidity in {setting}, and {outcome} is poorly controlled in "
    "routine care.",
    "Although {intervention} is widely used, its effect on {outcome} in {cohort} has not been established.",
    "Previous studies of {condition} suggested that {marker} predicts {outcome}, but they were small and "
    "mostly retrospective.",
    "The burden of {condition} among {cohort} is rising, and current guidelines rest on limited evidence.",
    "Whether {intervention} should be offered to {cohort} with {condition} is debated.",
    "Elevated {marker} has been linked to {condition}, yet its causal role is unclear.",
]
AIMS = [
    "We aimed to assess whether {intervention} improves {outcome} in {cohort} with {condition}.",
    "This study evaluated the association between {marker} and {outcome} in {cohort}.",
    "We investigated the efficacy and safety of {intervention} compared with usual care.",
    "Our objective was to estimate the effect of {intervention} on {outcome} over {months} months.",
]
METHODS = [
    "We conducted {design} in {setting} between {year0} and {year1}.",
    "In total, {n} {cohort} were enrolled and randomly assigned in a 1:1 ratio to {intervention} or placebo.",
    "The primary outcome was {outcome}; secondary outcomes included {outcome2} and {outcome3}.",
    "{Marker} was measured at baseline and at {months} months by a central laboratory blinded to allocation.",
    "Hazard ratios were estimated with Cox models adjusted for age, sex, body mass index and baseline {outcome2}.",
    "Data were analysed by intention to treat, and missing values were handled by multiple imputation.",
    "Participants were followed for a median of {follow} months (interquartile range {iqr0} to {iqr1}).",
    "We used inverse probability weighting to balance {n2} exposed and {n3} unexposed participants.",
    "Sensitivity analyses excluded participants with {condition2} at baseline.",
]
RESULTS = [
    "{Intervention} reduced {outcome} by {pct}% (95% CI {lo} to {hi}; p={p}).",
    "The hazard ratio for {outcome} was {hr} (95% CI {hrlo} to {hrhi}) compared with the control group.",
    "Adverse events occurred in {pct}% of the intervention group and {pct2}% of the control group.",
    "Each standard deviation increase in {marker} was associated with {pct}% higher odds of {outcome}.",
    "No significant difference was observed in {outcome2} between groups (mean difference {md}; p={p2}).",
    "The effect was consistent across prespecified subgroups defined by age, sex and {condition2}.",
    "Serious adverse events were rare, and no treatment-related deaths were reported.",
    "At {months} months, {pct}% of participants in the intervention arm reached the target for {outcome}.",
    "The number needed to treat to prevent one event was {nnt}.",
]
CONCLUSIONS = [
    "In {cohort} with {condition}, {intervention} improved {outcome} with an acceptable safety profile.",
    "These findings support the use of {marker} to stratify risk in {condition}, pending external validation.",
    "{Intervention} did not improve {outcome2}, which argues against its routine use in this population.",
    "Larger trials with longer follow-up are needed before {intervention} can be recommended.",
    "Our results suggest that {outcome} could serve as an early target in the management of {condition}.",
]
TITLES = [
    "{Intervention} and {outcome} in {cohort} with {condition}: {design_short}",
    "{Marker} as a predictor of {outcome} in {condition}",
    "Effect of {intervention} on {outcome} among {cohort} in {setting}",
    "{Design_short} of {intervention} for {condition}",
    "Association of {marker} with {outcome} and {outcome2} in {condition}",
]
DESIGN_SHORT = ["a randomised trial", "a cohort study", "a meta-analysis", "a phase 2 trial", "a registry study",
                "a case-control study", "a pragmatic trial", "a target trial emulation"]


def _slots(rng: random.Random) -> dict[str, str]:
    condition, condition2 = rng.sample(CONDITIONS, 2)
    outcome, outcome2, outcome3 = rng.sample(OUTCOMES, 3)
    year0 = rng.randint(2005, 2019)
    iqr0 = rng.randint(6, 24)
    hr = round(rng.uniform(0.55, 1.3), 2)
    values = {
        "condition": condition, "condition2": condition2, "intervention": rng.choice(INTERVENTIONS),
        "cohort": rng.choice(COHORTS), "design": rng.choice(DESIGNS), "outcome": outcome, "outcome2": outcome2,
        "outcome3": outcome3, "marker": rng.choice(MARKERS), "setting": rng.choice(SETTINGS),
        "design_short": rng.choice(DESIGN_SHORT), "year0": str(year0), "year1": str(year0 + rng.randint(2, 6)),
        "n": f"{rng.randint(80, 12000):,}", "n2": f"{rng.randint(500, 40000):,}", "n3": f"{rng.randint(500, 90000):,}",
        "months": str(rng.choice([3, 6, 12, 18, 24, 36, 52])), "follow": str(rng.randint(8, 60)),
        "iqr0": str(iqr0), "iqr1": str(iqr0 + rng.randint(6, 30)), "pct": str(rng.randint(3, 48)),
        "pct2": str(rng.randint(3, 48)), "lo": str(rng.randint(1, 10)), "hi": str(rng.randint(11, 60)),
        "p": f"{rng.uniform(0.0001, 0.049):.3f}", "p2": f"{rng.uniform(0.06, 0.9):.2f}", "hr": f"{hr}",
        "hrlo": f"{hr - rng.uniform(0.05, 0.2):.2f}", "hrhi": f"{hr + rng.uniform(0.05, 0.3):.2f}",
        "md": f"{rng.uniform(-3, 3):.1f}", "nnt": str(rng.randint(8, 140)),
    }
    values.update({key[0].upper() + key[1:]: value[0].upper() + value[1:] for key, value in list(values.items())})
    return values


def _sentence(rng: random.Random, templates: list[str]) -> str:
    return rng.choice(templates).format(**_slots(rng))


def abstract(rng: random.Random, words: int) -> str:
    """Background, aim, methods, results, conclusion, grown with more methods and results to about ``words``."""
    if words < 80:  # a short abstract: an aim, a method, a result and a conclusion, cut to length
        text = [_sentence(rng, t) for t in (AIMS, METHODS, RESULTS, CONCLUSIONS)]
        return " ".join(" ".join(text).split()[:words]).rstrip(",;:.") + "."
    parts = [_sentence(rng, BACKGROUND), _sentence(rng, AIMS)]
    tail = [_sentence(rng, CONCLUSIONS)]
    middle: list[str] = []
    count = sum(len(s.split()) for s in parts + tail)
    while count < words:
        sentence = _sentence(rng, METHODS if len(middle) % 3 < 2 and len(middle) < 8 else RESULTS)
        if middle and count + len(sentence.split()) > words + 12:
            break
        middle.append(sentence)
        count += len(sentence.split())
    return " ".join(parts + middle + tail)


def write_corpus(path: Path, n: int, kind: str, seed: int = 7) -> dict[str, float]:
    """``n`` synthetic papers (``kind``: ``long`` 200-350 words, ``short`` about 40) as JSONL; word statistics."""
    rng = random.Random(f"{seed}-{kind}-{n}")
    titles: set[str] = set()
    total = 0
    with path.open("w", encoding="utf-8") as fh:
        for _ in range(n):
            while True:
                title = _sentence(rng, TITLES) + f" (study {rng.randint(1, 10**6)})"
                if title not in titles:
                    titles.add(title)
                    break
            words = rng.randint(200, 350) if kind == "long" else rng.randint(36, 44)
            text = abstract(rng, words)
            total += len(text.split())
            fh.write(json.dumps({"title": title, "abstract": text,
                                 "authors": f"{rng.choice(['Okafor', 'Lindqvist', 'Tanaka', 'Moreau', 'Silva'])}, "
                                            f"{rng.choice('ABCDEFGHJK')}. and {rng.choice(['Patel', 'Novak'])}, R.",
                                 "year": rng.randint(2008, 2025)}) + "\n")
    return {"mean_words": total / max(n, 1), "mb": path.stat().st_size / 1e6}


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_ingest(data: Path, home: Path, batch: int | None, server_url: str | None = None) -> dict:
    """One real `litreview ingest DATA --json` child: its summary, peak RSS (MB), wall time and RSS samples.
    ``server_url``: embed through the test embedding server there instead of MiniLM."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LITREVIEW_"))}
    env.update(LITREVIEW_HOME=str(home), LITREVIEW_EMBEDDING="minilm", PYTHONPATH=str(ROOT))
    if server_url:
        env.update(LITREVIEW_EMBEDDING="openai:fake-embedding", OPENAI_BASE_URL=server_url)
    if batch:
        env["LITREVIEW_INGEST_BATCH"] = str(batch)
    out, err = home.parent / f"{home.name}.out", home.parent / f"{home.name}.err"
    samples: list[tuple[float, int]] = []
    start = time.perf_counter()
    with out.open("w") as fo, err.open("w") as fe:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "ingest", str(data), "--json"], env=env,
                                stdout=fo, stderr=fe, cwd=ROOT)
        stop = threading.Event()

        def poll() -> None:
            while not stop.wait(0.2):
                samples.append((time.perf_counter() - start, _rss_kb(proc.pid)))

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        stop.set()
        poller.join()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"ingest failed ({proc.returncode}): {err.read_text()[-800:]}")
    summary = json.loads(out.read_text())
    return {"summary": summary, "peak_mb": usage.ru_maxrss / 1024, "wall": wall, "samples": samples}


def bench(sizes: list[int], kinds: list[str], batch: int | None, embedder: str) -> None:
    server = None
    if embedder == "test-server":
        sys.path.insert(0, str(ROOT))
        from testkit.llm_server import FakeOpenAIServer

        server = FakeOpenAIServer().__enter__()
    what = ("the test embedding server (64-dim vectors, one passage per paper: the pipeline without the model)"
            if server else "the offline MiniLM embedder")
    print(f"## Ingest peak RSS with {what} (bench/memory.py)")
    print()
    print("| abstracts | papers | mean words | file | passages embedded | wall | peak RSS | RSS at 25/50/75/100% |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            for n in sizes:
                data = Path(tmp) / f"{kind}-{n}.jsonl"
                stats = write_corpus(data, n, kind)
                got = run_ingest(data, Path(tmp) / f"home-{kind}-{n}", batch, server.base_url if server else None)
                s = got["summary"]
                assert s["added"] == n, s
                rss = [kb for _, kb in got["samples"] if kb]
                marks = "/".join(f"{rss[min(len(rss) - 1, int(len(rss) * q))] / 1024:.0f}" for q in
                                 (0.25, 0.5, 0.75, 0.999)) if rss else "-"
                print(f"| {kind} | {n:,} | {stats['mean_words']:.0f} | {stats['mb']:.1f} MB | "
                      f"{s['embedded_passages']:,} | {got['wall']:.0f} s | {got['peak_mb']:.0f} MB | {marks} |",
                      flush=True)
    print()
    if server is not None:
        server.__exit__(None, None, None)


def profile(n: int, kind: str, batch: int) -> None:
    """One ingest in this process: RSS, peak and traced Python heap after each batch, then the top holders."""
    import resource
    import tracemalloc

    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update(LITREVIEW_HOME=str(Path(tmp) / "home"), LITREVIEW_EMBEDDING="minilm",
                          LITREVIEW_INGEST_BATCH=str(batch))
        from assistant.settings import Settings
        from assistant.store import Store

        data = Path(tmp) / f"{kind}-{n}.jsonl"
        write_corpus(data, n, kind)
        store = Store.open(Settings.load())
        tracemalloc.start(8)
        print("| papers done | RSS | peak RSS | traced Python heap | traced peak |")
        print("|---|---|---|---|---|")
        last = [-1]

        def progress(stage: str, done: int, total: int) -> None:
            if done % batch and done != total or done == last[0]:
                return
            last[0] = done
            cur, peak = tracemalloc.get_traced_memory()
            print(f"| {done:,} | {_rss_kb(os.getpid()) / 1024:.0f} MB | "
                  f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB | {cur / 2**20:.1f} MB | "
                  f"{peak / 2**20:.1f} MB |", flush=True)

        store.ingest([data], progress=progress)
        snapshot = tracemalloc.take_snapshot()
        print("\nlargest Python allocations still held after the ingest:")
        for stat in snapshot.statistics("lineno")[:12]:
            print(f"  {stat.size / 2**20:7.1f} MB  {stat.traceback[0]}")
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,5000,10000")
    parser.add_argument("--kinds", default="long,short")
    parser.add_argument("--batch", type=int, default=None, help="LITREVIEW_INGEST_BATCH (default: the setting's)")
    parser.add_argument("--embedder", choices=("minilm", "test-server"), default="minilm",
                        help="test-server: testkit's embedding server, to measure the pipeline's growth in N fast")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="profile one ingest of N papers")
    args = parser.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]
    for kind in kinds:
        if kind not in ("long", "short"):
            parser.error(f"--kinds: {kind!r} is neither 'long' nor 'short'")
    if args.profile:
        profile(args.profile, kinds[0], args.batch or 1000)
    else:
        bench([int(x) for x in args.sizes.split(",")], kinds, args.batch, args.embedder)


if __name__ == "__main__":
    main()
