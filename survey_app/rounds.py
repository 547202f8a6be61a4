"""Which evaluation round (第一期, 第二期 ...) a response or a refusal belongs to.

The one rule, written here once.  It is applied when a response or a refusal is stored (the
submission service, refusals), when the rounds' dates change (``assign_all``: the rounds page,
the demo seed) and by migration 0010 for what was stored before; everything that filters by
round (pairing, dashboards, reports, targets, exports, file names) reads the stored
``round_id`` and so agrees with it.

- A round's dates cover one evaluation cycle, from its baseline (前测) to its follow-up (后测).
  Two rounds may overlap: the next round's baselines while this round's follow-ups are still
  being made.
- A **baseline** opens a round: it belongs to the round whose dates contain the day it was
  completed (China time; a tablet whose clock ran ahead cannot have completed it after the server
  received it, so the earlier of the two counts); where two rounds contain that day, the
  later-starting one.
- A **follow-up** belongs to the round of its respondent's baseline (the latest baseline of the
  same questionnaire, county and code completed at or before it, excluded or not: exclusion
  concerns the data's quality, not when the fieldwork was done), even when it falls after that
  round's end, in the next calendar year.
- **Everything else** (a follow-up of a newcomer met only at the follow-up, a refusal, a
  response asked once with no wave, a team's monthly record) belongs to the round whose dates
  contain its day; where two rounds contain it, the earlier-starting one, the round still being
  completed.  Only a baseline starts a round.
- A day no round contains belongs to no round (shown under 全部年度 only).

``round_for`` is the rule over plain values, the reference the SQL here is tested against.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, case, exists, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import ColumnElement

from .analysis.snapshots import changed
from .models import Refusal, Response, Round
from .models.types import UTCDateTime
from .sqlfuncs import china_date, earlier_of
from .submissions import counts

_ROUNDS = cast(Table, Round.__table__)
_R = cast(Table, Response.__table__)
_F = cast(Table, Refusal.__table__)


@dataclass(frozen=True)
class RoundDates:
    id: int
    starts_on: dt.date
    ends_on: dt.date


def round_of_day(rounds: Iterable[RoundDates], day: dt.date, *, opening: bool) -> int | None:
    """The round containing ``day``: where several do, the later-starting when ``opening`` (a
    baseline), else the earlier-starting; ties by id."""
    containing = [r for r in rounds if r.starts_on <= day <= r.ends_on]
    if not containing:
        return None
    pick = max if opening else min
    return pick(containing, key=lambda r: (r.starts_on, r.id)).id


def round_for(rounds: Iterable[RoundDates], wave: str | None, day: dt.date, baseline_day: dt.date | None) -> int | None:
    """The round of a response (or refusal) completed on ``day``; ``baseline_day``: for a
    follow-up, the day of its respondent's latest baseline at or before it (None: none)."""
    rounds = list(rounds)
    if wave == "pre":
        return round_of_day(rounds, day, opening=True)
    if wave == "post" and baseline_day is not None:
        return round_of_day(rounds, baseline_day, opening=True)
    return round_of_day(rounds, day, opening=False)


# -- the same rule in SQL -------------------------------------------------------------------

def round_containing(day: Any, *, opening: bool) -> Any:
    """A scalar subquery: the id of the round containing the SQL date ``day`` (``round_of_day``)."""
    order = (_ROUNDS.c.starts_on.desc(), _ROUNDS.c.id.desc()) if opening else (_ROUNDS.c.starts_on, _ROUNDS.c.id)
    return (
        select(_ROUNDS.c.id).where(_ROUNDS.c.starts_on <= day, _ROUNDS.c.ends_on >= day)
        .order_by(*order).limit(1).scalar_subquery()
    )


def baseline_at(questionnaire: Any, county_id: Any, code: Any, before: Any) -> Any:
    """A scalar subquery: when the respondent's latest baseline at or before ``before`` was
    completed, as the rule counts it (the earlier of its completion and its receipt; NULL:
    none), found along ``ix_responses_latest``."""
    p = _R.alias("baseline")
    return (
        select(earlier_of(p.c.completed_at, p.c.received_at))
        .where(p.c.questionnaire_id == questionnaire, p.c.county_id == county_id, p.c.respondent_code == code,
               p.c.wave == "pre", p.c.completed_at <= before)
        .order_by(p.c.completed_at.desc(), p.c.id.desc()).limit(1)
        # correlated to the response (or county) outside however deeply it is nested
        .correlate_except(p)
        .scalar_subquery()
    )


def round_of_response(questionnaire: Any, county_id: Any, code: Any, wave: Any, completed_at: Any,
                      received_at: Any) -> ColumnElement[Any]:
    """``round_for`` as one SQL expression, over a response's columns or bound values."""
    day = china_date(earlier_of(completed_at, received_at))
    earlier = baseline_at(questionnaire, county_id, code, completed_at)
    return case(
        (wave == "pre", round_containing(day, opening=True)),
        (and_(wave == "post", earlier.is_not(None)), round_containing(china_date(earlier), opening=True)),
        else_=round_containing(day, opening=False),
    )


def round_of_refusal(wave: Any, declined_at: Any, received_at: Any) -> ColumnElement[Any]:
    """A refusal's round: one at the baseline opens like a baseline; any other has no
    respondent to follow and falls by its day."""
    day = china_date(earlier_of(declined_at, received_at))
    return case((wave == "pre", round_containing(day, opening=True)), else_=round_containing(day, opening=False))


def for_submission(county_id: Any) -> ColumnElement[Any]:
    """The round of the submission being stored, from its bound ``questionnaire``, ``code``,
    ``wave``, ``at`` (its completion) and ``received`` (now), in the submission service's
    reference look-up."""
    return round_of_response(bindparam("questionnaire"), county_id, bindparam("code"), bindparam("wave"),
                             bindparam("at", type_=UTCDateTime()), bindparam("received", type_=UTCDateTime()))


#: A baseline that arrives after its follow-ups (a tablet that synced late) moves them into its
#: round: the follow-ups of the respondent for which it is now the latest baseline at or before
#: them.  Usually no row matches (one probe of ``ix_responses_latest``).
_LATER = _R.alias("later_baseline")
FOLLOW_UPS_TO_MOVE = and_(
    _R.c.questionnaire_id == bindparam("questionnaire"), _R.c.county_id == bindparam("county"),
    _R.c.respondent_code == bindparam("code"), _R.c.wave == "post",
    _R.c.completed_at >= bindparam("since"), _R.c.round_id.is_distinct_from(bindparam("new_round")),
    ~exists().where(
        _LATER.c.questionnaire_id == _R.c.questionnaire_id, _LATER.c.county_id == _R.c.county_id,
        _LATER.c.respondent_code == _R.c.respondent_code, _LATER.c.wave == "pre",
        _LATER.c.completed_at > bindparam("since"), _LATER.c.completed_at <= _R.c.completed_at,
    ),
)
REASSIGN_FOLLOW_UPS = update(_R).where(FOLLOW_UPS_TO_MOVE).values(round_id=bindparam("new_round"))


def follow_ups_of(values: dict[str, Any]) -> dict[str, Any]:
    """``REASSIGN_FOLLOW_UPS``'s parameters for a baseline just stored (``values`` as inserted)."""
    return {"questionnaire": values["questionnaire_id"], "county": values["county_id"], "code": values["respondent_code"],
            "since": values["completed_at"], "new_round": values["round_id"]}


def assign_all(connection: Connection) -> None:
    """Every stored response's and refusal's round, by the rule: after rounds are added or
    their dates change.  Two UPDATEs over everything, and the answer counts made again (a rounds
    edit is rare)."""
    connection.execute(update(_R).values(round_id=round_of_response(
        _R.c.questionnaire_id, _R.c.county_id, _R.c.respondent_code, _R.c.wave, _R.c.completed_at, _R.c.received_at)))
    connection.execute(update(_F).values(round_id=round_of_refusal(_F.c.wave, _F.c.declined_at, _F.c.received_at)))
    counts.rebuild(connection)  # the round is part of the counters' key
    changed(connection)


def assign_since(connection: Connection, first_response_id: int) -> None:
    """The rounds of responses written in bulk from ``first_response_id`` on (the demo seed), and
    of refusals without one: the same rule as ``assign_all``, without rewriting every older row
    (at a million responses, a minute of PostgreSQL's time and as many dead rows)."""
    connection.execute(update(_R).where(_R.c.id >= first_response_id).values(round_id=round_of_response(
        _R.c.questionnaire_id, _R.c.county_id, _R.c.respondent_code, _R.c.wave, _R.c.completed_at, _R.c.received_at)))
    connection.execute(update(_F).where(_F.c.round_id.is_(None)).values(
        round_id=round_of_refusal(_F.c.wave, _F.c.declined_at, _F.c.received_at)))


# -- how a round is named ---------------------------------------------------------------------

def dates_text(starts_on: dt.date, ends_on: dt.date, lang: str = "zh") -> str:
    """A round's dates as a reader sees them, so that nobody has to guess that 第一期（2025年度）
    holds the follow-ups of 2026."""
    if lang == "en":
        return f"{starts_on:%d %b %Y} to {ends_on:%d %b %Y}"
    return f"{starts_on.year} 年 {starts_on.month} 月 {starts_on.day} 日至 {ends_on.year} 年 {ends_on.month} 月 {ends_on.day} 日"


def label(name: str, starts_on: dt.date, ends_on: dt.date) -> str:
    """A round in a list of choices: its name and its dates, short."""
    return f"{name} · {starts_on:%Y.%m.%d}–{ends_on:%Y.%m.%d}"


def period(session: Any, round_year: int | None) -> tuple[str, str | None]:
    """What a report covers, named: one round (its name and dates), or every round (全部年度,
    from the first round's start to the last one's end)."""
    if round_year is not None:
        found = session.execute(select(_ROUNDS.c.name, _ROUNDS.c.starts_on, _ROUNDS.c.ends_on).where(_ROUNDS.c.year == round_year)).first()
        if found is None:
            return f"{round_year}年度", None
        return found[0], dates_text(found[1], found[2])
    first, last = session.execute(select(func.min(_ROUNDS.c.starts_on), func.max(_ROUNDS.c.ends_on))).one()
    return "全部年度", dates_text(first, last) if first is not None else None
