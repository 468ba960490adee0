"""The ``litreview`` command: parse arguments, call the core, render the result.

Thin on purpose: every command is a few lines over ``assistant.store`` /
``assistant.retrieval``. Imports are lazy so ``litreview --help`` is instant.
Errors are :class:`~assistant.errors.LitreviewError` rendered on one line
(``--debug`` shows the traceback); JSON goes to stdout, everything else a
script should not parse (progress, notices) goes to stderr.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..models import Filters
    from ..settings import Settings
    from ..store import Store

from ..errors import LitreviewError, NotFoundError
from .lint import add_lint_arguments, cmd_lint


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (``-k -1`` or ``--limit 0`` is a usage error)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


SCORE_HELP = ("the score is the cosine similarity (0-1) between the query and the paper's best-matching passage, "
              "the number `ask` uses to judge whether the collection answers at all")


def min_score(text: str) -> float:
    """An argparse type: a similarity between 0 and 1 (``--min-score 0.4``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number between 0 and 1, not {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, not {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="litreview", description="Terminal-first literature review assistant. "
                                "Works offline on the bundled corpus; set OPENAI_API_KEY (and OPENAI_BASE_URL) "
                                "to answer with an LLM. Data dir: $LITREVIEW_HOME or the platform's user data dir.")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    from ..readers import FORMAT_NAMES

    s = sub.add_parser("ingest", help="add abstracts to the store (no PATH: the bundled corpus)")
    s.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                   help="daily-papers .txt, BibTeX, RIS, CSV, JSONL, CSL JSON, arXiv metadata JSONL, OpenAlex or "
                        "Semantic Scholar JSON, PubMed .nbib, a Zotero library (zotero.sqlite)")
    s.add_argument("--format", choices=FORMAT_NAMES, help="skip format detection")
    s.add_argument("--encoding", help="text encoding of the files (default: detect)")
    s.add_argument("--repair", action="store_true",
                   help="re-embed papers whose vectors are missing from Chroma (e.g. after a server reset)")
    s.add_argument("--json", action="store_true", help="print the summary as JSON")

    s = sub.add_parser("papers", help="list the papers in the store")
    s.add_argument("--limit", type=positive_int, help="show at most N papers")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("show", help="show one paper's abstract and metadata")
    s.add_argument("ref", metavar="TITLE|ID")
    s.add_argument("--json", action="store_true")

    from ..retrieval import RELEVANCE_MIN

    s = sub.add_parser("search", help="find papers by description",
                       description=f"Find papers by description, ranked by a mix of meaning and keyword match. "
                                   f"Each result shows its similarity: {SCORE_HELP}. Results under "
                                   f"{RELEVANCE_MIN} (where `ask` finds no evidence) are not shown unless the paper "
                                   "uses every word of the query; results under [answer] weak_match (0.5) are marked "
                                   "near misses. When none is left, the nearest paper is named and the exit status "
                                   "is 1.")
    s.add_argument("query")
    s.add_argument("-k", type=positive_int, default=10, help="number of results looked at (default 10)")
    s.add_argument("--min-score", type=min_score, metavar="X",
                   help=f"show only results whose similarity is at least X (default {RELEVANCE_MIN}, and papers "
                        "using every word of the query are shown below it; 0 shows every result)")
    s.add_argument("--mode", choices=["hybrid", "lexical", "dense"], default="hybrid",
                   help="hybrid (default), keywords only (BM25: no similarity is measured, so only papers using "
                        "every word of the query pass the default floor) or meaning only")
    s.add_argument("--diverse", action="store_true", help="favour variety over near-duplicates (topic queries)")
    add_filter_args(s)
    s.add_argument("--json", action="store_true",
                   help="one JSON object: results with their similarity (null when not measured), how many were "
                        "hidden, and the nearest paper when none is shown")

    s = sub.add_parser("ask", help="answer a question from the abstracts, citing papers by title")
    s.add_argument("question", nargs="?", help="the question; - reads it from stdin")
    s.add_argument("--file", type=Path, metavar="PATH", help="read the question from this file")
    s.add_argument("--engine", choices=["auto", "llm", "offline"], default="auto",
                   help="auto: the LLM when one is configured, else the offline engine")
    s.add_argument("-k", type=positive_int, default=6, help="papers retrieved as evidence (default 6)")
    add_filter_args(s)
    s.add_argument("--json", action="store_true")

    from .review import add_parsers as add_review_parsers

    add_review_parsers(sub)
    add_lint_arguments(sub.add_parser("lint", help="check a draft's cited sentences against the abstracts they cite"))

    s = sub.add_parser("eval", help="score retrieval and answers on question sets (evals/sets by default)")
    s.add_argument("--set", dest="sets", action="append", type=Path, metavar="PATH",
                   help="a question-set .jsonl file or a folder of them (repeatable)")
    s.add_argument("--engine", choices=["auto", "llm", "offline"], default="offline")
    s.add_argument("--no-answers", action="store_true", help="score retrieval only (fast)")
    s.add_argument("--check", type=Path, metavar="THRESHOLDS.json",
                   help="exit 1 if any metric falls below the thresholds in this file")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("chat", help="open the terminal UI")

    s = sub.add_parser("remove", help="remove papers from the store: by id, title or method name, or every "
                                      "paper of a source file")
    s.add_argument("refs", nargs="*", metavar="ID|TITLE", help="papers to remove")
    s.add_argument("--source", metavar="FILE", help="remove every paper ingested from this file (its name)")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("repair", help="rebuild the vectors from the catalogue (after a crash or a full disk "
                                      "damaged them; `litreview doctor` says when)")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("doctor", help="show data dir, store size, embedding model and LLM configuration")
    s.add_argument("--json", action="store_true")
    return p


def add_filter_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", metavar="FROM[-TO]", help="only papers from these years, e.g. 2023 or 2022-2024")
    p.add_argument("--source", help="only papers from files whose name contains this")
    p.add_argument("--venue", help="only papers whose venue contains this")
    p.add_argument("--category", help="only papers in this arXiv category, e.g. cs.CV")


def filters_from(args: argparse.Namespace, store: Store | None = None) -> Filters:
    """The command's filters (one grammar with chat's /filter: ``Filters.parse``). With a store, says on
    stderr how many papers they keep and how many lack the field, and refuses filters that keep none."""
    from ..errors import ConfigError
    from ..models import Filters

    filters = Filters()
    try:
        for key in Filters.KEYS:
            value = getattr(args, key, None)
            if value is not None:
                filters = filters.with_field(key, value)
    except ValueError as exc:
        raise ConfigError(f"--{exc}") from None
    if store is not None and filters.active:
        note = filters.coverage_note(store.catalogue.iter_papers())
        if note.startswith("0 of "):
            raise NotFoundError(f"no paper passes the filters: {note}")
        print(f"litreview: {note}", file=sys.stderr)
    return filters


def open_store(ensure: bool = True, settings: Settings | None = None) -> Store:
    """The store, made ready for a command (``store/prepare.py``): what that did is said on stderr."""
    from ..store import Store
    from ..store.prepare import prepare, will_seed

    store = Store.open(settings)
    if not ensure:
        return store
    if will_seed(store):
        print("litreview: the store is empty; ingesting the bundled corpus first...", file=sys.stderr)
    elif not store.read_only and store.needs_reembedding():
        print(f"litreview: embedding model changed to {store.embedder_id}; re-embedding "
              f"{store.needs_reembedding()} papers...", file=sys.stderr)
    with progress_printer() as progress:
        done = prepare(store, progress)
    for line in done.lines(store):
        print(f"litreview: {line}", file=sys.stderr)
    return store


def progress_printer():
    from .progress import Progress

    return Progress.for_stderr()


def cmd_ingest(args: argparse.Namespace) -> int:
    from ..store import bundled_corpus

    store = open_store(ensure=False)
    paths = args.paths or bundled_corpus()
    with progress_printer() as progress:
        report = store.ingest(paths, fmt=args.format, encoding=args.encoding, progress=progress)
        if args.repair or store.needs_reembedding():
            fixed = store.reembed(progress=progress, repair=args.repair)
            report.reembedded += fixed.reembedded
            report.published += fixed.published
    summary = {"files": report.files, "added": report.added, "updated": report.updated,
               "unchanged": report.unchanged, "reembedded": report.reembedded, "published": report.published,
               "duplicates": report.duplicates,
               "merged": [{"title": t, "kept": kept, "merged_from": src} for t, kept, src in report.merged],
               "kept_apart": [{"title": t, "source": src, "why": why} for t, src, why in report.kept_apart],
               "skipped": [{"source": s.source, "where": s.where, "reason": s.reason} for s in report.skipped],
               "skipped_more": report.skipped_more,
               "embedded_passages": report.embedded_passages, "cached_passages": report.cached_passages,
               "seconds": round(report.seconds, 3), "papers_in_store": len(store)}
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        from .render import print_ingest

        print_ingest(report, len(store))
    total = report.added + report.updated + report.unchanged
    return 0 if total or not report.skipped else 2


def cmd_papers(args: argparse.Namespace) -> int:
    store = open_store()
    papers = list(store.catalogue.iter_papers(limit=args.limit))
    if args.json:
        print(json.dumps({"papers": [{"paper_id": p.paper_id, "title": p.title, "year": p.year, "source": p.source}
                                     for p in papers]}, ensure_ascii=False))
    else:
        from .render import print_papers

        print_papers(papers, len(store))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    store = open_store()
    paper = store.resolve(args.ref)
    if args.json:
        print(json.dumps(paper.to_dict(), ensure_ascii=False))
    else:
        from .render import print_paper

        print_paper(paper)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    """Ranked results above the similarity floor (``retrieval.apply_floor``); exit 1 when none is left, like
    grep finding no line: a script can tell "nothing close" from both success and an error (2-5)."""
    from ..retrieval import apply_floor, search, similarity

    store = open_store()
    hits = search(store, args.query, k=args.k, filters=filters_from(args, store), mode=args.mode,
                  diverse=args.diverse)
    floored = apply_floor(store, args.query, hits, args.min_score)
    if args.json:
        def measured(hit) -> float | None:
            value = similarity(hit)
            return None if value is None else round(value, 4)

        nearest = floored.nearest if not floored.shown else None
        print(json.dumps({"query": args.query, "min_similarity": floored.floor, "results": [
            {"rank": i, "paper_id": h.paper.paper_id, "title": h.paper.title, "similarity": measured(h),
             "keyword_match": h.paper.paper_id in floored.keyword_ids, "near_miss": floored.near_miss(h),
             "year": h.paper.year,
             "source": h.paper.source} for i, h in enumerate(floored.shown, 1)],
            "hidden": len(floored.hidden),
            "nearest": None if nearest is None else {"paper_id": nearest.paper.paper_id, "title": nearest.paper.title,
                                                     "similarity": measured(nearest)}}, ensure_ascii=False))
    else:
        from .render import print_hits

        print_hits(args.query, floored, passage=lambda h: store.passage_text(h.paper, h.chunk_id) if h.chunk_id else "")
    return 0 if floored.shown else 1


def _question(args: argparse.Namespace) -> str:
    """The question: the argument, ``--file PATH``, or stdin when the argument is ``-`` (long questions
    exceed the argument limit)."""
    from ..errors import ConfigError, InputError

    if args.file is not None:
        try:
            text = args.file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(args.file, f"cannot read the question: {getattr(exc, 'strerror', None) or exc}") from None
    elif args.question == "-":
        text = sys.stdin.read()
    else:
        text = args.question or ""
    if not text.strip():
        raise ConfigError("the question is empty: `litreview ask \"QUESTION\"`, `--file PATH`, or `-` to read stdin")
    return text.strip()


def cmd_ask(args: argparse.Namespace) -> int:
    from ..engines.answer import ask
    from .progress import Waiting

    question = _question(args)
    store = open_store()
    stream = not args.json and sys.stdout.isatty()
    streamed: list[str] = []

    with Waiting.for_stderr() as waiting:
        def on_token(token: str) -> None:
            waiting.done()
            streamed.append(token)
            sys.stdout.write(token)
            sys.stdout.flush()

        answer = ask(store, question, engine=args.engine, k=args.k, filters=filters_from(args, store),
                     on_token=on_token if stream else None, on_status=waiting.status)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
        return 0
    from .render import print_answer

    print_answer(answer, already_shown="".join(streamed))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .. import evaluation as ev

    store = open_store()
    sets = ev.load_sets(args.sets)
    missing = ev.check_gold(store, sets)
    if missing:
        from ..errors import InputError

        raise InputError(missing[0].split(":")[0], f"{len(missing)} gold titles are not in the store, e.g. "
                                                   f"{missing[0].split(': ', 1)[1]}")
    retrieval = ev.run_retrieval_eval(store, sets)
    answers = None if args.no_answers else ev.run_answer_eval(store, sets, engine=args.engine)
    results: dict[str, object] = {"retrieval": retrieval}
    if answers is not None:
        results["answers"] = answers
    failures = ev.check_thresholds(results, args.check) if args.check else []
    if args.json:
        print(json.dumps({**results, "failures": failures}))
    else:
        print(ev.format_table(retrieval))
        for key, value in (answers or {}).items():
            print(f"{key:>20}: {value:.3f}" if isinstance(value, float) else f"{key:>20}: {value}")
        for failure in failures:
            print(f"REGRESSION: {failure}", file=sys.stderr)
    return 1 if failures else 0


def cmd_chat(args: argparse.Namespace) -> int:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        from ..errors import LitreviewError

        raise LitreviewError("`litreview chat` needs a terminal (its input or output is a pipe or a file); "
                             "for scripts use `litreview ask`, `search`, `compare` or `draft`")
    from ..tui import run

    run()
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from .doctor import diagnose

    report = diagnose()
    if args.json:  # keys as identifiers, problems always a list
        data = {key.replace(" ", "_"): value for key, value in report.items()}
        data["problems"] = [] if report.get("problems") in (None, "none") else report["problems"]
        print(json.dumps(data, ensure_ascii=False))
    else:
        for key, value in report.items():
            print(f"{key:>18}: {value}")
    return 0 if report.get("problems") in (None, [], "none") else 1


def cmd_remove(args: argparse.Namespace) -> int:
    from ..errors import ConfigError

    if not args.refs and not args.source:
        raise ConfigError("name the papers to remove (ID or title) or --source FILE")
    store = open_store(ensure=False)
    papers = [store.resolve(ref) for ref in args.refs]
    if args.source:
        name = Path(args.source).name
        from_file = [p for p in store.catalogue.iter_papers() if p.source == name]
        if not from_file:
            raise NotFoundError(f"no stored paper comes from a file named {name!r} "
                                f"(sources: {', '.join(store.catalogue.sources()[:5]) or 'none'})")
        papers += from_file
    ids = list(dict.fromkeys(p.paper_id for p in papers))
    removed = store.remove(ids)
    if args.json:
        print(json.dumps({"removed": removed, "titles": [p.title for p in papers], "papers_in_store": len(store)},
                         ensure_ascii=False))
    else:
        for paper in papers[:20]:
            print(f"removed: {paper.title}")
        print(f"{removed} papers removed; store: {len(store)} papers")
    return 0


def cmd_repair(args: argparse.Namespace) -> int:
    store = open_store(ensure=False)
    with progress_printer() as progress:
        report = store.rebuild(progress=progress)
    summary = {"papers": len(store), "rebuilt": report.reembedded, "embedded_passages": report.embedded_passages,
               "cached_passages": report.cached_passages, "reused_passages": report.reused_passages}
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"rebuilt the vectors of {report.reembedded} papers ({report.embedded_passages} passages embedded, "
              f"{report.cached_passages + report.reused_passages} reused)")
    return 0


COMMANDS = {"remove": cmd_remove, "repair": cmd_repair, "ingest": cmd_ingest, "papers": cmd_papers, "show": cmd_show,
            "search": cmd_search, "ask": cmd_ask, "eval": cmd_eval, "chat": cmd_chat, "doctor": cmd_doctor,
            "lint": cmd_lint}


class TerminalSafe:
    """stdout for text that came from strangers (titles, file names, categories, model output): control
    characters and bidi overrides are written as ``\\u00XX`` escapes, which also keeps JSON valid."""

    _UNSAFE = {c for c in range(0x20) if c not in (0x09, 0x0A)} | set(range(0x7F, 0xA0)) | \
        set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))
    _TABLE = {c: f"\\u{c:04x}" for c in _UNSAFE}

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(text.translate(self._TABLE))

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return next(a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def unknown_command(parser: argparse.ArgumentParser, argv: list[str]) -> str | None:
    """One line for a command name litreview does not have (the first word that is not an option), with the
    closest command when one is close (difflib); ``None`` when the command exists."""
    word = next((a for a in argv if not a.startswith("-")), None)
    commands = _subcommands(parser)
    if word is None or word in commands:
        return None
    close = difflib.get_close_matches(word, list(commands), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else f"the commands are {', '.join(commands)}"
    return f"unknown command {word!r}; {hint}"


def unknown_option(parser: argparse.ArgumentParser, command: str | None, extra: list[str]) -> str | None:
    """One line for the first unknown option among ``extra`` (what argparse could not place), with the closest
    option of that command when one is close; ``None`` when ``extra`` holds no option."""
    option = next((a.split("=", 1)[0] for a in extra if a.startswith("-") and a not in ("-", "--")), None)
    if option is None:
        return None
    sub = _subcommands(parser).get(command or "")
    known = [o for p in (parser, sub) if p is not None for a in p._actions for o in a.option_strings]
    close = difflib.get_close_matches(option, known, n=1, cutoff=0.6)
    where = f"litreview {command}" if command else "litreview"
    hint = f"did you mean {close[0]!r}?" if close else f"`{where} --help` lists them"
    return f"unknown option {option!r} for {where}; {hint}"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    wrong = unknown_command(parser, argv)
    if wrong:
        print(f"litreview: {wrong}", file=sys.stderr)
        return 2
    args, extra = parser.parse_known_args(argv)
    if extra:
        wrong = unknown_option(parser, args.command, extra)
        if wrong:
            print(f"litreview: {wrong}", file=sys.stderr)
            return 2
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if not args.command:
        parser.print_usage(sys.stderr)
        print("litreview: error: a command is needed (litreview --help lists them)", file=sys.stderr)
        return 2
    from .review import COMMANDS as REVIEW_COMMANDS

    stdout = sys.stdout
    sys.stdout = TerminalSafe(stdout)
    try:
        return {**COMMANDS, **REVIEW_COMMANDS}[args.command](args)
    except LitreviewError as exc:
        return _fail(exc, args, exc.exit_code, str(exc))
    except KeyboardInterrupt:
        kept = " (finished batches are kept; running it again continues where it stopped)" \
            if args.command in ("ingest", "repair") else ""
        print(f"litreview: interrupted{kept}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        message = _known_failure(exc)
        if message is None:
            raise
        return _fail(exc, args, 3, message)
    finally:
        sys.stdout = stdout


def _known_failure(exc: Exception) -> str | None:
    """One line for failures of the outside world that surface from deep inside a library."""
    import sqlite3

    if isinstance(exc, sqlite3.DatabaseError):
        return (f"the paper catalogue is damaged or unreadable ({exc}); `litreview doctor` checks it, and "
                "re-ingesting your files rebuilds it")
    try:
        import httpx
    except ImportError:  # pragma: no cover - httpx comes with chromadb and openai
        return None
    if isinstance(exc, (httpx.HTTPError, ConnectionError)):
        return (f"the server stopped answering ({exc.__class__.__name__}: {exc}); run the command again when it "
                "is back (an interrupted ingest keeps its finished batches)")
    return None


def _fail(exc: Exception, args: argparse.Namespace, code: int, message: str) -> int:
    from ..errors import printable, redact

    if args.debug:  # the full chain, but a server that echoes the API key must not get it printed
        import traceback

        print(redact("".join(traceback.format_exception(exc))), file=sys.stderr, end="")
    print(f"litreview: error: {printable(redact(message))}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
