"""The offline engine: answers composed from the abstracts' own sentences.

No model writes anything here. The question is read first (:mod:`.question`): its kind decides which
sentences may be quoted. A paper is quoted for its own claims only, the METHOD and RESULT sentences that
:mod:`assistant.roles` marks as the paper's own work (kept in the catalogue, ``store.tagged``); background,
problem statements and descriptions of others' methods are never passed off as a paper's contribution.
Only "what is" and "why" questions may quote background, and then the line says so ("Background (…)").

Each allowed sentence is scored against the question: BM25-weighted coverage of the question's content
words (those in the paper's title counting a little for each of its sentences, "phone" found in
"smartphone", "pre-computed" read as "precomputed"), dense similarity from the MiniLM model that powers
search (for the lexically most promising sentences), the paper's retrieval similarity, and a few
kind-specific signals (a figure for "how much", the asked condition such as "7B" or "Objects365" in the
same sentence, and the question's rarest word, "phone" in "how fast can a 7B model run on a phone?", in
the sentence or its paper's title; a method sentence for "how"). A paper appears only if one of its own
sentences answers the question, and for a question that is not a list a second paper must answer nearly as
well as the first; the best paper leads, and the markers are numbered in reading order. A "what is X" answer quotes
only sentences that name X. A question that names a method ("How does Medusa …") is answered from the
paper that owns the name. "Which" questions list every qualifying paper, one line each, quoting its own
method or result: a paper qualifies when retrieval, which judged its whole abstract, scores it nearly as
high as the best one (a sentence sharing the question's words in an abstract about something else does not
answer it); when no abstract is close to the question at all, only the papers whose own claims use the
question's words are cited, or else the single best guess. Negative lists keep the papers that do without
the excluded thing and cover the question's words, or at most three that score as well without them.
"Which … by quantizing it" lists only papers whose own work names the mechanism, when most candidates use
that word. When nothing in
the abstracts reports what is asked, the answer says so and lists the nearest papers without citing
them as support.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from ..models import Evidence
from ..query import content_terms
from ..roles import Role, TaggedSentence, method_names, title_head
from ..store.lexical import tokenize
from ..terms import WORD_RE, stem
from .markers import as_data, cite
from .negatives import does_without, negative_standing
from .question import Kind, Reading, read_question

if TYPE_CHECKING:
    from ..store import Store

MAX_PAPERS = 3  # papers quoted for a question that is not a list
MAX_LIST_PAPERS = 12
LIST_POOL = 20  # papers retrieved for a "which" question (others: the caller's k)
DENSE_CANDIDATES = 16  # sentences embedded per question (the engine's main cost), lexically best first
FOCUS_BONUS = 0.15  # follow-ups: bonus for sentences of the paper "it" refers to (conversation.referent)
KEEP_RATIO = 0.92  # a paper is quoted when its best sentence scores this share of the best paper's
LIST_KEEP_RATIO = 0.78  # negative lists: ... this share of the reference below
LIST_REFERENCE = 3  # negative lists: a paper is judged against the mean of the best three papers' scores
LIST_COVERAGE = 0.5  # list questions: share of the question's words a listed paper's title and claims use
LIST_SURE_RATIO = 0.9  # negative lists: ... unless its best sentence scores this share of the best paper's
LIST_SURE_MAX = 3  # ... and at most this many papers that do not cover the question are listed that way
WEAK_SURE = 1  # ... or this many when no abstract is close to the question (weak match)
ALSO_SHOWN = 3  # ... the next few are named apart, without citing them
LIST_RELEVANCE_RATIO = 0.85  # "which": a listed paper's retrieval score is this share of the best paper's
SECOND_RATIO = 0.93  # a paper's second sentence is quoted when it scores this share of its first
OPEN_FIGURE_RATIO = 0.8  # ... for a "how much" question without a specific condition
NEGATIVE_KEEP_RATIO = 0.5  # negative questions: papers that do without X, down to this share of the best
WITHOUT_BONUS = 0.2
MEANS_SHARE = 0.5  # "which … by X-ing": X is required when at least this share of the listed papers name it
TITLE_CONTEXT = 0.3  # weight of a question word that the sentence's paper has in its title, not the sentence
COMPOUND_MIN = 5  # shortest question word matched as a compound's tail ("phone" in "smartphone")
RAREST_BONUS = 0.15  # "how much" questions: bonus for naming the question's rarest word ("phone" in "… 7B … phone")
DEFINES_BONUS = 0.2  # "what is X": a sentence that defines X ("X, i.e., …") over one that only names it
RANK_PRIOR = 0.1  # bonus for the first-retrieved paper, falling to 0 for the last (questions that are not lists)
FIGURE_RE = re.compile(r"\d+(?:\.\d+)?\s*(?:%|x\b|×|times|-?fold|fps|tokens|ms\b|s\b|GB|MB|B\b|M\b|K\b|AP\b)"
                       r"|\d+\.\d+|\b\d{2,}\b")
# Text inside an abstract that addresses the reader's assistant is data, never an answer.
INJECTION_RE = re.compile(r"ignore (all |any )?(previous|prior|above) instructions|system prompt|you are now|"
                          r"disregard (the|all|previous)|as an ai|"
                          r"note to (the |any )?(ai|assistant|model|llm|language model)|"
                          r"\b(ai|llm|language model|chatbot)s? (assistant )?(reading|summari[sz]ing) this|"
                          r"\bcite this (paper|work|article) (first|as)", re.I)
_PROPOSAL_RE = re.compile(r"\b(?:we|this (?:paper|work|study)|in this (?:paper|work))\b[^.]{0,60}?\b(?:propose|"
                          r"proposes|introduce|introduces|present|presents|develop|design)\b", re.I)
# "the mutual waiting problem, i.e., the target model gets stuck …", "X refers to", "X is a technique that …"
_DEFINES_RE = re.compile(r",?\s+(?:i\.\s?e\.|(?:that is|namely|refers? to|is defined as|is called|"
                         r"(?:is |are )?(?:known|termed) as|denotes?)\b)|"
                         r"\b(?:is|are) (?:a|an|the) (?:\w+ ){0,3}?(?:problem|phenomenon|technique|method|"
                         r"approach|process|framework|paradigm)\b", re.I)
_ASKED_TOKEN_RE = re.compile(r"[A-Za-z0-9][\w./-]*\d[\w./-]*|\d[\w./%-]*", re.I)  # "7B", "Objects365", "90%"


@dataclass(frozen=True, slots=True)
class Claim:
    """A sentence that may be quoted, with its score."""

    n: int  # evidence number
    index: int  # sentence index within the abstract
    text: str
    role: Role
    own: bool
    score: float = 0.0

    @property
    def background(self) -> bool:
        """Quoted as background, not as the paper's contribution."""
        return not (self.own and self.role in (Role.METHOD, Role.RESULT, Role.CONCLUSION))


@dataclass
class Composed:
    """What the offline engine returns: the text, the evidence renumbered in reading order, notes."""

    text: str
    evidence: list[Evidence]
    notes: list[str] = field(default_factory=list)
    reported: bool = True  # False: the abstracts do not report what is asked; nothing is cited


def short_name(title: str) -> str:
    """'PowerInfer-2: Fast LLM Inference on a Smartphone' -> 'PowerInfer-2'."""
    head = title.split(":", 1)[0].strip()
    if ":" in title and len(head.split()) <= 6:
        return head
    words = title.split()
    return " ".join(words[:6]) + ("…" if len(words) > 6 else "")


def pool_size(question: str, k: int) -> int:
    """How many papers to retrieve: "which" questions draw on a larger pool than the default ``k``."""
    return max(k, LIST_POOL) if read_question(question).is_list else k


# ---------------------------------------------------------------------------------------------- names

_NAMES: dict[tuple[str, str], tuple[str, ...]] = {}


def _names(evidence: Evidence) -> tuple[str, ...]:
    """The paper's own names (cached): its method names and the title's head before ':'."""
    key = (evidence.paper.paper_id, evidence.paper.abstract)
    if key not in _NAMES:
        if len(_NAMES) > 4096:
            _NAMES.clear()
        names = list(method_names(evidence.paper.title, evidence.paper.abstract))
        if head := title_head(evidence.paper.title):
            names.append(head)
        _NAMES[key] = tuple(n for n in dict.fromkeys(names) if len(n) >= 3)
    return _NAMES[key]


def named_papers(question: str, evidence: list[Evidence]) -> list[int]:
    """Evidence numbers of the papers whose own name the question uses, in the order the question names them."""
    found: list[tuple[int, int]] = []
    for item in evidence:
        best = None
        for name in _names(item):
            match = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", question,
                              0 if name.islower() or len(name) < 5 else re.I)
            if match and (best is None or match.start() < best):
                best = match.start()
        if best is not None:
            found.append((best, item.n))
    return [n for _, n in sorted(found)]


# ---------------------------------------------------------------------------------------------- claims

def _eligible(t: TaggedSentence, reading: Reading) -> bool:
    if len(t.text.split()) < 4 or INJECTION_RE.search(t.text):
        return False
    if reading.kind in (Kind.WHAT_IS, Kind.WHY):
        return t.role is not Role.CONCLUSION or t.own
    if not t.own:
        return False
    if reading.kind is Kind.HOW_MUCH:
        return t.role in (Role.RESULT, Role.CONCLUSION, Role.METHOD) and bool(FIGURE_RE.search(t.text))
    if t.role is Role.CONCLUSION:  # "paves the way …" is outlook; a conclusion with a figure is a result
        return bool(FIGURE_RE.search(t.text))
    if t.role is Role.PROBLEM:  # "This paper tackles running LLMs beyond DRAM …": the paper's own aim
        return reading.is_list
    return t.role in (Role.METHOD, Role.RESULT)


def _kind_bonus(t: TaggedSentence, reading: Reading) -> float:
    kind, role = reading.kind, t.role
    proposal = 0.05 if _PROPOSAL_RE.search(t.text) else 0.0
    if kind is Kind.HOW:
        return {Role.METHOD: 0.06, Role.RESULT: -0.08}.get(role, -0.12)
    if kind is Kind.HOW_MUCH:
        return 0.04 if role in (Role.RESULT, Role.CONCLUSION) else 0.0
    if kind in (Kind.WHAT_IS, Kind.WHY):
        own_claim = t.own and role in (Role.METHOD, Role.RESULT)
        return (0.04 if own_claim else 0.0) + proposal + (0.04 if kind is Kind.WHY and role is Role.PROBLEM else 0.0)
    if kind in (Kind.WHICH, Kind.NEGATIVE):
        return proposal + (0.03 if role is Role.METHOD else -0.06 if role is Role.PROBLEM else 0.0)
    return proposal + (0.03 if role is Role.METHOD else 0.0)


def _asked_tokens(question: str, evidence: list[Evidence]) -> list[str]:
    """The specific things a "how much" question conditions on: tokens with digits ("7B", "Objects365",
    "LLaVA-1.5-7B") that are not the names of the papers themselves."""
    names = {n.casefold() for e in evidence for n in _names(e)}
    out = []
    for m in _ASKED_TOKEN_RE.finditer(re.sub(r"['’]s\b", "", question)):
        for token in m.group(0).split("/"):
            # "16K-long", "1.3B-parameter": the figure is "16K", "1.3B"; the word after it describes it
            token = re.sub(r"-[a-z]+$", "", token.strip(".,/-"))
            if token and token.casefold() not in names and not re.fullmatch(r"\d{1,2}", token) \
                    and token not in out:
                out.append(token)
    return out


def _has_token(text: str, token: str) -> bool:
    norm = lambda s: re.sub(r"[\s_]+", " ", s.casefold())
    return re.search(rf"(?<![\w.]){re.escape(norm(token))}(?![\w])", norm(text)) is not None


def _embed(store: Store, texts: list[str]) -> np.ndarray:
    """Sentence vectors. The store's embedder remembers recent texts and holds the bundled abstracts'
    sentences, so the same abstracts coming back question after question are not embedded again."""
    return store.embed(texts) if texts else np.zeros((0, 1))


_PREFIX_RE = re.compile(r"\b(pre|re|post|non|multi|co|sub|un|self|semi)-(?=[a-z])", re.I)


def joined(text: str) -> str:
    """"pre-computed" read as "precomputed", "re-use" as "reuse": one word whichever way it is written."""
    return _PREFIX_RE.sub(r"\1", text)


def compound_hits(terms: set[str], text: str) -> set[str]:
    """The question's words found as the tail of a longer word in ``text`` ("phone" in "smartphones").
    Short words ("rate", "head") are never matched this way: they end too many unrelated words
    ("accelerate", "overhead")."""
    long = [t for t in terms if len(t) >= COMPOUND_MIN]
    if not long:
        return set()
    words = {w.rstrip("s") for w in re.findall(r"[a-z0-9]+", text.lower())}
    return {t for t in long if any(len(w) >= len(t) + 3 and w.endswith(t) for w in words)}


def question_terms(store: Store, question: str, reading: Reading) -> dict[str, float]:
    """The question's stemmed content words with their BM25 idf; for a negative question without the
    excluded thing (mentioning it is no answer)."""
    words = content_terms(joined(question))
    if reading.kind is Kind.NEGATIVE:
        words = [w for w in words if w not in reading.excluded_terms and w not in reading.excluded.lower().split()]
    q_terms = set(tokenize([" ".join(words)])[0]) if words else set()
    return store.idf(q_terms) if q_terms else {}


def coverage(store: Store, question: str, reading: Reading, evidence: list[Evidence]) -> dict[int, float]:
    """Per paper, the idf-weighted share of the question's content words that its title and its own
    claims use: whether the paper does the whole of what a "which" question asks, not one part of it."""
    idf = question_terms(store, question, reading)
    total = sum(idf.values()) or 1.0
    tagged = store.tagged([e.paper for e in evidence])
    texts = [" ".join([e.paper.title, *(t.text for t in tagged.get(e.paper.paper_id, [])
                                        if t.own and t.role in (Role.METHOD, Role.RESULT, Role.PROBLEM))])
             for e in evidence]
    return {e.n: sum(idf[t] for t in set(toks) & set(idf)) / total
            for e, toks in zip(evidence, tokenize(texts))}


def score_claims(store: Store, question: str, reading: Reading, evidence: list[Evidence],
                 focus: int | None = None) -> list[Claim]:
    """Every quotable sentence of the evidence, scored against the question (best first)."""
    tagged = store.tagged([e.paper for e in evidence])
    claims = [Claim(e.n, t.index, t.text, t.role, t.own) for e in evidence
              for t in tagged.get(e.paper.paper_id, []) if _eligible(t, reading)]
    if not claims:
        return []
    by_n = {e.n: e for e in evidence}
    # The question's content words, without the excluded thing of a negative question (mentioning it is
    # no answer) and with each paper's own name counted as present in all of that paper's sentences.
    idf = question_terms(store, question, reading)
    q_terms, total = set(idf), sum(idf.values()) or 1.0
    name_terms = {e.n: set(tokenize([" ".join(_names(e))])[0]) if _names(e) else set() for e in evidence}
    # A sentence speaks within its paper's subject: the title's words count for it (at TITLE_CONTEXT weight),
    # so the sentence that answers the rest of the question ("reduce the memory" of a 3DGS paper) wins.
    title_terms = {e.n: set(tokenize([e.paper.title])[0]) & q_terms for e in evidence}
    tokens = tokenize([joined(c.text) for c in claims])
    asked = _asked_tokens(question, evidence) if reading.kind is Kind.HOW_MUCH else []
    rarest = max(idf, key=idf.__getitem__) if reading.kind is Kind.HOW_MUCH and idf else None
    subject = set(tokenize([reading.subject])[0]) if reading.subject else set()
    percent = reading.kind is Kind.HOW_MUCH and bool(re.search(r"\b(?:percent\w*|share|fraction|proportion)\b|%",
                                                               question, re.I))
    cheap: list[float] = []
    defining: set[int] = set()  # what-is questions: sentences that name the thing asked about
    must: list[int] = []  # must: sentences embedded whatever their lexical score
    for claim, toks in zip(claims, tokens):
        present = set(toks) | name_terms[claim.n] | compound_hits(q_terms, claim.text)
        lexical = (sum(idf[t] for t in q_terms & present)
                   + TITLE_CONTEXT * sum(idf[t] for t in title_terms[claim.n] - present)) / total
        score = 0.5 * lexical + 0.2 * by_n[claim.n].similarity + _kind_bonus(
            TaggedSentence(claim.index, claim.text, claim.role, claim.own), reading)
        if not reading.is_list:  # retrieval judged the whole abstract: its order is a prior for one answer
            score += RANK_PRIOR * (1 - (claim.n - 1) / len(evidence))
        if asked:
            score += 0.2 * sum(_has_token(claim.text, a) or _has_token(by_n[claim.n].paper.title, a)
                               for a in asked) / len(asked)
        if rarest and rarest in present | title_terms[claim.n]:
            score += RAREST_BONUS
        if reading.kind is Kind.NEGATIVE and does_without(claim.text, reading.excluded_terms):
            score += WITHOUT_BONUS  # the sentence that says it does without X is the answer
            must.append(len(cheap))
        if subject and subject <= set(toks):
            score += 0.12 + (DEFINES_BONUS if _DEFINES_RE.search(claim.text) else 0.0)
            defining.add(len(cheap))
        if claim.n == focus:
            score += FOCUS_BONUS
        cheap.append(score)
    cheap_arr = np.array(cheap)
    # Embed the lexically best sentences, and for list questions each paper's best one.
    order = list(np.argsort(-cheap_arr, kind="stable"))
    keep: list[int] = list(must)
    if reading.is_list:
        seen: set[int] = set()
        for i in order:
            if claims[i].n not in seen:
                seen.add(claims[i].n)
                if i not in keep:
                    keep.append(i)
    for i in order:
        if len(keep) >= max(DENSE_CANDIDATES, len(keep)) and i not in keep:
            break
        if i not in keep:
            keep.append(i)
    vectors = _embed(store, [claims[i].text for i in keep])
    dense = vectors @ store.query_vector(question)
    final = cheap_arr + 0.5 * np.array([by_n[c.n].similarity * 0.8 for c in claims])  # not embedded: a guess
    for i, d in zip(keep, dense):
        final[i] = cheap_arr[i] + 0.5 * float(d)
    scored = [replace(c, score=float(s)) for c, s in zip(claims, final)]
    if defining:  # a sentence that does not name X cannot define it
        scored = [c for i, c in enumerate(scored) if i in defining]
    if percent and any("%" in c.text for c in scored):  # a percentage is asked: only a sentence with one answers
        scored = [c for c in scored if "%" in c.text]
    return sorted(scored, key=lambda c: (-c.score, c.n, c.index))


# ---------------------------------------------------------------------------------------------- choosing

def choose(store: Store, question: str, reading: Reading, evidence: list[Evidence],
           claims: list[Claim], focus: int | None = None, weak: bool = False) -> tuple[list[list[Claim]], list[int]]:
    """The claims to quote, grouped per paper, best paper first, and the papers of a list left out only
    because more than :data:`LIST_SURE_MAX` scored close without using the question's words (shown apart,
    not cited). A paper the question names, or that a follow-up's "it" refers to (``focus``), answers it
    alone. ``weak``: no abstract is close to the question (``settings.answer.weak_match``); a list then
    cites the papers that use the question's words and at most the best of those that do not
    (:data:`WEAK_SURE`), and any other question only its best paper."""
    also: list[int] = []
    best: dict[int, list[Claim]] = {}
    for c in claims:
        best.setdefault(c.n, []).append(c)
    if not best:
        return [], []
    named = [n for n in named_papers(question, evidence) if n in best]
    if focus in best and not named:
        named = [focus]
    if named:
        papers = named if reading.kind is Kind.COMPARE or reading.is_list else named[:1]
        papers = sorted(papers, key=lambda n: -best[n][0].score) if reading.is_list else papers
    else:
        ranked = sorted(best, key=lambda n: -best[n][0].score)
        by_n = {e.n: e for e in evidence}
        standing: dict[int, str] = {}
        if reading.kind is Kind.NEGATIVE:
            tagged = store.tagged([e.paper for e in evidence])
            standing = {n: negative_standing(tagged[by_n[n].paper.paper_id], reading) for n in ranked}
        top = best[ranked[0]][0].score
        if reading.is_list:  # one paper that matches unusually well does not shut the others out
            top = float(np.mean([best[n][0].score for n in ranked[:LIST_REFERENCE]]))
        ratio, limit = (LIST_KEEP_RATIO, MAX_LIST_PAPERS) if reading.is_list else (KEEP_RATIO, MAX_PAPERS)
        if weak and not reading.is_list:  # no abstract is close: a second paper "nearly as good" is padding
            limit = 1
        if reading.kind is Kind.NEGATIVE:  # only papers that do without X; the topic gate is looser
            doing_without = [n for n in ranked if standing[n] in ("without", "alternative")]
            if doing_without:
                ranked, ratio = doing_without, NEGATIVE_KEEP_RATIO
            else:  # no abstract speaks of X: the papers that do the rest of what is asked, minus those using X
                ranked = [n for n in ranked if standing[n] != "uses"] or ranked
                top = best[ranked[0]][0].score
        if reading.kind is Kind.WHICH:
            papers, also = listed_papers(store, question, reading, [by_n[n] for n in ranked], weak)
        else:
            papers = [n for n in ranked if best[n][0].score >= top * ratio]
        if reading.kind is Kind.NEGATIVE:  # of the papers that do without X, those that do the whole of what
            # is asked, or answer it best
            covered = coverage(store, question, reading, [e for e in evidence if e.n in set(papers)])
            sure = [n for n in papers if covered[n] < LIST_COVERAGE and best[n][0].score >= top * LIST_SURE_RATIO]
            sure_max = WEAK_SURE if weak else LIST_SURE_MAX  # no abstract is close: one guess at most
            papers = [n for n in papers if covered[n] >= LIST_COVERAGE or n in sure[:sure_max]]
            also = sure[sure_max:sure_max + ALSO_SHOWN]
        if reading.means:  # "… by quantizing it": only papers whose own work does it that way, when the
            # papers use the question's word for it (most listed ones do)
            tagged = store.tagged([by_n[n].paper for n in papers])
            doing = [n for n in papers
                     if _does_by(by_n[n].paper.title, tagged.get(by_n[n].paper.paper_id, []), reading.means)]
            if len(doing) >= MEANS_SHARE * len(papers):
                papers = doing
        papers = papers[:limit]
    # A "how much" question with no specific condition ("how fast is it?") is answered by each figure.
    second = OPEN_FIGURE_RATIO if reading.kind is Kind.HOW_MUCH and not _asked_tokens(question, evidence) \
        else SECOND_RATIO
    groups = []
    for n in papers:
        first = best[n][0]
        if reading.kind is Kind.WHICH and first.role is Role.PROBLEM:  # a paper is listed for what it does
            first = next((c for c in best[n] if c.role in (Role.METHOD, Role.RESULT)), first)
        if reading.kind is Kind.NEGATIVE:  # the sentence that says the paper does without X answers
            first = next((c for c in best[n] if does_without(c.text, reading.excluded_terms)), first)
        group = [first]
        if not reading.is_list or named:
            for c in [c for c in best[n] if c is not first][:1]:
                if c.score >= first.score * second and _overlap(c.text, first.text) <= 0.7 and (
                        c.role is first.role or reading.kind in (Kind.WHICH, Kind.GENERAL)):
                    group.append(c)
        groups.append(sorted(group, key=lambda c: c.index))
    return groups, [n for n in also if n not in {g[0].n for g in groups}]


def listed_papers(store: Store, question: str, reading: Reading, candidates: list[Evidence],
                  weak: bool) -> tuple[list[int], list[int]]:
    """A "which" question's papers, best first, and those named apart without citing them.

    A paper is listed when its retrieval score is at least :data:`LIST_RELEVANCE_RATIO` of the best
    candidate's. Retrieval judged the whole abstract -- its title, its BM25 score and every passage's
    embedding -- and that tells the papers that do what is asked from look-alikes better than the score of
    any one sentence, which rewards a sentence for sharing the question's words in an abstract about
    something else. The quoted sentence is still the paper's best own claim. When no abstract is close to
    the question (``weak``), only the papers whose own claims use the question's words are cited, or else
    the best guess alone; the others are named apart."""
    score = {e.n: e.relevance for e in candidates}
    if not any(score.values()):  # evidence made without retrieval scores: its passages' similarity
        score = {e.n: e.similarity for e in candidates}
    top = max(score.values())
    papers = sorted((n for n in score if score[n] >= LIST_RELEVANCE_RATIO * top), key=lambda n: (-score[n], n))
    if not weak:
        return papers, []
    covered = coverage(store, question, reading, [e for e in candidates if e.n in set(papers)])
    cited = [n for n in papers if covered[n] >= LIST_COVERAGE] or papers[:WEAK_SURE]
    return cited, [n for n in papers if n not in cited][:ALSO_SHOWN]


def _does_by(title: str, tagged: list[TaggedSentence], means: str) -> bool:
    """The paper's title or its own method, problem or result sentences name the mechanism a "which"
    question asks for ("quantizing" -> "quantization", "quantized"), not negated."""
    key = stem(means)
    texts = [title] + [t.text for t in tagged if t.own and t.role in (Role.METHOD, Role.PROBLEM, Role.RESULT)]
    return any(key in {stem(p) for w in WORD_RE.findall(text) for p in (w, *w.split("-"))}
               and not does_without(text, (means,))
               for text in texts)


def _overlap(a: str, b: str) -> float:
    wa, wb = set(a.lower().split()), set(b.lower().split())
    return len(wa & wb) / max(1, min(len(wa), len(wb)))


def _not_reported(question: str, reading: Reading, evidence: list[Evidence], claims: list[Claim]) -> str | None:
    """Why the abstracts do not answer, or None when they do."""
    if not claims:
        if reading.kind is Kind.HOW_MUCH:
            return "None of the abstracts found states a figure in the paper's own words."
        return "None of the abstracts found answers this question in the paper's own words."
    if reading.kind is Kind.HOW_MUCH:
        asked = _asked_tokens(question, evidence)
        by_n = {e.n: e for e in evidence}
        if asked and not any(_has_token(c.text, a) or _has_token(by_n[c.n].paper.title, a)
                             for c in claims[:8] for a in asked):
            return f"None of the abstracts found reports a figure for {', '.join(asked)}."
    return None


def compose_answer(store: Store, question: str, evidence: list[Evidence],
                   focus: int | None = None, weak: bool = False) -> Composed:
    """The offline answer: one paragraph per paper, best first, markers numbered in reading order."""
    reading = read_question(question)
    claims = score_claims(store, question, reading, evidence, focus)
    missing = _not_reported(question, reading, evidence, claims)
    if missing is not None:
        return _nearest(missing, evidence, claims)
    groups, also = choose(store, question, reading, evidence, claims, focus, weak)
    if not groups:
        return _nearest("None of the abstracts found states that its own method does without "
                        f"{reading.excluded}." if reading.kind is Kind.NEGATIVE else
                        "No abstract found is close to this question, and none uses its words." if weak else
                        "None of the abstracts found answers this question in the paper's own words.",
                        evidence, claims)
    by_n = {e.n: e for e in evidence}
    order = [g[0].n for g in groups]
    renumbered = _renumber(evidence, order)
    new_n = {old: i + 1 for i, old in enumerate(order)}
    paragraphs = []
    for group in groups:
        name = as_data(short_name(by_n[group[0].n].paper.title))
        own = [c for c in group if not c.background]
        background = [c for c in group if c.background]
        lines = []
        if own:
            lines.append(f"{name}: " + " ".join(cite(c.text, new_n[c.n]) for c in own))
        if background:
            lines.append(f"Background ({name}): " + " ".join(cite(c.text, new_n[c.n]) for c in background))
        paragraphs.append(" ".join(lines) if len(lines) == 1 else "\n".join(lines))
    if also:
        paragraphs.append("\n".join(["Also close, though their abstracts do not use the question's words (not cited "
                                      "as support):"] + [_listed(by_n[n]) for n in also]))
    return Composed("\n\n".join(paragraphs), renumbered)


def _listed(e: Evidence) -> str:
    return f"- {as_data(e.paper.title)}" + (f" ({e.paper.year})" if e.paper.year else "")


def _renumber(evidence: list[Evidence], order: list[int]) -> list[Evidence]:
    """The evidence with the cited papers first, numbered 1.. in the order the answer cites them."""
    rank = {n: i for i, n in enumerate(order)}
    ordered = sorted(evidence, key=lambda e: (rank.get(e.n, len(order)), e.n))
    return [replace(e, n=i + 1) for i, e in enumerate(ordered)]


def _nearest(reason: str, evidence: list[Evidence], claims: list[Claim]) -> Composed:
    """The abstracts do not report what is asked: say so, and list the nearest papers without citing them."""
    best: dict[int, float] = {}
    for c in claims:
        best.setdefault(c.n, c.score)
    ranked = sorted(evidence, key=lambda e: (-best.get(e.n, -1.0), -e.similarity))[:3]
    lines = [reason, "", "Nearest papers (not cited as support):"]
    lines += [_listed(e) for e in ranked]
    return Composed("\n".join(lines), _renumber(evidence, [e.n for e in ranked]), reported=False)
