"""The measured signals that decide whether an abstract supports a claim.

:class:`PaperView` is the per-paper work, done once and cached: sentences, their roles, terms,
clauses, figures and names. :func:`measure` compares one claim with one view and returns the
named signal values, the sentence that decided them and the conflict it found, if any:

* ``anchor``: 1.0 for an exact quote, 0.95 for a letters-only match, else the share of the
  claim's words in one sentence when it is at least 0.8 (0 otherwise);
* ``lex_best`` / ``lex_all``: share of the claim's stemmed content terms in its best sentence
  (plus the paper's own names) / anywhere in the title and abstract; ``clause_min``: the same
  share for the claim's least covered clause ("X does A and B" with B nowhere in the abstract);
* ``cos_best``: best cosine between the claim and its :data:`COSINE_CANDIDATES` lexically closest
  abstract sentences (with an embedder; only those sentences are ever embedded);
* ``fig_matched``: share of the claim's figures found in the abstract with a compatible unit;
  ``fig_unmatched``: figures neither found nor contradicted; ``conflict_fig``: a figure whose
  quantity the abstract states with another value (same unit, a sentence about the same thing), or
  a figure credited to the wrong side of a comparison: the paper's own to a method it only compares
  with ("vLLM reaches speedups of 1.4-11.2x" against "FastSwitch outperforms … vLLM with speedups of
  1.4-11.2x"), or a compared method's to the paper (:func:`credited_elsewhere`, conflict ``attribution``);
* ``conflict_neg`` / ``conflict_dir``: the claim's clause and the abstract clause that matches it
  differ in negation, or point opposite ways (increase vs reduce, outperforms vs falls behind,
  with the sides of a comparison taken into account);
* ``names_missing``: share of the claim's method/model/dataset names the paper never mentions;
* ``own``: the best sentence is the paper's own work, not background or prior work;
* ``overclaim``: the claim says "all", "always", "fully" ... where its sentence does not;
  ``hedge``: the claim hedges ("may", "some");
* ``half_right``: the claim is about the paper's own work and one part of it is well covered,
  while another part, a figure or a name is not ("X distills in one step and is trained on 8K
  footage").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ..textnorm import split_sentences
from .figures import Figure, figures
from .ownership import TaggedSentence, own_names, tag_sentences
from .statements import Clause, content_terms, name_key, name_keys, names, parts, spans
from .statements import clauses as clauses_of

FEATURES = ("lex_best", "lex_all", "clause_min", "cos_best", "anchor", "fig_matched", "fig_unmatched",
            "conflict_fig", "conflict_neg", "conflict_dir", "names_missing", "own", "overclaim", "hedge",
            "half_right")
FIGURE_SENTENCE_BONUS = 0.25  # added to a sentence's match for stating the claim's figures
COSINE_CANDIDATES = 3  # sentences per claim compared by embedding (bounds the embedding work)
PART_COVERED = 0.7  # a claim part this well covered by the abstract counts as said there
CLAUSE_MATCH_MIN = 0.5  # share of a claim clause's terms the abstract clause must share to be compared
SPAN_EXTRA_COST = 0.03  # how much a compared span loses per term the claim clause does not share
FIGURE_CONTEXT_MIN = 0.3  # share of the claim's terms a sentence needs for its figure to count as the same quantity
MARK_RE = re.compile(r"\s*\[\d+(?:\s*[,;–-]\s*\d+)*\]")
_WORD_RE = re.compile(r"[a-z0-9]+")
_ACRONYM_RE = re.compile(r"((?:[A-Za-z][\w'-]*\s+){1,6})\(([A-Z][A-Za-z0-9-]*[A-Z0-9])s?\)")


def _norm(text: str) -> str:
    return " ".join(text.casefold().split()).strip(" .!?;:…")


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.casefold())


def acronyms(text: str) -> dict[str, frozenset[str]]:
    """Acronyms the text defines ("iterative magnitude pruning (IMP)") -> the long form's terms."""
    out = {}
    for m in _ACRONYM_RE.finditer(text):
        size = sum(c.isupper() for c in m.group(2)) or 1
        long_terms = content_terms(" ".join(m.group(1).split()[-min(size, 6):]))
        key = content_terms(m.group(2))
        if long_terms and len(key) == 1:
            out[next(iter(key))] = long_terms
    return out


def expand(terms: frozenset[str], defined: dict[str, frozenset[str]]) -> frozenset[str]:
    """Terms plus the long form of every acronym among them, and the acronym of every long form."""
    extra: set[str] = set()
    for short, long_terms in defined.items():
        if short in terms:
            extra |= long_terms
        elif long_terms <= terms:
            extra.add(short)
    return terms | extra if extra else terms


def context(text: str, fig: Figure) -> frozenset[str]:
    """Content terms of the five words before a figure and the five after it."""
    before = " ".join(text[:fig.start].split()[-5:])
    after = " ".join(text[fig.start + len(fig.text):].split()[:5])
    return content_terms(f"{before} {after}")


@dataclass
class PaperView:
    """Everything about one paper's abstract the verifier reuses across claims."""

    title: str
    abstract: str
    sentences: list[str]
    tagged: list[TaggedSentence]
    terms: list[frozenset[str]]
    spans: list[tuple[Clause, ...]]
    figures: list[list[Figure]]
    words: list[frozenset[str]]
    all_terms: frozenset[str]
    names: frozenset[str]
    own_terms: frozenset[str]
    norm: str
    letters: str
    defined: dict[str, frozenset[str]]
    own_names: frozenset[str] = frozenset()  # name keys of the paper's own method(s): "instaflow"
    compared: frozenset[str] = frozenset()  # name keys it compares itself with ("outperforms vLLM")
    vectors: dict[int, np.ndarray] = field(default_factory=dict, repr=False)  # sentence index -> unit vector

    @classmethod
    def of(cls, title: str, abstract: str) -> "PaperView":
        sentences = split_sentences(abstract) or ([abstract] if abstract.strip() else [])
        own = own_names(title, abstract)
        methods: set[str] = set()  # the method's own names alone, not the title's other words
        try:
            from ..roles import method_names, title_head  # the roles tagger's view of the paper's own names
            methods = {name_key(n) for n in method_names(title, abstract)}
            own = own | methods
            methods.add(name_key(title_head(title)))  # "SWIFT: On-the-Fly …": the head names the method too
        except ImportError:
            pass
        own_terms = frozenset(t for n in own for t in content_terms(n))
        defined = acronyms(f"{title}. {abstract}")
        return cls(
            title=title, abstract=abstract, sentences=sentences,
            tagged=tag_sentences(title, abstract, sentences),
            terms=[expand(content_terms(s), defined) for s in sentences],
            spans=[spans(s) for s in sentences],
            figures=[figures(s) for s in sentences],
            words=[frozenset(_WORD_RE.findall(s.casefold())) for s in sentences],
            all_terms=expand(content_terms(title) | content_terms(abstract), defined),
            names=name_keys(title) | name_keys(abstract) | own,
            own_terms=own_terms | content_terms(title.partition(":")[0] if ":" in title else ""),
            norm=_norm(abstract), letters=_letters(abstract), defined=defined,
            own_names=frozenset(methods - {""}), compared=compared_names(sentences) - own,
        )


@dataclass
class Measured:
    """The signals of one (claim, paper) pair and what decided them."""

    values: dict[str, float]
    evidence: int | None  # index of the deciding abstract sentence
    conflict: str | None  # "figure" | "negation" | "direction" | "attribution"
    conflict_match: float  # how closely the conflicting abstract text matches the claim
    note: str = ""


# Where an abstract names what it compares with: "outperforms vLLM", "compared to DistriFusion".
# "over" compares only after a figure or a comparative ("2.6x … over Orca"), not in "over an AWS cluster".
_COMPARE_CUE_RE = re.compile(r"\b(?:than|compared (?:to|with)|versus|vs\.?|against|outperform\w*|surpass\w*|"
                             r"exceed\w*|beat\w*)(?=\s)|(?:\d(?:%|x\b|×)|\b(?:speed-?ups?|improvements?|gains?|"
                             r"faster|better|higher|lower)\b)[^.;]{0,60}?\bover(?=\s)", re.I)
# A figure in the object of a comparison is the other method's: "compared to 30TF", "(83.3% vs. 80.8%)".
# ("more than 150 times", "over 4,000 times" say how much, not whose.)
_OBJECT_FIGURE_RE = re.compile(r"(?:(?<!more )(?<!less )(?<!fewer )\bthan|\bcompared (?:to|with)|\bversus|\bvs\.?|"
                               r"\bagainst)\s+(?:\S+\s+){0,2}$", re.I)
_ACHIEVED_BY_RE = re.compile(r"^\S*\s*(?:achieved|obtained|reported|reached|attained)\s+by\s+(?:the\s+)?(\S+)", re.I)
COMPARED_WINDOW = 10  # words after a comparison cue in which the compared-with names are read
_SELF_RE = re.compile(r"\b(?:we|our|ours|the proposed|this (?:paper|work|study))\b", re.I)


_OBJECT_END_RE = re.compile(r"[;:(]|\s(?:on|in|with|for|at|using|across|under|when|while|by|to|from)\s", re.I)


def _window(text: str, start: int) -> str:
    """What a comparison cue compares with: the few words after it, up to a mark or a preposition ("… the
    traditional Three-Pass algorithm | on Intel Broadwell"), as text in which a capitalised first word
    still counts as a name (it does not open a sentence)."""
    words = " ".join(text[start:].split()[:COMPARED_WINDOW])
    end = _OBJECT_END_RE.search(words)
    return "… " + (words[:end.start()] if end else words)


def compared_names(sentences: list[str]) -> frozenset[str]:
    """Name keys of what the abstract compares with: the names in the few words after "than", "over",
    "compared to", "outperforms" …"""
    out: set[str] = set()
    for sentence in sentences:
        for cue in _COMPARE_CUE_RE.finditer(sentence):
            out |= {name_key(n) for n in names(_window(sentence, cue.end()))}
    out.discard("")
    return frozenset(out)


def _theirs(sentence: str, figure: Figure, compared: frozenset[str]) -> bool:
    """Whether ``figure`` in ``sentence`` is reported for a compared-with method, not for the paper's own:
    in a parenthesis right after its name ("StyleGAN-T (13.9 in 0.1 second)"), in the object of a
    comparison ("compared to 30TF", "83.3% vs. 80.8%"), or "achieved by" it."""
    before = sentence[:figure.start]
    opened = before.rfind("(")
    if opened != -1 and ")" not in before[opened:]:
        head = before[:opened].split()
        if head and name_key(head[-1].rstrip(",;:")) in compared:
            return True
    if _OBJECT_FIGURE_RE.search(before):
        return True
    achieved = _ACHIEVED_BY_RE.match(sentence[figure.start + len(figure.text):])
    return bool(achieved and name_key(achieved.group(1).rstrip(".,;:")) in compared)


def credited_elsewhere(claim: str, claimed: list[Figure], view: PaperView,
                       claim_names: frozenset[str] | None = None) -> int | None:
    """The abstract sentence whose figure the claim credits to the wrong side of a comparison, or None.

    * the paper's own figure credited to a method it only compares with: "vLLM reaches speedups of
      1.4-11.2x" against "FastSwitch outperforms … vLLM with speedups of 1.4-11.2x" (the claim names vLLM,
      not FastSwitch, and every place the abstract states the figure reports it for its own work);
    * a compared method's figure credited to the paper's own: "InstaFlow reaches an FID of 13.9" against
      "… outperforming the recent StyleGAN-T (13.9 in 0.1 second)" (the claim names InstaFlow and not
      StyleGAN-T, and the abstract states 13.9 only for StyleGAN-T; "MS COCO 2014-30k" beside it is context).

    ``claim_names``: the name keys of the claim, when the caller has them already."""
    if not claimed or _SELF_RE.search(claim):  # "our method improves …" speaks for the paper itself
        return None
    object_names = {name_key(n) for cue in _COMPARE_CUE_RE.finditer(claim)  # "… faster than standard CFG"
                    for n in names(_window(claim, cue.end()))}
    subject = claim[:min(f.start for f in claimed)]  # who the claim credits comes before its figures
    first = subject.split(maxsplit=1)[0] if subject.split() else ""
    keys = {name_key(n) for n in names(subject)} | {name_key(first)}  # "Orca improves …": the opening name too
    keys.discard("")
    named = (claim_names if claim_names is not None else {name_key(n) for n in names(claim)}) | keys
    own = any(k.startswith(o) for k in named for o in view.own_names if len(o) >= 3)  # "RT-DETR-R50" of RT-DETR
    if own:  # credited to the paper: wrong if the figure is a compared method's, which the claim does not name
        wanted = None if named & view.compared else "theirs"
    else:  # credited to a compared method, named before the figures: wrong if the figure is the paper's own
        wanted = "own" if (keys - object_names) & view.compared else None
    if wanted is None:
        return None
    found: int | None = None
    for fig in (f for f in claimed if f.unit or f.value != int(f.value) or f.value >= 10):  # not "T=0", "2 GPUs"
        places = [(i, f) for i, fs in enumerate(view.figures) for f in fs if fig.same_value(f) and fig.compatible(f)]
        if not places:
            continue
        theirs = [_theirs(view.sentences[i], f, view.compared) for i, f in places]
        if wanted == "own":  # every figure the claim states is the paper's own
            if any(not view.tagged[i].own or t for (i, _), t in zip(places, theirs)):
                return None
            found = places[0][0]
        elif all(theirs) and not _OBJECT_FIGURE_RE.search(claim[:fig.start]):
            return places[0][0]  # one figure the abstract states only for a compared method is enough, unless
            # the claim itself sets it on the other side of its comparison ("514 compared to 782")
    return found


def clean_claim(text: str) -> str:
    """The claim without citation markers or bullet marks."""
    return " ".join(MARK_RE.sub("", text).strip().lstrip("-*• ").split())


def anchor(claim: str, view: PaperView) -> tuple[float, int | None]:
    """How closely ``claim`` is quoted from the abstract (1 exact, 0.95 letters-only, else the best sentence's
    share of its words when at least 0.8) and the index of that sentence; ``(0.0, None)`` when not quoted."""
    norm = _norm(claim)
    if norm and norm in view.norm:
        return 1.0, next((i for i, s in enumerate(view.sentences) if norm in _norm(s)), None)
    letters = _letters(claim)
    if len(letters) >= 12 and letters in view.letters:
        return 0.95, next((i for i, s in enumerate(view.sentences) if letters in _letters(s)), None)
    words = _WORD_RE.findall(claim.casefold())
    if not words or not view.words:
        return 0.0, None
    shares = [sum(w in ws for w in words) / len(words) for ws in view.words]
    best = int(np.argmax(shares))
    return (shares[best], best) if shares[best] >= 0.8 else (0.0, None)


def _order(claim: Clause, other: Clause) -> int:
    """+1 when a comparison keeps its sides ("A beats B" / "A beats B"), -1 when it swaps them."""
    if not (claim.before and claim.after and other.before and other.after):
        return 1
    same = len(claim.before & other.before) + len(claim.after & other.after)
    swapped = len(claim.before & other.after) + len(claim.after & other.before)
    return -1 if swapped > same else 1


def _clause_conflicts(claim_clauses: tuple[Clause, ...], view: PaperView, candidates: list[int],
                      own_terms: frozenset[str]) -> tuple[str | None, float, int | None]:
    """The strongest negation or direction conflict between a claim clause and the abstract text matching it.

    Each claim clause is compared with the closest span (clause, adjacent clauses or whole sentence)
    of the candidate sentences: most shared terms, fewest extra ones."""
    found: tuple[str | None, float, int | None] = (None, 0.0, None)
    for c in claim_clauses:
        if len(c.terms) < 2:
            continue
        best: tuple[float, float, int, Clause] | None = None
        for i in candidates:
            for s in view.spans[i]:
                shared = c.terms & (expand(s.terms, view.defined) | own_terms)
                if len(shared) < 2 or not shared - own_terms:  # the paper's own names alone make no match
                    continue
                match = len(shared) / len(c.terms)
                # tight spans first; a span that moves the same axis as the claim is the one it speaks to
                same_axis = bool(c.directions.keys() & s.directions.keys())
                fit = match - SPAN_EXTRA_COST * len(s.terms - c.terms) + 0.1 * same_axis
                if best is None or fit > best[0]:
                    best = (fit, match, i, s)
        if best is None or best[1] < CLAUSE_MATCH_MIN:
            continue
        _, match, i, s = best
        kind = None
        if c.negated != s.negated and not (c.privative_only or s.privative_only):
            denier, other = (c, s) if c.negated else (s, c)
            if denier.denied & expand(other.stems, view.defined):  # what is denied is what the other side says
                kind = "negation"
        for axis, sign in c.directions.items():
            if axis in s.directions and sign * s.directions[axis] * _order(c, s) < 0:
                kind = "direction"
        if kind and match > found[1]:
            found = (kind, match, i)
    return found


def _figure_signals(claim: str, cterms: frozenset[str], view: PaperView,
                    lex: list[float]) -> tuple[float, float, float, int | None]:
    """(share matched, unmatched count, conflict strength, sentence of the conflicting figure)."""
    claimed = figures(claim)
    if not claimed:
        return 1.0, 0.0, 0.0, None
    stated = [(i, f) for i, fs in enumerate(view.figures) for f in fs]
    matched = unmatched = 0
    conflict, where = 0.0, None
    for fig in claimed:
        if any(fig.same_value(f) and fig.compatible(f) for _, f in stated):
            matched += 1
            continue
        near = context(claim, fig)
        rivals = [(lex[i], i) for i, f in stated
                  if f.unit == fig.unit and not f.same_value(fig)
                  and len(near & context(view.sentences[i], f)) >= (1 if fig.unit else 2)
                  and (fig.unit or lex[i] >= 0.5)]
        strength, at = max(rivals, default=(0.0, None))
        if strength >= FIGURE_CONTEXT_MIN:
            if strength > conflict:
                conflict, where = strength, at
        else:
            unmatched += 1
    return matched / len(claimed), float(min(unmatched, 2)), conflict, where


def lexical(claim: str, view: PaperView) -> list[float]:
    """Share of the (cleaned) claim's content terms in each sentence plus the paper's own names."""
    cterms = content_terms(claim)
    if not cterms:
        return [0.0] * len(view.sentences)
    return [len(cterms & (t | view.own_terms)) / len(cterms) for t in view.terms]


def cosine_candidates(claim: str, view: PaperView) -> list[int]:
    """The sentences a claim is compared with by embedding: its lexically closest ones."""
    lex = lexical(claim, view)
    return sorted(int(i) for i in np.argsort(-np.asarray(lex), kind="stable")[:COSINE_CANDIDATES])


def measure(claim: str, view: PaperView, claim_vector: np.ndarray | None = None) -> Measured:
    """All signals of one claim against one paper (``view.vectors`` must hold its cosine candidates)."""
    values = dict.fromkeys(FEATURES, 0.0)
    claim = clean_claim(claim)
    cterms = content_terms(claim)
    if not claim or not view.sentences or not cterms:
        return Measured(values, None, None, 0.0, "nothing to compare")
    own_terms = view.own_terms
    lex = lexical(claim, view)
    cos = None
    if claim_vector is not None:
        cos = np.zeros(len(lex))
        for i in cosine_candidates(claim, view):
            if i in view.vectors:
                cos[i] = max(float(view.vectors[i] @ claim_vector), 0.0)
    sim = np.asarray(lex) if cos is None else (np.asarray(lex) + cos) / 2
    claimed = figures(claim)
    if claimed:  # the sentence that states the claim's figures is the one it reports
        sim = sim + FIGURE_SENTENCE_BONUS * np.asarray(
            [sum(any(c.same_value(f) and c.compatible(f) for f in fs) for c in claimed) / len(claimed)
             for fs in view.figures])
    best = int(np.argmax(sim))
    anchored, anchored_at = anchor(claim, view)
    if anchored_at is not None and anchored >= 0.95:
        best = anchored_at
    values["anchor"] = anchored
    values["lex_best"] = lex[best]
    values["lex_all"] = len(cterms & view.all_terms) / len(cterms)
    values["cos_best"] = float(cos.max()) if cos is not None else 0.0
    claim_clauses = clauses_of(claim)
    covered = [len(expand(p, view.defined) & view.all_terms) / len(p) for p in parts(claim) if len(p) >= 2]
    values["clause_min"] = min(covered) if covered else values["lex_all"]
    part_max = max(covered) if covered else values["lex_all"]

    matched, unmatched, fig_conflict, fig_at = _figure_signals(claim, cterms, view, lex)
    values["fig_matched"], values["fig_unmatched"] = matched, unmatched
    candidates = list(range(len(view.sentences)))
    kind, match, at = _clause_conflicts(claim_clauses, view, candidates, own_terms)
    conflict: str | None = None
    conflict_match = 0.0
    evidence: int | None = best
    if fig_conflict:
        values["conflict_fig"] = 1.0
        conflict, conflict_match, evidence = "figure", fig_conflict, fig_at
    if kind:
        values["conflict_neg" if kind == "negation" else "conflict_dir"] = 1.0
        if match > conflict_match:
            conflict, conflict_match, evidence = kind, match, at
    claimed_names = frozenset(name_key(n) for n in names(claim)) - {""}
    swapped = credited_elsewhere(claim, claimed, view, claimed_names) if conflict is None else None
    if swapped is not None:
        values["conflict_fig"] = 1.0  # a figure credited to the wrong side of a comparison
        conflict, conflict_match, evidence = "attribution", 1.0, swapped

    if claimed_names:
        values["names_missing"] = sum(n not in view.names for n in claimed_names) / len(claimed_names)
    values["own"] = 1.0 if view.tagged[best].own else 0.0
    missing_part = (values["clause_min"] < PART_COVERED - 0.1 or values["fig_unmatched"] > 0
                    or values["names_missing"] > 0)
    values["half_right"] = 1.0 if values["own"] and part_max >= PART_COVERED and missing_part else 0.0
    claim_clause = max(claim_clauses, key=lambda c: len(c.terms))
    universal = frozenset().union(*(c.universal for c in claim_clauses))
    values["overclaim"] = 1.0 if universal - view.words[best] else 0.0
    values["hedge"] = 1.0 if claim_clause.hedged or any(c.hedged for c in claim_clauses) else 0.0
    return Measured(values, evidence, conflict, conflict_match)
