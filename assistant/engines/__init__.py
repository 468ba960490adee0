"""Engines turn retrieved evidence into answers: offline (extractive) and LLM, one citation checker."""
