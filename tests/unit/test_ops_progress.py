"""Progress: a redrawn bar on a terminal, throttled plain lines elsewhere; and the text tables."""

from __future__ import annotations

import io

from cdc_consumer.ops.progress import Progress
from cdc_consumer.ops.table import format_table


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_on_a_terminal_the_bar_is_redrawn_in_place_and_ends_its_line():
    out, clock = Terminal(), Clock()
    with Progress("audit", 4, out, width=4, clock=clock) as progress:
        clock.now = 1.0
        progress.advance(2)
        clock.now = 1.05
        progress.advance(1)  # too soon to redraw
    text = out.getvalue()
    assert "\n" not in text[:-1]
    assert text.endswith("\n")
    frames = [frame for frame in text.rstrip("\n").split("\r\x1b[K") if frame]
    assert frames[0] == "audit: [##..] 2/4 (50%) ETA 1s 2.0/s"
    assert frames[-1].startswith("audit: [###.] 3/4 (75%)")
    assert len(frames) == 2


def test_elsewhere_plain_lines_come_at_most_every_interval():
    out, clock = io.StringIO(), Clock()
    progress = Progress("post", 100, out, interval=5.0, clock=clock)
    for second in range(1, 11):
        clock.now = float(second)
        progress.advance(10)
    progress.close()
    progress.close()
    lines = out.getvalue().splitlines()
    assert lines[0] == "post: 10/100 (10%) ETA 9s 10.0/s"
    assert lines[1].startswith("post: 60/100 (60%)")
    assert lines[-1] == "post: 100/100 (100%) 10.0/s"
    assert len(lines) == 3
    assert "\r" not in out.getvalue()


def test_without_a_total_only_the_count_and_rate_are_shown():
    out, clock = io.StringIO(), Clock()
    with Progress("scan", None, out, clock=clock) as progress:
        clock.now = 2.0
        progress.advance(4)
    assert out.getvalue().splitlines() == ["scan: 4 2.0/s"]


def test_tables_align_columns_and_show_none_as_a_dash():
    assert format_table(("A", "LONGER", "LAST"), [("x", None, "tail"), ("yyyy", 5, "")]).splitlines() == [
        "A     LONGER  LAST",
        "x     -       tail",
        "yyyy  5",
    ]
