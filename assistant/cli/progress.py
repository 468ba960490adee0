"""Progress on a terminal: a rich progress bar on stderr, nothing when piped.

Core code reports progress through a plain callback ``(stage, done, total)``;
this adapter is what the CLI passes in.
"""

from __future__ import annotations

import sys
from typing import Any


def rate_text(speed: float | None) -> str:
    """Items per second as a progress bar shows it ("" until rich has measured a speed)."""
    if not speed:
        return ""
    return f"{speed:,.0f}/s" if speed >= 10 else f"{speed:.1f}/s"


class Progress:
    def __init__(self, enabled: bool, console: Any = None) -> None:
        self.enabled = enabled
        self._console = console
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}

    @classmethod
    def for_stderr(cls) -> "Progress":
        return cls(sys.stderr.isatty())

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        if self._bar is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, ProgressColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as RichProgress
            from rich.text import Text

            class RateColumn(ProgressColumn):
                def render(self, task: Any) -> Text:
                    return Text(rate_text(task.speed), style="progress.data.speed")

            self._bar = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     RateColumn(), TimeRemainingColumn(),
                                     console=self._console or Console(stderr=True), transient=True)
            self._bar.start()
        if stage not in self._tasks:
            self._tasks[stage] = self._bar.add_task(stage, total=total)
        self._bar.update(self._tasks[stage], completed=done, total=total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Waiting:
    """While a slow model reads its sources: one line on stderr, "reading 4 sources with qwen2.5… 12 s",
    counting until the first token (or the end) and then gone. Nothing when stderr is not a terminal."""

    def __init__(self, enabled: bool, console: Any = None) -> None:
        self.enabled = enabled
        self._console = console
        self._live: Any = None

    @classmethod
    def for_stderr(cls) -> "Waiting":
        return cls(sys.stderr.isatty())

    def status(self, text: str) -> None:
        """Show ``text`` with the seconds since it was first shown."""
        if not self.enabled or self._live is not None:
            return
        import time

        from rich.console import Console
        from rich.live import Live
        from rich.text import Text

        started = time.perf_counter()

        class Line:
            def __rich__(self) -> Text:
                return Text(f"{text}… {time.perf_counter() - started:.0f} s", style="dim")

        self._live = Live(Line(), console=self._console or Console(stderr=True), refresh_per_second=2,
                          transient=True)
        self._live.start()

    def done(self) -> None:
        """The first token arrived (or the answer is over): the line goes."""
        if self._live is not None:
            self._live.stop()
            self._live = None

    def __enter__(self) -> "Waiting":
        return self

    def __exit__(self, *exc: object) -> None:
        self.done()
