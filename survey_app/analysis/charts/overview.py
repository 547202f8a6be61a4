"""Overview figures: responses collected by month, and sites reached at each wave."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from .base import MANY, PALETTE, layout


def responses_by_month(months: Sequence[str], series: dict[str, Sequence[int]], title: str, total_label: str) -> go.Figure:
    """Stacked bars: one colour per county (or team, or site), the month's total above each bar."""
    fig = go.Figure()
    colours = PALETTE if len(series) <= len(PALETTE) else MANY
    for i, (name, counts) in enumerate(series.items()):
        fig.add_trace(go.Bar(x=list(months), y=list(counts), name=name, marker_color=colours[i % len(colours)],
                             hovertemplate=f"{name} %{{x}}: %{{y}}<extra></extra>"))
    totals = [sum(counts[j] for counts in series.values()) for j in range(len(months))]
    fig.add_trace(go.Scatter(x=list(months), y=totals, mode="text", text=[str(t) for t in totals],
                             textposition="top center", showlegend=False, hoverinfo="skip"))
    fig.update_layout(barmode="stack", showlegend=True, legend={"orientation": "h", "y": -0.2})
    fig.update_xaxes(type="category", title_text=total_label)
    fig.update_yaxes(gridcolor="#eee", rangemode="tozero")
    out = layout(fig, title, height=440)
    out.update_layout(showlegend=len(series) > 1)
    return out


@dataclass(frozen=True)
class CoverageRow:
    label: str
    sites: int
    reached_pre: int
    reached_post: int


def coverage(rows: Sequence[CoverageRow], title: str, labels: tuple[str, str], axis_title: str) -> go.Figure:
    """Share of sites reached at baseline and at follow-up per county (or team), "reached / all"
    written on each bar."""
    names = [r.label for r in rows]
    fig = go.Figure()
    for i, (wave_label, reached) in enumerate(zip(labels, ([r.reached_pre for r in rows], [r.reached_post for r in rows]), strict=True)):
        fig.add_trace(go.Bar(
            y=names, x=[100 * n / r.sites if r.sites else 0 for n, r in zip(reached, rows, strict=True)], orientation="h",
            name=wave_label, marker_color=PALETTE[1 - i], text=[f"{n}/{r.sites}" for n, r in zip(reached, rows, strict=True)],
            textposition="outside", cliponaxis=False,
        ))
    fig.update_layout(barmode="group", showlegend=True, legend={"orientation": "h", "y": -0.15})
    fig.update_xaxes(range=[0, 110], title_text=axis_title, gridcolor="#eee")
    fig.update_yaxes(categoryorder="array", categoryarray=names[::-1], type="category")
    out = layout(fig, title, height=160 + 60 * len(rows))
    out.update_layout(showlegend=True)
    return out
