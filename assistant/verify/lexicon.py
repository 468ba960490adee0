"""Word lists the verifier reads polarity, direction and hedging from.

Direction words carry an axis and a sign: ``amount`` (increase/decrease, more/less,
higher/lower) and ``quality`` (better/worse, outperforms/underperforms, faster/slower,
improves/degrades). Two statements about the same thing conflict when their signs on
one axis differ after negation is applied.
"""

from __future__ import annotations

import re

NEGATORS = frozenset("""
not no never cannot can't don't doesn't didn't isn't aren't wasn't weren't won't wouldn't shouldn't couldn't
without neither nor none nothing unable fail fails failed failing lack lacks lacking
""".split())
# verbs that deny what follows ("avoiding X") but, unlike "not", say nothing against a text that merely
# mentions X as a problem; they count when both sides are compared, never alone as a conflict
PRIVATIVES = frozenset("""
avoid avoids avoided avoiding prevent prevents prevented preventing eliminate eliminates eliminated eliminating
""".split())
# words ending in -less that do not negate the word they are built on
NOT_PRIVATIVE = frozenset("less unless regardless nevertheless seamless seamlessly countless endless wireless "
                          "doubtless bless".split())

AMOUNT_UP = frozenset("""
increase increases increased increasing raise raises raised raising rise rises grow grows growing
higher more larger greater boost boosts boosted boosting expand expands expanded double doubles doubled
""".split())
AMOUNT_DOWN = frozenset("""
decrease decreases decreased decreasing reduce reduces reduced reducing reduction reductions lower lowers
lowered lowering less fewer smaller cut cuts cutting shrink shrinks shrinking drop drops dropped decline declines
diminish diminishes minimize minimizes minimizing save saves saving spares
""".split())
QUALITY_UP = frozenset("""
improve improves improved improving improvement improvements better outperform outperforms outperformed
outperforming surpass surpasses surpassed surpassing superior beat beats exceed exceeds outstrip outstrips
win wins enhance enhances enhanced faster speedup speedups accelerate accelerates accelerated accelerating
acceleration boosts best excel excels
""".split())
QUALITY_DOWN = frozenset("""
degrade degrades degraded degrading degradation worse worst underperform underperforms underperformed
underperforming inferior slower slow slows slowdown behind lag lags lagging hurt hurts harm harms harming
falls fall
""".split())
# compound spellings that carry a direction ("speed-up", "slow-down")
COMPOUNDS = {"speed-up": ("quality", 1), "speed-ups": ("quality", 1), "slow-down": ("quality", -1),
             "state-of-the-art": None}

# words that introduce the second term of a comparison
CONNECTORS = frozenset("than over versus vs vs. against compared relative behind".split())

HEDGES = frozenset("may might could possibly perhaps potentially some".split())
UNIVERSALS = frozenset("all always every entirely completely fully never none any".split())

# clause boundaries inside one sentence
# clause boundaries inside one sentence; a bare "and" is not one ("avoids X and Y" keeps its scope)
CLAUSE_SPLIT = re.compile(r"\s*(?:[;:]|,\s+(?:and|but|while|whereas|which|thereby)\b|,|\s\((?:\d|i+|[a-d])\)\s|"
                          r"\s(?:but|while|whereas|although|though)\s)\s*", re.I)
# finer parts for coverage: "X does A and is B" is two things the abstract must both say
PART_SPLIT = re.compile(r"\s*(?:[;:,]|\s(?:and|but|while|whereas|although|though)\s)\s*", re.I)


def direction(word: str) -> tuple[str, int] | None:
    """(axis, sign) of a direction word, or None."""
    low = word.lower()
    if low in COMPOUNDS:
        return COMPOUNDS[low]
    if low in AMOUNT_UP:
        return ("amount", 1)
    if low in AMOUNT_DOWN:
        return ("amount", -1)
    if low in QUALITY_UP:
        return ("quality", 1)
    if low in QUALITY_DOWN:
        return ("quality", -1)
    return None


def privative(word: str) -> bool:
    """Negators that deny without asserting the opposite: "avoids X", "training-free", "lossless"."""
    low = word.lower()
    return low in PRIVATIVES or (negates(low) and (low.endswith("-free") or low.endswith("less")))


def negates(word: str) -> bool:
    """Whether a word negates what it is said of: 'not', 'without', 'fails', 'training-free', 'lossless'."""
    low = word.lower().replace("’", "'")
    if low in NEGATORS or low in PRIVATIVES or low.endswith("n't"):
        return True
    if low.endswith("-free") and len(low) > 6:
        return True
    return low.endswith("less") and len(low) > 6 and low not in NOT_PRIVATIVE and low.isalpha()
