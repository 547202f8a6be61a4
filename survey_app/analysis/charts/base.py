"""What every figure shares: the palette, the font, the layout."""
from __future__ import annotations

import plotly.graph_objects as go

#: Okabe-Ito: distinguishable with every common colour-vision deficiency
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
FONT = "Noto Sans CJK SC, Noto Sans SC, Sanqu Sans SC, sans-serif"


def layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"}, font={"family": FONT, "size": 15}, height=height,
        margin={"l": 10, "r": 20, "t": 60, "b": 50}, plot_bgcolor="#fff", paper_bgcolor="#fff", showlegend=False,
    )
    return fig


