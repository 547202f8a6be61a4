"""Likert items answer by answer: how many respondents chose each scale point, per item and
wave, counted by one GROUP BY; then the shares, with small cells suppressed.  No Flask here."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection

from ..models import Answer, AnswerCount, Response
from ..place import Place
from .queries import responses_where
from .stats import MIN_CELL

_R = cast(Table, Response.__table__)
_A = cast(Table, Answer.__table__)
_K = cast(Table, AnswerCount.__table__)

#: the order bars are drawn in; None is a response given without a wave (optional on some forms)
WAVE_ORDER: tuple[str | None, ...] = ("pre", "post", None)

#: the conditions of a ``Place`` that the counters answer (each is a column of theirs)
KEPT_FILTERS = ("county_id", "team_id", "site_id", "round_id", "wave")

#: (item, wave) -> {scale point: respondents}
Counts = dict[tuple[str, str | None], dict[int, int]]


def point_counts(connection: Connection, questionnaire: str, items: Sequence[str], place: Place) -> Counts:
    """Respondents at each point of each item, by wave: one query, whatever the number of items.
    Read from the kept counters (``answer_counts``), unless flagged responses are left out: the
    flags of speeding and duplicate codes depend on other responses, so that choice counts the
    answers themselves."""
    if not items:
        return {}
    if place.leave_out_flagged:
        rows = _answered(connection, questionnaire, items, place)
    else:
        rows = _kept(connection, questionnaire, items, place)
    out: Counts = {}
    for item, wave, value, n in rows:
        cell = out.setdefault((item, wave or None), {})
        point = round(float(value))
        cell[point] = cell.get(point, 0) + int(n)
    return out


def _kept(connection: Connection, questionnaire: str, items: Sequence[str], place: Place) -> list[Any]:
    c = _K.c
    conditions = [c.questionnaire_id == questionnaire, c.question_id.in_(tuple(items))]
    for name in KEPT_FILTERS:
        if (value := getattr(place, name)) is not None:
            conditions.append(c[name] == value)
    total = func.sum(c.n)
    return list(connection.execute(
        select(c.question_id, c.wave, c.value_num, total).where(*conditions)
        .group_by(c.question_id, c.wave, c.value_num).having(total > 0)
    ))


def _answered(connection: Connection, questionnaire: str, items: Sequence[str], place: Place) -> list[Any]:
    return list(connection.execute(
        select(_A.c.question_id, _R.c.wave, _A.c.value_num, func.count())
        .select_from(_R.join(_A, _A.c.response_id == _R.c.id))
        .where(*responses_where(questionnaire, place), _A.c.question_id.in_(tuple(items)), _A.c.value_num.is_not(None))
        .group_by(_A.c.question_id, _R.c.wave, _A.c.value_num)
    ))


@dataclass(frozen=True)
class ItemBar:
    """One bar: an item at one wave.  ``shares`` (0-1, one per scale point, low to high) is
    None when fewer than ``MIN_CELL`` respondents answered (the bar says "n < 5")."""

    item: str
    wave: str | None
    n: int
    shares: tuple[float, ...] | None

    @property
    def suppressed(self) -> bool:
        return self.shares is None


def waves_present(counts: Counts, wave: str | None = None) -> list[str | None]:
    """The waves to draw a bar for: the one chosen, else every wave some item was answered in."""
    if wave is not None:
        return [wave]
    seen = {w for _, w in counts}
    return [w for w in WAVE_ORDER if w in seen]


def item_bars(counts: Counts, items: Sequence[tuple[str, Sequence[int]]], waves: Sequence[str | None]) -> list[ItemBar]:
    """A bar per item (with its scale's points) and wave, in the order given; an item nobody
    answered in a wave keeps its bar, suppressed, so that the gap is seen."""
    bars = []
    for item, points in items:
        for wave in waves:
            cell = counts.get((item, wave), {})
            n = sum(cell.get(p, 0) for p in points)
            shares = tuple(cell.get(p, 0) / n for p in points) if n >= MIN_CELL else None
            bars.append(ItemBar(item, wave, n, shares))
    return bars

