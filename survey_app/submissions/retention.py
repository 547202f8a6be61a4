"""Free text kept no longer than the programme needs it (China's PIPL: personal information kept
for the shortest time the purpose needs).  Residents' comments can name people, places and
illnesses; scores and choices cannot, and the assessment rests on those.  So after the set
number of days the answers to ``text`` questions are deleted, from the answer rows and from the
stored copy of the answers, and everything else stays.  No Flask here."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update

from ..database import DBSession
from ..models import Answer, QuestionnaireVersion, Response


@dataclass(frozen=True)
class Purged:
    responses: int
    answers: int


def text_questions(session: DBSession) -> dict[int, set[str]]:
    """For each questionnaire version, the ids of its free-text questions (versions differ)."""
    out: dict[int, set[str]] = {}
    for version_id, definition in session.execute(select(QuestionnaireVersion.id, QuestionnaireVersion.definition)):
        out[version_id] = {q["id"] for s in definition.get("sections", []) for q in s.get("questions", []) if q.get("type") == "text"}
    return out


def purge_free_text(session: DBSession, received_before: dt.datetime, batch: int = 500) -> Purged:
    """Delete the free-text answers of responses received before ``received_before``; scores,
    choices, numbers and dates stay.  In batches, each committed, so that a large first purge
    neither holds one long transaction nor loses its progress if stopped."""
    texts = text_questions(session)
    responses = answers = 0
    last_id = 0
    while True:
        rows = session.execute(
            select(Response.id, Response.version_id, Response.answers_json)
            .where(Response.received_at < received_before, Response.id > last_id).order_by(Response.id).limit(batch)
        ).all()
        if not rows:
            return Purged(responses, answers)
        last_id = rows[-1].id
        for response_id, version_id, stored in rows:
            doomed = texts.get(version_id, set()) & set(stored or {})
            if not doomed:
                continue
            kept = {k: v for k, v in stored.items() if k not in doomed}
            session.execute(update(Response).where(Response.id == response_id).values(answers_json=kept))
            gone = session.execute(delete(Answer).where(Answer.response_id == response_id, Answer.question_id.in_(doomed)))
            answers += cast(CursorResult[Any], gone).rowcount or 0
            responses += 1
        session.commit()


def purge_and_record(session: DBSession, days: int, via: str) -> tuple[Purged, dt.datetime]:
    """The purge of free text older than ``days``, audited; the CLI and the worker's daily task."""
    from ..models.audit import record

    before = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    done = purge_free_text(session, before)
    record("retention.purge", target="free text", days=days, before=before.isoformat(), responses=done.responses,
           answers=done.answers, via=via)
    session.commit()
    return done, before
