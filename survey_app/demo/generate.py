"""Realistic demo responses, generated from each questionnaire's own definition (so they follow
its options, ranges and skip logic), driven by a latent trait per respondent so that index items
agree with each other and the follow-up shows a gain.  Every generated response passes the same
validation as a real one (checked by the tests).  Writing them is ``seed.py``'s."""
from __future__ import annotations

import datetime as dt
import math
import random
import uuid as uuidlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..analysis.quality import own_flags
from ..auth.permissions import COLLECTOR_ROLE
from ..database import DBSession
from ..instruments import parsed
from ..models import County, Site, Team, User
from ..models.types import utcnow
from ..questionnaires import Definition, index_scores, validate_answers
from ..questionnaires.types import get_type
from ..submissions.envelope import CST
from .places import COMMENTS, COUNTIES, GAINS

PRE_WINDOW = (dt.date(2025, 3, 10), dt.date(2025, 5, 20))
POST_WINDOW = (dt.date(2026, 3, 10), dt.date(2026, 5, 20))

#: a team of three to six social workers in a month: the typical count of each activity item
#: (people served is per service domain, in person-times)
ACTIVITY_TYPICAL = {
    "cases_opened": 6, "cases_closed": 4, "group_sessions": 4, "community_events": 2, "staff_trainings": 1,
    "served_": 90, "volunteer_hours": 60, "pub_articles": 2, "pub_videos": 1, "pub_posters": 3,
}
#: shares of the demo's interviews that show what the data-quality page looks for
STRAIGHT_LINERS, TWICE_INTERVIEWED, WRONG_CLOCKS, DECLINED = 0.02, 0.01, 0.004, 0.05
#: 凤凰县: the residents who knew least about social work were most often away at the follow-up
#: (外出务工), so the rise measured on those met again is too high, and the pages must say so
SELECTIVE_ATTRITION_COUNTY = "433123"
#: chance of being lost by the follow-up: everywhere, and in that county by baseline awareness
LOST, LOST_LOW, LOST_HIGH = 0.10, 0.45, 0.04



@dataclass
class _Place:
    county_id: int
    county_code: str
    short: str
    site_ids: list[int]
    team_id: int
    collector_id: int
    gain: float
    domains: list[str]


def places_of(session: DBSession) -> list[_Place]:
    """The demo's counties with their team, first collector, villages and planned gain."""
    places = []
    gains = dict(zip((c[0] for c in COUNTIES), GAINS, strict=True))
    shorts = {c[0]: c[3] for c in COUNTIES}
    for county in session.scalars(select(County).order_by(County.code)):
        team = session.scalar(select(Team).where(Team.county_id == county.id).order_by(Team.code))
        if team is None:
            continue
        collector = session.scalar(select(User).where(User.team_id == team.id, User.role == COLLECTOR_ROLE).order_by(User.username))
        sites = list(session.scalars(select(Site.id).where(Site.county_id == county.id).order_by(Site.code)))
        places.append(
            _Place(county.id, county.code, shorts.get(county.code, county.code[-2:]), sites, team.id,
                   collector.id if collector else 0, gains.get(county.code, 0.4), list(team.domains))
        )
    return places


def _tablet(team_id: int, uuid: str) -> str:
    """One of the team's two demo tablets (fixed ids), chosen from the response's own uuid so
    that the seeded answers do not change with it: the devices pages then have something to show."""
    return str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"sanqu-demo-tablet/{team_id}/{int(uuid[-1], 16) % 2}"))


@dataclass
class Generated:
    """One response as rows: its own (in RESPONSE_COLUMNS' order, without the id), its answers
    (question, position, text, number) and its index scores (index, score)."""

    RESPONSE_COLUMNS = ("uuid", "questionnaire_id", "version_id", "round_id", "county_id", "site_id", "team_id",
                        "wave", "respondent_code", "collector_id", "device_id", "source", "started_at",
                        "completed_at", "received_at", "content_hash", "answers_json", "excluded", "excluded_reason",
                        "straight_lined", "clock_ahead")
    row: tuple[Any, ...]
    answer_rows: list[tuple[str, int, str | None, float | None]]
    score_rows: list[tuple[str, float]]


class Generator:
    def __init__(self, rng: random.Random, places: list[_Place], versions: dict, first_person: int = 1) -> None:
        self.rng = rng
        self.first_person = first_person
        self.places = places
        self.versions = versions
        self.parsed: dict[str, Definition] = {qid: parsed(v) for qid, v in versions.items()}
        self.reversed = {qid: {item for index in qn.indices for item in index.reverse} for qid, qn in self.parsed.items()}
        # Fixed, skewed option weights per question: real answers are never uniform.
        self.weights: dict[str, list[float]] = {}
        self.received = utcnow()
        #: residents who declined at the consent screen (rows for ``refusals``)
        self.refusals: list[dict[str, Any]] = []

    def responses(self, n: int) -> Iterator[Generated]:
        share = {"awareness": 0.7, "satisfaction": 0.15, "staff": 0.1}
        activity_n = min(n // 20, len(self.places) * 15) if "activity" in self.versions else 0
        plan = {qid: int(n * s) for qid, s in share.items() if qid in self.versions}
        plan["awareness"] += n - activity_n - sum(plan.values())
        if "activity" in self.versions:
            yield from self._activity(activity_n)
        yield from self._paired("awareness", plan.get("awareness", 0))
        if "staff" in plan:
            yield from self._paired("staff", plan["staff"])
        if "satisfaction" in plan:
            yield from self._cross_section("satisfaction", plan["satisfaction"])

    # -- designs --------------------------------------------------------------------------
    def _paired(self, qid: str, n: int) -> Iterator[Generated]:
        """Pre and post for most respondents; some drop out, some are only met at follow-up."""
        made = 0
        person = self.first_person - 1
        while made < n:
            place = self.places[person % len(self.places)]
            person += 1
            code = f"{place.short}-{person:06d}" if qid == "awareness" else f"{place.short}S-{person:05d}"
            theta = self.rng.gauss(0, 1)
            site = self.rng.choice(place.site_ids)
            fate = self.rng.random()
            lost = fate < LOST
            if place.county_code == SELECTIVE_ATTRITION_COUNTY:
                lost = fate < (LOST_LOW if theta < 0 else LOST_HIGH)
            if self.rng.random() < DECLINED:
                self._decline(qid, place, site, "pre", PRE_WINDOW)
            if fate < 0.85 or made + 1 >= n:
                yield self._make(qid, place, site, "pre", code, theta, PRE_WINDOW)
                made += 1
                if self.rng.random() < TWICE_INTERVIEWED and made < n:  # a second visit by another worker
                    yield self._make(qid, place, site, "pre", code, theta, PRE_WINDOW)
                    made += 1
            if not lost and made < n:  # 10% attrition; 5% met only at follow-up
                if self.rng.random() < DECLINED / 2:  # asked again, a few say no this time
                    self._decline(qid, place, site, "post", POST_WINDOW)
                    continue
                gain = self.rng.gauss(place.gain, 0.6)
                yield self._make(qid, place, site, "post", code, theta + gain, POST_WINDOW)
                made += 1

    def _cross_section(self, qid: str, n: int) -> Iterator[Generated]:
        for i in range(n):
            place = self.places[i % len(self.places)]
            theta = self.rng.gauss(0.6 + place.gain / 2, 0.9)
            code = f"{place.short}R-{self.first_person + i:06d}" if self.rng.random() < 0.5 else None
            wave = "post" if self.rng.random() < 0.8 else None
            yield self._make(qid, place, self.rng.choice(place.site_ids), wave, code, theta, POST_WINDOW)

    def _decline(self, qid: str, place: _Place, site: int, wave: str, window: tuple[dt.date, dt.date]) -> None:
        day = window[0] + dt.timedelta(days=self.rng.randrange((window[1] - window[0]).days + 1))
        uuid = str(uuidlib.UUID(int=self.rng.getrandbits(128), version=4))
        self.refusals.append({
            "uuid": uuid, "questionnaire_id": qid,
            "county_id": place.county_id, "site_id": site, "team_id": place.team_id, "wave": wave,
            "collector_id": place.collector_id or None, "device_id": _tablet(place.team_id, uuid), "source": "seed",
            "declined_at": dt.datetime.combine(day, dt.time(10), CST).astimezone(dt.UTC), "received_at": self.received,
        })

    def _activity(self, n: int) -> Iterator[Generated]:
        months = [dt.date(2025 + (2 + m) // 12, (2 + m) % 12 + 1, 1) for m in range(15)]  # 2025-03 .. 2026-05
        made = 0
        for month in months:
            for place in self.places:
                if made >= n:
                    return
                made += 1
                yield self._make("activity", place, None, None, None, self.rng.gauss(0, 1), (month, month), month=month)

    # -- one response ---------------------------------------------------------------------
    def _make(self, qid: str, place: _Place, site: int | None, wave: str | None, code: str | None,
              theta: float, window: tuple[dt.date, dt.date], month: dt.date | None = None) -> Generated:
        qn = self.parsed[qid]
        version = self.versions[qid]
        answers = self._answers(qn, theta, place, month)
        checked = validate_answers(qn, answers)
        for _ in range(5):
            if checked.ok:
                break
            for bad in checked.errors:
                answers.pop(bad, None)
                if qn.questions.get(bad) and qn.questions[bad].required:
                    answers[bad] = self._value(qn, qn.questions[bad], theta, place, month)
            checked = validate_answers(qn, answers)
        if not checked.ok:
            raise RuntimeError(f"demo generator made an invalid {qid} response: {checked.rendered_errors('en')}")
        answers = checked.answers

        day = window[0] + dt.timedelta(days=self.rng.randrange((window[1] - window[0]).days + 1))
        if month is not None:
            day = month + dt.timedelta(days=27)
        local = dt.datetime.combine(day, dt.time(8 + self.rng.randrange(10), self.rng.randrange(60)), CST)
        minutes = max(2.0, self.rng.gauss(12, 3)) if self.rng.random() > 0.03 else self.rng.uniform(1, 2.5)  # a few speeders
        completed = local.astimezone(dt.UTC)
        received = min(self.received, completed + self._sync_delay())
        if wave is not None and self.rng.random() < WRONG_CLOCKS:  # a tablet whose clock runs days ahead
            completed = received + dt.timedelta(days=1 + self.rng.randrange(30))
        started = completed - dt.timedelta(minutes=minutes)

        rows = []
        for q, value in answers.items():
            question = qn.question(q)
            for pos, (vtext, vnum) in enumerate(get_type(question.type).rows(question, value)):
                rows.append((q, pos, vtext, vnum))
        score_rows = [(i, s) for i, s in index_scores(qn, answers).items() if s is not None]
        uuid = str(uuidlib.UUID(int=self.rng.getrandbits(128), version=4))
        row = (uuid, qid, version.id, None,  # the round: by the rule, once all are stored (rounds.assign_since)
               place.county_id, site, place.team_id, wave, code, place.collector_id or None,
               _tablet(place.team_id, uuid), "seed", started, completed, received, "seed", answers, False, None,
               *own_flags(qn.scale_items, answers, completed, received).values())
        return Generated(row, rows, score_rows)

    def _sync_delay(self) -> dt.timedelta:
        """How long a tablet held a response before it reached the server: the same evening with
        a signal at the township, days from villages without one, now and then weeks."""
        draw = self.rng.random()
        if draw < 0.7:
            return dt.timedelta(hours=1 + self.rng.randrange(10))
        if draw < 0.95:
            return dt.timedelta(days=1 + self.rng.randrange(7))
        return dt.timedelta(days=8 + self.rng.randrange(30))

    def _answers(self, qn: Definition, theta: float, place: _Place, month: dt.date | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for question in qn.questions.values():
            if not question.required and self.rng.random() < 0.04:
                continue  # item non-response
            value = self._value(qn, question, theta, place, month)
            if value is not None:
                out[question.id] = value
        scales = [q.scale for q in qn.questions.values() if q.scale is not None and q.id in out]
        if scales and self.rng.random() < STRAIGHT_LINERS:  # the same button all the way down
            high = self.rng.random() < 0.7
            out.update({q.id: (q.scale.max if high else q.scale.min) for q in qn.questions.values() if q.scale is not None and q.id in out})
        return out

    def _value(self, qn: Definition, question: Any, theta: float, place: _Place, month: dt.date | None) -> Any:
        rng = self.rng
        reverse = question.id in self.reversed[qn.id]
        if question.type == "likert":
            scale = question.scale
            mid = (scale.min + scale.max) / 2
            spread = (scale.max - scale.min) / 4
            lean = -theta if reverse else theta
            value = round(mid + 0.35 * spread + lean * spread * 1.1 + rng.gauss(0, spread * 0.8))
            return max(scale.min, min(scale.max, value))
        if question.type == "single":
            values = question.option_values
            if "yes" in values:
                p = 1 / (1 + math.exp(-(theta + 0.2)))
                return "yes" if rng.random() < p else rng.choice([v for v in values if v != "yes"])
            return rng.choices(values, weights=self._weights(question))[0]
        if question.type == "multi":
            values = [v for v in question.option_values if v != "none"]
            if set(values) >= set(place.domains) and place.domains:
                pool = place.domains
            else:
                pool = values
            k = 1 + min(len(pool) - 1, int(abs(rng.gauss(0, 1.2))))
            chosen = rng.sample(pool, k)
            if "none" in question.option_values and rng.random() < 0.1:
                chosen = ["none"]
            return chosen
        if question.type == "number":
            lo = question.min if question.min is not None else 0
            hi = question.max if question.max is not None else lo + 100
            draw = rng.betavariate(1.3, 12)  # skewed: mostly small, now and then large
            typical = lo + (hi - lo) * draw
            usual = next((v for k, v in ACTIVITY_TYPICAL.items() if question.id.startswith(k)), None) if qn.id == "activity" else None
            if usual is not None:  # the same draw scaled to a team's month (the draw's mean is 1.3/13.3)
                typical = min(hi, usual * draw * 13.3 / 1.3)
            if qn.id == "activity" and question.id.startswith("served_") and question.id.removeprefix("served_") not in place.domains:
                return 0  # a team serves only in its own domains (drawn anyway: the later draws stay the same)
            return round(typical) if question.integer else round(typical, 1)
        if question.type == "text":
            return rng.choice(COMMENTS) if rng.random() < 0.3 else None
        if question.type == "date":
            return (month or dt.date(2025, 6, 1)).isoformat()
        return None

    def _weights(self, question: Any) -> list[float]:
        weights = self.weights.get(question.id)
        if weights is None:
            local = random.Random(question.id)
            weights = [local.uniform(0.3, 3) for _ in question.options]
            self.weights[question.id] = weights
        return weights
