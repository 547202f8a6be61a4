"""The awareness pre/post dashboard.  Filters live in the URL so that a view can be shared."""
from __future__ import annotations

import json
from pathlib import Path

import brotli
import plotly
from flask import Response, abort, render_template, request
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select

from ..analysis.charts import ForestRow, forest, prepost_bars
from ..analysis.figures import PlaceError, merged, place_for, prepost_of, reliability
from ..analysis.queries import paired_scores_by
from ..analysis.stats import MIN_CELL, paired
from ..auth.scope import Scope
from ..extensions import db
from ..instruments import find_version, parsed
from ..models import County, Questionnaire, Site, Team
from . import bp

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


@bp.get("/awareness")
@login_required
def awareness():
    scope = Scope.of(current_user)
    questionnaire = request.args.get("questionnaire", "awareness")
    index = request.args.get("index", "awareness")
    try:
        place = place_for(db.session, scope, request.args.get("county") or None, request.args.get("team") or None)
    except PlaceError as exc:
        abort(exc.status)
    # The programme office compares counties; a county compares its teams; a team its sites.
    group = "county" if place.county_id is None else "team" if place.team_id is None else "site"
    names = _names(group)
    stored = db.session.get(Questionnaire, questionnaire)
    version = find_version(db.session, questionnaire, stored.current_version) if stored else None
    if version is None:
        abort(404)
    with db.engine.connect() as connection:
        groups = paired_scores_by(connection, questionnaire, index, place, group)
        alpha = reliability(connection, parsed(version), index, place)
    overall = prepost_of(merged(groups))  # the same pairs: no second pairing query
    rows = []
    for key, scores in sorted(groups.items(), key=lambda kv: names.get(kv[0], "")):
        if key is None:
            continue
        result = paired(scores.pre, scores.post)
        ok = result.n_pairs >= MIN_CELL
        rows.append(ForestRow(names.get(key, str(key)), result.n_pairs, result.mean_diff if ok else None, result.ci95 if ok else None))
    charts = [
        prepost_bars(overall["pre_mean"], overall["post_mean"], overall["n_pairs"], gettext("配对受访者的认知指数"),
                     (gettext("前测"), gettext("后测"))),
        forest(rows, gettext("认知指数变化（后测 − 前测，95% 置信区间）"), gettext("变化（0-100 分）")),
    ]
    counties = db.session.scalars(select(County).order_by(County.code)).all() if scope.is_programme else []
    return render_template(
        "dashboard/awareness.html", overall=overall, charts=[json.loads(c.to_json()) for c in charts], group=group,
        counties=counties, county=request.args.get("county", ""), min_cell=MIN_CELL, alpha=alpha,
    )


def _names(group: str) -> dict[int, str]:
    if group == "county":
        return {row.id: row.name for row in db.session.execute(select(County.id, County.name))}
    if group == "team":
        return {row.id: row.name for row in db.session.execute(select(Team.id, Team.name))}
    return {row.id: f"{row.township} · {row.name}" for row in db.session.execute(select(Site.id, Site.township, Site.name))}
