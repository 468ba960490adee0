"""Conversations with the paper store, independent of any screen.

=====================  ===========================================================================
:mod:`.messages`       a conversation's messages and their numbered sources; follow-up context
:mod:`.history`        saved conversations: one SQLite file in the data dir, searchable
:mod:`.current`        the conversation in progress: messages saved as they arrive, pins, exclusions
:mod:`.export`         a conversation as Markdown (one references list) or JSON; a paper's BibTeX
:mod:`.citing`         which sentence of an abstract supports a citation
:mod:`.tables`         tables in Markdown: parsed for display and copied as CSV
=====================  ===========================================================================

The chat (:mod:`assistant.tui`) shows these; nothing here imports it or Textual.
"""
