"""Small server-rendered SVG charts: no JavaScript, print well, and each comes with a text
summary and a data table for screen readers (see templates/dashboards/_chart.html)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 220
PAD_L, PAD_R, PAD_T, PAD_B = 44, 28, 12, 28
MAX_MARKERS = 90  # points drawn as dots too (a single day is a dot, not an empty line)

# Series styles differ in dash pattern as well as colour, so lines stay apart without colour.
STYLES = [
    ("#1f5fbf", ""),
    ("#b3261e", "6 3"),
    ("#1d7a3a", "2 3"),
    ("#8a5a00", "10 3 2 3"),
    ("#6b3fa0", "1 2"),
    ("#00707a", "8 2"),
]


@dataclass
class Series:
    name: str
    points: list[tuple[float, float]]  # (x as a timestamp, y)


def _scale(v: float, lo: float, hi: float, a: float, b: float) -> float:
    return a if hi == lo else a + (v - lo) * (b - a) / (hi - lo)


def _frame(y_labels: list[tuple[float, str]], x_labels: list[tuple[float, str]]):
    grid = format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" class="grid"/>'
        '<text x="{}" y="{}" class="tick" text-anchor="end">{}</text>',
        (
            (PAD_L, WIDTH - PAD_R, f"{y:.1f}", f"{y:.1f}", PAD_L - 4, f"{y + 4:.1f}", label)
            for y, label in y_labels
        ),
    )
    xs = format_html_join(
        "",
        '<text x="{}" y="{}" class="tick" text-anchor="middle">{}</text>',
        ((f"{x:.1f}", HEIGHT - 8, label) for x, label in x_labels),
    )
    return grid + xs


def _x_ticks(lo: float, hi: float, n: int = 4) -> list[tuple[float, str]]:
    if hi <= lo:
        return [(PAD_L, datetime.fromtimestamp(lo).strftime("%d %b"))]
    out = []
    for i in range(n + 1):
        t = lo + (hi - lo) * i / n
        out.append(
            (_scale(t, lo, hi, PAD_L, WIDTH - PAD_R), datetime.fromtimestamp(t).strftime("%d %b"))
        )
    return out


def line_chart(
    chart_id: str, title: str, series: list[Series], *, y_max: float = 1.0, percent: bool = True
) -> SafeString:
    """Lines over time on a 0..y_max scale."""
    xs = [x for s in series for x, _ in s.points]
    if not xs:
        return mark_safe("")
    lo, hi = min(xs), max(xs)
    y_top, y_bottom = PAD_T, HEIGHT - PAD_B
    y_labels = [
        (
            _scale(v, 0, y_max, y_bottom, y_top),
            f"{100 * v:.0f}%" if percent else f"{v:g}",
        )
        for v in (0, y_max / 2, y_max)
    ]
    paths = []
    for i, s in enumerate(series):
        colour, dash = STYLES[i % len(STYLES)]
        d = " ".join(
            f"{'M' if j == 0 else 'L'}{_scale(x, lo, hi, PAD_L, WIDTH - PAD_R):.1f},"
            f"{_scale(y, 0, y_max, y_bottom, y_top):.1f}"
            for j, (x, y) in enumerate(s.points)
        )
        paths.append(
            format_html(
                '<path d="{}" stroke="{}" stroke-dasharray="{}" class="series"><title>{}</title>'
                "</path>",
                d,
                colour,
                dash,
                s.name,
            )
        )
        if len(s.points) <= MAX_MARKERS:
            paths.append(
                format_html_join(
                    "",
                    '<circle cx="{}" cy="{}" r="3" fill="{}"><title>{}: {}</title></circle>',
                    (
                        (
                            f"{_scale(x, lo, hi, PAD_L, WIDTH - PAD_R):.1f}",
                            f"{_scale(y, 0, y_max, y_bottom, y_top):.1f}",
                            colour,
                            s.name,
                            f"{100 * y:.0f}%" if percent else f"{y:g}",
                        )
                        for x, y in s.points
                    ),
                )
            )
    return format_html(
        '<svg viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title" class="chart" '
        'preserveAspectRatio="xMidYMid meet"><title id="{}-title">{}</title>{}{}</svg>',
        WIDTH,
        HEIGHT,
        chart_id,
        chart_id,
        title,
        _frame(y_labels, _x_ticks(lo, hi)),
        mark_safe("".join(paths)),
    )


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 5 times a power of ten at or above value (1 for nothing), so
    the axis reads 0, 0.25, 0.5 for half a minute rather than 0, 0, 0."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value * (1 - 1e-9):
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def tick_label(value: float) -> str:
    """A number for an axis or a bar: no more digits than it needs (0, 0.25, 12, 150)."""
    return f"{round(value, 2):g}"


def bar_chart(
    chart_id: str, title: str, bars: list[tuple[float, float, str]], *, unit: str
) -> SafeString:
    """Bars over time: (timestamp, value, label)."""
    if not bars:
        return mark_safe("")
    top = nice_ceiling(max(v for _, v, _ in bars))
    lo, hi = bars[0][0], bars[-1][0]
    y_top, y_bottom = PAD_T, HEIGHT - PAD_B
    width = max(2.0, min(24.0, (WIDTH - PAD_L - PAD_R) / max(1, len(bars)) - 2))
    rects = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" class="bar"><title>{}: {} {}</title></rect>',
        (
            (
                f"{_scale(t, lo, hi, PAD_L + width / 2, WIDTH - PAD_R - width / 2) - width / 2:.1f}",
                f"{_scale(v, 0, top, y_bottom, y_top):.1f}",
                f"{width:.1f}",
                f"{y_bottom - _scale(v, 0, top, y_bottom, y_top):.1f}",
                label,
                tick_label(v),
                unit,
            )
            for t, v, label in bars
        ),
    )
    y_labels = [(_scale(v, 0, top, y_bottom, y_top), tick_label(v)) for v in (0, top / 2, top)]
    return format_html(
        '<svg viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title" class="chart">'
        '<title id="{}-title">{}</title>{}{}</svg>',
        WIDTH,
        HEIGHT,
        chart_id,
        chart_id,
        title,
        _frame(y_labels, _x_ticks(lo, hi)),
        rects,
    )


def legend(series: list[Series]) -> list[dict]:
    """Legend entries with the same colour and dash pattern as the lines."""
    return [
        {"name": s.name, "colour": STYLES[i % len(STYLES)][0], "dash": STYLES[i % len(STYLES)][1]}
        for i, s in enumerate(series)
    ]
