"""What an assessment report says, assembled from the same SQL aggregations, statistics and
figure builders as the dashboards, for one programme, county or team (and round).  The report
is in Chinese only: it goes to the provincial department.  No Flask here.

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

from sqlalchemy import BigInteger, Table, func, literal, select
from sqlalchemy import cast as cast_
from sqlalchemy.engine import Connection

from .. import rounds
from ..analysis import activity as activity_sql
from ..analysis import charts, flags, overview
from ..analysis import satisfaction as satisfaction_sql
from ..analysis.figures import reliability, yes_no_items
from ..analysis.findings import GROUP_WORDS, PlaceRow, group_for, names_of, prepost_findings
from ..analysis.flag_figures import flag_counts_in
from ..analysis.items import item_bars, point_counts, waves_present
from ..analysis.queries import Place, paired_yes_no, responses_where, scores_by_wave, summary
from ..analysis.stats import MIN_CELL, McNemar, Unpaired, mcnemar_table, unpaired
from ..database import DBSession
from ..instruments import find_version, parsed
from ..models import Answer, County, Questionnaire, Response, Team
from ..questionnaires import Questionnaire as Parsed
from .request import ReportRequest

_R = cast(Table, Response.__table__)
_A = cast(Table, Answer.__table__)

PROGRAMME = "湖南省三区计划社会工作专业人才支持计划"
WAVES = {"pre": "前测", "post": "后测"}
DOMAINS = {"disaster": "灾害", "community": "社区", "rural": "农村", "elderly": "老龄", "veterans": "优抚", "outreach": "宣传培训"}
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
    drawing: Future[str | None] | None = None  # the SVG being drawn, when a drawer was given


#: starts drawing a chart as soon as its numbers are known (``export.Drawing.submit``)
Drawer = Callable[[Callable[[], Any], int, int], "Future[str | None]"]


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
    #: the places compared (``analysis.findings``: counties, a county's teams, or villages)
    forest: list[PlaceRow] = field(default_factory=list)
    #: a county's or team's villages, when ``forest`` compares something else
    villages: list[PlaceRow] = field(default_factory=list)
    #: ``verdict.attrition_caution``: whether attrition may have biased the change
    caution: str | None = None
    unpaired: Unpaired | None = None
    mcnemar: list[dict[str, Any]] = field(default_factory=list)
    alpha: Any = None
    items: list[dict[str, Any]] = field(default_factory=list)
    satisfaction: dict[str, Any] = field(default_factory=dict)
    activity: dict[str, Any] = field(default_factory=dict)
    comments: list[dict[str, str]] = field(default_factory=list)
    quality: dict[str, Any] = field(default_factory=dict)
    method: dict[str, Any] = field(default_factory=dict)
    charts: dict[str, Section] = field(default_factory=dict)
    drawer: Drawer | None = field(default=None, repr=False)

    def add_chart(self, section: Section) -> None:
        self.charts[section.key] = section
        if self.drawer is not None:
            section.drawing = self.drawer(section.figure, *section.size)


def _current(session: DBSession, qid: str) -> Parsed | None:
    stored = session.get(Questionnaire, qid)
    version = find_version(session, qid, stored.current_version) if stored else None
    return parsed(version) if version else None


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
    """Every figure the report shows, for the responses ``place`` picks (already scoped);
    ``drawer`` is handed each chart as soon as its figure is made."""
    awareness = _current(session, "awareness")
    group = group_for(connection, "awareness", place)
    period, dates = rounds.period(session, request.round_year)
    content = ReportContent(
        request=request, scope_name=scope_name(session, request), period=period, period_dates=dates,
        generated=dt.datetime.now(dt.UTC),
        data_as_of=connection.execute(select(func.max(_R.c.received_at)).where(*_in_place(place))).scalar(),
        group=group, group_word=GROUP_WORDS[group], drawer=drawer,
    )
    names = names_of(connection, group)
    if awareness is not None and awareness.indices:
        _awareness(content, connection, awareness, place, names)
    sat = _current(session, "satisfaction")
    if sat is not None:
        _satisfaction(content, connection, sat, place, names)
    if _current(session, "activity") is not None:
        _activity(content, connection, place, group, names)
    if awareness is not None:
        _quality(content, connection, awareness, place)
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


def _awareness(content: ReportContent, connection: Connection, qn: Parsed, place: Place, names: dict[Any, str]) -> None:
    index = qn.indices[0]
    content.index_label = index.label.zh if index.label else index.id
    found = prepost_findings(connection, qn.id, index.id, place, content.group)
    both = found.scores
    content.prepost, content.forest, content.caution = found.figures, found.rows, found.caution
    if content.group != "site" and content.request.kind != "programme":
        # a county report also shows its villages (a programme report would list hundreds)
        content.villages = prepost_findings(connection, qn.id, index.id, place, "site").rows
    by_wave = scores_by_wave(connection, qn.id, index.id, place)
    content.unpaired = unpaired(by_wave["pre"], by_wave["post"])
    for item, table in paired_yes_no(connection, qn.id, yes_no_items(qn), place).items():
        result_m: McNemar = mcnemar_table(table)
        content.mcnemar.append({"item": item, "label": qn.question(item).label.zh, "result": result_m,
                                "shown": result_m.n_pairs >= MIN_CELL})
    content.alpha = reliability(connection, qn, index.id, place)
    waves = ("前测", "后测")
    content.add_chart(Section("prepost", "配对受访者的前后测均值", lambda: charts.prepost_bars(
        content.prepost["pre_mean"], content.prepost["post_mean"], content.prepost["n_pairs"],
        f"配对受访者的{content.index_label}", waves), (800, 380)))
    if content.prepost["n_pairs"] >= MIN_CELL:
        content.add_chart(Section("distributions", "分数分布", lambda: charts.distributions(
            both.pre, both.post, "配对受访者的分数分布", waves), (800, 380)))
    if len(found.rows) > 1:
        forest_rows = [charts.ForestRow(r.label, r.n, r.diff, r.ci95) for r in found.rows]
        content.add_chart(Section("forest", f"各{content.group_word}的变化", lambda: charts.forest(
            forest_rows, f"{content.index_label}变化（后测 − 前测，95% 置信区间）", "变化（0-100 分）"),
            (900, 140 + 52 * len(found.rows))))
    reverse = set(index.reverse)
    likert = [q for q in qn.questions.values() if q.scale is not None]
    if likert:
        counts = point_counts(connection, qn.id, [q.id for q in likert], place)
        waves_here = [w for w in waves_present(counts) if w in WAVES]
        scale = likert[0].scale
        assert scale is not None
        bars = item_bars(counts, [(q.id, list(scale.points)) for q in likert if q.scale == scale], waves_here)
        label = {q.id: q.label.zh + ("（反向题）" if q.id in reverse else "") for q in likert}
        content.items = [{"label": label[b.item], "wave": WAVES.get(b.wave or "", ""), "n": b.n, "shares": b.shares} for b in bars]
        points = [f"{p} {text.zh}" if (text := scale.label_for(p)) else str(p) for p in scale.points]
        content.method["points"] = points
        content.add_chart(Section("items", "逐题回答分布", lambda: charts.likert_bars(
            [charts.LikertRow(label[b.item], WAVES.get(b.wave or "", ""), b.n, b.shares) for b in bars], points,
            "各题回答的分布（每个测次一条）", "回答比例"), (900, 120 + 26 * len(bars))))


def _satisfaction(content: ReportContent, connection: Connection, qn: Parsed, place: Place, names: dict[Any, str]) -> None:
    index = next((i for i in qn.indices if i.id == "satisfaction"), None)
    if index is None:
        return
    total = satisfaction_sql.overall(connection, qn.id, index.id, place)
    domains = [o.value for o in qn.question("domains").options] if "domains" in qn.questions else []
    by_domain = satisfaction_sql.by_choice(connection, qn.id, index.id, "domains", domains, place) if domains else []
    by_place = satisfaction_sql.by_group(connection, qn.id, index.id, place, content.group)
    domain_rows = [(DOMAINS.get(d, d), c) for d, c in zip(domains, by_domain, strict=True)]
    place_rows = sorted(((names.get(c.key, "未注明") if c.key is not None else "未注明", c) for c in by_place), key=lambda r: r[0])
    content.satisfaction = {"total": total, "threshold": satisfaction_sql.SATISFIED_AT, "n_items": len(index.items),
                            "by_domain": domain_rows, "by_place": place_rows}
    legend = ("平均满意度指数（0-100）", f"满意的比例（指数 ≥ {satisfaction_sql.SATISFIED_AT:.0f}）")
    if domain_rows:
        content.add_chart(Section("satisfaction", "按服务领域的满意度", lambda: charts.satisfaction_bars(
            [charts.SatisfactionRow(label, c.n, c.mean, c.share_satisfied) for label, c in domain_rows],
            "满意度：按服务领域", legend), (900, 160 + 70 * len(domain_rows))))


#: the activity questionnaire's measures, in the order the report lists them
ACTIVITY_MEASURES = (
    ("cases_opened", "新开个案"), ("cases_closed", "结案"), ("group_sessions", "小组活动"),
    ("community_events", "社区活动"), ("staff_trainings", "培训"), ("volunteer_hours", "志愿服务（小时）"),
)
SERVED = tuple(f"served_{d}" for d in DOMAINS)


def _activity(content: ReportContent, connection: Connection, place: Place, group: str, names: dict[Any, str]) -> None:
    measures = tuple(m for m, _ in ACTIVITY_MEASURES) + SERVED
    totals = activity_sql.activity_totals(connection, place.but(site_id=None, wave=None), measures,
                                          "county" if group == "county" else "team")
    if not totals.overall.n:
        return
    served = [(DOMAINS[m.removeprefix("served_")], totals.overall.sums.get(m, 0.0)) for m in SERVED]
    content.activity = {
        "records": totals.overall.n, "teams": totals.overall.teams, "measures": ACTIVITY_MEASURES,
        "overall": totals.overall.sums, "served": served, "served_total": sum(v for _, v in served),
        "by_month": [(month, t.n, sum(t.sums.get(m, 0.0) for m in SERVED), t.sums) for month, t in totals.by_month.items()],
        "repeated": totals.repeated,
    }
    content.add_chart(Section("activity", "各服务领域的服务人次", lambda: charts.domain_bars(
        [d for d, _ in served], [v for _, v in served], totals.overall.n, "各领域服务人次合计", "服务人次"), (900, 380)))


def _quality(content: ReportContent, connection: Connection, qn: Parsed, place: Place) -> None:
    counts = summary(connection, qn.id, place)["responses"]
    median = flags.median_seconds(connection, qn.id)
    flagged = flag_counts_in(connection, qn.id, place, None, median).get(None, {})
    content.quality = {
        "responses": counts, "total": sum(counts.values()), "pairs": content.prepost.get("n_pairs", 0),
        "pre_only": content.prepost.get("n_pre_only", 0), "post_only": content.prepost.get("n_post_only", 0),
        "refusals": overview.refusals(connection, qn.id, place), "excluded": overview.excluded(connection, qn.id, place),
        "flags": {name: flagged.get(name, 0) for name in flags.FLAGS}, "any_flag": flagged.get("any", 0),
        "median_seconds": median,
    }


def _method(awareness: Parsed, sat: Parsed | None) -> dict[str, Any]:
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

