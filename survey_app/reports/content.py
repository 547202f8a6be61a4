"""What an assessment report says, for one programme, county or team (and round): the same
findings as the dashboards (``survey_app.findings``), in Chinese, and what is the report's own
(the villages of a county, residents' comments, the method).  The report is in Chinese only: it
goes to the provincial department.

Small cells are suppressed as on the dashboards: figures from answers below five respondents
are None and the template writes "n < 5".
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, cast

from flask_babel import force_locale
from sqlalchemy import BigInteger, Table, func, literal, select
from sqlalchemy import cast as cast_
from sqlalchemy.engine import Connection

from .. import rounds
from ..analysis.queries import responses_where
from ..analysis.stats import MIN_CELL, Reliability, Unpaired
from ..database import DBSession
from ..findings.activity import Activity, activity
from ..findings.common import Chart, group_for, group_words, names_of
from ..findings.items import Items, items
from ..findings.prepost import McNemarRow, PlaceRow, PrePost, prepost, prepost_findings
from ..findings.quality import Quality, quality
from ..findings.satisfaction import Satisfaction, satisfaction
from ..instruments import current_definition as current
from ..models import Answer, County, Response, Team
from ..place import Place
from ..questionnaires import Definition
from .request import ReportRequest

_R = cast(Table, Response.__table__)
_A = cast(Table, Answer.__table__)
LANG = "zh"
#: the activity measures a report's table lists besides people served (a page's width allows six)
ACTIVITY_MEASURES = ("cases_opened", "cases_closed", "group_sessions", "community_events", "staff_trainings", "volunteer_hours")

PROGRAMME = "湖南省三区计划社会工作专业人才支持计划"
#: comments quoted in a report: at most this many in all and per place
COMMENTS, COMMENTS_PER_PLACE = 8, 2
#: long runs of digits (phone, ID card, bank numbers) are blanked in quoted comments
_DIGITS = re.compile(r"[0-9０-９][0-9０-９ \-]{4,}[0-9０-９Xx]")


@dataclass
class Section:
    """A chart with the table that carries the same numbers (always printed: it is what is left
    when charts cannot be drawn, and it is what a reader copies figures from)."""

    key: str
    title: str
    figure: Callable[[], Any]  # makes the plotly Figure: only when it is drawn, in the drawer's thread
    size: tuple[int, int] = (900, 420)
    svg: str | None = None
    drawing: Future[Any] | None = None  # the SVG (or PNG) being drawn, when a drawer was given


#: starts drawing a chart as soon as its numbers are known (``export.Drawing.submit``)
Drawer = Callable[[Callable[[], Any], int, int], "Future[Any]"]


@dataclass
class ReportContent:
    request: ReportRequest
    scope_name: str
    period: str
    #: the period's first and last day in words (None: no round defined)
    period_dates: str | None
    generated: dt.datetime
    data_as_of: dt.datetime | None
    group: str
    group_word: str
    counts: dict[str, Any] = field(default_factory=dict)
    prepost: dict[str, Any] = field(default_factory=dict)
    index_label: str = ""
    awareness: PrePost | None = None
    #: the places compared (``findings.prepost``: counties, a county's teams, or villages)
    forest: list[PlaceRow] = field(default_factory=list)
    #: a county's or team's villages, when ``forest`` compares something else
    villages: list[PlaceRow] = field(default_factory=list)
    #: ``verdict.attrition_caution``: whether attrition may have biased the change
    caution: str | None = None
    unpaired: Unpaired | None = None
    mcnemar: list[McNemarRow] = field(default_factory=list)
    alpha: Reliability | None = None
    items: Items | None = None
    satisfaction: Satisfaction | None = None
    activity: Activity | None = None
    comments: list[dict[str, str]] = field(default_factory=list)
    quality: Quality | None = None
    method: dict[str, Any] = field(default_factory=dict)
    charts: dict[str, Section] = field(default_factory=dict)
    drawer: Drawer | None = field(default=None, repr=False)

    def add_chart(self, chart: Chart) -> None:
        section = Section(chart.key, chart.caption, chart.make, chart.size)
        self.charts[section.key] = section
        if self.drawer is not None:
            section.drawing = self.drawer(section.figure, *section.size)


def scope_name(session: DBSession, request: ReportRequest) -> str:
    if request.kind == "county":
        return session.scalar(select(County.name).where(County.code == request.code)) or str(request.code)
    if request.kind == "team":
        team = session.scalar(select(Team).where(Team.code == request.code))
        return f"{team.county.name} · {team.name}" if team else str(request.code)
    return "全省（全部项目县）"


def assemble(
    session: DBSession, connection: Connection, request: ReportRequest, place: Place, drawer: Drawer | None = None
) -> ReportContent:
    """Every figure the report shows, for the responses ``place`` picks (already scoped), from the
    same findings as the dashboards (``survey_app.findings``), in Chinese; ``drawer`` is handed
    each chart as soon as its figure is made."""
    with force_locale("zh"):
        return _assemble(session, connection, request, place, drawer)


def _assemble(session: DBSession, connection: Connection, request: ReportRequest, place: Place,
              drawer: Drawer | None) -> ReportContent:
    awareness = current(session, "awareness")
    group = group_for(connection, "awareness", place)
    period, dates = rounds.period(session, request.round_year)
    content = ReportContent(
        request=request, scope_name=scope_name(session, request), period=period, period_dates=dates,
        generated=dt.datetime.now(dt.UTC),
        data_as_of=connection.execute(select(func.max(_R.c.received_at)).where(*_in_place(place))).scalar(),
        group=group, group_word=group_words()[group], drawer=drawer,
    )
    if awareness is not None and awareness.indices:
        _awareness(content, connection, awareness, place)
    sat = current(session, "satisfaction")
    if sat is not None:
        content.satisfaction = satisfaction(connection, sat, place, LANG)
        if content.satisfaction is not None and content.satisfaction.by_domain:
            content.add_chart(content.satisfaction.charts[0])
    work = current(session, "activity")
    if work is not None:
        content.activity = activity(connection, work, place, LANG)
        if content.activity.overall.n:
            content.add_chart(next(c for c in content.activity.charts if c.key == "activity"))
    if awareness is not None:
        content.quality = quality(connection, awareness, place, listed=0)
        content.method.update(_method(awareness, sat))
    if sat is not None:
        content.comments = _comments(connection, place, names_of(connection, "county"))
    return content


def _in_place(place: Place) -> list[Any]:
    out = []
    for column, value in ((_R.c.county_id, place.county_id), (_R.c.team_id, place.team_id),
                          (_R.c.site_id, place.site_id), (_R.c.round_id, place.round_id)):
        if value is not None:
            out.append(column == value)
    return out


def _awareness(content: ReportContent, connection: Connection, qn: Definition, place: Place) -> None:
    found = prepost(connection, qn, qn.indices[0].id, place, LANG, content.group)
    content.awareness = found
    content.index_label = found.label
    content.prepost, content.forest, content.caution = found.found.figures, found.found.rows, found.found.caution
    if content.group != "site" and content.request.kind != "programme":
        # a county report also shows its villages (a programme report would list hundreds)
        content.villages = prepost_findings(connection, qn.id, qn.indices[0].id, place, "site").rows
    content.unpaired, content.mcnemar, content.alpha = found.unpaired, found.mcnemar, found.alpha
    for chart in found.charts:
        content.add_chart(chart)
    content.items = items(connection, qn, place, LANG)
    for chart in content.items.charts:
        content.add_chart(chart)


def _method(awareness: Definition, sat: Definition | None) -> dict[str, Any]:
    indices = []
    for qn in (awareness, sat):
        if qn is None:
            continue
        for index in qn.indices:
            indices.append({
                "label": index.label.zh if index.label else index.id, "questionnaire": qn.title.zh,
                "questions": [(i, qn.question(i).label.zh, i in index.reverse) for i in index.items],
            })
    return {"indices": indices, "min_cell": MIN_CELL}


def redact(text: str) -> str:
    """A comment as it may be quoted: long digit runs (phone, ID and bank numbers) blanked."""
    return _DIGITS.sub("［已隐去］", text).strip()


def _comments(connection: Connection, place: Place, county_names: dict[Any, str]) -> list[dict[str, str]]:
    """A few residents' comments, chosen fairly: in an order fixed by a hash of the response id
    (not by date, length or content), at most two a county, so that no county or voice
    dominates; quoted as plain text (the template escapes it) with long numbers blanked."""
    order = cast_(_R.c.id, BigInteger) * literal(2654435761, BigInteger) % literal(4294967291, BigInteger)
    rows = connection.execute(
        select(_R.c.county_id, _A.c.value_text)
        .select_from(_R.join(_A, _A.c.response_id == _R.c.id))
        .where(*responses_where("satisfaction", place), _A.c.question_id == "comments", _A.c.value_text.is_not(None))
        .order_by(order).limit(COMMENTS * 10)
    ).all()
    per_place: dict[Any, int] = defaultdict(int)
    seen: set[str] = set()
    out = []
    for county_id, text in rows:
        quoted = redact(text or "")
        digest = hashlib.sha256(quoted.encode()).hexdigest()
        if not quoted or digest in seen or per_place[county_id] >= COMMENTS_PER_PLACE:
            continue
        seen.add(digest)  # the same sentence from two people is quoted once
        per_place[county_id] += 1
        out.append({"county": county_names.get(county_id, ""), "text": quoted})
        if len(out) >= COMMENTS:
            break
    return out

