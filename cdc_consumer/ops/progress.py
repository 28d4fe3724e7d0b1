"""Progress of a long operator run (audit, bulk post): a bar on a terminal, plain lines otherwise.

On a terminal the bar is redrawn in place (``\\r``) at most ten times a second; in a log or a
pipe a plain line is written at most every ``interval`` seconds, so CI logs stay short. Both go
to standard error, which keeps standard output for the report (and its JSON form).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

REDRAW_SECONDS = 0.1


class Progress:
    """Counts work done against an optional total and shows it.

    Args:
        label: what is being counted (``"audit"``, ``"post"``).
        total: how many units there are, when known (the bar needs it).
        stream: where to write; a terminal gets the bar.
        interval: seconds between two plain lines when ``stream`` is not a terminal.
        width: characters of the bar itself.
        clock: monotonic seconds (tests pass a fake one).
    """

    def __init__(
        self,
        label: str,
        total: int | None = None,
        stream: TextIO | None = None,
        *,
        interval: float = 5.0,
        width: int = 30,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self._stream = stream if stream is not None else sys.stderr
        self._tty = self._stream.isatty()
        self._interval = interval if not self._tty else REDRAW_SECONDS
        self._width = width
        self._clock = clock
        self._started = clock()
        self._shown_at: float | None = None
        self._shown_done = -1
        self._closed = False

    def advance(self, units: int = 1) -> None:
        """Count ``units`` more done; redraw when it is time."""
        self.done += units
        now = self._clock()
        if self._shown_at is None or now - self._shown_at >= self._interval:
            self._show(now)

    def close(self) -> None:
        """Show the final count unless it is showing already (and end the bar's line)."""
        if self._closed:
            return
        self._closed = True
        if self.done != self._shown_done:
            self._show(self._clock())
        if self._tty:
            self._stream.write("\n")
        self._stream.flush()

    def describe(self, now: float) -> str:
        """The progress as one line: count, percentage and bar when the total is known, rate, ETA."""
        elapsed = max(now - self._started, 1e-9)
        rate = self.done / elapsed
        parts = [f"{self.label}:"]
        if self.total:
            share = min(self.done / self.total, 1.0)
            if self._tty:
                filled = round(share * self._width)
                parts.append("[" + "#" * filled + "." * (self._width - filled) + "]")
            parts.append(f"{self.done}/{self.total} ({share:.0%})")
            remaining = max(self.total - self.done, 0)
            if remaining and rate > 0:
                parts.append(f"ETA {remaining / rate:.0f}s")
        else:
            parts.append(str(self.done))
        parts.append(f"{rate:.1f}/s")
        return " ".join(parts)

    def _show(self, now: float) -> None:
        self._shown_at, self._shown_done = now, self.done
        line = self.describe(now)
        if self._tty:
            self._stream.write("\r\x1b[K" + line)
        else:
            self._stream.write(line + "\n")
        self._stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
