"""Data-quality figures."""
from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from .base import PALETTE, layout


def flag_bars(counts: Sequence[tuple[str, int]], total: int, title: str, axis_title: str) -> go.Figure:
    """Responses carrying each flag, "n (share of all)" written on each bar."""
    labels = [label for label, _ in counts]
    fig = go.Figure(go.Bar(
        y=labels, x=[n for _, n in counts], orientation="h", marker_color=PALETTE[5],
        text=[f"{n}（{100 * n / total:.1f}%）" if total else str(n) for _, n in counts], textposition="outside", cliponaxis=False,
    ))
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1], type="category", automargin=True)
    # room on the right for the text of the longest bar
    fig.update_xaxes(title_text=f"{axis_title}（n = {total}）", gridcolor="#eee", range=[0, 1.25 * max([n for _, n in counts] + [1])])
    return layout(fig, title, height=140 + 60 * len(counts))
