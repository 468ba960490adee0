"""Servers that tests and benchmarks run against: a real `chroma run` (``chroma.py``) and an
OpenAI-compatible chat/embeddings server with scriptable misbehaviour (``llm_server.py``). Not part of the
installed package."""
