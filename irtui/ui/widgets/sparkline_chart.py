"""A one-line time-series chart made of block characters, for a table cell.

`sparkline_chart()` buckets (time, value) samples over a fixed time window, so the x axis
is time and a gap in the data shows as a gap, not as a squeezed line. Each bucket shows its
highest value: a short error spike must stay visible when 30 minutes fit in 24 columns.
"""

from __future__ import annotations

from typing import Iterable

from rich.style import Style
from rich.text import Text

BLOCKS = "▁▂▃▄▅▆▇█"
GAP = "·"


def bucket_max(samples: Iterable[tuple[float, float]], start: float, end: float, width: int) -> list[float | None]:
    """The maximum of the samples falling in each of `width` equal slices of [start, end]."""
    buckets: list[float | None] = [None] * width
    span = end - start
    if span <= 0 or width <= 0:
        return buckets
    scale = width / span
    for t, value in samples:
        if t < start or t > end:
            continue
        index = min(width - 1, int((t - start) * scale))
        current = buckets[index]
        if current is None or value > current:
            buckets[index] = value
    return buckets


def sparkline_chart(samples: Iterable[tuple[float, float]], start: float, end: float, width: int,
                    *, floor: float = 0.0, ceiling: float | None = None, style: str | Style = "",
                    gap_style: str = "dim") -> Text:
    """A `width`-column chart of `samples` between `start` and `end`.

    The scale runs from `floor` (0: rates and ratios are never negative, and a flat line at
    the bottom must mean "nothing", not "the minimum") to `ceiling` or the highest value.
    """
    buckets = bucket_max(samples, start, end, width)
    values = [v for v in buckets if v is not None]
    top = ceiling if ceiling is not None else (max(values) if values else 0.0)
    spread = top - floor
    text = Text(no_wrap=True, overflow="crop")
    levels = len(BLOCKS) - 1
    chars = []
    for value in buckets:
        if value is None:
            chars.append(None)
        elif spread <= 0:
            chars.append(BLOCKS[0])
        else:
            level = round((min(value, top) - floor) / spread * levels)
            chars.append(BLOCKS[max(0, min(levels, level))])
    # Runs of the same kind become one segment: fewer spans to render per cell.
    run: list[str] = []
    run_is_gap = None
    for ch in chars:
        is_gap = ch is None
        if run and is_gap != run_is_gap:
            text.append("".join(run), gap_style if run_is_gap else style)
            run = []
        run.append(GAP if is_gap else ch)
        run_is_gap = is_gap
    if run:
        text.append("".join(run), gap_style if run_is_gap else style)
    return text
