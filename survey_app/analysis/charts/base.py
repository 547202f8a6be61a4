"""What every figure shares: the palette, the font, the layout."""
from __future__ import annotations

import plotly.graph_objects as go

#: Okabe-Ito: distinguishable with every common colour-vision deficiency
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
#: Paul Tol's "muted" scheme, for series of up to ten categories (ten counties) where Okabe-Ito's
#: eight colours would repeat; also safe for colour-vision deficiencies
MANY = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499", "#555555")
FONT = "Noto Sans CJK SC, Noto Sans SC, Sanqu Sans SC, sans-serif"


def layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"}, font={"family": FONT, "size": 15}, height=height,
        margin={"l": 10, "r": 20, "t": 60, "b": 50}, plot_bgcolor="#fff", paper_bgcolor="#fff", showlegend=False,
    )
    return fig


