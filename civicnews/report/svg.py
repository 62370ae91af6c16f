"""Inline SVG charts for the report, written by hand: no library, no script, no network.

Each function returns one ``<svg>`` element as text.  Numbers are rounded to one decimal,
so the same figures always give the same bytes.
"""

from __future__ import annotations

import math
from html import escape

WIDTH, HEIGHT = 860, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 14, 34
#: Height of a chart with nothing to show: one line of text.
EMPTY_HEIGHT = 32
#: Colours of the health series, in HEALTH_FIELDS order (colour-blind safe, Okabe-Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")


def _n(x: float) -> str:
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def nice_max(value: float) -> int:
    """The y axis' top: four ticks of 1, 2 or 5 times a power of ten, at least ``value``."""
    tick = max(value, 1) / 4
    power = 10 ** max(0, math.floor(math.log10(tick)))
    # 2.5 only from 25 up, so ticks stay whole numbers.
    for step in (1, 2, 2.5, 5, 10) if power >= 10 else (1, 2, 5, 10):
        if step * power >= tick:
            return int(4 * step * power)
    return 40 * power


def _frame(title: str, body: list[str], label: str, height: int = HEIGHT) -> str:
    return (
        f'<svg class="chart" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def _y_axis(top: float, unit: str = "") -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    out = []
    for i in range(5):
        value = top * i / 4
        y = HEIGHT - BOTTOM - plot_h * i / 4
        out.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_n(y)}" y2="{_n(y)}"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{_n(y + 4)}" text-anchor="end">'
            f"{_n(value)}{unit}</text>"
        )
    return out


def _x_labels(labels: list[str], x_of, every: int | None = None) -> list[str]:
    """Month labels: each January as its year, or every label when there are few."""
    out = []
    few = len(labels) <= 16
    for i, label in enumerate(labels):
        if few or (label.endswith("-01") if every is None else i % every == 0):
            text = label if few else label[:4]
            out.append(
                f'<text class="tick" x="{_n(x_of(i))}" y="{HEIGHT - BOTTOM + 16}" '
                f'text-anchor="middle">{escape(text)}</text>'
            )
    return out


def bars(
    title: str,
    series: list[tuple[str, int]],
    *,
    unit: str = "articles",
    marked: set[str] = frozenset(),
) -> str:
    """A bar per (label, value); labels in ``marked`` get a red band (a gap)."""
    if not series:
        return _frame(title, [_empty()], f"{title}: nothing to show", EMPTY_HEIGHT)
    top = nice_max(max(v for _, v in series))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / len(series)
    gap = step * 0.15 if step > 4 else 0

    def x_of(i: int) -> float:
        return LEFT + step * (i + 0.5)

    body = _y_axis(top)
    for i, (label, value) in enumerate(series):
        x = LEFT + step * i
        if label in marked:
            body.append(
                f'<rect class="gap" x="{_n(x)}" y="{TOP}" width="{_n(step)}" '
                f'height="{plot_h}"><title>{escape(label)}: no {unit} (gap)</title></rect>'
            )
        if value:
            h = plot_h * value / top
            body.append(
                f'<rect class="bar" x="{_n(x + gap / 2)}" y="{_n(HEIGHT - BOTTOM - h)}" '
                f'width="{_n(max(step - gap, 0.5))}" height="{_n(h)}">'
                f"<title>{escape(label)}: {value} {unit}</title></rect>"
            )
    body += _x_labels([label for label, _ in series], x_of)
    total = sum(v for _, v in series)
    return _frame(title, body, f"{title}: {total} {unit} in {len(series)} periods")


def lines(title: str, labels: list[str], series: dict[str, list[float]]) -> str:
    """Shares (0..1) per label, one line per series, with a legend."""
    if not labels:
        return _frame(title, [_empty()], f"{title}: nothing to show", EMPTY_HEIGHT)
    plot_w, plot_h = WIDTH - LEFT - RIGHT - 90, HEIGHT - TOP - BOTTOM

    def x_of(i: int) -> float:
        return LEFT + (plot_w * (i + 0.5) / len(labels))

    def y_of(share: float) -> float:
        return HEIGHT - BOTTOM - plot_h * share

    body = _y_axis(100, "%")
    for n, (name, values) in enumerate(series.items()):
        colour = PALETTE[n % len(PALETTE)]
        points = " ".join(f"{_n(x_of(i))},{_n(y_of(v))}" for i, v in enumerate(values))
        if len(values) > 1:
            body.append(
                f'<polyline class="line" fill="none" stroke="{colour}" stroke-width="2" '
                f'points="{points}"/>'
            )
        for i, v in enumerate(values):
            body.append(
                f'<circle cx="{_n(x_of(i))}" cy="{_n(y_of(v))}" r="3.5" fill="{colour}">'
                f"<title>{escape(labels[i])}: {escape(name)} {v:.0%}</title></circle>"
            )
        y = TOP + 14 + 18 * n
        body.append(
            f'<rect x="{WIDTH - RIGHT - 80}" y="{y - 9}" width="12" height="12" '
            f'fill="{colour}"/><text class="legend" x="{WIDTH - RIGHT - 62}" y="{y + 1}">'
            f"{escape(name)}</text>"
        )
    every = max(1, math.ceil(len(labels) / 8))
    body += _x_labels(labels, x_of, every=every)
    return _frame(title, body, f"{title}: {len(labels)} points")


def _empty() -> str:
    return f'<text class="empty" x="{LEFT}" y="{EMPTY_HEIGHT / 2 + 4}">nothing recorded</text>'
