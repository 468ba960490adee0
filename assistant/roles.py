"""The structure of an abstract, as data: each sentence's role and whether it speaks of the paper's own work.

An abstract mixes the field's background, descriptions of other people's methods, the gap the paper
targets, the paper's own method and results, and a closing line (code, future work). An answer that
quotes a sentence as a paper's contribution must quote one of the paper's own METHOD or RESULT
sentences, not the background the authors wrote to set the scene ("Speculative decoding works by
first employing a compact model…" in a paper whose point is that it needs none).

:func:`tag_abstract` labels every sentence of :func:`~assistant.textnorm.split_sentences` with a
:class:`Role` and an ``own`` flag. It is deterministic and offline, built from:

* the paper's own names (:func:`method_names`: the title's "NAME: …" or "… with NAME", and
  "we propose NAME", "NAME, a …", "called NAME", "… (ACRONYM)" in the abstract);
* first-person and self-reference cues ("we", "our", "this paper", "the proposed");
* cues for others' work ("existing methods", "previous works", "have been proposed") and for gaps
  ("however", "remains", "challenge");
* position: the sentence that introduces the paper's contribution is a pivot; before it a sentence
  without an own cue is the field's, after it a sentence without a cue for others' work continues
  the paper's own account ("It then modifies the attention mask…");
* figures and evaluation words for results, links and outlook words for conclusions.

:func:`encode_roles` packs the tags into one character per sentence (upper case = own) so a store can
tag a paper once at ingest and keep a short string; :func:`decode_roles` turns it back into tags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from .textnorm import split_sentences

ROLES_VERSION = 4
"""Bumped whenever :func:`tag_abstract` changes its output, so stored codes can be recomputed."""


class Role(StrEnum):
    """What a sentence of an abstract does."""

    BACKGROUND = "background"   # field background, motivation, generic statements about the area
    PRIOR = "prior"             # prior work / others' methods / others' limitations
    PROBLEM = "problem"         # this paper's problem statement / the gap it targets
    METHOD = "method"           # this paper's method or contribution
    RESULT = "result"           # this paper's result: figure or finding
    CONCLUSION = "conclusion"   # conclusion, availability, code release, future work


@dataclass(frozen=True, slots=True)
class TaggedSentence:
    """One sentence of an abstract with its role and whether it speaks of the paper's own work."""

    index: int        # position in split_sentences(abstract)
    text: str         # exactly the sentence as split_sentences returns it
    role: Role
    own: bool         # speaks of THIS paper's own work, not a generic technique or others' work


_CODE = {Role.BACKGROUND: "b", Role.PRIOR: "p", Role.PROBLEM: "q", Role.METHOD: "m",
         Role.RESULT: "r", Role.CONCLUSION: "c"}
_ROLE_OF = {code: role for role, code in _CODE.items()}

# ---------------------------------------------------------------------------------------------
# Names

# A token that looks like a coined name: internal capital (FastSwitch, vAttention, SpQR), a digit
# (H3, PowerInfer-2), or all capitals (SWIFT, QUEEN).
_TOKEN = r"(?:[A-Za-z0-9][A-Za-z0-9.+^'\-]*[A-Za-z0-9+]|[A-Z0-9])"
_NOT_NAMES = frozenset("""
    a an the this that these those our we it its in on of for to with by from and or as at is are be
    first firstly second secondly third finally then specifically moreover furthermore additionally
    however here new novel two three several both each all one simple efficient unified
    llm llms vlm vlms mllm mllms gpu gpus cpu cpus npu kv ai nlp dnn dnns cnn cnns vit vits sota
    tts asr i ii iii iv fp8 fp16 bf16 int4 int8
""".split())
_GENERIC_ACRONYMS = frozenset({"llm", "llms", "vlm", "vlms", "mllm", "mllms", "gpu", "gpus", "kv", "ai",
                               "nlp", "dnn", "dnns", "cnn", "cnns", "vit", "vits", "moe", "sd", "tts", "asr",
                               "lora", "ptq", "qat", "ode", "odes", "rag", "ssm", "ssms", "nerf", "3dgs"})
_STOP_IN_TITLE_NAME = frozenset("a an the of or and to for in on at is are vs vs. meets with via by all not "
                                "your you we can does do how when what why".split())
_PROPOSE_VERBS = ("propose|proposes|introduce|introduces|present|presents|develop|develops|design|designs|build|builds|"
                  "release|releases|devise|devises")
_PROPOSE = rf"(?:{_PROPOSE_VERBS})"
_NAME_AFTER_VERB_RE = re.compile(  # "we propose SpQR", "we present Magic 1-For-1", "we propose mmMamba"
    rf"\b{_PROPOSE}\s+((?:(?:[A-Z0-9]|[a-z]{{1,3}}(?=[A-Z]))[\w.+^'\-]*\s?){{1,4}}?)"
    r"(?=\s*(?:[,(:;.]|\s-\s|\s–\s|\s—\s|$|\s+(?:a|an|the|as|to|that|which|for|in|by|on|with|–|—)\b))")
_CALLED_RE = re.compile(
    rf"\b(?:called|named|dubbed|termed|coined|namely)\s+({_TOKEN}(?:\s[A-Z][A-Za-z0-9-]*[A-Za-z0-9]){{0,2}})"
    rf"(?![A-Za-z0-9+^'\-])(?!\s*,\s*{_TOKEN}\s*(?:,|and\b))")
_OTHERS_BEFORE_RE = re.compile(
    r"\b(?:recent|existing|previous|prior|known|well-known|popular|classic|standard|conventional|baseline)\b"
    r"[^,;]{0,30}$", re.I)
_CALL_OUR_RE = re.compile(
    rf"\b(?:we\s+)?(?:call|name|dub|term)\s+(?:our|the|this|these)\b[^.,;]{{0,40}}?\s({_TOKEN})\s*(?:[.,;]|$)", re.I)
_APPOSITION_RE = re.compile(
    rf"^({_TOKEN})\s*(?:,|\s-|\s–|\s—|:)\s+(?:a|an|the|our)\s+(?:\w+[\s-]){{0,6}}?(?:\w+-)?"
    r"(?:method|approach|model|framework|system|algorithm|technique|scheme|engine|layer|suite|stack|family|"
    r"solution|library|optimizer|solver|pipeline|architecture|format|strategy|paradigm|design|accelerator|"
    r"compiler|runtime|tool|benchmark|dataset|detector|transformer|network|variant)s?\b")
_ACRONYM_RE = re.compile(rf"\b{_PROPOSE}\s+(?:the\s+|a\s+|an\s+)?(?:novel\s+|new\s+)?[^,;()]{{3,90}}?\(({_TOKEN})\)")
_KINDS = "framework|method|approach|system|algorithm|technique|scheme|engine|model"  # what a named method is
_NOUN_NAME_RE = re.compile(rf"\b(?:{_KINDS}|layer)\s*[,:]?\s*(?:-|–|—|,)\s*({_TOKEN})\b")
_OUR_KIND_NAME_RE = re.compile(  # "our method EViT improves ViTs"
    rf"\bour\s+(?:{_KINDS})\s+({_TOKEN})(?=\s*[,(:;.]|\s+[a-z]+s\b)")
_KIND_NAME_RE = re.compile(  # "we develop a dynamic framework SmartSpec"
    rf"\b{_PROPOSE}\s+(?:a|an|the)\s+(?:[\w-]+\s+){{0,3}}?(?:{_KINDS}|tool|library|pipeline|architecture)\s+"
    rf"({_TOKEN})(?=\s*(?:[,(:;.]|$|\s+(?:that|which|to|for)\b))")
_NAMELY_ACRONYM_RE = re.compile(  # "namely Parallel spEculative decoding with Adaptive dRaft Length (PEARL)"
    rf"\b(?:called|named|dubbed|termed|coined|namely)\s+(?:as\s+)?([^().;,]{{3,90}}?)\s*\(({_TOKEN})\)")
_INTRODUCED_HERE_RE = re.compile(rf"({_TOKEN}),\s+(?:introduced|proposed|presented)\s+in\s+this\s+(?:paper|work)")
_SELF_RE = re.compile(r"\b(?:we|our|this (?:paper|work|study))\b")  # on lower-cased text
_PROPOSE_STEMS = ("propos", "introduc", "present", "develop", "design", "build", "releas", "devis")
_TITLE_WITH_RE = re.compile(rf"\bwith\s+({_TOKEN})\s*$")
_PAREN_RE = re.compile(rf"\(({_TOKEN})\)")


def _namelike(token: str, strict: bool = True) -> bool:
    """Whether ``token`` looks like a coined name rather than an English word."""
    if len(token) < 2 or token.casefold() in _NOT_NAMES:
        return False
    inner_cap = any(ch.isupper() for ch in token[1:])
    digit = any(ch.isdigit() for ch in token) and any(ch.isalpha() for ch in token)
    if inner_cap or digit:
        return True
    return not strict and token[0].isupper()


def _spells(phrase: str, acronym: str) -> bool:
    """Whether ``phrase`` spells out ``acronym``: its capitals end with the acronym's capitals
    ("Parallel spEculative decoding with Adaptive dRaft Length" -> PEARL; "text-to-video" does not spell T2V)."""
    caps = re.sub(r"[^A-Z]", "", acronym)
    return len(caps) >= 2 and re.sub(r"[^A-Z]", "", phrase).endswith(caps) and _namelike(acronym)


def _title_names(title: str, abstract: str = "") -> list[str]:
    """Names from the title: "NAME: …" (a coined word or a short capitalised phrase), "(ACRONYM)", and
    "… with NAME" when the abstract uses NAME too (else "with Mixed-Precision" would be a name)."""
    names: list[str] = []
    head, sep, _rest = title.partition(":")
    if sep:
        head = re.sub(r"\s*(?:Technical Report|Report)\s*$", "", head.strip().strip("\"'“”"))
        words = head.split()
        paren = _PAREN_RE.findall(head)
        names += [p for p in paren if _namelike(p, strict=False)]
        bare = [w for w in words if not w.startswith("(")]
        if len(bare) == 1 and _namelike(bare[0].strip(",."), strict=False):
            names.append(bare[0].strip(",."))
        elif 1 < len(bare) <= 4 and not any(w.casefold() in _STOP_IN_TITLE_NAME for w in bare) \
                and all(w[0].isupper() or w[0].isdigit() for w in bare) and any(_namelike(w) for w in bare):
            names.append(" ".join(bare))
            names += [w for w in bare if any(ch.isupper() for ch in w[1:]) and ("-" in w or any(c.isdigit() for c in w))
                      and len(w) >= 4]
    else:
        names += [p for p in _PAREN_RE.findall(title) if _namelike(p)]
    match = _TITLE_WITH_RE.search(title)
    if match and _namelike(match.group(1)) and match.group(1) in abstract:
        names.append(match.group(1))
    return names


def _abstract_names(sentences: list[str], others: list[str] | None = None) -> list[str]:
    """Own names coined in the abstract; names it introduces as others' ("a recent method called X")
    go to ``others`` when given. Cheap substring checks decide which patterns a sentence needs."""
    names: list[str] = []
    others = others if others is not None else []
    for sentence in sentences:
        low = sentence.lower()
        if _SELF_RE.search(low):
            if any(verb in low for verb in _PROPOSE_STEMS):
                for match in _NAME_AFTER_VERB_RE.finditer(sentence):
                    phrase = match.group(1).strip()
                    words = phrase.split()
                    if len(words) == 1 and _namelike(words[0], strict=False):
                        names.append(words[0])
                    elif len(words) > 1 and not any(w.casefold() in _STOP_IN_TITLE_NAME for w in words) and (
                            any(_namelike(w) for w in words)
                            or re.match(r"\s*,\s+(?:a|an)\b", sentence[match.end(1):])):
                        names.append(phrase)
                if "(" in sentence:
                    names += [m.group(1) for m in _ACRONYM_RE.finditer(sentence)
                              if _namelike(m.group(1)) and m.group(1).casefold() not in _GENERIC_ACRONYMS]
            if any(verb in low for verb in ("call ", "name ", "dub ", "term ")):
                names += [m.group(1) for m in _CALL_OUR_RE.finditer(sentence) if _namelike(m.group(1), strict=False)]
            names += [m.group(1) for m in _NOUN_NAME_RE.finditer(sentence) if _namelike(m.group(1))]
            names += [m.group(1) for m in _KIND_NAME_RE.finditer(sentence) if _namelike(m.group(1))]
            if "our " in low:
                names += [m.group(1) for m in _OUR_KIND_NAME_RE.finditer(sentence) if _namelike(m.group(1))]
        if any(word in low for word in ("called", "named", "dubbed", "termed", "coined", "namely")):
            called = [m for m in _CALLED_RE.finditer(sentence)  # a coined word: "called VoVNet"
                      if " " not in m.group(1) and _namelike(m.group(1))]
            spelled = [] if called else [m.group(2) for m in _NAMELY_ACRONYM_RE.finditer(sentence)
                                         if _spells(m.group(1), m.group(2))
                                         and not _OTHERS_BEFORE_RE.search(sentence[:m.start()])]
            names += spelled  # "namely Parallel spEculative … dRaft Length (PEARL)": the acronym is the name
            for m in [] if spelled else _CALLED_RE.finditer(sentence):
                if _OTHERS_BEFORE_RE.search(sentence[:m.start()]):
                    others.append(m.group(1))
                elif _namelike(m.group(1), strict=False):
                    names.append(m.group(1))
        names += [m.group(1) for m in _APPOSITION_RE.finditer(sentence)
                  if _namelike(m.group(1)) and m.group(1).casefold() not in _GENERIC_ACRONYMS]
        if " in this " in low:
            names += [m.group(1) for m in _INTRODUCED_HERE_RE.finditer(sentence) if _namelike(m.group(1))]
    return names


def _dedupe(names: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for name in names:
        name = name.strip(" ,.;:'\"")
        if len(name) >= 2 and name.casefold() not in seen:
            seen[name.casefold()] = name
    return tuple(seen.values())


def method_names(title: str, abstract: str) -> tuple[str, ...]:
    """The paper's own method/system/model names: from the title ("SWIFT: On-the-Fly …" → SWIFT;
    "… with Sarathi-Serve" → Sarathi-Serve) and from "we propose/introduce/present X", "X, a …",
    "we develop a framework X", "our method X", "named/called X", "namely <words that spell it> (ACRONYM)"
    and "… (ACRONYM)" after a proposal verb in the abstract; a name may start in lower case ("mmMamba").
    In order of discovery, without duplicates (case-insensitive)."""
    return _dedupe(_title_names(title, abstract) + _abstract_names(split_sentences(abstract)))


def title_head(title: str, max_words: int = 4) -> str:
    """The title's part before ':' when it is short enough to name the method ("SWIFT", "LLM in a flash");
    "" when the title has no ':' or a longer head."""
    head, sep, _rest = title.partition(":")
    head = head.strip()
    return head if sep and 1 <= len(head.split()) <= max_words else ""


def _names_re(names: tuple[str, ...]) -> re.Pattern[str] | None:
    if not names:
        return None
    alternatives = sorted((re.escape(n) for n in names), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![A-Za-z])")


# ---------------------------------------------------------------------------------------------
# Cues: matched against the lower-cased sentence (a case-insensitive search is ~4x slower in ``re``)


def _cue(pattern: str) -> re.Pattern[str]:
    """A cue pattern; it is matched against lower-cased text, so its letters must be lower case."""
    if re.search(r"(?<!\\)[A-Z]", pattern.replace("\\", "")):
        raise ValueError(f"cue pattern has upper-case letters: {pattern[:60]}")
    return re.compile(pattern)


_OWN_RE = _cue(
    r"\b(?:we|our|ours|us)\b|\b(?:this|the present|the current) (?:paper|work|study|research|article|report|"
    r"technical report|investigation)\b|\bthe proposed\b|\bproposed (?:method|approach|model|framework|system|"
    r"scheme|algorithm|technique)|^here,")
_INTRO_RE = _cue(
    rf"\b(?:we|this (?:paper|work|study|research)|in this (?:paper|work|study|research))\b[^.]*?\b(?:{_PROPOSE_VERBS}|"
    r"explore|study|studies|investigate|investigates|conduct|aim|aims|tackle|tackles|make progress|provide|question)\b"
    r"|^(?:here|in this (?:paper|work|research|study)),")
_PRIOR_RE = _cue(
    r"\b(?:existing|previous|prior|traditional|conventional|prevalent|prevailing|mainstream|earlier|classical)\b"
    r"|\b(?:recent|current|other|many|most|several|some) (?:\w+[\s-]){0,3}?"
    r"(?:works?|methods|approaches|efforts|studies|"
    r"attempts|systems|techniques|solutions|frameworks|models|detectors|implementations|engines)\b"
    r"|\bstate-of-the-art (?:\w+ ){0,2}(?:methods|approaches|techniques|systems|solutions|engines)\b"
    r"|\b(?:has|have) been (?:proposed|developed|introduced|explored|studied|suggested|adopted)\b"
    r"|\bmethods such as\b|\bproposed [a-z]|\b(?:one|a) (?:way|approach|solution) to\b|\bone can\b"
    r"|\bit works by\b|\bworks by\b")
_CONTRAST_RE = _cue(
    r"\b(?:unlike|rather than|instead of|in contrast|compared (?:to|with)|than|over|outperform\w*|surpass\w*|"
    r"beyond|superior to|better than|whereas)\b")
_PROBLEM_RE = _cue(
    r"\b(?:however|nevertheless|nonetheless|yet|but|despite|although|while|challeng\w*|remains?|bottleneck\w*|"
    r"suffer\w*|limit\w*|slow\w*|costly|expensive|prohibitive\w*|difficult\w*|unclear|hinder\w*|pose\w*|"
    r"struggle\w*|inefficien\w*|overhead|problem\w*|issue\w*|question|lack\w*|wast\w*|unexplored|"
    r"under-explored|demand\w*|dilemma|drawback\w*|fail\w*|degrad\w*|excessive|impede\w*|prevent\w*|"
    r"obstacle\w*|barrier\w*|gap|underperform\w*|mismatch\w*|restrict\w*)\b")
_AVAILABLE_WORDS = ("http", "www.", "github", "availab", "releas", "open-source", "opensource", "public",
                    "provided", "project page")
_AVAILABLE_RE = _cue(
    r"https?://|www\.|github|\b(?:code|codes|models?|demos?|dataset|data|samples|implementation|weights|"
    r"project (?:page|site|website))\b[^.]{0,60}\b(?:available|released?|open-?sourced?|provided|public\w*)\b"
    r"|\b(?:available|released?|open-?sourced?) at\b|\bwill (?:be )?(?:open-?source|release)\b|\bproject page\b")
_OUTLOOK_RE = _cue(
    r"\b(?:envision|anticipate|we hope|we believe|future (?:work|research|directions?|architecture)|paves? the way|"
    r"democratiz\w*|serve as an? \w+ baseline|practical guidelines|first step toward|opens? up|"
    r"makes? the first attempt|for more details|is expected to|offers? the potential|potential for)\b"
    r"|^(?:our|this) (?:work|study|paper) (?:provides|proves|shows|demonstrates|offers)\b")
_FIGURE_RE = _cue(
    r"\d(?:[\d.,]*\d)?\s*(?:x|×|times|%|-?fold|fps|ms|s\b|sec|seconds?|gb|mb|kb|tflops|petaflops|ap\b|map\b|"
    r"fid\b|ppl\b|db\b|points?\b|tokens?/s|bits?\b|-bit\b)|\b(?:fid|ppl|ap|psnr|top-?1|bleu|wer|perplexity)\b[^.]{0,20}\d")
_RESULT_RE = _cue(
    r"\b(?:experiments?|evaluations?|results|benchmarks?|ablations?|studies|investigation|analysis|tests?)\b[^.]{0,80}?"
    r"\b(?:show|shows|showed|demonstrate|demonstrates|demonstrated|reveal|reveals|indicate|indicates|confirm|confirms|"
    r"suggest|suggests|substantiate|validate|prove)\b"
    r"|\b(?:outperform\w*|surpass\w*|exceed\w*|beats?|speed(?:s|ing)? up|speedups?|higher|lower|better|faster|"
    r"superior|comparable|competitive|on par|matches|state-of-the-art (?:performance|results|accuracy)|"
    r"new records?|sota)\b"
    r"|\bwe (?:show|find|found|observe|discover|identify|reveal|demonstrate|verify|validate|prove|confirm)\b"
    r"|\b(?:theoretically|empirically|experimentally|notably)\b|\bwe also show\b|\bdoes not depend\b"
    r"|\bwe (?:also )?(?:evaluate|benchmark|validate|test|conduct\w* (?:\w+ ){0,2}(?:experiments|evaluations?|study))\b"
    r"|\bto evaluate\b|\bexperimental (?:evidence|evaluations?|results)\b"
    r"|\b(?:the )?first (?:system|framework|model|method|one-step|real-time|transformers?|to)\b")
_RESULT_FIGURE_RE = _cue(  # "achieves … 2.3x": tried only on sentences with a digit
    r"\b(?:achiev\w*|attain\w*|obtain\w*|reach\w*|deliver\w*|reduc\w*|improv\w*|increas\w*|boost\w*|accelerat\w*|"
    r"yield\w*|enabl\w*|support\w*|fit\w*|costs?|runs?|trains?|generat\w*)\b[^.]{0,80}?\d")
_DIGIT_RE = re.compile(r"\d")
_FINDING_RE = _cue(
    r"\b(?:we|our (?:analysis|investigation|study|experiments?))\s+(?:\w+\s+)?(?:find|found|observe|observed|"
    r"discover|discovered|identify|identified|reveal|reveals|show|showed|note|noticed?|argue)\b|\bkey finding\b")
_OWN_PROBLEM_RE = _cue(
    r"\b(?:we aim|aims? (?:at|to)|tackles?|we study|study how|we address|address(?:es)? the (?:problem|challenge|"
    r"question)|we (?:thus |then )?ask|we question|we (?:first )?identify (?:\w+ ){0,3}(?:challenges|problems|"
    r"bottlenecks|issues)|we highlight|make progress on|objectives?|"
    r"we focus on (?:\w+ ){0,5}?(?:problems?|challenges?|issues?|questions?|bottlenecks?|gaps?) of)\b")
_STRONG_METHOD_RE = _cue(
    rf"\b(?:{_PROPOSE_VERBS}|called|named|dubbed|we (?:employ|use|adopt|apply|leverage|construct|train|design|extend|"
    r"integrate|incorporate|combine|optimize|formulate|implement))\b")
_PROPOSAL_RE = _cue(
    r"\b(?:we|this (?:paper|work|study)|in this (?:paper|work))\b[^.]{0,40}?"
    r"\b(?:propose|proposes|introduce|introduces|present|presents)\b")
_MECHANISM_RE = _cue(r"\b(?:works by|retains?|stores?|consists? of|is applied|uses|employs)\b")
_ENUM_RE = _cue(r"^(?:\(?\d\)|\(?[a-z]\)|\d\.)\s")


def _concluding(low: str) -> bool:
    """Availability (code, links, project pages) or outlook ("we envision", "paves the way")."""
    available = any(word in low for word in _AVAILABLE_WORDS) and _AVAILABLE_RE.search(low)
    return bool(available or _OUTLOOK_RE.search(low))


def _role_own(low: str, prev_role: Role | None) -> Role:
    """The role of a sentence (lower-cased) that speaks of the paper's own work."""
    if _concluding(low):
        return Role.CONCLUSION
    digit = _DIGIT_RE.search(low)
    figure = digit and _FIGURE_RE.search(low)
    if _OWN_PROBLEM_RE.search(low) and not _STRONG_METHOD_RE.search(low) and not figure:
        return Role.PROBLEM
    finding = _FINDING_RE.search(low)
    if finding and not figure and _PRIOR_RE.search(low) and _PROBLEM_RE.search(low):
        return Role.PROBLEM  # "we find that existing X suffer from ..."
    if _PROPOSAL_RE.search(low):
        return Role.METHOD  # "we propose 1-bit Adam that reduces the communication volume by up to 5x"
    if _STRONG_METHOD_RE.search(low) and not figure:
        return Role.METHOD
    if _RESULT_RE.search(low) or finding or (digit and _RESULT_FIGURE_RE.search(low)) \
            or (figure and not _MECHANISM_RE.search(low)):
        return Role.RESULT
    if prev_role is Role.PROBLEM and _ENUM_RE.match(low):
        return Role.PROBLEM
    return Role.METHOD


def _role_other(low: str) -> Role:
    """The role of a sentence (lower-cased) that speaks of the field or of others' work."""
    if _PRIOR_RE.search(low):
        return Role.PRIOR
    if _PROBLEM_RE.search(low):
        return Role.PROBLEM
    return Role.BACKGROUND


# ---------------------------------------------------------------------------------------------
# Tagging


def tag_abstract(title: str, abstract: str) -> list[TaggedSentence]:
    """Every sentence of the abstract, in order, with its role and own-work flag."""
    sentences = split_sentences(abstract)
    lows = [s.lower() for s in sentences]
    others: list[str] = []
    names_re = _names_re(_dedupe(_title_names(title, abstract) + _abstract_names(sentences, others)))
    others_re = _names_re(_dedupe(others))
    named = [bool(names_re and names_re.search(s)) for s in sentences]
    self_ref = [bool(_OWN_RE.search(low)) and not ("we are getting" in low or "as we know" in low) for low in lows]

    # The pivot: the first sentence where the paper introduces its own work.
    pivot = next((i for i, low in enumerate(lows) if _INTRO_RE.search(low)), None)
    if pivot is None:
        pivot = next((i for i, n in enumerate(named) if n), None)
    if pivot is None:
        pivot = next((i for i, r in enumerate(self_ref) if r), len(sentences))

    tagged: list[TaggedSentence] = []
    for index, (sentence, low) in enumerate(zip(sentences, lows)):
        prev = tagged[-1] if tagged else None
        cued = self_ref[index] or named[index]
        if prev is not None and not cued and _ENUM_RE.match(low):
            # "1) Inadequate I/O utilization." continues the list the sentence before opened
            tagged.append(TaggedSentence(index=index, text=sentence, role=prev.role, own=prev.own))
            continue
        if cued:
            own = True
        elif index < pivot:
            own = False
        elif prev is not None and prev.role is Role.PROBLEM and _PROBLEM_RE.search(low) and not (
                _DIGIT_RE.search(low) and _FIGURE_RE.search(low)):
            own = False  # "We aim at X. The fundamental challenge is …": the problem, not yet the method
        elif others_re and others_re.search(sentence):
            own = False  # "The core of Rectified Flow lies in…" after "a recent method called Rectified Flow"
        elif _PRIOR_RE.search(low) and not _CONTRAST_RE.search(low):
            own = False
        else:
            own = True  # the paper's own account continues ("It then modifies…", "Experiments show…")
        if own:
            role = _role_own(low, prev.role if prev else None)
        elif others_re and others_re.search(sentence):
            role = Role.PRIOR  # speaks of a method the abstract introduced as someone else's
        else:
            role = _role_other(low)
        tagged.append(TaggedSentence(index=index, text=sentence, role=role, own=own))
    return tagged


def own_claims(tagged: list[TaggedSentence]) -> list[TaggedSentence]:
    """The sentences that state the paper's own method or result: what may be quoted as its contribution."""
    return [t for t in tagged if t.own and t.role in (Role.METHOD, Role.RESULT)]


def encode_roles(tagged: list[TaggedSentence]) -> str:
    """One character per sentence: the role's letter (b p q m r c), upper case when the sentence is own work."""
    return "".join(_CODE[t.role].upper() if t.own else _CODE[t.role] for t in tagged)


def decode_roles(title: str, abstract: str, code: str) -> list[TaggedSentence]:
    """The tags :func:`encode_roles` packed into ``code``, on the sentences of ``abstract``.

    A code that does not fit the abstract (another sentence count, an unknown letter: the abstract
    changed since it was tagged) is not trusted; the abstract is tagged afresh instead.
    """
    sentences = split_sentences(abstract)
    if len(code) != len(sentences) or any(ch.lower() not in _ROLE_OF for ch in code):
        return tag_abstract(title, abstract)
    return [TaggedSentence(index=i, text=s, role=_ROLE_OF[ch.lower()], own=ch.isupper())
            for i, (s, ch) in enumerate(zip(sentences, code))]
