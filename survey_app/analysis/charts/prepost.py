"""Pre/post figures: means, forest plot of changes, distributions."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from .base import PALETTE, layout


@dataclass(frozen=True)
class ForestRow:
    label: str
    n: int
    mean_diff: float | None  # None: suppressed (fewer than five pairs) or not computable
    ci95: tuple[float, float] | None


def forest(rows: Sequence[ForestRow], title: str, axis_title: str) -> go.Figure:
    """Mean change with its 95% CI, one row per place; n under every label; a place with too
    few pairs keeps its row, marked "n < 5", with no point."""
    labels = [f"{r.label}<br><sub>n = {r.n}</sub>" if r.mean_diff is not None else f"{r.label}<br><sub>n < 5</sub>" for r in rows]
    shown = [r for r in rows if r.mean_diff is not None]
    fig = go.Figure()
    fig.add_vline(x=0, line={"color": "#888", "width": 1, "dash": "dot"})
    fig.add_trace(go.Scatter(
        x=[r.mean_diff for r in shown],
        y=[labels[rows.index(r)] for r in shown],
        mode="markers+text",
        marker={"size": 11, "color": PALETTE[0], "symbol": "square"},
        text=[f"{r.mean_diff:+.1f}" for r in shown],
        textposition="top center",
        error_x={
            "type": "data", "symmetric": False, "color": PALETTE[0], "thickness": 2,
            "array": [r.ci95[1] - r.mean_diff if r.ci95 and r.mean_diff is not None else 0 for r in shown],
            "arrayminus": [r.mean_diff - r.ci95[0] if r.ci95 and r.mean_diff is not None else 0 for r in shown],
        },
        hovertemplate="%{y}: %{x:+.1f}<extra></extra>",
    ))
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1], type="category")
    fig.update_xaxes(title_text=axis_title, zeroline=False, gridcolor="#eee")
    return layout(fig, title, height=140 + 52 * len(rows))


def prepost_bars(pre_mean: float | None, post_mean: float | None, n_pairs: int, title: str, labels: tuple[str, str]) -> go.Figure:
    """Baseline and follow-up means of the paired respondents, the numbers on the bars."""
    fig = go.Figure(go.Bar(
        x=list(labels), y=[pre_mean or 0, post_mean or 0], marker_color=[PALETTE[1], PALETTE[0]],
        text=[f"{v:.1f}" if v is not None else "n < 5" for v in (pre_mean, post_mean)], textposition="outside",
    ))
    fig.update_yaxes(range=[0, 100], gridcolor="#eee")
    fig.update_xaxes(title_text=f"n = {n_pairs}")
    return layout(fig, title, height=380)


def _box_stats(values: Sequence[float]) -> dict[str, float]:
    """Quartiles and Tukey's whiskers (the furthest values within 1.5 IQR): a box is drawn from
    these five numbers, so the page carries no respondent's own score."""
    array = np.asarray(values, dtype=float)
    q1, median, q3 = (float(v) for v in np.percentile(array, [25, 50, 75]))
    reach = 1.5 * (q3 - q1)
    inside = array[(array >= q1 - reach) & (array <= q3 + reach)]
    return {"q1": q1, "median": median, "q3": q3, "lowerfence": float(inside.min()), "upperfence": float(inside.max()),
            "mean": float(array.mean())}


def distributions(pre: Sequence[float], post: Sequence[float], title: str, labels: tuple[str, str]) -> go.Figure:
    """Box plots of baseline and follow-up scores (quartiles, whiskers, mean as a dashed line)."""
    fig = go.Figure()
    for i, (values, label) in enumerate(zip((pre, post), labels, strict=True)):
        s = _box_stats(values)
        fig.add_trace(go.Box(
            x=[f"{label}<br><sub>n = {len(values)}</sub>"], q1=[s["q1"]], median=[s["median"]], q3=[s["q3"]],
            lowerfence=[s["lowerfence"]], upperfence=[s["upperfence"]], mean=[s["mean"]], boxmean=True,
            marker_color=PALETTE[1 - i], name=label,
        ))
    fig.update_yaxes(range=[0, 100], gridcolor="#eee", title_text="0-100")
    return layout(fig, title, height=380)
