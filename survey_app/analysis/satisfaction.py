"""Service satisfaction: the index's mean and the share of satisfied respondents, overall, by
service domain and by county, team or site; and the answers to a single-choice question by the
same places.  Every figure is a GROUP BY (conditional aggregation for the share); small cells
are suppressed here.  No Flask here."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, and_, case, func, select
from sqlalchemy.engine import Connection

from ..models import Answer, IndexScore, Response
from ..place import Place
from .queries import GROUPS, responses_where
from .snapshots import snapshot
from .stats import MIN_CELL

_R = cast(Table, Response.__table__)
_A = cast(Table, Answer.__table__)
_S = cast(Table, IndexScore.__table__)

#: an index of 75 is every item answered "satisfied" (4 of 1-5) on average
SATISFIED_AT = 75.0


@dataclass(frozen=True)
class Cell:
    """One row of figures.  ``n`` counts the responses with an index score (at least half the
    items answered), which the mean and the share rest on; both are None below ``MIN_CELL``."""

    key: Any
    responses: int
    n: int
    mean: float | None
    share_satisfied: float | None  # 0-1

    @property
    def suppressed(self) -> bool:
        return self.n < MIN_CELL


def _figure_columns(index: str, threshold: float) -> tuple[Any, list[Any]]:
    """The responses left-joined to their score, and the columns every row of figures has."""
    joined = _R.outerjoin(_S, and_(_S.c.response_id == _R.c.id, _S.c.index_id == index))
    # NULL for a response without a score, so that avg() leaves it out as it does the mean.
    satisfied = case((_S.c.score >= threshold, 1.0), (_S.c.score.is_not(None), 0.0))
    return joined, [func.count(_R.c.id), func.count(_S.c.score), func.avg(_S.c.score), func.avg(satisfied)]


def _cell(key: Any, responses: Any, n: Any, mean: Any, share: Any) -> Cell:
    n = int(n or 0)
    shown = n >= MIN_CELL
    return Cell(key, int(responses or 0), n, float(mean) if shown else None, float(share) if shown else None)


@snapshot
def overall(connection: Connection, questionnaire: str, index: str, place: Place, threshold: float = SATISFIED_AT) -> Cell:
    """The figures of every response the place picks (one query)."""
    joined, columns = _figure_columns(index, threshold)
    row = connection.execute(select(*columns).select_from(joined).where(*responses_where(questionnaire, place))).one()
    return _cell(None, *row)


@snapshot
def by_group(
    connection: Connection, questionnaire: str, index: str, place: Place, group: str, threshold: float = SATISFIED_AT
) -> list[Cell]:
    """The figures for every county, team or site at once (keyed by its id; None for responses
    that name no team or site), one query."""
    column = GROUPS[group]
    joined, columns = _figure_columns(index, threshold)
    rows = connection.execute(
        select(column, *columns).select_from(joined).where(*responses_where(questionnaire, place)).group_by(column)
    ).all()
    return [_cell(*row) for row in rows]


@snapshot
def by_choice(
    connection: Connection, questionnaire: str, index: str, question: str, options: Sequence[str], place: Place,
    threshold: float = SATISFIED_AT,
) -> list[Cell]:
    """The figures for each option of a multiple-choice question (a respondent counts under
    every option they chose), in the order of ``options``, those nobody chose included."""
    joined, columns = _figure_columns(index, threshold)
    chosen = joined.join(_A, and_(_A.c.response_id == _R.c.id, _A.c.question_id == question))
    rows = connection.execute(
        select(_A.c.value_text, *columns).select_from(chosen)
        .where(*responses_where(questionnaire, place)).group_by(_A.c.value_text)
    ).all()
    found = {row[0]: _cell(*row) for row in rows}
    return [found.get(option, Cell(option, 0, 0, None, None)) for option in options]


@dataclass(frozen=True)
class Choices:
    """How many respondents of a place gave each answer to a single-choice question; ``shares``
    (0-1, in the order of the options) is None below ``MIN_CELL`` answers."""

    key: Any
    n: int
    shares: tuple[float, ...] | None


@snapshot
def choice_shares(
    connection: Connection, questionnaire: str, question: str, options: Sequence[str], place: Place, group: str
) -> tuple[Choices, list[Choices]]:
    """The answers to ``question`` overall and for every county, team or site: one query (the
    overall counts are the sum of the groups', which partition the responses)."""
    column = GROUPS[group]
    rows = connection.execute(
        select(column, _A.c.value_text, func.count())
        .select_from(_R.join(_A, and_(_A.c.response_id == _R.c.id, _A.c.question_id == question)))
        .where(*responses_where(questionnaire, place), _A.c.value_text.in_(tuple(options)))
        .group_by(column, _A.c.value_text)
    ).all()
    counts: dict[Any, dict[str, int]] = {}
    total: dict[str, int] = {}
    for key, value, n in rows:
        counts.setdefault(key, {})[value] = int(n)
        total[value] = total.get(value, 0) + int(n)
    return _choices(None, total, options), [_choices(key, c, options) for key, c in counts.items()]


def _choices(key: Any, counts: dict[str, int], options: Sequence[str]) -> Choices:
    n = sum(counts.values())
    return Choices(key, n, tuple(counts.get(o, 0) / n for o in options) if n >= MIN_CELL else None)

