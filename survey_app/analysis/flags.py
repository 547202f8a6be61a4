"""The data-quality flags of ``quality.py`` as SQL, so that pages can count them and analyses
can leave flagged responses out without loading responses into Python.  ``quality.py`` holds
the rules in plain Python; tests check that both agree.

The flags that are the response's own (straight-lining, a clock ahead of the server) are stored
with it when it arrives (``responses.straight_lined``, ``clock_ahead``, partial indexes): nothing
later changes them.  The other two are computed when asked, since they move as responses arrive:
the median time that defines speeding, the codes that collide.  A flag describes a response of
the whole questionnaire (the median is the questionnaire's, a duplicate code is one used twice in
a county and wave), whatever part of it a page shows.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, and_, case, func, literal, select, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement

from ..models import Response
from ..sqlfuncs import seconds_between
from . import quality
from .snapshots import snapshot

_R = cast(Table, Response.__table__)

FLAGS = (quality.SPEEDING, quality.STRAIGHT_LINING, quality.DUPLICATE_CODE, quality.CLOCK)


def _kept(questionnaire: str) -> list[ColumnElement[bool]]:
    return [_R.c.questionnaire_id == questionnaire, _R.c.excluded.is_(False)]


def _duration() -> Any:
    return seconds_between(_R.c.completed_at, _R.c.started_at)


def _timed(questionnaire: str) -> list[ColumnElement[bool]]:
    return [*_kept(questionnaire), _R.c.started_at.is_not(None)]


def _median(questionnaire: str) -> Any:
    """The (lower) median completion time, by ORDER BY ... OFFSET half the count: SQLite has no
    percentile function."""
    timed = _timed(questionnaire)
    return (
        select(_duration().label("d")).where(*timed).order_by(_duration())
        .limit(1).offset((select((func.count() - 1) // 2).where(*timed)).scalar_subquery())
        .scalar_subquery()
    )


def flag_selects(questionnaire: str, median: float | None = None) -> dict[str, Any]:
    """For each flag, a SELECT of the ids of the (non-excluded) responses that carry it.
    ``median``: the questionnaire's median time when the caller has just read it
    (:func:`median_seconds`), so that the query need not sort every response again."""
    limit = literal(median / 3.0) if median is not None else _median(questionnaire) / 3.0
    speeding = select(_R.c.id).where(*_timed(questionnaire), _duration() < limit)
    # ``WHERE column``, as the partial indexes' predicates are spelled (models/responses.py)
    straight = select(_R.c.id).where(*_kept(questionnaire), _R.c.straight_lined)
    codes = (
        select(_R.c.county_id, _R.c.wave, _R.c.respondent_code)
        .where(*_kept(questionnaire), _R.c.respondent_code.is_not(None))
        .group_by(_R.c.county_id, _R.c.wave, _R.c.respondent_code)
        .having(func.count() > 1)
        .subquery("twice")
    )
    duplicate = select(_R.c.id).select_from(_R.join(codes, and_(
        _R.c.county_id == codes.c.county_id, _R.c.respondent_code == codes.c.respondent_code,
        # a response without a wave shares its code with another without one
        func.coalesce(_R.c.wave, "") == func.coalesce(codes.c.wave, ""),
    ))).where(*_kept(questionnaire))
    clock = select(_R.c.id).where(*_kept(questionnaire), _R.c.clock_ahead)
    return {quality.SPEEDING: speeding, quality.STRAIGHT_LINING: straight, quality.DUPLICATE_CODE: duplicate, quality.CLOCK: clock}


def flagged_ids(questionnaire: str) -> Any:
    """A SELECT of the ids of every response with at least one flag (for ``NOT IN``)."""
    return union_all(*flag_selects(questionnaire).values())


def flag_counts(
    connection: Connection, questionnaire: str, conditions: Sequence[Any], group_column: Any = None,
    median: float | None = None,
) -> dict[Any, dict[str, int]]:
    """How many of the responses picked by ``conditions`` carry each flag, and how many carry
    any (key ``"any"``), by the value of ``group_column`` (a responses column; None: one group
    keyed None).  One query, whatever the number of groups.

    ``conditions`` go inside each flag's SELECT, so a county's counts read that county's answers
    and not the programme's: every flag is a property of the response itself except the
    duplicate code and the speeding median, and those two keep their questionnaire-wide
    subqueries (a code used twice, the median time) while the outer rows are narrowed."""
    selects = flag_selects(questionnaire, median)
    tagged = union_all(*(
        s.where(*conditions).with_only_columns(
            literal(i).label("flag"), s.selected_columns[0].label("response_id"), maintain_column_froms=True)
        for i, s in enumerate(selects.values())
    )).subquery("tagged")
    # one row per flagged response, a 0/1 column per flag; then one GROUP BY counts them all
    per_response = select(
        tagged.c.response_id,
        *(func.max(case((tagged.c.flag == i, 1), else_=0)).label(f"f{i}") for i in range(len(selects))),
    ).group_by(tagged.c.response_id).subquery("per_response")
    sums = [func.sum(per_response.c[f"f{i}"]) for i in range(len(selects))]
    if group_column is None:
        query = select(literal(None), *sums, func.count()).select_from(per_response)
    else:
        query = (select(group_column, *sums, func.count())
                 .select_from(per_response.join(_R, _R.c.id == per_response.c.response_id)).group_by(group_column))
    out: dict[Any, dict[str, int]] = {}
    for row in connection.execute(query):
        if not row[-1]:
            continue  # no flagged response at all: no group (as before: absent, not zeros)
        out[row[0]] = {**{name: int(n or 0) for name, n in zip(selects, row[1:-1], strict=True)}, "any": int(row[-1])}
    return out


@snapshot
def median_seconds(connection: Connection, questionnaire: str) -> float | None:
    """The questionnaire's median completion time, against which speeding is judged."""
    value = connection.execute(select(_median(questionnaire))).scalar()
    return float(value) if value is not None else None


def flagged_responses(
    connection: Connection, questionnaire: str, conditions: Sequence[Any], limit: int = 200,
    median: float | None = None,
) -> list[dict[str, Any]]:
    """The most recent flagged responses among those ``conditions`` pick, each with its flags.
    The flagged ids are found once (a materialised CTE, the conditions inside each flag's SELECT
    as in ``flag_counts``): read twice, the union cost the quality page a second at 100,000."""
    tagged = union_all(*(
        s.where(*conditions).with_only_columns(
            literal(name).label("flag"), s.selected_columns[0].label("response_id"), maintain_column_froms=True)
        for name, s in flag_selects(questionnaire, median).items()
    )).cte("tagged").prefix_with("MATERIALIZED")
    latest = (
        select(tagged.c.response_id).group_by(tagged.c.response_id)
        .order_by(tagged.c.response_id.desc()).limit(limit).subquery("shown")
    )
    rows = connection.execute(
        select(_R.c.id, _R.c.county_id, _R.c.site_id, _R.c.team_id, _R.c.wave, _R.c.respondent_code,
               _R.c.completed_at, _R.c.received_at, tagged.c.flag)
        .select_from(_R.join(latest, latest.c.response_id == _R.c.id).join(tagged, tagged.c.response_id == _R.c.id))
        .order_by(_R.c.id.desc(), tagged.c.flag)
    ).all()
    out: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = out.setdefault(row.id, {
            "id": row.id, "county_id": row.county_id, "site_id": row.site_id, "team_id": row.team_id, "wave": row.wave,
            "respondent_code": row.respondent_code, "completed_at": row.completed_at, "flags": [],
        })
        if row.flag not in entry["flags"]:
            entry["flags"].append(row.flag)
    return list(out.values())
