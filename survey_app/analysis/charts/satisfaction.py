"""Satisfaction figures: mean index and share satisfied side by side for each domain or place,
and the answers to one question as 100% stacked bars."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from .base import PALETTE, layout
from .items import diverging_colours, wrap


@dataclass(frozen=True)
class SatisfactionRow:
    label: str
    n: int
    mean: float | None  # None: fewer than five respondents
    share: float | None  # 0-1


def _label(text: str, n: int, shown: bool) -> str:
    return f"{wrap(text, 12)}<br><sub>{f'n = {n}' if shown else 'n < 5'}</sub>"


def _mark_suppressed(fig: go.Figure, labels: Sequence[str], shown: Sequence[bool]) -> None:
    """"n < 5" where a suppressed row's bars would be, so that the empty row is not read as zero."""
    hidden = [label for label, ok in zip(labels, shown, strict=True) if not ok]
    if hidden:
        fig.add_trace(go.Scatter(y=hidden, x=[1] * len(hidden), mode="text", text=["n < 5"] * len(hidden),
                                 textposition="middle right", showlegend=False, hoverinfo="skip",
                                 textfont={"color": "#57606a"}))


def satisfaction_bars(rows: Sequence[SatisfactionRow], title: str, names: tuple[str, str]) -> go.Figure:
    """The mean index (0-100) and the share satisfied (%) on one 0-100 axis, a pair of bars per
    row, their values written beside them; a row under five respondents keeps its label only."""
    labels = [_label(r.label, r.n, r.mean is not None) for r in rows]
    fig = go.Figure()
    for values, name, colour, fmt in (
        ([r.mean for r in rows], names[0], PALETTE[0], "{:.1f}"),
        ([None if r.share is None else 100 * r.share for r in rows], names[1], PALETTE[1], "{:.0f}%"),
    ):
        fig.add_trace(go.Bar(
            y=labels, x=[v if v is not None else 0 for v in values], orientation="h", name=name, marker_color=colour,
            text=[fmt.format(v) if v is not None else "" for v in values], textposition="outside", cliponaxis=False,
            hovertemplate=f"%{{y}}<br>{name}: %{{x:.1f}}<extra></extra>",
        ))
    _mark_suppressed(fig, labels, [r.mean is not None for r in rows])
    fig.update_xaxes(range=[0, 108], tickvals=[0, 20, 40, 60, 80, 100], gridcolor="#eee")
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=labels, autorange="reversed")
    layout(fig, title, height=150 + 62 * len(rows))
    fig.update_layout(barmode="group", bargap=0.3, showlegend=True, margin={"t": 95},
                      legend={"orientation": "h", "x": 0, "y": 1, "yanchor": "bottom", "traceorder": "normal"})
    return fig


@dataclass(frozen=True)
class ShareRow:
    label: str
    n: int
    shares: Sequence[float] | None  # 0-1 per answer; None: fewer than five


def answer_shares(rows: Sequence[ShareRow], answer_labels: Sequence[str], title: str) -> go.Figure:
    """100% stacked bars, the answers ordered from favourable to unfavourable (blue to
    vermillion, the same colours as the item charts), the share on each segment."""
    colours = diverging_colours(len(answer_labels))[::-1]
    labels = [_label(r.label, r.n, r.shares is not None) for r in rows]
    fig = go.Figure()
    for i, name in enumerate(answer_labels):
        shares = [100 * r.shares[i] if r.shares is not None else 0.0 for r in rows]
        fig.add_trace(go.Bar(
            y=labels, x=shares, orientation="h", name=name, marker={"color": colours[i], "line": {"color": "#fff", "width": 0.5}},
            text=[f"{s:.0f}%" if s >= 5 else "" for s in shares], textposition="inside", insidetextanchor="middle",
            textangle=0, textfont={"color": "#fff" if colours[i] in (PALETTE[0], PALETTE[5]) else "#1b1f24"},
            hovertemplate=f"%{{y}}<br>{name}: %{{x:.1f}}%<extra></extra>",
        ))
    _mark_suppressed(fig, labels, [r.shares is not None for r in rows])
    fig.update_xaxes(range=[0, 100], ticksuffix="%", gridcolor="#eee")
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=labels, autorange="reversed")
    layout(fig, title, height=150 + 50 * len(rows))
    fig.update_layout(barmode="stack", bargap=0.3, showlegend=True, uniformtext={"minsize": 11, "mode": "hide"}, margin={"t": 95},
                      legend={"orientation": "h", "x": 0, "y": 1, "yanchor": "bottom", "traceorder": "normal"})
    return fig
