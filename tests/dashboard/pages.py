"""Reading a dashboard page in tests: the Plotly figures the server put beside each chart box."""
from __future__ import annotations

import json
import re


def figures(page: str) -> list[dict]:
    return [json.loads(m) for m in re.findall(r'<script type="application/json" data-figure="\d+">(.*?)</script>', page, re.S)]
