"""Plotly reads its text as a small HTML: ``<a href>``, ``<span style>``, ``<b>``.  A site name or
a questionnaire label must show as typed, never as a link or styled text, so every string of a
figure is escaped (Plotly shows ``&lt;`` as ``<``), and then the few tags the builders write
themselves are let through again.  At most a name could then add a line break."""
from __future__ import annotations

import html
from typing import Any

#: the markup the chart builders use: line breaks, the "n = ..." subscripts, an empty hover box
OWN_MARKUP = ("<br>", "<sub>", "</sub>", "<extra></extra>")
_RESTORE = [(html.escape(tag, quote=False), tag) for tag in OWN_MARKUP]


def inert(value: Any) -> Any:
    """The figure (a dict from ``to_dict``/``to_json``) with all text made plain."""
    if isinstance(value, str):
        text = html.escape(value, quote=False)
        for escaped, tag in _RESTORE:
            text = text.replace(escaped, tag)
        return text
    if isinstance(value, list):
        return [inert(v) for v in value]
    if isinstance(value, dict):
        return {k: inert(v) for k, v in value.items()}
    return value
