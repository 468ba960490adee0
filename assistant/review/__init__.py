"""Comparisons and review drafts built over the store, with checked citations.

* :mod:`.compare` -- ``compare(store, query=None, titles=None, ...)``: one row per paper
  (task, approach, stated figures, efficiency claims, code link) plus a cited synthesis.
* :mod:`.draft` -- ``draft(store, topic, ...)``: themes, sections, open problems, references
  and a citation audit.
* :mod:`.export` -- Markdown and BibTeX, and the one function that writes files.
* :mod:`.commands` -- the ``litreview compare`` / ``litreview draft`` CLI glue.

Kept import-light on purpose: ``assistant.cli`` imports :mod:`.commands` to build its
parser, so nothing heavy (numpy, chromadb, pydantic) is imported here.
"""

