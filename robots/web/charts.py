"""Server-side SVG charts for the dashboard: data in, an SVG string out. Pure, no JavaScript.

Charts are drawn here rather than by a chart library in the browser: the desk serves no scripts
beyond htmx, works without network, and the charts print and screenshot as they look. Every chart
has a <title> and a <desc> (screen readers), axis labels and a legend in Danish.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 28, 40
SERIES_COLOURS = {"done": "#1a7f37", "manual": "#d4a72c", "failed": "#b42318"}
PALETTE = ("#0b5cad", "#1a7f37", "#8250df", "#d4a72c", "#b42318", "#57606a", "#bf3989")


@dataclass(frozen=True)
class Bar:
    """One bar (or stack): its label on the x axis and its values per series, in series order."""

    label: str
    values: tuple[float, ...]


def nice_max(value: float) -> float:
    """The top of the y axis: 1, 2 or 5 times a power of ten, at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1.0
    power = 1.0
    while power * 10 <= value:
        power *= 10
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return float(step * power)
    return 10 * power  # pragma: no cover - the loop always returns


def _fmt(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}".replace(".", ",")


def _svg(title: str, desc: str, body: list[str], legend: Sequence[tuple[str, str]]) -> Markup:
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" class="chart" '
             f'font-family="system-ui, sans-serif" font-size="11">',
             f"<title>{escape(title)}</title>", f"<desc>{escape(desc)}</desc>", *body]
    x = LEFT
    for name, colour in legend:
        parts.append(f'<rect x="{x}" y="8" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 14}" y="17">{escape(name)}</text>')
        x += 22 + 7 * len(name)
    parts.append("</svg>")
    return Markup("".join(parts))


def _axes(top: float, unit: str) -> list[str]:
    """The y axis with five gridlines from 0 to ``top``."""
    plot_h = HEIGHT - TOP - BOTTOM
    out = []
    for i in range(5):
        value = top * i / 4
        y = HEIGHT - BOTTOM - plot_h * i / 4
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d8dee4"/>'
                   f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#5f6b76">{_fmt(value)}{unit}</text>')
    return out


def _x_labels(labels: Sequence[str], slot: float, every: int) -> list[str]:
    return [f'<text x="{LEFT + slot * (i + 0.5):.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle" '
            f'fill="#5f6b76">{escape(label)}</text>'
            for i, label in enumerate(labels) if i % every == 0]


def stacked_bars(title: str, bars: Sequence[Bar], series: Sequence[tuple[str, str]], *, unit: str = "",
                 x_caption: str = "", y_caption: str = "") -> Markup:
    """Bars whose series are stacked: ``series`` is (label, colour) per value of a bar."""
    top = nice_max(max((sum(b.values) for b in bars), default=0))
    plot_h, plot_w = HEIGHT - TOP - BOTTOM, WIDTH - LEFT - RIGHT
    slot = plot_w / max(len(bars), 1)
    body = _axes(top, unit)
    for i, bar in enumerate(bars):
        y = HEIGHT - BOTTOM
        for (name, colour), value in zip(series, bar.values, strict=True):
            if value <= 0:
                continue
            h = plot_h * value / top
            y -= h
            body.append(f'<rect x="{LEFT + slot * i + slot * 0.15:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
                        f'height="{h:.1f}" fill="{colour}"><title>{escape(bar.label)}: {escape(name)} '
                        f'{_fmt(value)}{escape(unit)}</title></rect>')
    body += _x_labels([b.label for b in bars], slot, max(1, len(bars) // 10))
    body += _captions(x_caption, y_caption)
    total = sum(sum(b.values) for b in bars)
    return _svg(title, f"{len(bars)} søjler, i alt {_fmt(total)}{unit}.", body, series)


def grouped_bars(title: str, groups: Sequence[Bar], series: Sequence[str], *, unit: str = "", top: float | None = None,
                 x_caption: str = "", y_caption: str = "") -> Markup:
    """Per group (e.g. a month) one bar per series (e.g. a process) side by side; a NaN value draws no bar."""
    top = top or nice_max(max((v for g in groups for v in g.values if v == v), default=0))
    plot_h, plot_w = HEIGHT - TOP - BOTTOM, WIDTH - LEFT - RIGHT
    slot = plot_w / max(len(groups), 1)
    width = slot * 0.8 / max(len(series), 1)
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(series))]
    body = _axes(top, unit)
    for i, group in enumerate(groups):
        for j, value in enumerate(group.values):
            if value != value:  # NaN: nothing finished in that group
                continue
            h = plot_h * min(value, top) / top
            body.append(f'<rect x="{LEFT + slot * i + slot * 0.1 + width * j:.1f}" y="{HEIGHT - BOTTOM - h:.1f}" '
                        f'width="{width:.1f}" height="{h:.1f}" fill="{colours[j]}"><title>{escape(group.label)}: '
                        f'{escape(series[j])} {_fmt(value)}{escape(unit)}</title></rect>')
    body += _x_labels([g.label for g in groups], slot, 1)
    body += _captions(x_caption, y_caption)
    return _svg(title, f"{len(groups)} grupper × {len(series)} serier.", body, list(zip(series, colours, strict=True)))


def _captions(x_caption: str, y_caption: str) -> list[str]:
    out = []
    if x_caption:
        out.append(f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 6}" text-anchor="middle" '
                   f'fill="#5f6b76">{escape(x_caption)}</text>')
    if y_caption:
        out.append(f'<text x="12" y="{(TOP + HEIGHT - BOTTOM) / 2}" text-anchor="middle" fill="#5f6b76" '
                   f'transform="rotate(-90 12 {(TOP + HEIGHT - BOTTOM) / 2})">{escape(y_caption)}</text>')
    return out


__all__ = ["SERIES_COLOURS", "Bar", "grouped_bars", "nice_max", "stacked_bars"]
