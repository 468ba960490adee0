"""The terminal progress bar: stage, count, rate and time left, on a real rich console."""

from __future__ import annotations

import io
import time

from rich.console import Console

from assistant.cli.progress import Progress, rate_text


def test_rate_text() -> None:
    assert rate_text(None) == "" and rate_text(0.0) == ""
    assert rate_text(3.25) == "3.2/s" and rate_text(1234.4) == "1,234/s"


def test_bar_shows_count_rate_and_eta() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    with Progress(True, console=console) as progress:
        for done in range(0, 1001, 100):
            progress("ingesting", done, 2000)
            time.sleep(0.01)
        progress._bar.refresh()
        text = out.getvalue()
    assert "ingesting" in text and "1000/2000" in text
    assert "/s" in text and "0:00:" in text  # a measured rate and the time left


def test_disabled_when_not_a_terminal() -> None:
    out = io.StringIO()
    with Progress(False, console=Console(file=out)) as progress:
        progress("ingesting", 1, 2)
    assert out.getvalue() == ""
