"""Small server-rendered SVG charts: a line chart, stacked bars, and heat-map cell colours.

No JavaScript and nothing fetched: each function returns one ``<svg>`` element as a safe
string for a template. Every label is escaped here; numbers are drawn from the values given,
on an axis from 0 to a "nice" maximum (1, 2, 2.5 or 5 × 10^k). Charts carry ``role="img"``,
a ``<title>`` and a ``<desc>`` so screen readers get the figure, and each mark has its own
``<title>`` (a hover tooltip with the exact value).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Colour-blind-safe palette (Okabe–Ito, then greys) for series and stacks.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
    "#999999",
    "#666666",
)
WIDTH, HEIGHT = 720, 320
MARGIN = {"left": 88, "right": 150, "top": 32, "bottom": 48}
TICKS = 5

Number = int | float | Decimal


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[tuple[Number, Number | None]]  # (x, y); y None = no value there


@dataclass(frozen=True)
class Stack:
    name: str
    values: Sequence[Number]  # one per category, ≥ 0


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5, 5 × 10^k at or above ``value`` (1 for nothing to show)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power * (1 + 1e-12):
            return step * power
    return 10 * power


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _frame(title: str, description: str, body: list[str]) -> SafeString:
    # Safe: every text piece in ``body`` and here went through escape().
    return mark_safe(
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img"'
        f' viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" preserveAspectRatio="xMidYMid meet"'
        f' font-family="sans-serif" font-size="12">'
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>"
        + "".join(body)
        + "</svg>"
    )


def _plot_box() -> tuple[float, float, float, float]:
    left, top = MARGIN["left"], MARGIN["top"]
    return left, top, WIDTH - MARGIN["right"] - left, HEIGHT - MARGIN["bottom"] - top


def _y_axis(top_value: float, fmt: Callable[[float], str], y_label: str) -> list[str]:
    left, top, width, height = _plot_box()
    parts = []
    for tick in range(TICKS + 1):
        value = top_value * tick / TICKS
        y = top + height - height * tick / TICKS
        parts.append(
            f'<line x1="{left}" x2="{left + width}" y1="{_num(y)}" y2="{_num(y)}"'
            f' stroke="#ddd" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{_num(y + 4)}" text-anchor="end" fill="#333">'
            f"{escape(fmt(value))}</text>"
        )
    # The axis title sits above the axis, where wide tick labels cannot run into it.
    parts.append(
        f'<text x="{left}" y="{top - 14}" text-anchor="start" fill="#333">{escape(y_label)}</text>'
    )
    return parts


def _legend(names: Sequence[str]) -> list[str]:
    x = WIDTH - MARGIN["right"] + 16
    parts = []
    for index, name in enumerate(names):
        y = MARGIN["top"] + 16 * index
        colour = PALETTE[index % len(PALETTE)]
        parts.append(
            f'<rect x="{x}" y="{y}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 16}" y="{y + 9}" fill="#333">{escape(name)}</text>'
        )
    return parts


def line_chart(
    *,
    title: str,
    series: Sequence[Series],
    x_label: str,
    y_label: str,
    y_format: Callable[[float], str] = _num,
    empty_text: str = "",
) -> SafeString:
    """Lines of ``series`` over a shared numeric x axis (e.g. months on book), y from 0."""
    xs = [float(x) for s in series for x, y in s.points if y is not None]
    ys = [float(y) for s in series for _x, y in s.points if y is not None]
    if not xs:
        return _frame(title, empty_text, [_empty(empty_text)])
    x_min, x_max = min(xs), max(xs)
    span = (x_max - x_min) or 1.0
    top_value = nice_ceiling(max(ys))
    left, top, width, height = _plot_box()

    def at(x: float, y: float) -> tuple[str, str]:
        return _num(left + width * (x - x_min) / span), _num(top + height - height * y / top_value)

    body = _y_axis(top_value, y_format, y_label)
    for x in sorted(set(xs)):
        px, _py = at(x, 0)
        body.append(
            f'<text x="{px}" y="{_num(top + height + 16)}" text-anchor="middle" fill="#333">'
            f"{escape(_num(x))}</text>"
        )
    body.append(
        f'<text x="{_num(left + width / 2)}" y="{HEIGHT - 8}" text-anchor="middle"'
        f' fill="#333">{escape(x_label)}</text>'
    )
    for index, one in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        points = [(float(x), float(y)) for x, y in one.points if y is not None]
        if not points:
            continue
        path = " ".join(",".join(at(x, y)) for x, y in points)
        body.append(
            f'<polyline class="series" points="{path}" fill="none" stroke="{colour}"'
            f' stroke-width="2"><title>{escape(one.name)}</title></polyline>'
        )
        for x, y in points:
            cx, cy = at(x, y)
            body.append(
                f'<circle cx="{cx}" cy="{cy}" r="3" fill="{colour}"><title>'
                f"{escape(one.name)} · {escape(_num(x))}: {escape(y_format(y))}</title></circle>"
            )
    body.extend(_legend([one.name for one in series]))
    return _frame(title, f"{y_label} / {x_label}", body)


def stacked_bars(
    *,
    title: str,
    categories: Sequence[str],
    stacks: Sequence[Stack],
    y_label: str,
    y_format: Callable[[float], str] = _num,
    empty_text: str = "",
) -> SafeString:
    """One bar per category, stacked from the first stack upwards."""
    totals = [sum(float(s.values[i]) for s in stacks) for i in range(len(categories))]
    if not categories or not any(totals):
        return _frame(title, empty_text, [_empty(empty_text)])
    for stack in stacks:
        if len(stack.values) != len(categories) or any(v < 0 for v in stack.values):
            raise ValueError(f"stack {stack.name!r} needs one value ≥ 0 per category")
    top_value = nice_ceiling(max(totals))
    left, top, width, height = _plot_box()
    slot = width / len(categories)
    bar = slot * 0.6
    body = _y_axis(top_value, y_format, y_label)
    for i, category in enumerate(categories):
        x = left + slot * i + (slot - bar) / 2
        base = top + height
        for index, stack in enumerate(stacks):
            value = float(stack.values[i])
            if value <= 0:
                continue
            h = height * value / top_value
            base -= h
            body.append(
                f'<rect class="bar" x="{_num(x)}" y="{_num(base)}" width="{_num(bar)}"'
                f' height="{_num(h)}" fill="{PALETTE[index % len(PALETTE)]}"><title>'
                f"{escape(category)} · {escape(stack.name)}: {escape(y_format(value))}"
                "</title></rect>"
            )
        body.append(
            f'<text x="{_num(x + bar / 2)}" y="{_num(top + height + 16)}" text-anchor="middle"'
            f' fill="#333">{escape(category)}</text>'
        )
    body.extend(_legend([stack.name for stack in stacks]))
    return _frame(title, y_label, body)


def _empty(text: str) -> str:
    return (
        f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="#666">'
        f"{escape(text)}</text>"
    )


def heat_colour(pct: Decimal | None) -> str:
    """Background for a heat-map cell: white at 0 %, deepening red towards 100 %."""
    if pct is None or pct <= 0:
        return "#ffffff"
    share = min(float(pct), 100.0) / 100
    green_blue = round(255 - 200 * share**0.6)  # the square-ish root lifts small rates
    return f"rgb(255,{green_blue},{green_blue})"


def heat_text_colour(pct: Decimal | None) -> str:
    """Dark text on the light cells, white from 60 % on, where the red gets deep."""
    return "#fff" if pct is not None and pct >= 60 else "#111"
