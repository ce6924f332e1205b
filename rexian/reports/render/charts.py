"""The reports' charts as PNG images (matplotlib, Agg), for the Word and PDF files.

Drawn from a chart block's labels and values (content.py): a line for a trend by day, bars
for a trend by month or a breakdown by type, horizontal bars for rankings (categories,
units). Chinese needs a CJK font file (fonts.py); without one `FontMissing` is raised.
"""

from __future__ import annotations

import io
import logging

from rexian.reports.content import display
from rexian.reports.render.fonts import chart_font_path

# matplotlib tells at WARNING level that a CJK font has no "normal" weight (WenQuanYi is "medium"): harmless.
logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)

COLOUR = "#c0392b"  # the red of a government document's masthead
GRID = "#dddddd"


def _font(size: float):
    from matplotlib.font_manager import FontProperties

    return FontProperties(fname=chart_font_path(), size=size)


def chart_png(block: dict, *, width: float = 6.3, height: float = 2.8, dpi: int = 150) -> bytes:
    """The chart of `block` as PNG bytes, `width` × `height` inches. Raises FontMissing without a CJK font."""
    import matplotlib

    # CJK fonts lack U+2212 (the typographic minus matplotlib uses on axes): a hyphen-minus instead.
    with matplotlib.rc_context({"axes.unicode_minus": False}):
        return _draw(block, width, height, dpi)


def _draw(block: dict, width: float, height: float, dpi: int) -> bytes:
    from matplotlib.figure import Figure

    font, small = _font(10), _font(8)
    labels, values = block["labels"], [v or 0 for v in block["values"]]
    kind, fmt = block["chart"], block.get("format", "count")
    shown = [v * 100 for v in values] if fmt == "score" else values
    if kind == "barh":
        height = max(height, 0.35 * len(labels) + 0.8)
    figure = Figure(figsize=(width, height), dpi=dpi)
    axes = figure.add_subplot()
    axes.set_title(block["title"], fontproperties=font)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if kind == "line":
        positions = range(len(shown))
        axes.plot(positions, shown, color=COLOUR, marker="o", markersize=3, linewidth=1.5)
        axes.fill_between(positions, shown, color=COLOUR, alpha=0.08)
        step = max(1, len(labels) // 10)
        axes.set_xticks(list(positions)[::step], labels[::step], fontproperties=small)
        axes.set_ylim(bottom=0)
        axes.grid(axis="y", color=GRID)
    elif kind == "barh":
        positions = list(range(len(shown)))[::-1]  # the first row on top
        bars = axes.barh(positions, shown, color=COLOUR)
        axes.set_yticks(positions, labels, fontproperties=small)
        axes.grid(axis="x", color=GRID)
        axes.bar_label(bars, labels=[display(v, fmt) for v in values], fontproperties=small, padding=2)
        axes.margins(x=0.15)
    else:
        positions = list(range(len(shown)))
        bars = axes.bar(positions, shown, color=COLOUR, width=0.6)
        pad = max(0.0, (6 - len(shown)) / 2)  # one or two bars stay bars, not a wall
        axes.set_xlim(-0.5 - pad, len(shown) - 0.5 + pad)
        step = max(1, len(labels) // 12)
        crowded = len(labels) > 6 and max((len(label) for label in labels), default=0) > 4
        axes.set_xticks(positions[::step], labels[::step], fontproperties=small,
                        rotation=45 if crowded else 0, ha="right" if crowded else "center")
        axes.grid(axis="y", color=GRID)
        if len(shown) <= 16:
            axes.bar_label(bars, labels=[display(v, fmt) for v in values], fontproperties=small, padding=2)
        axes.margins(y=0.15)
    axes.set_axisbelow(True)
    if not any(shown):  # nothing in the period: an axis from 0 to 1, not -0.04 to 0.04
        (axes.set_xlim if kind == "barh" else axes.set_ylim)(0, 1)
    if fmt == "count":  # whole orders: no 2.5 on the axis
        from matplotlib.ticker import MaxNLocator

        (axes.xaxis if kind == "barh" else axes.yaxis).set_major_locator(MaxNLocator(integer=True))
    for label in axes.get_yticklabels() if kind != "barh" else axes.get_xticklabels():
        label.set_fontproperties(small)
    unit = block.get("unit") or ""
    if unit:
        (axes.set_xlabel if kind == "barh" else axes.set_ylabel)(unit, fontproperties=small)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
