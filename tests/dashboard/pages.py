"""Reading a dashboard page in tests: the Plotly figures the server put beside each chart box."""
from __future__ import annotations

import html
import json
import re
from typing import Any


def figures(page: str) -> list[dict]:
    """The figures with their text as Plotly shows it: the server escapes every string
    (analysis/charts/inert.py) and Plotly turns ``&lt;`` back into ``<``."""
    return [_shown(json.loads(m)) for m in re.findall(r'<script type="application/json" data-figure="\d+">(.*?)</script>', page, re.S)]


def _shown(value: Any) -> Any:
    if isinstance(value, str):
        return html.unescape(value)
    if isinstance(value, list):
        return [_shown(v) for v in value]
    if isinstance(value, dict):
        return {k: _shown(v) for k, v in value.items()}
    return value
