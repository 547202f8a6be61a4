"""The suite's builders, shared by every test package (a test module takes them from here, not
from another test module):

- staff: the demo programme's ``PASSWORD``, ``login``, ``logged_in`` and the CSRF token of a page;
- places: the demo's counties by code, ``county_by_code``, ``places``;
- responses: ``add_response`` (one response stored as the submission path stores it), and what is
  built with it: ``random_responses``, ``make_responses`` (for pairing), ``add_record`` (an activity
  record);
- the demo: ``seed_demo``, the demo generator's responses, committed.

The demo programme (survey_app/demo/seed.py) has one office user, ``admin``, and for each county
(short code pj, fh, hy, ...) ``county-pj``, ``team-pj`` and two collectors, ``sw-pj1`` and
``sw-pj2``, all with ``PASSWORD``.
"""
from __future__ import annotations

import datetime as dt
import random
import re
import uuid as uuidlib
from typing import Any

from sqlalchemy import select

from survey_app.analysis.pairing import Observation
from survey_app.analysis.quality import own_flags
from survey_app.demo.seed import seed_responses
from survey_app.instruments import find_version, parsed
from survey_app.models import Answer, County, IndexScore, Questionnaire, QuestionnaireVersion, Response, Round, Site, Team
from survey_app.questionnaires import index_scores
from survey_app.questionnaires.types import get_type

# --- staff -------------------------------------------------------------------------------------

PASSWORD = "sanqu-demo-2026"  # every demo user's


def csrf_in(page: str) -> str:
    """The CSRF token of a page's (first) form."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def csrf_token(client: Any, path: str = "/login") -> str:
    return csrf_in(client.get(path).get_data(as_text=True))


def login(client: Any, username: str, password: str = PASSWORD) -> Any:
    """The login form posted as a browser does; the reply (302 when it worked)."""
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_token(client)})


def logged_in(client: Any, username: str) -> Any:
    """``client``, logged in as ``username``."""
    assert login(client, username).status_code == 302, f"{username} could not log in"
    return client


# --- places ------------------------------------------------------------------------------------

PINGJIANG, FENGHUANG = "430626", "433123"  # the demo's first two counties (平江县, 凤凰县)


def county_by_code(db: Any, code: str) -> County:
    return db.session.scalar(select(County).where(County.code == code))


def places(db: Any) -> list[tuple[County, Team, list[Site]]]:
    """Three counties with their team and two of their sites each."""
    out = []
    for found in db.session.scalars(select(County).order_by(County.code)).all()[:3]:
        team = db.session.scalar(select(Team).where(Team.county_id == found.id))
        sites = db.session.scalars(select(Site).where(Site.county_id == found.id).order_by(Site.code)).all()[:2]
        out.append((found, team, sites))
    return out


# --- responses ---------------------------------------------------------------------------------

COMPLETED = dt.datetime(2026, 4, 1, 2, 0, tzinfo=dt.UTC)  # when a response was completed, unless told


def questionnaire(db: Any, qid: str) -> tuple[QuestionnaireVersion, Any]:
    """A questionnaire's stored version and its parsed definition."""
    # the id alone, then the version from the session where it is loaded: a version's definition
    # is a large JSON document, read again with every response otherwise
    version_id = db.session.scalar(select(QuestionnaireVersion.id).where(QuestionnaireVersion.questionnaire_id == qid))
    version = db.session.get(QuestionnaireVersion, version_id)
    return version, parsed(version)


def add_response(db: Any, qid: str, county: County | str | None = None, *, wave: str | None = None,
                 answers: dict[str, Any] | None = None, code: str | None = None, team: Team | None = None,
                 site: Site | None = None, round_id: int | None = None, completed_at: dt.datetime = COMPLETED,
                 received_at: dt.datetime | None = None, minutes: float | None = None,
                 started_at: dt.datetime | None = None, excluded: bool = False, score: float | None = None,
                 source: str = "test", **columns: Any) -> Response:
    """One response to ``qid`` stored as the submission path stores it: a row per answer value,
    the index scores its answers give, its own data-quality flags; flushed, not committed.

    ``county``: a County or its code (by default the team's); ``code``: the respondent's;
    ``received_at``: when it arrived (by default when it was completed); ``minutes``: how long it
    took (or ``started_at``; neither: not timed); ``score``: its score on the index named as the
    questionnaire (awareness, satisfaction), whatever the answers; ``columns``: any other column
    of ``Response``, stored as given.
    """
    version, qn = questionnaire(db, qid)
    answers = {} if answers is None else answers
    if county is None:
        county_id = team.county_id
    else:
        county_id = (county_by_code(db, county) if isinstance(county, str) else county).id
    received = completed_at if received_at is None else received_at
    if minutes is not None:
        started_at = completed_at - dt.timedelta(minutes=minutes)
    fields = {
        "uuid": str(uuidlib.uuid4()), "questionnaire_id": qid, "version_id": version.id, "county_id": county_id,
        "team_id": team.id if team else None, "site_id": site.id if site else None, "wave": wave,
        "respondent_code": code, "round_id": round_id, "started_at": started_at, "completed_at": completed_at,
        "received_at": received, "content_hash": "x", "answers_json": answers, "excluded": excluded,
        "excluded_reason": "test" if excluded else None, "source": source,
        **own_flags(qn.scale_items, answers, completed_at, received),
    }
    r = Response(**{**fields, **columns})
    db.session.add(r)
    db.session.flush()
    for qid_, value in answers.items():
        question = qn.question(qid_)
        for position, (text, number) in enumerate(get_type(question.type).rows(question, value)):
            db.session.add(Answer(response_id=r.id, question_id=qid_, position=position, value_text=text, value_num=number))
    scores = {index: value for index, value in index_scores(qn, answers).items() if value is not None}
    if score is not None:
        scores[qid] = score
    for index, value in scores.items():
        db.session.add(IndexScore(response_id=r.id, index_id=index, score=value))
    return r


def described(r: Response) -> dict[str, Any]:
    """A response as the plain values a test computes its expectations from."""
    return {"id": r.id, "county": r.county_id, "team": r.team_id, "site": r.site_id, "wave": r.wave,
            "excluded": r.excluded, "answers": r.answers_json}


def random_responses(db: Any, qid: str, make_answers: Any, n: int = 300, seed: int = 1,
                     waves: tuple[str | None, ...] = ("pre", "post", "pre", "post", None)) -> list[dict[str, Any]]:
    """``n`` responses (answers by ``make_answers(rng)``, twelve minutes each) spread over
    ``places`` and waves, about 8% excluded; committed, each returned ``described``."""
    rng = random.Random(seed)
    where = places(db)
    out = []
    for _ in range(n):
        place, team, sites = rng.choice(where)
        site = rng.choice([*sites, None])
        wave = rng.choice(waves)
        excluded = rng.random() < 0.08
        answers = make_answers(rng)
        r = add_response(db, qid, place, wave=wave, answers=answers, team=team if rng.random() < 0.9 else None,
                         site=site, excluded=excluded, minutes=12)
        out.append(described(r))
    db.session.commit()
    return out


RESPONSES_FROM = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)  # make_responses' first day


def make_responses(db: Any, n: int = 400, seed: int = 3) -> tuple[list[Observation], list[County]]:
    """Awareness responses with codes reused across waves, repeats, ties, exclusions and missing
    scores, spread over three counties' teams, sites and rounds (or none), each with a yes/no
    answer and some with one or two choices of a multiple-choice question (answer rows only: the
    stored answers are empty); committed; returned as the pairing's observations, and the
    counties."""
    rng = random.Random(seed)
    counties = db.session.scalars(select(County).order_by(County.code)).all()[:3]
    rounds = [None, *db.session.scalars(select(Round.id))]
    observations = []
    for _ in range(n):
        place = rng.choice(counties)
        code = rng.choice([f"C{j:03d}" for j in range(60)] + [None])
        wave = rng.choice(["pre", "post", "pre", "post", None])
        completed = RESPONSES_FROM + dt.timedelta(days=rng.choice([0, 1, 1, 2, 300, 301]))  # ties on purpose
        excluded = rng.random() < 0.08
        score = None if rng.random() < 0.05 else round(rng.uniform(0, 100), 1)
        site_id = rng.choice([None, *(s.id for s in place.sites)])
        team_id = rng.choice([None, *(t.id for t in db.session.scalars(select(Team).where(Team.county_id == place.id)))])
        r = add_response(db, "awareness", place, wave=wave, code=code, completed_at=completed, excluded=excluded,
                         score=score, source="seed", site_id=site_id, team_id=team_id, round_id=rng.choice(rounds))
        db.session.add(Answer(response_id=r.id, question_id="heard_sw", position=0, value_text=rng.choice(["yes", "no"])))
        household = ["lives_alone", "left_behind_elderly", "left_behind_children"]
        for position, value in enumerate(rng.sample(household, rng.randrange(3))):  # sometimes unanswered
            db.session.add(Answer(response_id=r.id, question_id="household", position=position, value_text=value))
        observations.append(Observation(r.id, place.id, code, wave, completed, score, excluded))
    db.session.commit()
    return observations, counties


_RECORDS_RECEIVED = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)


def _activity(db: Any) -> Any:
    stored = db.session.get(Questionnaire, "activity")
    return parsed(find_version(db.session, "activity", stored.current_version))


def numeric_questions(db: Any) -> tuple[str, ...]:
    """The activity record's numbers (people served, trainings held, ...)."""
    return tuple(q.id for q in _activity(db).questions.values() if q.type == "number")


def add_record(db: Any, team: Team, month: str, values: dict[str, float], *, round_id: int | None = None,
               excluded: bool = False, clock_ahead: bool = False) -> Response:
    """One team's monthly activity record (``month``: "2026-01"), its answers stored as the
    question types store them; ``clock_ahead``: completed after it was received (a flag)."""
    completed = _RECORDS_RECEIVED + (dt.timedelta(days=2) if clock_ahead else dt.timedelta(0))
    return add_response(db, "activity", team=team, answers={"month": f"{month}-01", **values}, round_id=round_id,
                        completed_at=completed, received_at=_RECORDS_RECEIVED, excluded=excluded, source="seed")


# --- the demo ----------------------------------------------------------------------------------

def seed_demo(db: Any, n: int, *, seed: int) -> Any:
    """``n`` responses by the demo's generator (on the demo programme and the loaded
    questionnaires), committed; returns ``db``."""
    seed_responses(db.session, n, seed=seed)
    db.session.commit()
    return db
