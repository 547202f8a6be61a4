"""The SQL that feeds the statistics: aggregation and pairing happen in the database (window
functions and GROUP BY, the same on SQLite and PostgreSQL), and only what a test needs comes
back: one row per pair (two scores), never one row per response or a query per row."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import BigInteger, Table, and_, case, func, literal, select
from sqlalchemy import cast as cast_
from sqlalchemy.engine import Connection

from ..models import Answer, IndexScore, Response

_R = cast(Table, Response.__table__)
_S = cast(Table, IndexScore.__table__)


@dataclass(frozen=True)
class Place:
    """Which responses an analysis covers: None means no restriction."""

    county_id: int | None = None
    team_id: int | None = None
    site_id: int | None = None


def _where(questionnaire: str, place: Place) -> list[Any]:
    conditions = [_R.c.questionnaire_id == questionnaire, _R.c.excluded.is_(False)]
    if place.county_id is not None:
        conditions.append(_R.c.county_id == place.county_id)
    if place.team_id is not None:
        conditions.append(_R.c.team_id == place.team_id)
    if place.site_id is not None:
        conditions.append(_R.c.site_id == place.site_id)
    return conditions


@dataclass
class PairedScores:
    pre: list[float] = field(default_factory=list)
    post: list[float] = field(default_factory=list)
    pre_only: int = 0
    post_only: int = 0


#: breakdowns: the column of the baseline response that names the group
GROUPS = {"county": _R.c.county_id, "team": _R.c.team_id, "site": _R.c.site_id}


def paired_scores(connection: Connection, questionnaire: str, index: str, place: Place) -> PairedScores:
    """Pairs as shared/DESIGN.md defines them (see ``pairing.pair``, the reference this must
    equal), with the index score of each side; pairs where a side has no score (fewer than
    half its items answered) are left out of the figures but are not attrition."""
    return paired_scores_by(connection, questionnaire, index, place, None).get(None, PairedScores())


def paired_scores_by(
    connection: Connection, questionnaire: str, index: str, place: Place, group: str | None
) -> dict[Any, PairedScores]:
    """``paired_scores`` for every county, team or site at once (keyed by its id; a pair belongs
    to the group of its latest baseline response): one query, whatever the number of groups."""
    group_column = GROUPS[group] if group else None
    # Each respondent's latest response of each wave: the one no later response follows
    # (lead() is NULL), read in the order of ix_responses_latest, so SQLite needs no sort.
    ranked = (
        select(
            _R.c.id, _R.c.county_id, _R.c.respondent_code, _R.c.wave,
            (group_column if group_column is not None else literal(None)).label("grp"),
            func.lead(_R.c.id).over(
                partition_by=(_R.c.county_id, _R.c.respondent_code, _R.c.wave),
                order_by=(_R.c.completed_at, _R.c.id),
            ).label("next_id"),
        )
        .where(*_where(questionnaire, place), _R.c.respondent_code.is_not(None), _R.c.wave.in_(("pre", "post")))
        .subquery("ranked")
    )
    # Then one row per respondent, by conditional aggregation: a self-join of the two waves
    # cost SQLite a nested loop (minutes at 100,000 responses).
    latest = (
        select(ranked.c.county_id, ranked.c.respondent_code, ranked.c.wave, ranked.c.grp, _S.c.score)
        .select_from(ranked.outerjoin(_S, and_(_S.c.response_id == ranked.c.id, _S.c.index_id == index)))
        .where(ranked.c.next_id.is_(None))
        .subquery("latest")
    )
    is_pre, is_post = latest.c.wave == "pre", latest.c.wave == "post"
    people = connection.execute(
        select(
            func.max(case((is_pre, 1), else_=0)), func.max(case((is_post, 1), else_=0)),
            func.max(case((is_pre, latest.c.score))), func.max(case((is_post, latest.c.score))),
            func.coalesce(func.max(case((is_pre, latest.c.grp))), func.max(case((is_post, latest.c.grp)))),
        )
        .group_by(latest.c.county_id, latest.c.respondent_code)
        .order_by(latest.c.county_id, latest.c.respondent_code)
    ).all()
    out: dict[Any, PairedScores] = {}
    for has_pre, has_post, pre_score, post_score, key in people:
        scores = out.setdefault(key, PairedScores())
        if has_pre and has_post:
            if pre_score is not None and post_score is not None:
                scores.pre.append(float(pre_score))
                scores.post.append(float(post_score))
        elif has_pre:
            scores.pre_only += 1
        else:
            scores.post_only += 1
    return out


def scores_by_wave(connection: Connection, questionnaire: str, index: str, place: Place) -> dict[str, list[float]]:
    """Every (non-excluded) response's score by wave, for the unpaired comparison."""
    rows = connection.execute(
        select(_R.c.wave, _S.c.score)
        .select_from(_R.join(_S, and_(_S.c.response_id == _R.c.id, _S.c.index_id == index)))
        .where(*_where(questionnaire, place), _R.c.wave.in_(("pre", "post")))
    ).all()
    out: dict[str, list[float]] = {"pre": [], "post": []}
    for wave, score in rows:
        out[wave].append(float(score))
    return out


def summary(connection: Connection, questionnaire: str, place: Place) -> dict[str, Any]:
    """Responses by wave, and each index's n and mean by wave: two GROUP BYs."""
    counts = connection.execute(
        select(_R.c.wave, func.count()).where(*_where(questionnaire, place)).group_by(_R.c.wave)
    ).all()
    means = connection.execute(
        select(_R.c.wave, _S.c.index_id, func.count(), func.avg(_S.c.score))
        .select_from(_R.join(_S, _S.c.response_id == _R.c.id))
        .where(*_where(questionnaire, place))
        .group_by(_R.c.wave, _S.c.index_id)
    ).all()
    return {
        "responses": {wave or "none": int(n) for wave, n in counts},
        "indices": sorted(
            ({"wave": wave or "none", "index": index, "n": int(n), "mean": float(mean)} for wave, index, n, mean in means),
            key=lambda r: (r["index"], r["wave"]),
        ),
    }


def item_values(
    connection: Connection, questionnaire: str, items: tuple[str, ...], place: Place, sample: int | None = None
) -> list[tuple[float, ...]]:
    """The likert points of the given items, one row per response that answered all of them
    (a pivot by conditional aggregation: one query).  With ``sample``, from at most that many
    responses, chosen by a fixed hash of their id (the same every time, unrelated to time or place):
    the pivot reads every answer of every response, 2.8 s at 100,000 on SQLite."""
    _A = cast(Table, Answer.__table__)
    columns = [func.max(case((_A.c.question_id == item, _A.c.value_num))) for item in items]
    where = [*_where(questionnaire, place), _A.c.question_id.in_(items)]
    if sample is not None:
        chosen = select(_R.c.id).where(*_where(questionnaire, place)).order_by(
            cast_(_R.c.id, BigInteger) * literal(2654435761, BigInteger) % literal(4294967291, BigInteger)  # 64-bit on both engines
        ).limit(sample)
        where.append(_R.c.id.in_(chosen.scalar_subquery()))
    rows = connection.execute(
        select(*columns)
        .select_from(_R.join(_A, _A.c.response_id == _R.c.id))
        .where(*where)
        .group_by(_R.c.id)
        .having(func.count() == len(items))
    ).all()
    return [tuple(float(v) for v in row) for row in rows]
