"""``litreview lint``: a researcher's own draft checked against the abstracts it cites.

* :mod:`.parse` -- Markdown (pandoc ``[@key]``), LaTeX (``\\cite{}``) or numbered ``[n]`` drafts -> the
  cited sentences, with line numbers, keys and the claim checked for each key;
* :mod:`.resolve` -- keys -> stored papers, through the ``.bib`` (DOI, arXiv id, title) or the draft's
  own reference list (title);
* :mod:`.check` -- one :class:`~assistant.verify.Verifier` over every (claim, paper) pair ->
  :class:`~.check.LintReport` (per-sentence verdicts, counts per label). Nothing here prints.
"""

from __future__ import annotations

from .check import FAILING, LINT_LABELS, CitationCheck, LintInput, LintReport, SentenceCheck, check, lint, read_input
from .parse import CitedSentence, Draft, parse_draft

__all__ = ["FAILING", "LINT_LABELS", "CitationCheck", "CitedSentence", "Draft", "LintInput", "LintReport",
           "SentenceCheck", "check", "lint", "parse_draft", "read_input"]
