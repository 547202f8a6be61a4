"""What every dashboard page shares: plotly.js served by the app, the filters read from the
URL, the page rendered with them and its charts, the page's language."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import brotli
import plotly
from flask import Response, render_template, request
from flask_babel import get_locale
from flask_login import current_user

from ..analysis import snapshots
from ..analysis.charts.inert import inert
from ..analysis.stats import MIN_CELL
from ..auth.scope import Scope
from ..extensions import db
from . import bp
from .filters import Filters, read

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
_compressed: dict[str, bytes] = {}


@bp.get("/plotly.min.js")
def plotly_js():
    """plotly.js from the installed plotly package (never a CDN), compressed once per process:
    4.8 MB as it comes, about 1 MB with brotli, cached by the browser for a year."""
    data = PLOTLY_JS.read_bytes()
    headers = {"Cache-Control": "public, max-age=31536000", "Vary": "Accept-Encoding"}
    if "br" in request.headers.get("Accept-Encoding", ""):
        if "br" not in _compressed:
            _compressed["br"] = brotli.compress(data, quality=9)
        return Response(_compressed["br"], mimetype="text/javascript", headers={**headers, "Content-Encoding": "br"})
    return Response(data, mimetype="text/javascript", headers=headers)


def render(template: str, filters: Filters | None, **context: Any) -> str:
    """A dashboard page: its filters, the links to the other pages keeping them, its charts as
    Plotly JSON (the figures are built by ``analysis.charts``, shared with the PDF reports)."""
    charts = [inert(json.loads(c.to_json())) for c in context.pop("charts", [])]
    return render_template(
        template, filters=filters, nav_query=filters.query() if filters else "", charts=charts, min_cell=MIN_CELL,
        lang=lang(), stale_since=snapshots.stale_since(), **context,
    )


def read_filters(default_questionnaire: str) -> Filters:
    return read(db.session, Scope.of(current_user), request.args, default_questionnaire)


def lang() -> str:
    """The page's language, for the questionnaires' bilingual labels."""
    return "en" if str(get_locale() or "zh").startswith("en") else "zh"
