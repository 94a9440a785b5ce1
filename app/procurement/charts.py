"""Charts of the procurement dashboard as server-rendered SVG: no JavaScript, nothing fetched at run time.

Each function takes plain data (already translated labels, numbers) and returns an ``<svg>`` element as
markup that is safe to put into a page: every text is escaped. Bars are scaled to a rounded maximum of the
data and drawn against an axis with labelled ticks. The drawing has a viewBox and stretches to its
container's width, so it stays readable at 375 px. Colours come from CSS classes in static/app.css, with
presentation attributes as a fallback (no ``style=`` attributes: the Content-Security-Policy forbids them).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from babel.numbers import format_compact_decimal, format_decimal
from markupsafe import Markup, escape

from app.platform.i18n import get_locale

WIDTH = 360  # viewBox units; the <svg> itself takes 100% of its container
PAD = 8
VALUE_ROOM = 60  # room on the right of the longest bar for its value
FONT = 13
SMALL = 11
CHAR = 0.6  # an estimate of a character's width, in font sizes, to decide where a value fits

SERIES_FILL = {
    "stage": "#2f6fb0",
    "planned": "#9bb5d6",
    "contracted": "#2f6fb0",
    "accepted": "#1e7a3a",
}


@dataclass(frozen=True)
class Series:
    key: str  # CSS class suffix and fallback colour: planned, contracted, accepted, stage
    label: str


@dataclass(frozen=True)
class Group:
    label: str
    values: Sequence[float | None]  # one per series; None is "unknown" (drawn as a dash, no bar)


def nice_maximum(value: float, *, whole: bool = False) -> float:
    """The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) at or above ``value``,
    so the longest bar fills most of the width (1 for nothing)."""
    if value <= 0:
        return 1
    exponent = math.floor(math.log10(value))
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        candidate = step * 10**exponent
        if candidate >= value - 1e-9 and (not whole or float(candidate).is_integer()):
            return candidate
    return 10 ** (exponent + 1)


def _round_step(step: float) -> bool:
    """A step that reads well on an axis: 1, 2, 2.5 or 5 times a power of ten."""
    mantissa = step / 10 ** math.floor(math.log10(step))
    return any(abs(mantissa - m) < 1e-9 for m in (1, 2, 2.5, 5))


def ticks(maximum: float, *, whole: bool = False) -> list[float]:
    """Evenly spaced ticks from 0 to ``maximum`` at a round step (whole numbers for counts)."""
    if whole and maximum <= 5:
        return [float(i) for i in range(int(maximum) + 1)]
    for parts in (5, 4, 3, 2):
        step = maximum / parts
        if _round_step(step) and (not whole or float(step).is_integer()):
            return [step * i for i in range(parts + 1)]
    return [0.0, maximum]


def compact(value: float) -> str:
    """A number as an axis shows it: 12,5 тис., 1,2 млн (1.2M in English)."""
    return _compact(value, get_locale())


@lru_cache(maxsize=4096, typed=True)
def _compact(value: float, locale: str) -> str:
    # Babel takes some fifty microseconds a number; a chart shows the same values at every view.
    if abs(value) < 10_000:
        return format_decimal(round(value, 1), locale=locale)
    return format_compact_decimal(value, locale=locale, fraction_digits=1)


def _text(x: float, y: float, content: str, *, size: int = FONT, anchor: str = "start", cls: str = "") -> str:
    css = f' class="{cls}"' if cls else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="currentColor"{css}>'
        f"{escape(content)}</text>"
    )


def _legend(series: Sequence[Series], y: float) -> tuple[list[str], float]:
    """Swatches with the series' names, wrapping onto a new line when the width runs out."""
    parts, x = [], float(PAD)
    for item in series:
        width = 18 + len(item.label) * SMALL * CHAR + 16
        if x > PAD and x + width > WIDTH - PAD:
            x, y = float(PAD), y + 18
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" rx="2" '
            f'class="bar bar-{item.key}" fill="{SERIES_FILL.get(item.key, "#777")}"/>'
        )
        parts.append(_text(x + 17, y, item.label, size=SMALL))
        x += width
    return parts, y + 20


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    groups: Sequence[Group],
    series: Sequence[Series],
    axis_label: str,
    value_text: Callable[[float], str] = compact,
    whole: bool = False,
    legend: bool = True,
) -> Markup:
    """Horizontal bars, one group per row label, one bar per series in a group.

    The label of a group stands on its own line above its bars, so long names (oblasts) keep the whole
    width on a phone. With a single series, pass ``legend=False``: the labels say it all.
    """
    bar = 18 if len(series) == 1 else 13
    bar_gap = 3
    group_gap = 14
    plot_left, plot_right = float(PAD), float(WIDTH - PAD - VALUE_ROOM)
    plot_width = plot_right - plot_left
    known = [v for g in groups for v in g.values if v is not None]
    maximum = nice_maximum(max(known, default=0), whole=whole)
    scale = plot_width / maximum

    body: list[str] = []
    y = 4.0
    if legend and len(series) > 1:
        parts, y = _legend(series, y + 12)
        body.extend(parts)
    top = y
    for group in groups:
        y += FONT + 2
        body.append(_text(plot_left, y, group.label, cls="chart-label"))
        y += 5
        for item, value in zip(series, group.values, strict=True):
            if value is None:
                body.append(_text(plot_left, y + bar - 3, "—", size=SMALL))
            else:
                width = max(value * scale, 0.0)
                shown = value_text(value)
                tooltip = f"{group.label}, {item.label}: {shown}" if len(series) > 1 else f"{group.label}: {shown}"
                body.append(
                    f'<rect x="{plot_left:.1f}" y="{y:.1f}" width="{width:.1f}" height="{bar}" '
                    f'class="bar bar-{item.key}" fill="{SERIES_FILL.get(item.key, "#777")}">'
                    f"<title>{escape(tooltip)}</title></rect>"
                )
                label_x = plot_left + width + 4
                body.append(_text(label_x, y + bar - 3, shown, size=SMALL, cls="chart-value"))
            y += bar + bar_gap
        y += group_gap - bar_gap
    bottom = y
    # The axis: grid lines at the ticks across the plot, their values and the axis title below.
    grid: list[str] = []
    # Grid lines at every tick; labels at every other tick when they would not fit side by side (the last
    # label may reach into the room kept for values).
    marks = ticks(maximum, whole=whole)
    widest = max(len(value_text(t)) for t in marks) * SMALL * CHAR
    every = 1 if len(marks) < 2 or plot_width / (len(marks) - 1) >= widest + 8 else 2
    for index, tick in enumerate(marks):
        x = plot_left + tick * scale
        grid.append(
            f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{bottom:.1f}" class="chart-grid" '
            f'stroke="#c8ccd2" stroke-width="1"/>'
        )
        if index % every == 0:
            anchor = "start" if tick == 0 else "middle"
            grid.append(_text(x, bottom + 14, value_text(tick), size=SMALL, anchor=anchor, cls="chart-tick"))
    grid.append(
        f'<line x1="{plot_left:.1f}" y1="{bottom:.1f}" x2="{plot_right:.1f}" y2="{bottom:.1f}" '
        f'class="chart-axis" stroke="#6b7280" stroke-width="1"/>'
    )
    grid.append(_text(plot_left + plot_width / 2, bottom + 32, axis_label, size=SMALL, anchor="middle"))
    height = bottom + 40
    return Markup(
        f'<svg class="chart" id="{escape(chart_id)}" role="img" aria-labelledby="{escape(chart_id)}-title" '
        f'aria-describedby="{escape(chart_id)}-desc" viewBox="0 0 {WIDTH} {height:.0f}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>' + "".join(grid) + "".join(body) + "</svg>"
    )
