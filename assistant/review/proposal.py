"""The task and approach cells: what the paper sets out to do, and what it proposes to do it.

Both are read from the paper's own sentences (roles from :mod:`assistant.roles`), never from the
field background an abstract opens with ("Speculative decoding speeds up LLM inference by ..." is
the scene, not the task of a paper on batching it).

The *proposal sentence* is the paper's own sentence that introduces its contribution ("we propose
X, a ... that ...", "This paper presents a ... for ..."); the one that names the method is
preferred. Its object is parsed into the method's name, its *descriptor* (the noun phrase saying
what kind of thing it is: "a new speculative decoding algorithm", "a system designed for the
scalable serving of many LoRA adapters") and its *mechanism* (the clause saying how it works:
"which integrates sequential knowledge into the parallel decoding process").

Task, first found of:

1. an aim the paper states: "we aim to X", "which aims to X", "we address / tackle / study / focus on X",
   "we make progress on X", "our two key objectives: X", "we identify and overcome two obstacles in X";
2. the purpose that opens the proposal sentence: "To solve the inefficiency of DenseNet, we ...";
3. what the proposal says the method is for, right after its descriptor or name: "MSD, a framework to
   distill a teacher into several one-step students", "QUEEN for streaming FVV";
4. the descriptor, when it says more than "a framework" ("KV cache quantization method for LLMs");
5. a goal clause of the proposal: "..., which reduces both decoding and pre-filling memory";
6. the title's subject ("LLM Inference Acceleration Framework" from "Medusa: Simple LLM Inference
   Acceleration Framework with Multiple Decoding Heads"; after the ':' of a slogan such as "Not All
   Patches are What You Need: Expediting Vision Transformers via …").

Anaphoric aims ("To address this limitation", "tackles these challenges") point back at background
and are skipped. Approach: the method's name (:func:`assistant.roles.method_names`) and its
mechanism in one phrase, from the proposal sentence or, when that says only what the method is, the
next own method sentence that says how it works. Every phrase is cut from the abstract (or title)
verbatim; a cell stays empty when nothing fits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..roles import Role, TaggedSentence, method_names

MAX_TASK_WORDS, MAX_APPROACH_WORDS = 25, 40

_PROPOSE_RE = re.compile(
    r"\b(?:propos(?:e|es|ing)|introduc(?:e|es|ing)|present(?:s|ing)?|develop(?:s|ing)?|design(?:s|ing)?|"
    r"devis(?:e|es|ing)|build(?:s|ing)?|put(?:s)? forward|construct(?:s)?|release(?:s)?|offer(?:s)?)\s+"
    r"(?:here\s+|also\s+)?", re.I)
_SELF_RE = re.compile(r"\b(?:we|our|this (?:paper|work|study|report))\b|^\(\d\)|\(\d\)\s", re.I)
_ANAPHORA = (r"(?:this|these|that|those|such|it|them|the above|the aforementioned|above|the same|the (?:issue|issues|"
             r"problem|problems|challenge|challenges|limitation|limitations|gap|dilemma)\b)")
_ANAPHORIC_RE = re.compile(rf"^(?:\w+\s+){{0,2}}{_ANAPHORA}\b", re.I)
_AIM_RE = re.compile(
    r"\b(?:we\s+(?:\w+\s+)?aim\s+(?:to|at)|aims?\s+(?:to|at)|aiming\s+(?:to|at)|"
    r"(?:we|this (?:paper|work|study))\s+(?:\w+ly\s+)?(?:address(?:es)?|tackles?|stud(?:y|ies)|investigates?|"
    r"examines?|analy[sz]es?|focus(?:es)?\s+on|make\s+progress\s+(?:on|in|toward))|"
    r"\b(?:our|two|three|the|key|main)\s+(?:\w+\s+)?(?:objectives?|goals?)\s*(?::|(?:is|are)\s+to)|"
    r"\b(?:we|this (?:paper|work|study))\s+(?:\w+\s+and\s+)?(?:overcome|remove|resolve)s?\s+(?:the\s+)?(?:\w+\s+){0,2}"
    r"(?:obstacles?|barriers?|hurdles?|difficult(?:y|ies))\s+(?:in|of|to|when|for))\s+", re.I)
_LEADING_PURPOSE_RE = re.compile(r"^(?:(?:first|second|third|finally|specifically),\s+)?(?:to|in order to)\s+", re.I)
_GOAL_RE = re.compile(
    r"\b(?:that|which|to|thereby|while|for)\s+((?:\w+ly\s+)?(?:reduc|accelerat|speed(?:s|ing)? up|improv|enabl|"
    r"address|solv|mitigat|alleviat|eliminat|boost|enhanc|advanc|lower|minimi[sz]|maximi[sz]|overcom|"
    r"achiev)\w*\b)", re.I)
_HEAD_RE = re.compile(
    r"^(?:method|methods|approach|approaches|framework|frameworks|system|systems|algorithm|algorithms|technique|"
    r"techniques|scheme|model|models|architecture|architectures|paradigm|solution|pipeline|strategy|engine|"
    r"format|representation|detector|network|networks|library|toolkit|tool|benchmark|dataset|suite|family|"
    r"design|mechanism|module|procedure|recipe|accelerator|compiler|runtime|family)$", re.I)
_GENERIC_RE = re.compile(
    r"^(?:(?:the\s+)?first|new|novel|simple|efficient|effective|accurate|fast|lightweight|light-weight|unified|"
    r"general|generic|powerful|robust|scalable|practical|versatile|innovative|principled|elegant|"
    r"plug-and-play|state-of-the-art|and|or|yet|highly|very|two|three|four|several|multiple|series|set|"
    r"principal|key|core|main|dynamic|,)$", re.I)
_NP_STOP_RE = re.compile(
    r",|;|:|\(|\s[-–—]\s|(?<![\w-])(?:that|which|who|whose|where|called|named|dubbed|termed|coined|to|by|combining|"
    r"comprised|consisting|composed|with|using|via|through|based|built|leveraging|exploiting|featuring|developed|"
    r"(?:specifically\s+)?(?:designed|tailored)|"
    r"proposed|trained|inspired|as|in|on|at|and\s+(?:then\s+)?(?:\(\d\)|propose|introduce|present|show|demonstrate|evaluate|apply|"
    r"use|employ|adopt|leverage|design|develop|train|release|conduct|provide|achieve))(?=\s)",
    re.I)
_PREPOSITIONS = frozenset("for of in on to with by from at into over under via".split())
_SUBJECT_BEFORE_VERB_RE = re.compile(
    r"(?:\b(?:we|this (?:paper|work|study|report|article)|our (?:work|paper))(?:\s+[\w-]+){0,2}|\(\d\)|"
    r"\b(?:and|by|then))\s*,?\s*$", re.I)
_MECHANISM_RE = re.compile(
    r"^(?:,\s*)?(?:that|which|who)\b|^(?:,\s*)?(?:by|with|using|via|through|combining|comprised of|consisting of|"
    r"composed of|based on|built on|leveraging|exploiting|featuring|where)\b", re.I)
_CLAIM_VERB_RE = re.compile(  # "which achieves / provides ... results": a claim, not how it works
    r"^(?:,\s*)?(?:that|which)\s+(?:\w+ly\s+)?(?:achiev|provid|outperform|offer|deliver|attain|yield|obtain|surpass|"
    r"set|show|demonstrat|reach|match|exceed|beat)\w*\b", re.I)
_ARTICLE_RE = re.compile(r"^(?:a|an|the)\s+", re.I)
_ENUM_CUT_RE = re.compile(r",?\s+(?:and\s+)?\(\d\)\s")
_CONTENT_WORD_RE = re.compile(r"[A-Za-z][\w-]*")
_ENUMERATION_RE = re.compile(r":\s+\(?(?:i|1|a)\)\s")  # an aim's "X: (i) A, (ii) B" lists X's parts
# after a descriptor or name, what the method is for: "a framework to distill ...", "QUEEN for streaming ..."
_FOR_WHAT_RE = re.compile(r"(?:to\s+(?!(?:a|an|the|this|that|these|those|such|it|them|each|all|both|any|our|its|"
                          r"their|more|further)\b)(?=[a-z]+\b)|for\s+(?=[a-z]+ing\b))")
_TITLE_CUT_RE = re.compile(r"\s+(?:with|via|using|through|by|based on|from)\s+|\s*[-–—]\s+|\?", re.I)


@dataclass(frozen=True, slots=True)
class Proposal:
    """The parsed proposal sentence: name, descriptor and mechanism, all verbatim spans ('' when absent)."""

    sentence: str
    obj: str  # the text after the proposal verb, to the end of its item
    name: str
    descriptor: str
    mechanism: str
    purpose: str  # the opening "To X, ..." of the sentence, if any
    aim: str = ""  # what the method is for, right after its descriptor or name: "a framework to X", "NAME for X"


def _tidy(text: str) -> str:
    return text.strip().strip(",;:").rstrip(".").strip()


_CLAUSE_BREAK_RE = re.compile(r",\s+(?:while|and|but|whereas|which|thereby|thus|making|enabling|resulting|leading|"
                              r"allowing|requiring|yielding|achieving|as well as|where|so that|with|without|namely|"
                              r"called|named|dubbed|termed)\b", re.I)


def clause_end(text: str, start: int = 0) -> int:
    """Where the clause starting at ``start`` ends: the first ';', ', while', ', and', ', but', ', which',
    ', thereby', ', making', ', namely', ' while ' or ', ' followed by a participle, outside brackets."""
    depth = 0
    i = start
    while i < len(text):
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}" and depth:
            depth -= 1
        elif depth == 0:
            if ch == ";":
                return i
            if ch == "," and _CLAUSE_BREAK_RE.match(text, i):
                return i
        i += 1
    return len(text)


def clause_spans(sentence: str) -> list[tuple[int, int]]:
    """Character spans of the clauses of a sentence: split at ';', ', ' and ' — ' outside brackets."""
    spans, start, depth, i = [], 0, 0, 0
    while i < len(sentence):
        ch = sentence[i]
        depth += ch in "([{"
        depth -= ch in ")]}" and depth > 0
        cut = 0
        if depth == 0:
            if ch == ";" or (ch == "," and sentence[i + 1:i + 2] == " "):
                cut = 1
            elif sentence.startswith(" — ", i) or sentence.startswith(" -- ", i):
                cut = 3
        if cut:
            spans.append((start, i))
            start = i + cut
        i += max(cut, 1)
    spans.append((start, len(sentence)))
    return [(a, b) for a, b in spans if sentence[a:b].strip()]


def _trim(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` words at a clause boundary, else at a word, marked with '…'."""
    text = _tidy(text)
    words = text.split()
    if len(words) <= limit:
        return text
    end = clause_end(text)
    if end < len(text) and 3 <= len(text[:end].split()) <= limit:
        return _tidy(text[:end])
    return " ".join(words[:limit]) + " …"


def _names_in(text: str, names: tuple[str, ...]) -> list[str]:
    return [n for n in names if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text)]


def _noun_phrase(text: str) -> str:
    """The noun phrase ``text`` opens with: up to the first relative pronoun, comma, bracket or verb-like
    connective; "for X" / "of X" / "designed for X" complements stay with it."""
    match = _NP_STOP_RE.search(text)
    phrase = text[:match.start()] if match else text
    phrase = _tidy(phrase)
    if len(phrase.split()) > 16:
        return ""
    return phrase


def _content(descriptor: str) -> list[str]:
    """The descriptor's words that say what the method is for (not "a", "novel", "framework")."""
    words = [w.strip(",") for w in _ARTICLE_RE.sub("", descriptor).split()]
    return [w for w in words if _CONTENT_WORD_RE.match(w) and not _GENERIC_RE.match(w) and not _HEAD_RE.match(w)
            and not (w.endswith("ly") and w.islower())
            and w.lower() not in {"for", "of", "designed", "tailored", "specifically", "the", "a", "an", "in"}]


def strip_generic(descriptor: str) -> str:
    """The descriptor without its article and leading praise words: "an accurate and efficient KV cache
    quantization method" -> "KV cache quantization method" (a verbatim tail of the phrase)."""
    text = _ARTICLE_RE.sub("", descriptor.strip())
    words = text.split(" ")
    i = 0
    while i < len(words) - 1 and (_GENERIC_RE.match(words[i].rstrip(",")) or _ARTICLE_RE.match(words[i] + " ")):
        i += 1
    return " ".join(words[i:])


def _is_subject(before: str, names: tuple[str, ...]) -> bool:
    """Whether the text before a proposal verb ends in the paper as its subject: "we (further)",
    "this paper", "(2)", "..., and", "by" (after a "we" earlier), or the method's name."""
    if _SUBJECT_BEFORE_VERB_RE.search(before):
        return bool(re.search(r"\b(?:we|our|this (?:paper|work|study|report|article))\b|\(\d\)", before, re.I))
    return any(before.rstrip().endswith(n) for n in names)


def _tail_name(descriptor: str, names: tuple[str, ...] = ()) -> str:
    """A coined name closing a descriptor ("... batch speculative decoding EQSPEC"): all capitals, digits
    or hyphens, four characters or more, after a word that is not a preposition."""
    words = descriptor.split()
    if len(words) < 3 or words[-2].lower() in _PREPOSITIONS:
        return ""
    last = words[-1]
    capitals = re.fullmatch(r"[A-Z][A-Z0-9-]*[A-Z0-9]", last) and sum(c.isalpha() for c in last) >= 3
    coined = re.fullmatch(r"[A-Z][a-z]+[A-Z][\w-]*", last)  # "SmartSpec"
    return last if len(last) >= 4 and (capitals or coined or last in names) else ""


def _parse(sentence: str, obj: str, names: tuple[str, ...]) -> Proposal | None:
    """Name, descriptor and mechanism of the proposal whose object is ``obj``."""
    obj = _tidy(obj)
    if len(obj.split()) < 2:
        return None
    lead = _LEADING_PURPOSE_RE.match(sentence)
    purpose = ""
    if lead:
        end = sentence.find(",", lead.end())
        if end > 0:
            purpose = _tidy(sentence[lead.end():end])
    name = ""
    rest = obj
    # "X, a ..." / "X (ACR), the ..." / "the Long Name (ACR), a ...": the name first, then the descriptor
    lead_name = next((n for n in sorted(names, key=len, reverse=True)
                      if re.match(rf"(?:the\s+)?{re.escape(n)}(?![\w-])", rest)), None)
    if lead_name:
        name = lead_name
        lead_match = re.match(rf"(?:the\s+)?{re.escape(lead_name)}", rest)  # matched when lead_name was chosen
        rest = rest[lead_match.end():] if lead_match else rest
    else:
        first = _noun_phrase(rest)
        after = rest[len(first):].lstrip() if first and rest.startswith(first) else ""
        acronym = re.match(r"\(([^()]{2,20})\)", after)
        if first and acronym and not re.match(r"(?:a|an)\s", first, re.I) and (
                acronym.group(1) in names or first[:1].isupper() or first.lower().startswith("the ")):
            name = acronym.group(1) if acronym.group(1) in names or not first[:1].islower() else first
            rest = after[acronym.end():]
    rest = rest.lstrip()
    if name and rest.startswith("("):  # "SpQR (Sparse-Quantized ...)": skip the expansion
        close = rest.find(")")
        rest = rest[close + 1:].lstrip() if close > 0 else rest
    if rest.startswith(","):
        rest = rest[1:].lstrip()
    bare_head = bool(name) and bool(_HEAD_RE.match(rest.split(" ", 1)[0]))  # "PAT paradigm to ..."
    descriptor = _noun_phrase(rest) if _ARTICLE_RE.match(rest) or not name or bare_head else ""
    after = rest[len(descriptor):].lstrip() if descriptor else rest
    coined = _tail_name(descriptor, names)
    if coined:
        descriptor = descriptor[:-len(coined)].rstrip()
        name = name or coined
    if descriptor:
        designed = re.match(r"(?:\([^()]*\)\s*)?(?:,\s*)?((?:specifically\s+)?"
                            r"(?:designed|tailored|optimi[sz]ed|built)\s+(?:for|to)\s+.*)", after, re.I)
        if designed:
            extra = _tidy(designed.group(1)[:clause_end(designed.group(1))])
            if f"{descriptor} {extra}" in sentence:
                descriptor = f"{descriptor} {extra}"
                after = designed.group(1)[len(extra):].lstrip()
    if not name:
        called = re.search(r"\b(?:called|named|dubbed|termed|coined)\s+([^\s,;.]+(?:\s[A-Z0-9][\w.-]*){0,2})", after)
        found = _names_in(obj, names)
        if called and _names_in(called.group(1), names):
            name = _names_in(called.group(1), names)[0]
            after = after[called.end():].lstrip(" ,")
        elif found:
            name = found[0]
            at = after.find(name)
            if at >= 0:  # "… called REPresentation Alignment (REPA), which aligns …": on after the name's ")"
                after = after[at + len(name):].lstrip(" ,)").lstrip(" ,")
    if after.startswith("(") and ")" in after:  # "(LVLMs)" after a descriptor
        after = after[after.find(")") + 1:].lstrip(" ,")
    mechanism = ""
    if _MECHANISM_RE.match(after) and not _CLAIM_VERB_RE.match(after):
        mechanism = _tidy(after[:clause_end(after, 1)])
    aim = ""
    for_what = _FOR_WHAT_RE.match(after) if descriptor or name else None
    if for_what:
        rest = after[for_what.end():]
        aim = "" if _ANAPHORIC_RE.match(rest) else _tidy(rest[:clause_spans(rest)[0][1]])  # rest opens with a word
    return Proposal(sentence=sentence, obj=obj, name=name, descriptor=descriptor, mechanism=mechanism,
                    purpose=purpose, aim=aim)


def proposals_in(sentence: str, names: tuple[str, ...]) -> list[Proposal]:
    """Every proposal a sentence makes, in order: "we (1) ..., (2) present X ..., and (3) introduce Y ..."
    makes two. A verb counts only with the paper (or its method) as its subject."""
    out = []
    for match in _PROPOSE_RE.finditer(sentence):
        if not _is_subject(sentence[:match.start()], names):
            continue
        obj = sentence[match.end():]
        cut = _ENUM_CUT_RE.search(obj)
        parsed = _parse(sentence, obj[:cut.start()] if cut else obj, names)
        if parsed is not None:
            out.append(parsed)
    return out


def _own(tagged: list[TaggedSentence]) -> list[TaggedSentence]:
    return [t for t in tagged if t.own and t.role in (Role.PROBLEM, Role.METHOD, Role.RESULT)]


def usable_names(names: tuple[str, ...]) -> tuple[str, ...]:
    """Method names without plural acronyms, which name a kind of model ("LVLMs", "LDMs"), not a method."""
    return tuple(n for n in names if not re.fullmatch(r"[A-Z][A-Z0-9-]+s", n))


def proposal(tagged: list[TaggedSentence], names: tuple[str, ...]) -> tuple[Proposal | None, Proposal | None, int]:
    """(the first proposal, the one that names the method, the index of its sentence) among the own
    sentences; a proposal naming one of ``names`` is preferred to one naming something else."""
    first: Proposal | None = None
    named: Proposal | None = None
    index = -1
    for t in _own(tagged):
        for parsed in proposals_in(t.text, names):
            if first is None:
                first, index = parsed, t.index
            if parsed.name and (named is None or (parsed.name in names and named.name not in names)):
                named, index = parsed, t.index
        if named is not None and named.name in names:
            break
    return first, named, index


def _aim(tagged: list[TaggedSentence], until: int) -> str:
    """An aim the paper states in its own words, up to its proposal sentence (index ``until``), or in an
    own problem statement anywhere."""
    for t in _own(tagged):
        if t.index > until >= 0 and t.role is not Role.PROBLEM:
            continue
        for match in _AIM_RE.finditer(t.text):
            rest = t.text[match.end():]
            if _ANAPHORIC_RE.match(rest):
                continue
            aim = _tidy(_ENUMERATION_RE.split(rest[:clause_end(rest)], maxsplit=1)[0])
            if len(aim.split()) < 5:  # "how X, which developers must configure, influence Y": read on
                aim = _tidy(rest)
            aim = re.split(r"\s+and\s+(?:propose|introduce|present|design|develop)\b", aim)[0]
            if len(aim.split()) >= 3:
                return aim
    return ""


def _goal(text: str) -> str:
    """A goal clause: "(that|which|to) reduces / accelerates / enables ... X", not pointing back."""
    for match in _GOAL_RE.finditer(text):
        rest = text[match.start(1):]
        goal = _tidy(rest[:clause_end(rest, 1)])
        object_words = goal.split()[1:]
        if len(object_words) >= 2 and not _ANAPHORIC_RE.match(" ".join(object_words)):
            return goal
    return ""


def title_subject(title: str) -> str:
    """The subject of a title: after "NAME:", before "with / via / using ...", without praise words."""
    head, sep, tail = title.partition(":")
    # a short head is a name, and a head that makes a claim a slogan ("Not All Patches are What You Need"):
    # the subject is after the ':'
    slogan = bool(re.search(r"\b(?:is|are|beats?|need)\b", head, re.I))
    for text in ([tail] if sep and len(head.split()) <= 4 else [tail, title] if sep and slogan else [title]):
        text = strip_generic(_TITLE_CUT_RE.split(text.strip())[0].strip().strip("\"'“”"))
        if len(_content(text)) >= 2 and len(text.split()) <= 8:
            return text
    return ""


def task_of(title: str, tagged: list[TaggedSentence], names: tuple[str, ...] | None = None) -> str:
    """The problem the paper addresses (see the module docstring for the order of sources)."""
    names = usable_names(names if names is not None else method_names(title, " ".join(t.text for t in tagged)))
    first, named, index = proposal(tagged, names)
    aim = _aim(tagged, index)
    if aim:
        return _trim(aim, MAX_TASK_WORDS)
    found = [p for p in (first, named) if p is not None]
    for p in found:
        if p.purpose and len(p.purpose.split()) >= 3 and not _ANAPHORIC_RE.match(p.purpose.split(" ", 1)[1]):
            return _trim(p.purpose, MAX_TASK_WORDS)
    for p in found:  # "a framework to distill a teacher into multiple single-step generators"
        if len(p.aim.split()) >= 3 and len(_content(p.aim)) >= 2:
            return _trim(p.aim, MAX_TASK_WORDS)
    for p in found:  # a descriptor that says what the method is for: "KV cache quantization method for LLMs"
        if p.descriptor and len(_content(p.descriptor)) >= 2:
            return _trim(strip_generic(p.descriptor), MAX_TASK_WORDS)
    for p in found:
        goal = _goal(p.obj)
        if goal:
            return _trim(goal, MAX_TASK_WORDS)
    subject = title_subject(title)
    if subject:
        return _trim(subject, MAX_TASK_WORDS)
    weak = next((p.descriptor for p in found if p.descriptor and _content(p.descriptor)), "")
    return _trim(strip_generic(weak), MAX_TASK_WORDS) if weak else ""


_DESIGN_VERB_RE = re.compile(
    r"\bwe\s+(?:(?:first|further|also|then|additionally|specifically)\s+)?(?:design|propose|introduce|develop|devise|"
    r"insert|add|replace|decouple|employ|use|adopt|leverage|apply|utili[sz]e|exploit|combine|mine|embed)\s+", re.I)
_BASELINE_RE = re.compile(r"\b(?:baselines?|datasets?|benchmarks?|experiments?|evaluations?)\b", re.I)


def _mechanism_sentence(tagged: list[TaggedSentence], after: int, names: tuple[str, ...]) -> str:
    """How the method works, from the first own method sentence after index ``after`` that says it:
    "NAME stores / uses / ..." (from the name on) or "we design / insert / use X ..." (from X on)."""
    for t in _own(tagged):
        if t.index <= after or t.role not in (Role.METHOD, Role.RESULT):
            continue
        text = t.text
        if t.role is Role.RESULT and re.search(r"\d", text):
            continue
        for name in _names_in(text, names):
            clause = text[text.find(name):]
            if re.match(rf"{re.escape(name)}(?:[\w.-]*)\s+(?:\w+ly\s+)?(?!is\b|was\b|has\b|does\b|can\b)"
                        r"(?!achiev|outperform|surpass|exceed|show|demonstrat|yield|reach|obtain|attain|match|improv)[a-z]+s\b",
                        clause):
                return _tidy(clause[:clause_end(clause)])
        match = _DESIGN_VERB_RE.search(text) if t.role is Role.METHOD else None
        if match:
            rest = text[match.end():]
            clause = _tidy(rest[:clause_end(rest)])
            if not _ANAPHORIC_RE.match(rest) and not _names_in(rest.split(" ", 1)[0], names) \
                    and not _BASELINE_RE.search(clause) and len(clause.split()) >= 4 and clause.count(",") < 2:
                return clause
    return ""


def approach_of(title: str, tagged: list[TaggedSentence], names: tuple[str, ...] | None = None) -> str:
    """The method's name and how it works, in one phrase (see the module docstring)."""
    names = usable_names(names if names is not None else method_names(title, " ".join(t.text for t in tagged)))
    first, named, index = proposal(tagged, names)
    chosen = named or first
    if chosen is None:
        return ""
    name = chosen.name or (names[0] if names else "")
    if chosen.mechanism:
        at = chosen.obj.find(chosen.mechanism)
        phrase = _trim(chosen.obj[:at + len(chosen.mechanism)] if at >= 0 else chosen.mechanism, MAX_APPROACH_WORDS)
    else:
        end = chosen.obj.find(chosen.descriptor) + len(chosen.descriptor) if chosen.descriptor else -1
        head = _trim(chosen.obj[:end] if end > 0 else chosen.obj[:clause_end(chosen.obj)], 18)
        how = _mechanism_sentence(tagged, index, names)
        if how and how not in head:
            phrase = f"{head.removesuffix(' …')} … {_trim(how, MAX_APPROACH_WORDS - len(head.split()))}"
        else:
            phrase = head
    if not _content(phrase.replace(name, "") if name else phrase):  # "a novel approach": says nothing
        return ""
    if name and not _names_in(phrase, (name,)):
        phrase = f"{name}: {phrase}"
    return phrase if len(phrase.split()) >= 2 else ""
