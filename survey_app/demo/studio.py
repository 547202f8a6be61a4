"""The demo's audio studio: 凤凰湘西话 for 凤凰县, with the first prompts of the awareness survey
recorded and approved.  Each recording is survey_app/demo/audio/beep.webm, made once by
Chromium's MediaRecorder from its fake microphone (a beep) exactly as the studio records
(scripts/build_demo_recording.py): a tone stands in for a voice, and the demo needs no encoder."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from ..audio import service
from ..auth.scope import Scope
from ..database import DBSession
from ..models import County, Dialect, User

BEEP = Path(__file__).resolve().parent / "audio" / "beep.webm"
DIALECT = ("fh-xx", "凤凰湘西话", "433123")
#: how many of the awareness survey's first prompts are recorded (greeting, consent, the first
#: question and its options), and the closing thanks
RECORDED = 8


def seed_recordings(session: DBSession, questionnaire: str = "awareness") -> int:
    """Create the demo dialect and its recordings once; the number made (0: already there, or
    the questionnaire or the county is missing)."""
    code, name, county_code = DIALECT
    if session.scalar(select(Dialect.id).where(Dialect.code == code)) is not None:
        return 0
    county = session.scalar(select(County).where(County.code == county_code))
    admin = session.scalar(select(User).where(User.username == "admin"))
    if county is None or admin is None:
        return 0
    try:
        version = service.current_version(session, questionnaire)
    except service.StudioError:
        return 0
    scope = Scope.of(admin)
    dialect = service.create_dialect(session, scope, code, name, county_code)
    data = BEEP.read_bytes()
    keys = [p.key for p in service.version_prompts(version)]
    made = 0
    for key in [*keys[:RECORDED], "thanks"]:
        service.approve(session, scope, service.save_draft(session, scope, dialect, version, key, data, "audio/webm"))
        made += 1
    return made
