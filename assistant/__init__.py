"""litreview: a terminal-first literature review assistant (core package; no UI imports here)."""

__version__ = "0.1.0"
