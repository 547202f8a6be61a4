"""The SQL that feeds the statistics: aggregation and pairing happen in the database (window
functions and GROUP BY, the same on SQLite and PostgreSQL), and only what a test needs comes
back: one row per pair (two scores), never one row per response or a query per row."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import BigInteger, Table, and_, case, func, literal, select, union_all
from sqlalchemy import cast as cast_
from sqlalchemy.engine import Connection

from ..models import Answer, IndexScore, Response
from ..models.aggregates import RESPONSES, ScoreSum
from ..models.responses import RespondentLatest
from ..place import Place
from .flags import flagged_ids
from .snapshots import snapshot

_R = cast(Table, Response.__table__)
_S = cast(Table, IndexScore.__table__)
_L = cast(Table, RespondentLatest.__table__)
_A = cast(Table, Answer.__table__)
_SUMS = cast(Table, ScoreSum.__table__)


def responses_where(questionnaire: str, place: Place, *, waves: bool = True) -> list[Any]:
    """The conditions that pick a place's responses (``waves=False``: both waves, for pairing)."""
    conditions = [_R.c.questionnaire_id == questionnaire, _R.c.excluded.is_(False)]
    for column, value in ((_R.c.county_id, place.county_id), (_R.c.team_id, place.team_id),
                          (_R.c.site_id, place.site_id), (_R.c.round_id, place.round_id)):
        if value is not None:
            conditions.append(column == value)
    if waves and place.wave is not None:
        conditions.append(_R.c.wave == place.wave)
    if place.leave_out_flagged:
        conditions.append(_R.c.id.not_in(flagged_ids(questionnaire)))
    return conditions



@dataclass
class PairedScores:
    """The pairs' two scores (``pre[i]`` with ``post[i]``: both scored), and what attrition
    needs: respondents met at both waves but not scored at one (too few items answered: left
    out of the figures, not lost), those seen at one wave only, and the baseline scores of the
    followed and of the lost."""

    pre: list[float] = field(default_factory=list)
    post: list[float] = field(default_factory=list)
    pre_only: int = 0
    post_only: int = 0
    unscored_pairs: int = 0
    #: the baseline score of every respondent followed up (paired), where it has one
    followed_baseline: list[float] = field(default_factory=list)
    #: the baseline score of every respondent seen at baseline only, where it has one
    lost_baseline: list[float] = field(default_factory=list)

    @property
    def n_followed(self) -> int:
        return len(self.pre) + self.unscored_pairs


#: breakdowns: the column of the baseline response that names the group
GROUPS = {"county": _R.c.county_id, "team": _R.c.team_id, "site": _R.c.site_id}


def stored_latest_pairs(place: Place) -> bool:
    """Whether ``respondent_latest`` (each respondent's latest response of each wave, kept as
    responses arrive: ``submissions/latest.py``) can pair this place.  It holds the latest of
    all a respondent's responses, so a condition that narrows the responses before the latest is
    chosen (team, site, round, flags, or any condition added to ``Place`` later) needs the
    window over the responses instead; the county is part of the respondent, and pairing reads
    both waves whatever ``wave`` says."""
    return place.but(county_id=None, wave=None) == Place()


def latest_per_wave(questionnaire: str, place: Place, group_column: Any = None) -> Any:
    """Every coded pre/post response with ``next_id``: NULL on each respondent's latest of a
    wave (the one no later response follows), which is the response pairing uses.  The window
    that answers any place; ``stored_latest_pairs`` says when the stored rows can instead."""
    # lead() read in the order of ix_responses_latest, so SQLite needs no sort.
    return (
        select(
            _R.c.id, _R.c.county_id, _R.c.respondent_code, _R.c.wave,
            (group_column if group_column is not None else literal(None)).label("grp"),
            func.lead(_R.c.id).over(
                partition_by=(_R.c.county_id, _R.c.respondent_code, _R.c.wave),
                order_by=(_R.c.completed_at, _R.c.id),
            ).label("next_id"),
        )
        .where(*responses_where(questionnaire, place, waves=False), _R.c.respondent_code.is_not(None), _R.c.wave.in_(("pre", "post")))
        .subquery("ranked")
    )


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
    # Both ways give the same lists in the same order (by county, then code), so the figures
    # do not depend on the way taken.
    people = connection.execute(
        _stored_pairs(questionnaire, index, place, group) if stored_latest_pairs(place)
        else _ranked_pairs(questionnaire, index, place, group)
    )
    out: dict[Any, PairedScores] = {}
    # Row by row, each dropped once read: holding 43,000 rows at once set off a collection of the
    # whole heap and a hundred young ones a call (about 60 ms of the programme's 130).
    for has_pre, has_post, pre_score, post_score, key in people:
        scores = out.get(key)
        if scores is None:
            scores = out[key] = PairedScores()
        if has_pre and has_post:
            if pre_score is not None and post_score is not None:
                scores.pre.append(float(pre_score))
                scores.post.append(float(post_score))
            else:
                scores.unscored_pairs += 1
            if pre_score is not None:
                scores.followed_baseline.append(float(pre_score))
        elif has_pre:
            scores.pre_only += 1
            if pre_score is not None:
                scores.lost_baseline.append(float(pre_score))
        else:
            scores.post_only += 1
    return out


def _stored_pairs(questionnaire: str, index: str, place: Place, group: str | None) -> Any:
    """One row per respondent from ``respondent_latest``: (pre id, post id, their scores, group)."""
    pre, post = _S.alias("pre_score"), _S.alias("post_score")
    source = (
        _L.outerjoin(pre, and_(pre.c.response_id == _L.c.pre_id, pre.c.index_id == index))
        .outerjoin(post, and_(post.c.response_id == _L.c.post_id, post.c.index_id == index))
    )
    if group is None:
        key: Any = literal(None)
    elif group == "county":
        key = _L.c.county_id
    else:
        pre_response, post_response = _R.alias("pre_response"), _R.alias("post_response")
        source = source.outerjoin(pre_response, pre_response.c.id == _L.c.pre_id).outerjoin(
            post_response, post_response.c.id == _L.c.post_id
        )
        column = GROUPS[group].key
        key = func.coalesce(pre_response.c[column], post_response.c[column])
    conditions = [_L.c.questionnaire_id == questionnaire]
    if place.county_id is not None:
        conditions.append(_L.c.county_id == place.county_id)
    return (
        select(_L.c.pre_id, _L.c.post_id, pre.c.score, post.c.score, key)
        .select_from(source)
        .where(*conditions)
        .order_by(_L.c.county_id, _L.c.respondent_code)
    )


def _ranked_pairs(questionnaire: str, index: str, place: Place, group: str | None) -> Any:
    """One row per respondent from the window over the place's responses: (has pre, has post,
    their scores, group)."""
    ranked = latest_per_wave(questionnaire, place, GROUPS[group] if group else None)
    # Then one row per respondent, by conditional aggregation: a self-join of the two waves
    # cost SQLite a nested loop (minutes at 100,000 responses).
    latest = (
        select(ranked.c.county_id, ranked.c.respondent_code, ranked.c.wave, ranked.c.grp, _S.c.score)
        .select_from(ranked.outerjoin(_S, and_(_S.c.response_id == ranked.c.id, _S.c.index_id == index)))
        .where(ranked.c.next_id.is_(None))
        .subquery("latest")
    )
    is_pre, is_post = latest.c.wave == "pre", latest.c.wave == "post"
    return (
        select(
            func.max(case((is_pre, 1), else_=0)), func.max(case((is_post, 1), else_=0)),
            func.max(case((is_pre, latest.c.score))), func.max(case((is_post, latest.c.score))),
            func.coalesce(func.max(case((is_pre, latest.c.grp))), func.max(case((is_post, latest.c.grp)))),
        )
        .group_by(latest.c.county_id, latest.c.respondent_code)
        .order_by(latest.c.county_id, latest.c.respondent_code)
    )


def scores_by_wave(connection: Connection, questionnaire: str, index: str, place: Place) -> dict[str, list[float]]:
    """Every (non-excluded) response's score by wave, for the unpaired comparison.  The
    database sends how often each score occurs (a score is a mean of a few likert points, so a
    few dozen distinct values), not one row per response; the tests need the values themselves
    (Mann-Whitney ranks them), which are rebuilt from the counts."""
    out: dict[str, list[float]] = {"pre": [], "post": []}
    for wave, score, n in score_counts_by_wave(connection, questionnaire, index, place):
        out[wave].extend([score] * n)
    return out


@snapshot
def score_counts_by_wave(connection: Connection, questionnaire: str, index: str, place: Place) -> list[tuple[str, float, int]]:
    """How often each score of ``index`` occurs, by wave (pre, post), in score order."""
    rows = connection.execute(
        select(_R.c.wave, _S.c.score, func.count())
        .select_from(_R.join(_S, and_(_S.c.response_id == _R.c.id, _S.c.index_id == index)))
        .where(*responses_where(questionnaire, place, waves=False), _R.c.wave.in_(("pre", "post")))
        .group_by(_R.c.wave, _S.c.score)
        .order_by(_R.c.wave, _S.c.score)
    ).all()
    return [(str(wave), float(score), int(n)) for wave, score, n in rows]


def summary(connection: Connection, questionnaire: str, place: Place) -> dict[str, Any]:
    """Responses by wave, and each index's n and mean by wave: from the kept sums
    (``score_sums``, submissions/counts.py) in one query, or, when flagged responses are left
    out (flags move with other responses), two GROUP BYs over the responses."""
    if place.leave_out_flagged:
        counts = connection.execute(
            select(_R.c.wave, func.count()).where(*responses_where(questionnaire, place)).group_by(_R.c.wave)
        ).all()
        means = connection.execute(
            select(_R.c.wave, _S.c.index_id, func.count(), func.avg(_S.c.score))
            .select_from(_R.join(_S, _S.c.response_id == _R.c.id))
            .where(*responses_where(questionnaire, place))
            .group_by(_R.c.wave, _S.c.index_id)
        ).all()
    else:
        counts, means = _kept_summary(connection, questionnaire, place)
    return {
        "responses": {wave or "none": int(n) for wave, n in counts},
        "indices": sorted(
            ({"wave": wave or "none", "index": index, "n": int(n), "mean": float(mean)} for wave, index, n, mean in means),
            key=lambda r: (r["index"], r["wave"]),
        ),
    }


#: the conditions of a ``Place`` that the kept sums answer (each is a column of theirs)
KEPT_FILTERS = ("county_id", "team_id", "site_id", "round_id", "wave")


def _kept_summary(connection: Connection, questionnaire: str, place: Place) -> tuple[list[Any], list[Any]]:
    c = _SUMS.c
    conditions = [c.questionnaire_id == questionnaire]
    for name in KEPT_FILTERS:
        if (value := getattr(place, name)) is not None:
            conditions.append(c[name] == value)
    n, total = func.sum(c.n), func.sum(c.total)
    counts, means = [], []
    for wave, index, count, summed in connection.execute(
        select(c.wave, c.index_id, n, total).where(*conditions).group_by(c.wave, c.index_id).having(n > 0)
    ):
        wave = wave or None
        if index == RESPONSES:
            counts.append((wave, count))
        else:
            means.append((wave, index, count, float(summed) / int(count)))
    return counts, means


@snapshot
def item_values(
    connection: Connection, questionnaire: str, items: tuple[str, ...], place: Place, sample: int | None = None
) -> list[tuple[float, ...]]:
    """The likert points of the given items, one row per response that answered all of them
    (a pivot by conditional aggregation: one query).  With ``sample``, from at most that many
    responses, chosen by a fixed hash of their id (the same every time, unrelated to time or place):
    the pivot reads every answer of every response, 2.8 s at 100,000 on SQLite."""
    _A = cast(Table, Answer.__table__)
    columns = [func.max(case((_A.c.question_id == item, _A.c.value_num))) for item in items]
    conditions = [*responses_where(questionnaire, place), _A.c.question_id.in_(items)]
    if sample is not None:
        chosen = select(_R.c.id).where(*responses_where(questionnaire, place)).order_by(
            cast_(_R.c.id, BigInteger) * literal(2654435761, BigInteger) % literal(4294967291, BigInteger)  # 64-bit on both engines
        ).limit(sample)
        conditions.append(_R.c.id.in_(chosen.scalar_subquery()))
    rows = connection.execute(
        select(*columns)
        .select_from(_R.join(_A, _A.c.response_id == _R.c.id))
        .where(*conditions)
        .group_by(_R.c.id)
        .having(func.count() == len(items))
    ).all()
    return [tuple(float(v) for v in row) for row in rows]


@snapshot
def paired_yes_no(
    connection: Connection, questionnaire: str, items: dict[str, str], place: Place
) -> dict[str, dict[tuple[bool, bool], int]]:
    """For yes/no items (question id -> the "yes" value), the 2x2 table of the pairs that
    answered the item at both waves: (yes before, yes after) -> number of respondents.  One
    query; the pairs are those of ``paired_scores``."""
    if not items:
        return {}
    query = _stored_yes_no(questionnaire, items, place) if stored_latest_pairs(place) else _ranked_yes_no(questionnaire, items, place)
    out: dict[str, dict[tuple[bool, bool], int]] = {item: {} for item in items}
    for item, before, after, n in connection.execute(query):
        out[item][(bool(before), bool(after))] = int(n)
    return out


def _stored_yes_no(questionnaire: str, items: dict[str, str], place: Place) -> Any:
    """From ``respondent_latest``: each pair's answers to the items, looked up by their key."""
    conditions = [_L.c.questionnaire_id == questionnaire, _L.c.pre_id.is_not(None), _L.c.post_id.is_not(None)]
    if place.county_id is not None:
        conditions.append(_L.c.county_id == place.county_id)

    def said_yes(response_id: Any, item: str, value: str) -> Any:
        # NULL when the response did not answer the item; a choice among several counts as yes
        # when any of its values is the yes value, as in the window's query.
        return (
            select(func.max(case((_A.c.value_text == value, 1), else_=0)))
            .where(_A.c.response_id == response_id, _A.c.question_id == item)
            .scalar_subquery()
        )

    columns = []
    for n, (item, value) in enumerate(items.items()):
        columns += [said_yes(_L.c.pre_id, item, value).label(f"before_{n}"), said_yes(_L.c.post_id, item, value).label(f"after_{n}")]
    # Materialized, so that each answer is looked up once: merged into the grouping below,
    # SQLite repeated every look-up in the WHERE, the GROUP BY and the result (0.4 s).
    pairs = select(*columns).where(*conditions).cte("pairs").prefix_with("MATERIALIZED")
    return union_all(*(
        select(literal(item).label("item"), pairs.c[f"before_{n}"], pairs.c[f"after_{n}"], func.count())
        .where(pairs.c[f"before_{n}"].is_not(None), pairs.c[f"after_{n}"].is_not(None))
        .group_by(pairs.c[f"before_{n}"], pairs.c[f"after_{n}"])
        for n, item in enumerate(items)
    ))


def _ranked_yes_no(questionnaire: str, items: dict[str, str], place: Place) -> Any:
    """From the window over the place's responses: each respondent's latest responses joined to
    their answers, then grouped by respondent and item."""
    ranked = latest_per_wave(questionnaire, place)
    yes = case(*((and_(_A.c.question_id == item, _A.c.value_text == value), 1) for item, value in items.items()), else_=0)
    answered = (
        select(
            _A.c.question_id.label("item"),
            func.max(case((ranked.c.wave == "pre", yes))).label("before"),
            func.max(case((ranked.c.wave == "post", yes))).label("after"),
        )
        .select_from(ranked.join(_A, and_(_A.c.response_id == ranked.c.id, _A.c.question_id.in_(tuple(items)))))
        .where(ranked.c.next_id.is_(None))
        .group_by(ranked.c.county_id, ranked.c.respondent_code, _A.c.question_id)
        .subquery("answered")
    )
    return (
        select(answered.c.item, answered.c.before, answered.c.after, func.count())
        .where(answered.c.before.is_not(None), answered.c.after.is_not(None))
        .group_by(answered.c.item, answered.c.before, answered.c.after)
    )
