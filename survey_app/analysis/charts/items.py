"""Likert items as diverging stacked bars (Robbins & Heiberger, the HH package): the
unfavourable points left of zero, the favourable right, the midpoint split across zero, so that
bars line up on the neutral answer and their lengths compare at a glance."""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from .base import layout

# Okabe-Ito vermillion/orange and blue/sky blue, lightened towards the middle: the two sides
# stay apart with every common colour-vision deficiency.  Darkest first (the scale's ends).
_LOW = ("#D55E00", "#E69F00", "#F0C36A", "#F7DDA8", "#FBEED3")
_HIGH = ("#0072B2", "#56B4E9", "#A6D5F2", "#D3EAF8", "#EAF4FB")
NEUTRAL = "#C8C8C8"
_LIGHT_TEXT = {"#D55E00", "#0072B2"}


def diverging_colours(k: int) -> list[str]:
    """Colours for ``k`` ordered points, low to high: a neutral grey in the middle when k is odd."""
    side = k // 2
    low = [_LOW[min(i, len(_LOW) - 1)] for i in range(side)]
    high = [_HIGH[min(i, len(_HIGH) - 1)] for i in range(side)][::-1]
    return low + ([NEUTRAL] if k % 2 else []) + high


_CJK = r"[\u2e80-\u9fff\uff00-\uffef]"
# a short bracketed remark such as （反向题）, a Chinese character with the punctuation after
# it, or a Latin word with its space: the units a line may break between
_TOKENS = re.compile(rf"（[^）]{{1,6}}）\S*?(?={_CJK}|\s|$)|\S\S*?(?={_CJK}|\s|$)\s*|\s+")


_CLOSING, _OPENING = ("Pe", "Pf", "Po"), ("Ps", "Pi")


def _width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _lines(tokens: Sequence[str], columns: int) -> list[str]:
    lines, line = [], ""
    for token in tokens:
        # never a line opening with closing punctuation, nor ending with an opening bracket
        if (line and sum(map(_width, (line + token).rstrip())) > columns and unicodedata.category(token[0]) not in _CLOSING
                and unicodedata.category(line.rstrip()[-1]) not in _OPENING):
            lines.append(line.rstrip())
            line = ""
        line += token
    return [*lines, line.rstrip()] if line.strip() else lines


def wrap(text: str, width: int = 16) -> str:
    """``text`` broken with <br> into lines of at most ``width`` columns (a Chinese character
    is two, a Latin letter one), as even as that many lines allow, so that no line is one
    character long: between Chinese characters, never before closing punctuation, and at spaces
    between Latin words.  Plotly does not wrap tick labels itself."""
    tokens = _TOKENS.findall(text)
    lines = _lines(tokens, width * 2)
    total = sum(map(_width, text))
    for columns in range(-(-total // max(len(lines), 1)), width * 2):
        even = _lines(tokens, columns)
        if len(even) <= len(lines):
            return "<br>".join(even)
    return "<br>".join(lines)


@dataclass(frozen=True)
class LikertRow:
    item: str  # the item's label as shown
    wave: str  # the bar's wave, as shown
    n: int
    shares: Sequence[float] | None  # 0-1 per scale point, low to high; None: fewer than five


def _order(k: int) -> list[int]:
    """Points in the order their traces stack, nearest the middle first (relative bar mode
    stacks each side outwards in trace order)."""
    mid = (k - 1) / 2
    return sorted(range(k), key=lambda i: (abs(i - mid), i))


def likert_bars(rows: Sequence[LikertRow], point_labels: Sequence[str], title: str, axis_title: str) -> go.Figure:
    """One horizontal bar per item and wave, grouped by item; the share at each point on its
    segment, n beside the wave, a suppressed bar marked "n < 5" and left empty."""
    k = len(point_labels)
    colours = diverging_colours(k)
    mid = (k - 1) / 2
    # n goes in its own column on the right: in the wave's label it would make every label
    # unique, and Plotly orders a multicategory axis's inner labels by first appearance overall.
    y = [[wrap(r.item) for r in rows], [r.wave for r in rows]]
    fig = go.Figure()
    for i in _order(k):
        split = i == mid  # the neutral point: half each side of zero
        sides = (-0.5, 0.5) if split else ((-1.0,) if i < mid else (1.0,))
        for part, sign in enumerate(sides):
            shares = [r.shares[i] if r.shares is not None else 0.0 for r in rows]
            fig.add_trace(go.Bar(
                y=y, x=[sign * 100 * s for s in shares], orientation="h", name=point_labels[i],
                marker={"color": colours[i], "line": {"color": "#fff", "width": 0.5}},
                legendgroup=str(i), legendrank=i, showlegend=part == 0,
                # the neutral share is written once, across zero, by the text trace below
                text=["" if split or s < 0.05 else f"{100 * s:.0f}%" for s in shares],
                textposition="inside", insidetextanchor="middle", textangle=0,
                textfont={"color": "#fff" if colours[i] in _LIGHT_TEXT else "#1b1f24", "size": 12},
                customdata=[100 * s for s in shares],
                hovertemplate=f"%{{y}}<br>{point_labels[i]}: %{{customdata:.1f}}%<extra></extra>",
            ))
    notes = [
        ("n < 5" if r.shares is None else f"{100 * r.shares[int(mid)]:.0f}%" if k % 2 and r.shares[int(mid)] >= 0.05 else "")
        for r in rows
    ]
    fig.add_trace(go.Scatter(y=y, x=[0.0] * len(rows), mode="text", text=notes, showlegend=False, hoverinfo="skip",
                             textfont={"color": "#1b1f24", "size": 12}))
    reach = max([_side(r, k, -1) for r in rows] + [_side(r, k, 1) for r in rows] + [10.0])
    edge = min(100.0, 10 * math.ceil(reach / 10 + 0.05))
    fig.add_trace(go.Scatter(
        y=y, x=[edge] * len(rows), mode="text", textposition="middle right", cliponaxis=False, showlegend=False,
        hoverinfo="skip", text=[f"n = {r.n}" if r.shares is not None else "n < 5" for r in rows],
        textfont={"color": "#57606a", "size": 12},
    ))
    ticks = [t for t in range(-100, 101, 20 if edge > 50 else 10) if abs(t) <= edge]
    fig.update_xaxes(range=[-edge, edge], tickvals=ticks, ticktext=[f"{abs(t)}%" for t in ticks], title_text=axis_title,
                     zeroline=True, zerolinecolor="#555", zerolinewidth=1, gridcolor="#eee")
    fig.update_yaxes(autorange="reversed", type="multicategory", dividercolor="#ccc")
    layout(fig, title, height=170 + 34 * len(rows))
    fig.update_layout(
        barmode="relative", bargap=0.25, showlegend=True, uniformtext={"minsize": 12, "mode": "hide"},
        legend={"orientation": "h", "x": 0, "y": 1, "yanchor": "bottom", "traceorder": "normal"},
        margin={"t": 100, "r": 80},
    )
    return fig


def _side(row: LikertRow, k: int, sign: int) -> float:
    """How far a bar reaches left (sign -1) or right (+1) of zero, in percent."""
    if row.shares is None:
        return 0.0
    mid = (k - 1) / 2
    return 100 * sum(s * (0.5 if i == mid else 1.0) for i, s in enumerate(row.shares) if (i - mid) * sign >= 0)
