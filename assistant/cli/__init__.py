"""The ``litreview`` command: argument parsing, plain-text rendering, progress bars and diagnostics.

The presentation layer over the core: ``commands.py`` (the parser, each command, ``main``), ``review.py``
(``compare`` and ``draft``), ``render.py`` (plain-text output), ``progress.py`` (stderr progress bars),
``doctor.py`` (``litreview doctor``). Nothing in the core imports this package.
"""

from __future__ import annotations

from .commands import main

__all__ = ["main"]
