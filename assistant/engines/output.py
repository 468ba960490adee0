"""Checks on what a language model wrote, before anyone sees it as an answer.

Small local models misbehave in a few recurring ways; each has a pure function here, and
:func:`check_output` runs them in order and then verifies every cited sentence:

1. :func:`strip_reasoning` -- ``<think>…</think>`` (and ``<thinking>``, ``<reasoning>``,
   ``<|thinking|>`` …) blocks are removed, as is a block that was never closed or whose opening
   tag was in the prompt template; markers inside them never count.
2. :func:`answer_part` -- with the "quotes first, then the answer" prompt, only the answer is kept
   (the quotes, when there is no answer).
3. :func:`attach_markers` -- "claim. [1]" becomes "claim [1]." so the marker belongs to its sentence.
4. :func:`remove_echo` -- the source list repeated back ("[1] Title [2] Title"), the prompt's own tags,
   and an abstract dump (most sentences near-verbatim copies of the evidence, no synthesis) are removed.
5. :func:`cut_repetition` -- a sentence or paragraph said again, or a phrase looping inside a sentence.
6. :func:`reattribute_first_person` -- "We propose X [1]" copied from an abstract becomes "Medusa's
   authors propose X [1]" (the cited paper's method name from :func:`assistant.roles.method_names`);
   a first-person sentence that cites nothing is removed.
7. :func:`cite_supported` -- an uncited sentence that one source's abstract supports gets its marker
   (the verifier decides; small models often quote with markers, then answer without them).
8. :func:`verify_sentences` -- each cited sentence is checked against each paper it cites with
   :class:`assistant.verify.Verifier`. A marker whose paper does not bear the sentence out is dropped
   when another cited paper does; a sentence no cited paper supports loses its markers (it is then
   listed as uncited, never shown as supported); a contradicted sentence is removed.

:func:`fallback_reason` decides whether the result is too poor to show, so the caller gives the offline
answer instead (and says so). Everything here is deterministic and offline.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

from ..models import Evidence
from ..textnorm import split_sentences
from .markers import MARKER_RE, markers_of, restore

if TYPE_CHECKING:
    from ..store import Store
    from ..verify import Verifier
    from ..verify.verifier import Verdict

_MARKERS_RUN = r"(?:\[\d+(?:\s*(?:,|;|-|–)\s*\d+)*\][ \t]*)+"

# -- 1. reasoning blocks ---------------------------------------------------------------------------------
_REASONING_NAMES = r"(?:think|thinking|thought|thoughts|reasoning|reflection|scratchpad)"
REASONING_OPEN = re.compile(rf"<\|?\s*{_REASONING_NAMES}\s*\|?>", re.I)
REASONING_CLOSE = re.compile(rf"<\|?\s*(?:/\s*|end_?){_REASONING_NAMES}\s*\|?>", re.I)


def strip_reasoning(text: str) -> tuple[str, str]:
    """``(visible, reasoning)``: the text without its reasoning blocks, and what they held.

    A closing tag with no opening one before it (the template opened the block) makes everything
    before it reasoning; an opening tag never closed makes everything after it reasoning."""
    if not (REASONING_OPEN.search(text) or REASONING_CLOSE.search(text)):
        return text, ""
    visible: list[str] = []
    hidden: list[str] = []
    rest = text
    first = True
    while rest:
        opener, closer = REASONING_OPEN.search(rest), REASONING_CLOSE.search(rest)
        if closer and (opener is None or closer.start() < opener.start()):
            if first and not "".join(visible).strip():
                hidden.append(rest[:closer.start()])  # "reasoning…</think> answer": the opener was in the template
            else:
                visible.append(rest[:closer.start()])  # a stray closing tag: just drop the tag
            rest = rest[closer.end():]
        elif opener:
            visible.append(rest[:opener.start()])
            end = REASONING_CLOSE.search(rest, opener.end())
            if end is None:
                hidden.append(rest[opener.end():])
                rest = ""
            else:
                hidden.append(rest[opener.end():end.start()])
                rest = rest[end.end():]
        else:
            visible.append(rest)
            rest = ""
        first = False
    return _tidy("".join(visible)), "\n".join(h.strip() for h in hidden if h.strip())


class ReasoningFilter:
    """Streams text with its reasoning blocks held back: :meth:`feed` each piece as it arrives and show
    what it returns; :meth:`flush` at the end. A tag split across pieces is recognised (a possible tag
    start is held until the next piece). A closing tag whose opener was in the template cannot be seen
    coming: the text before it was already shown; :func:`strip_reasoning` on the whole text is final."""

    _HOLD = 24  # longest tag prefix kept back

    def __init__(self) -> None:
        self._buffer = ""
        self._inside = False

    def feed(self, piece: str) -> str:
        self._buffer += piece
        shown: list[str] = []
        while True:
            if self._inside:
                end = REASONING_CLOSE.search(self._buffer)
                if end is None:
                    self._buffer = self._buffer[-self._HOLD:]  # keep only what may start the closing tag
                    break
                self._buffer, self._inside = self._buffer[end.end():], False
                continue
            opener, closer = REASONING_OPEN.search(self._buffer), REASONING_CLOSE.search(self._buffer)
            tag = min((m for m in (opener, closer) if m), key=lambda m: m.start(), default=None)
            if tag is not None:
                shown.append(self._buffer[:tag.start()])
                self._inside = tag is opener
                self._buffer = self._buffer[tag.end():]
                continue
            cut = self._buffer.rfind("<")
            if cut >= 0 and len(self._buffer) - cut <= self._HOLD and ">" not in self._buffer[cut:]:
                shown.append(self._buffer[:cut])
                self._buffer = self._buffer[cut:]
            else:
                shown.append(self._buffer)
                self._buffer = ""
            break
        return "".join(shown)

    def flush(self) -> str:
        out, self._buffer = ("" if self._inside else self._buffer), ""
        return out


# -- 2. quotes first, then the answer ----------------------------------------------------------------------
_ANSWER_HEAD = re.compile(r"^[ \t]*(?:#+[ \t]*)?(?:\*\*)?answer[ \t]*(?:\*\*)?[ \t]*(?::(?:\*\*)?|$)\s*", re.I | re.M)
_QUOTES_HEAD = re.compile(r"^\s*(?:#+\s*|\*\*)?(?:quotes?|evidence|relevant quotes)(?:\*\*)?\s*:?(?:\*\*)?\s*$",
                          re.I | re.M)
_QUOTE_LINE = re.compile(r"^\s*(?:[-*•]|\d+[.)])?\s*[\"“](.+?)[\"”]\s*(" + _MARKERS_RUN + r")?\s*$")


def answer_part(text: str) -> tuple[str, list[str]]:
    """``(answer, quotes)``: the text after an "Answer:" heading, and the quoted lines before it. With a
    quotes section but no answer, the quotes themselves (unquoted, with their markers) are the answer."""
    head = _ANSWER_HEAD.search(text)
    quotes_head = _QUOTES_HEAD.search(text)
    before = text[:head.start()] if head else (text if quotes_head else "")
    quotes = [" ".join(f"{m.group(1).strip()} {(m.group(2) or '').strip()}".split())
              for line in before.splitlines() if (m := _QUOTE_LINE.match(line))]
    if head and text[head.end():].strip():
        return text[head.end():].strip(), quotes
    if quotes_head:
        return "\n".join(quotes), quotes
    return text.strip(), quotes


# -- 3. markers after the full stop ---------------------------------------------------------------------
_TRAILING_MARKERS = re.compile(r"([.!?][\"”]?)[ \t]*(?:\n[ \t]*){0,2}(" + _MARKERS_RUN + r")(?=\s|$)")


def attach_markers(text: str) -> str:
    """"claim. [1]" -> "claim [1]." (also "claim.[1][2]" and a marker alone on the next line)."""
    def move(m: re.Match[str]) -> str:
        return f" {''.join(m.group(2).split())}{m.group(1)}"
    return _TRAILING_MARKERS.sub(move, text)


# -- sentences and paragraphs --------------------------------------------------------------------------
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


def paragraphs(text: str) -> list[list[str]]:
    """The text as paragraphs (lines) of sentences; a list item keeps its bullet on its first sentence."""
    return [split_sentences(line) for line in text.split("\n") if line.strip()]


def join(paras: Sequence[Sequence[str]]) -> str:
    return "\n".join(" ".join(p) for p in paras if p)


def without_markers(sentence: str) -> str:
    """The sentence without its markers, its quoted evidence text as the abstract has it."""
    return restore(_tidy(MARKER_RE.sub("", sentence)))


_EMPTY_EMPHASIS_RE = re.compile(r"(?<![*_])(\*\*|__)[ \t]*\1(?![*_])[ \t]*:?[ \t]*")  # "- **[2]**:" once [2] is gone


def _tidy(text: str) -> str:
    text = _EMPTY_EMPHASIS_RE.sub("", text)
    text = re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", text))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in text.split("\n"))).strip()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:[.,][0-9]+)*", text.casefold())


# -- 4. echo of the sources ----------------------------------------------------------------------------
VERBATIM_MIN = 0.85  # word-sequence similarity above which an answer sentence is a copy of an evidence sentence
DUMP_SHARE = 0.6     # an answer is an abstract dump when this share of its sentences are copies...
DUMP_MIN = 3         # ...and at least this many of them cite nothing
_PROMPT_ECHO = re.compile(r"</?\s*(?:sources?|ref|answer|quotes?)\s*>|^\s*(?:question|sources)\s*:.*$|"
                          r"\((?:own\s+)?(?:method|result|background|prior work|problem|conclusion|limitation)\)"
                          r"[ \t]*|"
                          r"^[ \t]*(?:\[(?:\d+|n)\][ \t]*)+$", re.I | re.M)
INSTRUCTION_SIMILAR = 0.7  # an answer sentence this close to a sentence of the prompt repeats the instructions


def _title_pattern(title: str, required: int = 5) -> str:
    """A title, or a prefix of it of at least ``required`` words (models cut long titles short)."""
    words = [re.escape(w) for w in re.findall(r"\w+", title)]
    sep = r"[\W_]*"
    head = sep.join(words[:required])
    tail = ""
    for w in reversed(words[required:]):
        tail = f"(?:{sep}{w}{tail})?"
    return head + tail


def _strip_source_list(text: str, evidence: Sequence[Evidence]) -> tuple[str, int]:
    """Removes "[n] Title (year)" and lines that are only a source's title; returns (text, titles removed)."""
    count = 0
    for e in evidence:
        if len(re.findall(r"\w+", e.paper.title)) < 2:
            continue
        title = _title_pattern(e.paper.title)
        alone = re.compile(rf"^[ \t]*(?:[-*•]|\[\d+\]|\d+[.)])?[ \t]*[*_\"“]*{title}[*_\"”]*"
                           rf"(?:[ \t]*\(\d{{4}}\))?[ \t]*:?[ \t]*$", re.I | re.M)
        text, k = alone.subn("", text)
        count += k
        text, k = re.subn(rf"\[\d+\][ \t]*[*_\"“]*{title}[*_\"”]*(?:[ \t]*\(\d{{4}}\))?[ \t]*:?", "", text, flags=re.I)
        count += k
    return text, count


def _evidence_sentences(evidence: Sequence[Evidence]) -> list[list[str]]:
    return [_words(s) for e in evidence for s in split_sentences(e.paper.abstract)]


def is_copy(sentence: str, sources: list[list[str]]) -> bool:
    """Whether the sentence (markers left out) is a near-verbatim copy of one evidence sentence."""
    words = _words(without_markers(_BULLET.sub("", sentence)))
    if len(words) < 6:
        return False
    have = set(words)
    for cand in sources:
        if len(have & set(cand)) < 0.6 * len(have):
            continue
        matcher = SequenceMatcher(None, words, cand, autojunk=False)
        if matcher.ratio() >= VERBATIM_MIN or (
                sum(b.size for b in matcher.get_matching_blocks()) >= VERBATIM_MIN * len(words) >= 0.5 * len(cand)):
            return True
    return False


@dataclass
class Echo:
    text: str
    titles: int = 0          # source titles echoed back
    copies: int = 0          # near-verbatim copies of evidence sentences in the answer
    dumped: int = 0          # uncited copies removed as an abstract dump
    prompt_tags: int = 0     # "<sources>", "Question: …" echoed


def _instruction_sentences(instructions: Sequence[str] | None) -> list[list[str]]:
    if instructions is None:
        from ..prompts import template

        instructions = [template(name) for name in ("answer_system", "answer_user", "answer_weak_caution")]
    return [w for text in instructions for line in text.split("\n") for s in split_sentences(line)
            if len(w := _words(s)) >= 4]


def repeats_instructions(sentence: str, instructions: list[list[str]]) -> bool:
    """Whether the sentence is (nearly) one of the prompt's own instruction sentences."""
    words = _words(without_markers(_BULLET.sub("", sentence)))
    return len(words) >= 5 and any(SequenceMatcher(None, words, i, autojunk=False).ratio() >= INSTRUCTION_SIMILAR
                                   for i in instructions)


def remove_echo(text: str, evidence: Sequence[Evidence], instructions: Sequence[str] | None = None) -> Echo:
    """The text without an echoed source list, echoed prompt parts (tags, role labels, the prompt's
    instruction sentences: ``instructions``, by default the answer prompt files), or an abstract dump."""
    text, tags = _PROMPT_ECHO.subn("", text)
    text, titles = _strip_source_list(text, evidence)
    sources = _evidence_sentences(evidence)
    told = _instruction_sentences(instructions)
    paras = [[s for s in p if not repeats_instructions(s, told)] for p in paragraphs(_tidy(text))]
    tags += sum(len(p) for p in paragraphs(_tidy(text))) - sum(len(p) for p in paras)
    flat = [s for p in paras for s in p]
    copies = [is_copy(s, sources) for s in flat]
    uncited_copies = sum(1 for s, c in zip(flat, copies) if c and not markers_of(s))
    dumped = 0
    if flat and sum(copies) >= DUMP_SHARE * len(flat) and uncited_copies >= DUMP_MIN:
        kept_paras = []
        for p in paras:
            kept = []
            for s in p:
                if markers_of(s) or not is_copy(s, sources):
                    kept.append(s)
                else:
                    dumped += 1
            kept_paras.append(kept)
        paras = kept_paras
    return Echo(join(paras), titles, sum(copies), dumped, tags)


# -- 5. repetition -------------------------------------------------------------------------------------
REPEAT_SIMILAR = 0.9  # a sentence this similar to an earlier one is said again


def _loop_in(words: list[str], min_times: int = 3) -> tuple[int, int] | None:
    """(start, length) of the first phrase of 1-20 words repeated ``min_times`` times in a row."""
    n = len(words)
    for size in range(1, min(20, n // min_times) + 1):
        for start in range(0, n - size * min_times + 1):
            phrase = words[start:start + size]
            if all(words[start + k * size:start + (k + 1) * size] == phrase for k in range(1, min_times)):
                return start, size
    return None


def _cut_loop(sentence: str) -> tuple[str, bool]:
    tokens = sentence.split()
    if len(tokens) < 6:
        return sentence, False
    keys = [re.sub(r"\W", "", t.casefold()) for t in tokens]
    found = _loop_in(keys)
    if found is None or (found[1] == 1 and not keys[found[0]]):
        return sentence, False
    start, size = found
    end = start + size
    while keys[end:end + size] == keys[start:start + size]:
        end += size
    out = " ".join(tokens[:start + size] + tokens[end:]).rstrip(",;: ")
    return (out if out.endswith((".", "!", "?")) or re.search(r"\]$", out) else out + "."), True


@dataclass
class Repetition:
    text: str
    repeated: int = 0  # sentences removed as repeats
    loops: int = 0     # phrase loops cut inside a sentence


def cut_repetition(text: str) -> Repetition:
    """The text with every sentence said before (markers and case aside) and every looping phrase removed."""
    seen: list[list[str]] = []
    repeated = loops = 0
    out = []
    for para in paragraphs(text):
        kept = []
        for sentence in para:
            sentence, looped = _cut_loop(sentence)
            loops += looped
            key = _words(without_markers(_BULLET.sub("", sentence)))
            if key and any(key == k or (len(key) >= 5 and SequenceMatcher(None, key, k, autojunk=False).ratio()
                                        >= REPEAT_SIMILAR) for k in seen):
                repeated += 1
                continue
            if key:
                seen.append(key)
            kept.append(sentence)
        out.append(kept)
    return Repetition(join(out), repeated, loops)


# -- 6. first-person copies ----------------------------------------------------------------------------
FIRST_PERSON = re.compile(r"\b(?:we|our|ours|us)\b", re.I)
_INTRO = re.compile(r"^(?:in|with) (?:this|the present) (?:paper|work|study|article),?\s+", re.I)


def _owner(n: int | None, evidence: dict[int, Evidence]) -> str:
    """How the authors of source ``n`` are named: "Medusa's authors", else "the authors"."""
    from ..roles import method_names

    if n is None or n not in evidence:
        return "the authors"
    names = method_names(evidence[n].paper.title, evidence[n].paper.abstract)
    return f"{names[0]}'s authors" if names else "the authors"


def _third_person(sentence: str, owner: str) -> str:
    prefix = _BULLET.match(sentence)
    body = sentence[prefix.end():] if prefix else sentence
    body = _INTRO.sub("", body)
    said = False

    def swap(m: re.Match[str]) -> str:
        nonlocal said
        word = m.group(0)
        low = word.lower()
        if low == "we":
            out = owner if not said else "they"
            said = True
        elif low == "our":
            out = "their"
        elif low == "ours":
            out = "theirs"
        else:
            out = "them"
        return out

    body = FIRST_PERSON.sub(swap, body)
    body = body[:1].upper() + body[1:]
    return (prefix.group(0) if prefix else "") + body


@dataclass
class FirstPerson:
    text: str
    reattributed: int = 0
    removed: int = 0


def reattribute_first_person(text: str, evidence: Sequence[Evidence]) -> FirstPerson:
    """First-person sentences copied from abstracts, put in the third person for the paper they cite;
    removed when they cite nothing (there is no one to attribute them to)."""
    by_n = {e.n: e for e in evidence}
    changed = removed = 0
    out = []
    for para in paragraphs(text):
        kept = []
        for sentence in para:
            if not FIRST_PERSON.search(without_markers(sentence)):
                kept.append(sentence)
                continue
            cited = [n for n in markers_of(sentence) if n in by_n]
            if not cited:
                removed += 1
                continue
            kept.append(_third_person(sentence, _owner(cited[0], by_n)))
            changed += 1
        out.append(kept)
    return FirstPerson(join(out), changed, removed)


# -- 7. uncited sentences a source supports ---------------------------------------------------------
def cite_supported(text: str, evidence: Sequence[Evidence], verifier: "Verifier") -> tuple[str, int]:
    """Uncited claim sentences (5+ words) given the marker of the one source the verifier finds
    supporting them (label ``supported``, the best score among the sources) with a sentence about its own
    work: a paper is never made the source of a generic statement its background happens to echo. A
    sentence that states figures is also given the one source whose abstract states every one of them in
    the paper's own work (a paraphrase of a result keeps its numbers). Others are left alone. Small models
    often quote with markers and then answer without them. Returns (text, sentences cited)."""
    paras = paragraphs(text)
    todo = [(pi, si) for pi, para in enumerate(paras) for si, s in enumerate(para)
            if not markers_of(s) and len(without_markers(s).split()) >= 5 and not REFUSAL_RE.search(s)
            and not _HEADING_RE.match(s)]
    if not todo or not evidence:
        return text, 0
    pairs = [(without_markers(_BULLET.sub("", paras[pi][si])), e.paper) for pi, si in todo for e in evidence]
    found = verifier.verify_many(pairs)
    added = 0
    for k, (pi, si) in enumerate(todo):
        verdicts = found[k * len(evidence):(k + 1) * len(evidence)]
        top = max(range(len(evidence)), key=lambda i: verdicts[i].score)
        best = top if verdicts[top].label == "supported" and verdicts[top].signals.get("own", 0.0) > 0 \
            else _only_source_of_figures(paras[pi][si], verdicts)
        if best is not None:
            sentence = paras[pi][si].rstrip()
            end = len(sentence) - len(sentence.rstrip(".!?"))
            paras[pi][si] = f"{sentence[:len(sentence) - end]} [{evidence[best].n}]{sentence[len(sentence) - end:]}"
            added += 1
    return join(paras), added


# A Markdown heading or a label line ("### Comparison of …", "**Common features:**") states nothing to cite.
_HEADING_RE = re.compile(r"^\s*(?:#{1,6}\s|(?:[-*]\s+)?(?:\*\*|__)?[^.!?]*?:(?:\*\*|__)?\s*$)")
_STATED_FIGURE_RE = re.compile(r"\d+\.\d+|\d+\s?(?:%|x\b|×)|\d{2,}")


def _only_source_of_figures(sentence: str, verdicts: Sequence[Verdict]) -> int | None:
    """Index of the one source whose abstract states every figure ``sentence`` states (none unmatched,
    nothing contradicted) and whose closest sentence is the paper's own work, or None when no source or
    several do."""
    if not _STATED_FIGURE_RE.search(without_markers(sentence)):
        return None
    holding = [i for i, v in enumerate(verdicts)
               if v.label != "contradicted" and v.signals.get("fig_matched", 0.0) >= 1.0
               and v.signals.get("fig_unmatched", 1.0) == 0 and v.signals.get("own", 0.0) > 0]
    return holding[0] if len(holding) == 1 else None


# -- 8. verification -----------------------------------------------------------------------------------
_RANK = {"supported": 3, "partial": 2, "unsupported": 1, "contradicted": 0}
SUPPORTED_LABELS = frozenset({"supported", "partial"})


@dataclass(frozen=True)
class SentenceVerdict:
    """How the abstracts a sentence cites bear it out. ``markers``: the numbers it cited as written;
    ``kept``: those left after the check; ``evidence``: the abstract sentence that decided it."""

    sentence: str
    markers: tuple[int, ...]
    label: str
    score: float
    evidence: str | None
    kept: tuple[int, ...] = ()
    per_source: dict[int, str] = field(default_factory=dict)

    @property
    def supported(self) -> bool:
        return self.label in SUPPORTED_LABELS


@dataclass
class Verified:
    text: str
    verdicts: list[SentenceVerdict]
    notes: list[str]


def _with_markers(sentence: str, keep: Sequence[int]) -> str:
    """The sentence with its markers replaced by ``keep`` (placed where the first one stood)."""
    first = MARKER_RE.search(sentence)
    if first is None:
        return sentence
    head = sentence[:first.start()].rstrip()
    tail = MARKER_RE.sub("", sentence[first.start():])
    joined = "".join(f"[{n}]" for n in keep)
    return _tidy(f"{head} {joined}{tail}" if joined else f"{head}{tail}")


def verify_sentences(text: str, evidence: Sequence[Evidence], verifier: "Verifier",
                     remove_unsupported: bool = False) -> Verified:
    """Every cited sentence checked against each abstract it cites. Markers to papers that do not bear
    the sentence out are dropped when another cited paper does; a sentence no cited paper supports loses
    its markers (or, with ``remove_unsupported``, is removed); a contradicted sentence is removed."""
    by_n = {e.n: e for e in evidence}
    paras = paragraphs(text)
    pairs: list[tuple[str, object]] = []
    where: list[tuple[int, int, int]] = []  # (paragraph, sentence, source number) of each pair
    for pi, para in enumerate(paras):
        for si, sentence in enumerate(para):
            for n in markers_of(sentence):
                if n in by_n:
                    pairs.append((without_markers(_BULLET.sub("", sentence)), by_n[n].paper))
                    where.append((pi, si, n))
    found = verifier.verify_many(pairs) if pairs else []  # type: ignore[arg-type]
    per: dict[tuple[int, int], dict[int, object]] = {}
    for (pi, si, n), verdict in zip(where, found):
        per.setdefault((pi, si), {})[n] = verdict
    verdicts: list[SentenceVerdict] = []
    notes: list[str] = []
    out: list[list[str]] = []
    for pi, para in enumerate(paras):
        kept_para = []
        for si, sentence in enumerate(para):
            got = per.get((pi, si))
            if not got:
                kept_para.append(sentence)
                continue
            best_n = max(got, key=lambda n: (_RANK[got[n].label], got[n].score))  # type: ignore[attr-defined]
            best = got[best_n]
            label = best.label  # type: ignore[attr-defined]
            if label in SUPPORTED_LABELS:
                keep = tuple(n for n in got if got[n].label in SUPPORTED_LABELS)  # type: ignore[attr-defined]
            else:
                keep = ()
            dropped = [n for n in got if n not in keep]
            shown = without_markers(sentence)
            if label == "contradicted":
                notes.append(f"removed a sentence its source contradicts: \"{_short(shown)}\" "
                             f"{''.join(f'[{n}]' for n in got)}")
                new = None
            elif not keep:
                notes.append(f"unsupported: \"{_short(shown)}\" is not borne out by "
                             f"{''.join(f'[{n}]' for n in got)}; "
                             + ("the sentence was removed" if remove_unsupported else "its citation was removed"))
                new = None if remove_unsupported else _with_markers(sentence, ())
            else:
                if dropped:
                    notes.append(f"removed {''.join(f'[{n}]' for n in dropped)} from \"{_short(shown)}\": "
                                 "that abstract does not bear it out")
                new = _with_markers(sentence, keep) if dropped else sentence
            verdicts.append(SentenceVerdict(shown, tuple(got), label, float(best.score),  # type: ignore[attr-defined]
                                            best.evidence, keep,  # type: ignore[attr-defined]
                                            {n: v.label for n, v in got.items()}))  # type: ignore[attr-defined]
            if new:
                kept_para.append(new)
        out.append(kept_para)
    return Verified(join(out), verdicts, notes)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


# -- all together --------------------------------------------------------------------------------------
@dataclass
class OutputCheck:
    """What the checks made of a model's text: the text to show, per-sentence verdicts, notes on what was
    removed and why, and counts of each kind of trouble (for benchmarks and reports)."""

    text: str
    verdicts: list[SentenceVerdict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reasoning: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def cited(self) -> int:
        """Sentences that cited a source given to the answer, before the check."""
        return len(self.verdicts)

    @property
    def supported(self) -> int:
        return sum(v.supported for v in self.verdicts)

    @property
    def contradicted(self) -> int:
        return sum(v.label == "contradicted" for v in self.verdicts)

    def summary(self) -> dict[str, int]:
        """The counts, with the cited sentences and the supported ones among them (before any was removed)."""
        return {**self.counts, "cited": self.cited, "supported": self.supported}

    @property
    def grounded(self) -> bool:
        """Whether the answer's cited claims hold: at least one is supported, and most of them are (an
        unsupported one has lost its citation already, so what is still cited is supported)."""
        return self.supported > 0 and self.supported >= SUPPORTED_SHARE_MIN * self.cited


def check_output(text: str, evidence: Sequence[Evidence], verifier: "Verifier | None" = None, *,
                 remove_unsupported: bool = False) -> OutputCheck:
    """Run every check on a model's answer ``text`` for the numbered ``evidence`` it was given.

    Without a ``verifier`` the cited sentences are not verified (and nothing counts as supported)."""
    notes: list[str] = []
    counts: dict[str, int] = {}
    visible, reasoning = strip_reasoning(text)
    if reasoning:
        counts["reasoning"] = 1
        notes.append("the model's reasoning block was left out of the answer (citations inside it do not count)")
    body, _quotes = answer_part(visible)
    body = attach_markers(body)
    echo = remove_echo(body, evidence)
    counts.update(echo_titles=echo.titles, copies=echo.copies, dumped=echo.dumped, prompt_tags=echo.prompt_tags)
    if echo.titles:
        notes.append(f"removed the source list the model repeated ({echo.titles} title(s))")
    if echo.dumped:
        notes.append(f"removed {echo.dumped} uncited sentence(s) copied from the abstracts: the model repeated "
                     "the sources instead of answering")
    if echo.prompt_tags:
        notes.append("removed parts of the prompt the model repeated")
    rep = cut_repetition(echo.text)
    counts.update(repeated=rep.repeated, loops=rep.loops)
    if rep.repeated or rep.loops:
        notes.append(f"cut a repetition loop ({rep.repeated} repeated sentence(s), {rep.loops} looping phrase(s))")
    first = reattribute_first_person(rep.text, evidence)
    counts.update(first_person=first.reattributed, first_person_removed=first.removed)
    if first.reattributed:
        notes.append(f"{first.reattributed} sentence(s) copied in the first person (\"we …\") were attributed "
                     "to the paper they cite")
    if first.removed:
        notes.append(f"removed {first.removed} first-person sentence(s) copied from an abstract without a citation")
    text_now = first.text
    verdicts: list[SentenceVerdict] = []
    if verifier is not None:
        text_now, cited_now = cite_supported(text_now, evidence, verifier)
        counts["cited_by_check"] = cited_now
        if cited_now:
            notes.append(f"{cited_now} uncited sentence(s) were given the source whose abstract supports them")
        checked = verify_sentences(text_now, evidence, verifier, remove_unsupported)
        text_now, verdicts = checked.text, checked.verdicts
        notes += checked.notes
    counts["contradicted"] = sum(v.label == "contradicted" for v in verdicts)
    counts["unsupported"] = sum(v.label == "unsupported" for v in verdicts)
    return OutputCheck(_tidy(text_now), verdicts, notes, reasoning, counts)


REFUSAL_RE = re.compile(r"\b(?:do(?:es)?\s+not|don't|doesn't|cannot|can't|no\s+(?:information|mention|source)|"
                        r"not\s+(?:covered|mentioned|provided|discussed|address)|none of the (?:sources|abstracts))\b",
                        re.I)
SUPPORTED_SHARE_MIN = 0.5  # below this share of supported cited sentences, the model's answer is not shown


def fallback_reason(check: OutputCheck, weak: bool = False) -> str | None:
    """Why the model's answer should give way to the offline one, or None to show it.

    * nothing left after the checks;
    * most of its cited sentences are not supported by the abstracts they cite;
    * no supported cited sentence at all: an uncited answer is not grounded in anything, and a refusal
      throws away evidence the offline engine can quote, unless the evidence is ``weak`` (only near the
      question): then "the sources do not cover this" is a fair answer and is kept.
    """
    if not check.text.strip():
        return "nothing was left of it after the checks"
    if check.cited and check.supported < SUPPORTED_SHARE_MIN * check.cited:
        return (f"{check.cited - check.supported} of its {check.cited} cited sentences are not supported "
                "by the abstracts they cite")
    if check.supported == 0:
        refusal = bool(REFUSAL_RE.search(check.text))
        if refusal and not weak:
            return "it said the sources do not answer, but the closest abstracts match the question well"
        if not refusal:
            return "it cites no supported claim"
    return None


def verifier_for(store: Store) -> Verifier:
    """One verifier per open store: it remembers each paper's analysed abstract between answers. With
    ``[llm] judge = true`` and a model configured, the model judges too (:mod:`assistant.verify.judge`)."""
    from ..verify import Verifier

    verifier = store.__dict__.get("_verifier")
    if verifier is None:
        judge = None
        if store.settings.llm.judge and store.settings.llm_configured:
            from ..verify.judge import LLMJudge
            from .llm import LLMClient

            judge = LLMJudge(LLMClient(store.settings))
        verifier = store.__dict__["_verifier"] = Verifier(store.embedder, judge=judge)
    return verifier
