"""Team activity figures: totals stacked by service domain (by month, by place) and the
domains side by side.  Every category names its number of records; every bar its total."""
from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from .base import PALETTE, layout

#: (label, one value per category): a series of a stacked chart, e.g. one service domain
Series = tuple[str, Sequence[float]]


def _number(value: float) -> str:
    return f"{value:,.0f}"


def _with_n(labels: Sequence[str], n: Sequence[int]) -> list[str]:
    return [f"{label}<br><sub>n = {k}</sub>" for label, k in zip(labels, n, strict=True)]


def _stacked(categories: list[str], n: Sequence[int], series: Sequence[Series], horizontal: bool) -> go.Figure:
    fig = go.Figure()
    for i, (label, values) in enumerate(series):
        xy = {"x": list(values), "y": categories} if horizontal else {"x": categories, "y": list(values)}
        fig.add_trace(go.Bar(
            **xy, name=label, orientation="h" if horizontal else "v", marker_color=PALETTE[i % len(PALETTE)],
            hovertemplate=f"{label}: %{{{'x' if horizontal else 'y'}:,.0f}}<extra></extra>",
        ))
    totals = [sum(values[i] for _, values in series) for i in range(len(categories))]
    # A category without records gets no total: it is missing, not zero.
    text = [_number(t) if k else "" for t, k in zip(totals, n, strict=True)]
    where = {"x": totals, "y": categories} if horizontal else {"x": categories, "y": totals}
    fig.add_trace(go.Scatter(
        **where, mode="text", text=text, textposition="middle right" if horizontal else "top center",
        cliponaxis=False, showlegend=False, hoverinfo="skip", textfont={"size": 13 if len(categories) <= 18 else 10},
    ))
    top = max(totals, default=0) * 1.15 or 1
    value_axis = {"range": [0, top], "gridcolor": "#eee", "tickformat": ",d"}
    fig.update_layout(
        barmode="stack",
        legend={"orientation": "h", "traceorder": "normal", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom",
                "font": {"size": 13}},
    )
    return fig.update_xaxes(**value_axis) if horizontal else fig.update_yaxes(**value_axis)


def stacked_by_month(months: Sequence[str], n: Sequence[int], series: Sequence[Series], title: str) -> go.Figure:
    """One stacked bar a month (a month without records keeps its place, with n = 0), the
    month's total above it."""
    categories = _with_n(months, n)
    fig = _stacked(categories, n, series, horizontal=False)
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=categories)
    layout(fig, title, height=460)
    return fig.update_layout(showlegend=True, margin={"t": 110, "b": 70})


def stacked_by_place(places: Sequence[str], n: Sequence[int], series: Sequence[Series], title: str) -> go.Figure:
    """One horizontal stacked bar a county or team, its total at the end, n under its name."""
    categories = _with_n(places, n)
    fig = _stacked(categories, n, series, horizontal=True)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=categories[::-1])
    layout(fig, title, height=170 + 46 * len(places))
    return fig.update_layout(showlegend=True, margin={"t": 110, "r": 70})


def domain_bars(domains: Sequence[str], totals: Sequence[float], n: int, title: str, axis_title: str) -> go.Figure:
    """People served in each service domain, the number and its share of all on each bar; the
    colours are those of the stacked charts, domain for domain."""
    whole = sum(totals)
    text = [f"{_number(t)}（{100 * t / whole:.0f}%）" if whole else _number(t) for t in totals]
    fig = go.Figure(go.Bar(
        x=list(totals), y=list(domains), orientation="h", marker_color=[PALETTE[i % len(PALETTE)] for i in range(len(domains))],
        text=text, textposition="outside", cliponaxis=False, hovertemplate="%{y}: %{x:,.0f}<extra></extra>",
    ))
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=list(domains)[::-1])
    fig.update_xaxes(range=[0, max(totals, default=0) * 1.3 or 1], gridcolor="#eee", tickformat=",d",
                     title_text=f"{axis_title}（n = {n}）")
    layout(fig, title, height=150 + 44 * len(domains))
    return fig
