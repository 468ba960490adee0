"""Which retrieved papers are about a review's topic, judged on what each paper says of its own work.

Retrieval ranks papers that share the topic's words; a review should cite only those whose own work
is on the topic. A look-alike uses the same words in its background ("… especially for edge computing
and personal devices") or covers only part of the topic (an on-device *video* model for "on-device LLM
inference"). So a paper is kept when:

* its retrieval score is within :data:`RELATIVE_FLOOR` of the best hits (the mean of the top three,
  so one outlier does not set the bar);
* its **own account** -- the title and the abstract sentences :mod:`assistant.roles` marks as the
  paper's own problem, method, result or conclusion -- covers at least :data:`COVERAGE_MIN` of the
  topic's facets, weighted by how rare each facet is in the collection (BM25 idf), so "LLM" or
  "inference" weigh less than "on-device" or "hallucination";
* at least one own METHOD or RESULT sentence (or the title) names one of the topic's distinctive facets;
* one statement -- the title or a single own sentence -- covers at least :data:`FOCUS_MIN` of the topic's
  head ("KV cache compression" of "KV cache compression for long-context LLM inference") or of the whole
  topic by itself. A paper that names a device in one sentence, LLMs in another and inference in a third
  touches the topic without being about it; nor is a paper about what it takes as a given tool
  ("utilizing an existing image-to-video model" to edit videos). A paper whose title says the topic in
  other words ("Attention-Guided Token Dropping" for "visual token pruning") passes instead when the
  title's embedding is within :data:`TITLE_SIMILAR` of the topic's.

A topic that joins two noun phrases with "and" ("state space models and linear-time alternatives to
attention") is two topics (:func:`subtopics`): each is retrieved and judged on its own, and a paper on
either is on the topic. Words joined by "and" are not ("scheduling and batching in LLM serving
systems"), nor is an "and" inside the topic's context ("vision transformers for mobile and edge devices").

Facets are read from the topic as a reviewer writes one:

* content words, stemmed (the stemmer BM25 uses); an acronym's plural is its singular ("LLMs");
* a hyphenated compound with several content parts is one phrase facet ("image-to-video",
  "vision-language"): covered only by the parts in that order, or by an acronym the abstracts define
  for it ("Image-to-Video (I2V)", "Large Vision-Language Models (LVLMs)");
* words joined by "and"/"or" or listed in parentheses are alternatives ("scheduling and batching",
  "(eviction, merging, quantization)"): a paper covers the group with any one of them;
* acronyms and their long forms stand for each other, learned from the definitions the gathered
  abstracts themselves write ("large language models (LLMs)").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ..models import Hit
from ..roles import Role, TaggedSentence
from .terms import STOP, stem

if TYPE_CHECKING:
    from ..store import Store

RELATIVE_FLOOR = 0.5  # share of the top hits' mean retrieval score a paper needs
COVERAGE_MIN = 0.6  # idf-weighted share of the topic's facets a paper's own account must cover
FOCUS_MIN = 0.65  # ... and the share that the title or one own sentence covers by itself
TITLE_SIMILAR = 0.65  # ... or the title's embedding is this close to the topic's (the topic in other words)
DISTINCTIVE_IDF = 1.2  # a facet this rare (BM25 idf) or rarer is distinctive
OWN_ROLES = frozenset({Role.PROBLEM, Role.METHOD, Role.RESULT, Role.CONCLUSION})
CLAIM_ROLES = frozenset({Role.METHOD, Role.RESULT})

_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-/][A-Za-z0-9]+)*")
_SPLIT_RE = re.compile(r"[-/]")
_ACRONYM_RE = re.compile(r"\(([A-Za-z]*[A-Z][A-Za-z0-9-]*[A-Z0-9])s?\)")
_ALTERNATIVE_RE = re.compile(r"^(?:and|or|,|/)$")
_GENERIC = frozenset("""
    model models method methods system systems based efficient efficiency via approach approaches
    technique techniques study survey review towards toward
""".split())


def _word(token: str) -> str:
    """Lower case, an acronym's plural made singular: LLMs -> llm, GPUs -> gpu."""
    if len(token) > 2 and token[-1] == "s" and token[:-1].isupper():
        token = token[:-1]
    return token.lower()


def _key(token: str) -> str | None:
    low = _word(token)
    if low in STOP or low in _GENERIC or len(low) < 2 or low.isdigit():
        return None
    return stem(low)


BREAK = "|"  # stands for a dropped word between two words, so that a phrase never spans it


def keys_in_order(text: str) -> list[str]:
    """The stemmed content words of ``text`` in order, hyphenated words split into their parts; a stop
    word or a mark between words leaves a :data:`BREAK` (inside a hyphenated word it does not:
    "image-to-video")."""
    out: list[str] = []
    end = 0
    for match in _WORD_RE.finditer(text):
        if out and out[-1] != BREAK and text[end:match.start()].strip():
            out.append(BREAK)  # "image & video", "image, video": two things, not the phrase "image-to-video"
        end = match.end()
        keys = [k for k in (_key(part) for part in _SPLIT_RE.split(match.group(0)) if part) if k]
        if keys:
            out += keys
        elif out and out[-1] != BREAK:
            out.append(BREAK)
    return out


def definitions(texts: Iterable[str]) -> dict[str, frozenset[str]]:
    """Acronyms the texts define -> the stems of their long forms ("vision-language models (VLMs)")."""
    out: dict[str, frozenset[str]] = {}
    for text in texts:
        if "(" not in text:
            continue
        for match in _ACRONYM_RE.finditer(text):
            acronym = match.group(1)
            letters = sum(ch.isupper() for ch in acronym) or 1
            words = text[max(0, match.start() - 120):match.start()].split()[-(letters + 1):]
            long_form = [k for k in keys_in_order(" ".join(words)) if k != BREAK]
            key = _key(acronym)
            if key and long_form and key not in long_form:
                out.setdefault(key, frozenset(long_form))
    return out


@dataclass(frozen=True, slots=True)
class Facet:
    """One thing the topic asks for: any of ``options``, each a sequence of stems (a phrase when longer than one)."""

    options: tuple[tuple[str, ...], ...]
    weight: float

    @property
    def stems(self) -> frozenset[str]:
        return frozenset(s for option in self.options for s in option)


@dataclass(slots=True)
class Account:
    """What a paper says of its own work, as stems: a set for words, a sequence for phrases."""

    words: set[str] = field(default_factory=set)
    sequence: list[str] = field(default_factory=list)

    def has(self, option: tuple[str, ...], defined: dict[str, frozenset[str]]) -> bool:
        if len(option) == 1:
            stem_ = option[0]
            if stem_ in self.words:
                return True
            long_form = defined.get(stem_)  # an acronym of the topic, written out by the paper
            if long_form and long_form <= self.words:
                return True
            return any(a in self.words for a, lf in defined.items() if lf == frozenset(option))
        if _contains(self.sequence, option):
            return True
        wanted = set(option)  # an acronym that stands for the phrase (LVLM for "vision language")
        return any(a in self.words and wanted <= lf for a, lf in defined.items())


def _contains(sequence: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(sequence[i:i + n]) == phrase for i in range(len(sequence) - n + 1))


def _list_follows(tokens: list[str], comma: int) -> bool:
    """Whether the comma at ``comma`` sits in a list closed by "and"/"or" ("pruning, merging or sparsification")."""
    for token in tokens[comma + 1:comma + 6]:
        if token.lower() in ("and", "or"):
            return True
        if token in (",", "(", ")"):
            return token == ","
    return False


def facets(topic: str, idf: dict[str, float] | None = None) -> list[Facet]:
    """The topic's facets (see the module docstring), weighted by idf (1.0 each without one)."""
    tokens = re.findall(r"[A-Za-z][A-Za-z0-9]*(?:[-/][A-Za-z0-9]+)*|[(),]", topic)
    groups: list[list[tuple[str, ...]]] = []
    joined = False
    depth = 0
    for i, token in enumerate(tokens):
        if token == "(":
            depth += 1
            groups.append([])
            joined = True
            continue
        if token == ")":
            depth = max(depth - 1, 0)
            joined = False
            continue
        if _ALTERNATIVE_RE.match(token.lower()):
            joined = bool(groups) and (token != "," or depth > 0 or _list_follows(tokens, i))
            continue
        parts = [p for p in _SPLIT_RE.split(token) if p]
        stems = tuple(k for k in (_key(p) for p in parts) if k)
        if not stems:
            joined = False
            continue
        option = stems if len(parts) > 1 and len(stems) > 1 else None
        new = [option] if option else [(s,) for s in stems]
        if joined and groups:
            groups[-1].extend(new[:1])
            groups.extend([o] for o in new[1:])
        else:
            groups.extend([o] for o in new)
        joined = depth > 0
    out: list[Facet] = []
    seen: set[tuple[tuple[str, ...], ...]] = set()
    for options in groups:
        key = tuple(dict.fromkeys(options))
        if not key or key in seen:
            continue
        seen.add(key)
        weight = max(sum((idf or {}).get(s, 1.0) for s in option) for option in key)
        out.append(Facet(key, weight))
    return out


def own_statements(title: str, tagged: list[TaggedSentence], roles: frozenset[Role] = OWN_ROLES) -> list[str]:
    """The title and the paper's own sentences in ``roles``."""
    return [title] + [t.text for t in tagged if t.own and t.role in roles]


def account_of(texts: Iterable[str]) -> Account:
    """The stems of ``texts``; a phrase never runs from one text into the next."""
    seq: list[str] = []
    for text in texts:
        seq += keys_in_order(text) + [BREAK]  # nor two sentences
    return Account(set(seq) - {BREAK}, seq)


def account(title: str, tagged: list[TaggedSentence], roles: frozenset[Role] = OWN_ROLES) -> Account:
    """The stems of the title and of the paper's own sentences in ``roles``."""
    return account_of(own_statements(title, tagged, roles))


def coverage(topic_facets: list[Facet], own: Account, defined: dict[str, frozenset[str]]) -> float:
    """The idf-weighted share of the facets the account covers (0..1)."""
    total = sum(f.weight for f in topic_facets)
    if not total:
        return 0.0
    return sum(f.weight for f in topic_facets if any(own.has(o, defined) for o in f.options)) / total


@dataclass(frozen=True, slots=True)
class Judged:
    """A retrieved paper and why it is (or is not) on the topic."""

    hit: Hit
    relative: float  # retrieval score / the top hits' mean
    coverage: float  # own-account coverage of the topic's facets
    claim: bool  # an own METHOD/RESULT sentence (or the title) names a distinctive facet
    focus: float = 1.0  # the most of the topic one statement covers: the title or one own sentence
    title_similarity: float = 0.0  # the title's embedding against the topic's, computed when focus falls short

    @property
    def covers(self) -> bool:
        """Retrieved well enough, its own account covers the topic and a claim names a distinctive facet."""
        return self.relative >= RELATIVE_FLOOR and self.coverage >= COVERAGE_MIN and self.claim

    @property
    def on_topic(self) -> bool:
        return self.covers and (self.focus >= FOCUS_MIN or self.title_similarity >= TITLE_SIMILAR)


def judge(store: Store, topic: str, hits: list[Hit]) -> list[Judged]:
    """Every hit judged against the topic, in the order given."""
    if not hits:
        return []
    tagged = store.tagged([h.paper for h in hits])
    defined = definitions(h.paper.abstract for h in hits)
    stems = {s for f in facets(topic) for s in f.stems}
    idf = store.idf(stems) if stems else {}
    topic_facets = facets(topic, idf)
    top = sorted((h.score for h in hits), reverse=True)[:3]
    best = sum(top) / len(top) or 1.0
    distinctive = [f for f in topic_facets if f.weight >= DISTINCTIVE_IDF] or topic_facets
    head_facets = facets(topic_head(topic), idf) or topic_facets
    out = []
    for hit in hits:
        paper_tags = tagged.get(hit.paper.paper_id, [])
        statements = own_statements(hit.paper.title, paper_tags)
        claim_account = account(hit.paper.title, paper_tags, CLAIM_ROLES)
        claim = any(claim_account.has(o, defined) for f in distinctive for o in f.options)
        focus = max(max(coverage(head_facets, a, defined), coverage(topic_facets, a, defined))
                    for a in (account_of([_TOOL_RE.sub(" | ", text)]) for text in statements))
        out.append(Judged(hit, hit.score / best, coverage(topic_facets, account_of(statements), defined), claim,
                          focus))
    # A title that says the topic in other words ("Token Dropping" for "token pruning") is on it: the titles of
    # papers that pass every other test but focus are compared with the topic by the search embedding.
    short = [i for i, j in enumerate(out) if j.covers and j.focus < FOCUS_MIN]
    if short:
        similar = store.embed([out[i].hit.paper.title for i in short]) @ store.query_vector(topic)
        for i, sim in zip(short, similar):
            out[i] = replace(out[i], title_similarity=float(sim))
    return out


_CONTEXT_RE = re.compile(r"\s+(?:for|in|on|of|with|within|under|across|at|to|where|that|which|using|via|by)\s+|"
                         r"\s*[(:;]", re.I)


# What a paper takes as a given tool is not what it is about: "utilizing an existing image-to-video model".
_TOOL_RE = re.compile(r"\b(?:employ|utiliz|utilis|leverag|us|plug(?:s|ging)? in|build(?:s|ing)? on|adopt)\w*\s+"
                      r"(?:an?\s+|any\s+|the\s+)?(?:existing|off-the-shelf|pre-?trained|publicly available)\s+"
                      r"[\w-]+(?:\s+[\w-]+){0,3}", re.I)


_AND_RE = re.compile(r"\s+and\s+", re.I)


def subtopics(topic: str) -> list[str]:
    """The topics ``topic`` joins with "and" when both sides are noun phrases of two or more words and the
    first has no context of its own ("state space models | linear-time alternatives to attention"); else
    ``[topic]``."""
    topic = topic.strip()
    sides = _AND_RE.split(topic)
    if len(sides) != 2 or "(" in topic:
        return [topic]
    first, second = sides
    if all(len(side.split()) >= 2 and set(keys_in_order(side)) - {BREAK} for side in sides) \
            and not _CONTEXT_RE.search(first):
        return [first, second]
    return [topic]


def topic_head(topic: str) -> str:
    """What the review is about, without the context or description that follows it: "KV cache compression
    | for long-context LLM inference", "speculative decoding | where a smaller draft model proposes …",
    "custom hardware accelerators | (FPGA, ASIC …)"."""
    return _CONTEXT_RE.split(topic.strip(), maxsplit=1)[0]
