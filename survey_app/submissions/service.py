"""The one submission path.  The API, the web form, offline sync and file import all call
``submit``: it validates against the response's questionnaire version, clears answers hidden by
skip logic, computes index scores and stores everything in one transaction, idempotent on the
client's uuid."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..auth.scope import Scope
from ..database import begin_write
from ..instruments import find_version, parsed
from ..models import Answer, County, IndexScore, Questionnaire, Response, Round, Site, Team
from ..questionnaires import index_scores, validate_answers
from ..questionnaires.types import get_type
from .envelope import CST, Envelope, apply_questionnaire_rules, content_hash, message, parse_envelope

CREATED, DUPLICATE, CONFLICT, INVALID, FORBIDDEN = "created", "duplicate", "conflict", "invalid", "forbidden"


@dataclass
class Outcome:
    status: str
    uuid: str | None = None
    response_id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def http_status(self) -> int:
        return {CREATED: 201, DUPLICATE: 200, CONFLICT: 409, INVALID: 422, FORBIDDEN: 403}[self.status]


def submit(session: Session, payload: Any, scope: Scope, source: str = "api", lang: str = "zh") -> Outcome:
    """Store one submission, or say why not.  The caller commits (or rolls back)."""
    if not isinstance(payload, dict):
        return Outcome(INVALID, errors={"body": [message("object", lang)]})
    env = parse_envelope(payload)
    digest = content_hash(payload)

    begin_write(session)
    if env.uuid and env.questionnaire:
        seen = _existing(session, env.questionnaire, env.uuid)
        if seen is not None:
            return _repeat(seen, digest, scope)

    refs = _resolve(session, env, scope)
    if env.errors:
        return Outcome(INVALID, env.uuid or None, errors=_render(env.errors, lang))
    county, site, team, version = refs
    if not scope.allows(county.id, team.id if team else None):
        return Outcome(FORBIDDEN, env.uuid)

    qn = parsed(version)
    apply_questionnaire_rules(env, qn.wave, qn.respondent_code)
    checked = validate_answers(qn, env.answers)
    errors = _render(env.errors, lang)
    for qid, problems in checked.rendered_errors(lang).items():
        errors.setdefault(f"answers.{qid}" if qid in errors else qid, []).extend(problems)
    if errors:
        return Outcome(INVALID, env.uuid, errors=errors)

    response = Response(
        uuid=env.uuid,
        questionnaire_id=qn.id,
        version_id=version.id,
        round_id=_round_id(session, env.completed_at),
        county_id=county.id,
        site_id=site.id if site else None,
        team_id=team.id if team else None,
        wave=env.wave,
        respondent_code=env.respondent_code,
        collector_id=scope.user_id,
        source=source,
        started_at=env.started_at,
        completed_at=env.completed_at,
        content_hash=digest,
        answers_json=checked.answers,
    )
    try:
        with session.begin_nested():
            session.add(response)
            session.flush()
    except IntegrityError:
        # Another request stored the same uuid between our look-up and our insert
        # (PostgreSQL; SQLite's IMMEDIATE transaction already serialised us).
        seen = _existing(session, env.questionnaire, env.uuid)
        if seen is None:
            raise
        return _repeat(seen, digest, scope)

    rows = []
    for qid, value in checked.answers.items():
        question = qn.question(qid)
        for position, (text, num) in enumerate(get_type(question.type).rows(question, value)):
            rows.append({"response_id": response.id, "question_id": qid, "position": position, "value_text": text, "value_num": num})
    if rows:
        session.execute(insert(Answer), rows)
    scores = [
        {"response_id": response.id, "index_id": iid, "score": score}
        for iid, score in index_scores(qn, checked.answers).items()
        if score is not None
    ]
    if scores:
        session.execute(insert(IndexScore), scores)
    return Outcome(CREATED, env.uuid, response_id=response.id)


def _existing(session: Session, questionnaire: str, uuid: str) -> Response | None:
    return session.scalar(select(Response).where(Response.questionnaire_id == questionnaire, Response.uuid == uuid))


def _repeat(seen: Response, digest: str, scope: Scope) -> Outcome:
    if not scope.allows(seen.county_id, seen.team_id):
        return Outcome(FORBIDDEN, seen.uuid)
    if seen.content_hash == digest:
        return Outcome(DUPLICATE, seen.uuid, response_id=seen.id)
    return Outcome(CONFLICT, seen.uuid, response_id=seen.id)


def _resolve(session: Session, env: Envelope, scope: Scope) -> Any:
    version = None
    if env.questionnaire and env.version:
        version = find_version(session, env.questionnaire, env.version)
        if version is None:
            if session.get(Questionnaire, env.questionnaire) is None:
                env.fail("questionnaire", "unknown_questionnaire")
            else:
                env.fail("version", "unknown_version")
    county = site = team = None
    if env.county:
        county = session.scalar(select(County).where(County.code == env.county))
        if county is None:
            env.fail("county", "unknown_county")
    if county is not None:
        if env.site:
            site = session.scalar(select(Site).where(Site.code == env.site, Site.county_id == county.id))
            if site is None:
                env.fail("site", "unknown_site")
        if env.team:
            team = session.scalar(select(Team).where(Team.code == env.team, Team.county_id == county.id))
            if team is None:
                env.fail("team", "unknown_team")
        elif scope.team_id is not None:
            # A team member's submissions belong to their team unless they say otherwise.
            team = session.get(Team, scope.team_id)
    return county, site, team, version


def _round_id(session: Session, completed_at: dt.datetime | None) -> int | None:
    if completed_at is None:
        return None
    day = completed_at.astimezone(CST).date()
    return session.scalar(select(Round.id).where(Round.starts_on <= day, Round.ends_on >= day))


def _render(errors: dict[str, list[str]], lang: str) -> dict[str, list[str]]:
    return {key: [message(code, lang) for code in codes] for key, codes in errors.items()}
