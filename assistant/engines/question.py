"""What a question asks for, read from its wording: the kind of answer and which sentences may give it.

Deterministic, no model. The kind decides which roles of an abstract's sentences (:mod:`assistant.roles`)
an answer may quote:

* ``which``: the papers that do X, every one of them, each with its own method or result sentence;
* ``how``: the paper's own method sentences;
* ``how much``: the paper's own result sentences that state a figure;
* ``negative`` ("without X", "no need for X", "needs no X", "X-free", "other than X", "beyond X"): like
  ``which``, but a paper qualifies only if it does without X: it says so, or it sets X out as the
  field's burden and its own method does not use X;
* ``compare`` (two named methods, "differ", "versus"): one line per approach;
* ``what-is`` / ``why``: a definition or a cause, which may be background; quoted as such, labelled;
* ``general``: anything else, answered from the papers' own claims.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from ..query import content_terms


class Kind(StrEnum):
    WHICH = "which"
    HOW = "how"
    HOW_MUCH = "how much"
    NEGATIVE = "negative"
    COMPARE = "compare"
    WHAT_IS = "what-is"
    WHY = "why"
    GENERAL = "general"


_LIST_RE = re.compile(
    r"^\s*(?:(?:can you |please )?(?:list|find|name|show me)\s+(?:all\s+|the\s+|some\s+)?|"
    r"(?:which|what)\s+(?:[\w-]+\s+){0,5}?|(?:are there|is there|any)\s+(?:any\s+)?(?:[\w-]+\s+){0,3}?|"
    r"(?=\w+\s+(?:that|which)\b))"
    r"(?:papers?|methods?|works?|approaches|systems?|techniques?|models|frameworks?|studies|detectors|"
    r"algorithms?|architectures?|engines?)\b",
    re.I)
# ("speed up" is a verb: "which papers speed up decoding?" lists papers.)
_QUANTITY_RE = re.compile(
    r"\b(?:how (?:many|much|fast|large|big|small|long|accurate|low|high|well)|by how|how much (?:faster|"
    r"smaller|less|more)|(?:what|which) (?:(?:[\w-]+ ){0,3})?(?:percentage|fraction|share|speed(?! up)|speedup|"
    r"speed-up|accuracy|score|ap|map|fid|bleu|throughput|latency|ratio|rate|fps|size|memory|factor|gain|reduction|"
    r"compression|perplexity|error)\b|tokens? per second|frames per second)", re.I)
# "without a separate draft model", "need no training", "does not require retraining", "other than X"
_NEGATIVE_RE = re.compile(
    r"\b(?:without(?:\s+(?:any|a|an|the|using|needing|requiring|relying on|extra|additional))*|"
    r"no need (?:for|of|to)(?:\s+(?:a|an|any))?|"
    r"(?:need|needs|needing|require|requires|requiring|use|uses|using)\s+no|"
    r"(?:do|does|did)\s+not\s+(?:need|require|use|rely on)(?:\s+(?:a|an|any))?|"
    r"other than(?:\s+(?:a|an|the))?|beyond(?:\s+(?:a|an|the))?|free of|free from)\s+"
    r"(?P<thing>[^?.!,;]+?)(?=\s*(?:[?.!,;]|$|\s(?:and|or|while|but|that|which|to)\s))", re.I)
_FREE_RE = re.compile(r"\b(?P<thing>[A-Za-z][\w]*(?:-[A-Za-z]+)?)-free\b", re.I)
_COMPARE_RE = re.compile(r"\b(?:compare[sd]?|comparison|differ|differs|different(?:ly)?|difference|versus|vs\.?|"
                         r"contrast)\b", re.I)
# "What is X?", also after a clause that sets the scene ("When a picture is turned into a video, what is …") and
# before a second question about X ("…, and what makes it hard?"): X ends at that second question.
_WHAT_IS_RE = re.compile(r"^\s*(?:[^?,]+,\s*)?(?:what(?:'s| is| are)|define|explain what)\s+(?P<subject>[^?]+?)"
                         r"(?:,?\s+and\s+(?:what|why|how|which|when)\b[^?]*)?\s*\??\s*$", re.I)
# A word that says what kind of thing X is, not which: "the 'image leakage' problem" is image leakage.
_KIND_WORD_RE = re.compile(r"\s+(?:problem|issue|phenomenon|effect|challenge)s?\W*$", re.I)
_WHY_RE = re.compile(r"^\s*why\b", re.I)
_HOW_RE = re.compile(r"^\s*how\b", re.I)
# Words that qualify the excluded thing without being the thing: "a separate draft model" is a draft model.
_QUALIFIERS = frozenset("separate extra additional auxiliary external dedicated second standalone any other "
                        "extensive costly expensive explicit".split())


# Where the thing a question names ends and what qualifies it begins: "prepacking | in LLM inference",
# "fine-tuning | the model for every new subject". The qualifier is context, not the thing.
_QUALIFIER_START_RE = re.compile(r"\s+(?:the|a|an|any|every|each|for|of|per|on|in|to|with|within|when|used|as)\s",
                                 re.I)
# How a "which" question says the papers must do it: "compress the KV cache by quantizing it", "… by
# offloading parts of it to SSDs", "by using distillation", "via pruning", "using knowledge distillation".
_MEANS_RE = re.compile(r"\b(?:by\s+(?:means\s+of\s+|using\s+|leveraging\s+|employing\s+|applying\s+)?|via\s+|"
                       r"using\s+|through\s+)"
                       r"(?:a\s+|an\s+|the\s+)?(?P<means>[a-z][\w-]*(?:\s+[a-z][\w-]*){0,3})", re.I)
TRAINING_PREFIXES = ("train", "fine-tun", "finetun", "retrain", "tuning")  # one thing: "training or fine-tuning"


def _head(phrase: str) -> str:
    """The thing a phrase names, without the qualifier that follows it (the whole phrase when it starts
    with one)."""
    parts = _QUALIFIER_START_RE.split(phrase, maxsplit=1)
    return parts[0].strip() if parts[0].strip() else phrase


@dataclass(frozen=True, slots=True)
class Reading:
    """How a question is read: its kind, whether it wants every qualifying paper, and what it excludes."""

    kind: Kind
    is_list: bool
    excluded: str = ""  # negative questions: the thing a qualifying paper does without, as written
    excluded_terms: tuple[str, ...] = ()  # its content words, qualifiers ("separate", "extra") dropped
    subject: str = ""  # what-is questions: the thing to define
    means: str = ""  # "which" questions: how a qualifying paper must do it ("by quantizing it" -> "quantizing")

    @property
    def wants_figure(self) -> bool:
        return self.kind is Kind.HOW_MUCH


def _mechanism(phrase: str) -> str:
    """The word naming how it is done: the gerund ("quantizing it to low bits" -> "quantizing"), else the
    head noun of the phrase ("knowledge distillation of the teacher" -> "distillation"); "" for none."""
    words = phrase.split()
    if words[0].lower().endswith("ing") and content_terms(words[0]):
        return words[0]
    head = content_terms(_head(phrase))
    return head[-1] if head and head == content_terms(" ".join(words[:len(head)])) else ""


def read_question(question: str) -> Reading:
    """The :class:`Reading` of ``question``."""
    text = question.strip()
    is_list = bool(_LIST_RE.search(text))
    negative = _NEGATIVE_RE.search(text) or _FREE_RE.search(text)
    if negative and is_list:  # "how does SWIFT draft without extra parameters?" asks about SWIFT alone
        thing = _head(negative.group("thing").strip())
        terms = tuple(t for t in content_terms(thing) if t not in _QUALIFIERS) or tuple(content_terms(thing))
        if len(terms) > 1 and all(t.startswith(TRAINING_PREFIXES) for t in terms):  # "training or fine-tuning"
            terms = terms[:1]
        if terms:
            return Reading(Kind.NEGATIVE, True, thing, terms)
    if _QUANTITY_RE.search(text):
        return Reading(Kind.HOW_MUCH, False)
    if is_list:
        means = _MEANS_RE.search(text)
        return Reading(Kind.WHICH, True, means=_mechanism(means.group("means")) if means else "")
    if _COMPARE_RE.search(text):
        return Reading(Kind.COMPARE, False)
    what = _WHAT_IS_RE.match(text)
    if what and len(what.group("subject").split()) <= 12:
        subject = _KIND_WORD_RE.sub("", _head(what.group("subject"))).strip(" '\"‘’“”")
        return Reading(Kind.WHAT_IS, False, subject=subject)
    if _WHY_RE.match(text):
        return Reading(Kind.WHY, False)
    if _HOW_RE.match(text):
        return Reading(Kind.HOW, False)
    return Reading(Kind.GENERAL, False)


def topic_query(question: str) -> str:
    """A negative question without its excluded thing ("speed up decoding without a draft model" ->
    "speed up decoding"): the papers that do without X rarely say X as often as those that use it."""
    match = _NEGATIVE_RE.search(question) or _FREE_RE.search(question)
    if not match:
        return question
    stripped = (question[:match.start()] + question[match.end():]).strip(" ?.!,")
    return stripped if len(content_terms(stripped)) >= 2 else question
