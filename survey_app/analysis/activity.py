"""Team activity totals (the ``activity`` questionnaire: one record a team files each month):
sums of its numeric questions by month, by county or team, and overall, each one GROUP BY over
the answers joined to the responses the filters pick.  No Flask here.

No small-cell suppression: a record is a count the team reports about its own work, not a
respondent's answer, so a small total identifies nobody ("n < 5" protects residents, and no
resident is in these figures).  ``n`` is the number of records behind each total.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, and_, case, func, literal_column, select
from sqlalchemy.engine import Connection

from ..models import Answer, Response
from ..place import Place
from .queries import responses_where

QUESTIONNAIRE = "activity"
MONTH = "month"  # the date question naming the month a record covers (its first day)

_R = cast(Table, Response.__table__)
_A = cast(Table, Answer.__table__)


@dataclass
class Totals:
    n: int = 0  # records
    teams: int = 0  # distinct teams that filed them
    sums: dict[str, float] = field(default_factory=dict)  # question id -> total (0 when unanswered)


@dataclass
class ActivityTotals:
    overall: Totals
    by_month: dict[str, Totals]  # "YYYY-MM" -> totals, in month order
    by_group: dict[int | None, Totals]  # county or team id -> totals (None: records without a team)
    repeated: int  # team-months with more than one record (all counted; a data manager may exclude one)


def month_of(column: Any) -> Any:
    """'YYYY-MM' of an ISO date stored as text: ``substr`` is spelled alike on both engines.  The
    positions are written into the SQL, not bound: PostgreSQL matches a selected expression to
    its GROUP BY by text, and two sets of parameters would not match."""
    return func.substr(column, literal_column("1"), literal_column("7"))


def _month_answer() -> Any:
    return _A.alias("m")


def _totals(connection: Connection, place: Place, measures: tuple[str, ...], by: str | None) -> dict[Any, Totals]:
    """One query: the records' count and the sums of ``measures`` by ``by`` ("month", "county",
    "team"; None: one row for everything).  Records are counted distinctly because each one
    joins a row per measure answered."""
    value = _A.alias("v")
    joined = _R.outerjoin(value, and_(value.c.response_id == _R.c.id, value.c.question_id.in_(measures)))
    key: Any = None
    if by == "month":
        month = _month_answer()
        joined = joined.join(month, and_(month.c.response_id == _R.c.id, month.c.question_id == MONTH))
        key = month_of(month.c.value_text)
    elif by is not None:
        key = {"county": _R.c.county_id, "team": _R.c.team_id}[by]
    figures = [
        func.count(func.distinct(_R.c.id)), func.count(func.distinct(_R.c.team_id)),
        *(func.sum(case((value.c.question_id == q, value.c.value_num))) for q in measures),
    ]
    query = select(*figures).select_from(joined).where(*responses_where(QUESTIONNAIRE, place))
    if key is not None:
        query = query.add_columns(key).group_by(key).order_by(key)
    out = {}
    for row in connection.execute(query):
        n, teams, *sums = row[: 2 + len(measures)]
        out[row[-1] if key is not None else None] = Totals(
            int(n), int(teams), {q: float(v or 0) for q, v in zip(measures, sums, strict=True)}
        )
    return out


def activity_totals(connection: Connection, place: Place, measures: tuple[str, ...], group: str) -> ActivityTotals:
    """Totals of ``measures`` (numeric question ids) overall, by month and by ``group``
    ("county" or "team"): four queries, whatever the number of records, months or places."""
    month = _month_answer()
    repeated = select(_R.c.team_id).select_from(
        _R.join(month, and_(month.c.response_id == _R.c.id, month.c.question_id == MONTH))
    ).where(*responses_where(QUESTIONNAIRE, place)).group_by(_R.c.team_id, month_of(month.c.value_text)).having(
        func.count() > 1
    ).subquery("repeated")
    return ActivityTotals(
        overall=_totals(connection, place, measures, None)[None],
        by_month=_totals(connection, place, measures, "month"),
        by_group=_totals(connection, place, measures, group),
        repeated=int(connection.execute(select(func.count()).select_from(repeated)).scalar_one()),
    )


def months_between(first: str, last: str) -> list[str]:
    """Every 'YYYY-MM' from ``first`` to ``last``: a month without records keeps its place on
    the axis, so a gap is seen as a gap rather than closing up."""
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
