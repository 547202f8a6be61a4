"""The audio studio's rules: who may see, record and approve in which dialect, what an upload
must be, approval, the carry-over of recordings between versions, coverage, and what the tablet
is given.  No Flask except ``url_for`` in ``recordings_for``; refusals are ``StudioError``s that
the pages word and map to a status; the caller commits (these flush and audit).

Reach (docs/ARCHITECTURE.md, "Audio studio"): a dialect belongs to the programme (no county:
the office's), to a county, or to a team of a county.  Everyone sees the programme's dialects
and those of their county (a team member or collector: the county's and their own team's).
Recording: everyone who sees a dialect, collectors included, except that only the office
records the programme's.  Approving, withdrawing an approval and deleting an approved recording:
the same, without collectors (a recording reaches every tablet of the place once approved).
Creating a dialect: the office anywhere, a county bureau in its county, a team for itself."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, or_, select, true

from ..auth.scope import Scope
from ..database import DBSession
from ..instruments import current_versions, parsed
from ..models import County, Dialect, Questionnaire, QuestionnaireVersion, Recording, Team
from ..models.audit import record
from ..models.types import utcnow
from .media import sniff
from .prompts import Prompt, prompts

#: MediaRecorder's bitrate in the studio (static/js/studio.js): Opus at 24 kbit/s, constant,
#: is clear speech in a quiet room and 3 KB a second
BITRATE = 24_000
#: the most one prompt may weigh and last: the longest shipped prompt (34 characters) read at
#: half the usual 4 characters a second is 17 s; 20 s at 24 kbit/s is 60 KB with its container.
#: The awareness survey's 136 prompts must stay under 1.5 MB together (11 KB, ~3.7 s, each on
#: average): benchmarks/recordings.py measures that.
BUDGET_BYTES = 64 * 1024
MAX_DURATION_MS = 20_000
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,31}$")
#: words of the studio's own addresses (/audio/recordings/..., /audio/dialects)
RESERVED_CODES = {"recordings", "dialects", "coverage"}


class StudioError(ValueError):
    """A refusal: ``field`` at fault, ``code`` what is wrong (for the page's words), ``status``
    the HTTP status (403 not allowed, 404 not within reach, 409 conflict, 413 too big, 422 invalid)."""

    def __init__(self, field: str, code: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.field, self.code, self.status = field, code, status


# ---- reach ----------------------------------------------------------------------------------

def visible_where(scope: Scope) -> ColumnElement[bool]:
    """The dialects this user sees, as a WHERE clause."""
    if scope.sees_programme:
        return true()
    if scope.county_id is None:
        return Dialect.county_id.is_(None)
    own = Dialect.county_id == scope.county_id
    if not scope.sees_county:
        own = and_(own, or_(Dialect.team_id.is_(None), Dialect.team_id == (scope.team_id if scope.team_id is not None else -1)))
    return or_(Dialect.county_id.is_(None), own)


def can_record(scope: Scope, dialect: Dialect) -> bool:
    return scope.sees_programme or dialect.county_id is not None


def can_approve(scope: Scope, dialect: Dialect) -> bool:
    return can_record(scope, dialect) and scope.can_approve_recordings


def can_create(scope: Scope) -> bool:
    return scope.can_create_dialects


def dialects(session: DBSession, scope: Scope) -> list[Dialect]:
    return list(session.scalars(select(Dialect).where(visible_where(scope)).order_by(Dialect.county_id.is_not(None), Dialect.code)))


def dialect(session: DBSession, scope: Scope, code: str) -> Dialect:
    """A dialect within the user's sight, else 404 (another place's dialects are not named)."""
    found = session.scalar(select(Dialect).where(Dialect.code == code, visible_where(scope)))
    if found is None:
        raise StudioError("dialect", "unknown", "no such dialect within your reach", 404)
    return found


def create_dialect(
    session: DBSession, scope: Scope, code: str, name: str, county_code: str = "", team_code: str = "", *, ip: str | None = None,
) -> Dialect:
    """A new dialect.  A county bureau's is its county's (a team of it may be named); a team's
    is its own; the office may name any place or none."""
    if not can_create(scope):
        raise StudioError("dialect", "forbidden", "collectors record; staff create dialects", 403)
    code, name = code.strip().lower(), name.strip()
    if not CODE_PATTERN.match(code) or code in RESERVED_CODES:
        raise StudioError("code", "pattern", "code: 2-32 lower-case letters, digits and -, starting with a letter")
    if not name or len(name) > 100:
        raise StudioError("name", "required", "a name of at most 100 characters is required")
    if session.scalar(select(Dialect.id).where(Dialect.code == code)) is not None:
        raise StudioError("code", "taken", "this code is taken", 409)
    county_id, team_id = _place(session, scope, county_code.strip(), team_code.strip())
    made = Dialect(code=code, name=name, county_id=county_id, team_id=team_id, created_by=scope.user_id, created_at=utcnow())
    session.add(made)
    session.flush()
    record("dialect.create", actor_id=scope.user_id, target=code, ip=ip, name=name, county_id=county_id, team_id=team_id)
    return made


def _place(session: DBSession, scope: Scope, county_code: str, team_code: str) -> tuple[int | None, int | None]:
    county = session.scalar(select(County).where(County.code == county_code)) if county_code else None
    team = session.scalar(select(Team).where(Team.code == team_code)) if team_code else None
    if county_code and county is None:
        raise StudioError("county", "unknown", "no such county")
    if team_code and team is None:
        raise StudioError("team", "unknown", "no such team")
    if scope.bound_to_team:
        if (county and county.id != scope.county_id) or (team and team.id != scope.team_id):
            raise StudioError("county", "outside", "outside your reach", 403)
        return scope.county_id, scope.team_id
    if scope.sees_county:
        if (county and county.id != scope.county_id) or (team and team.county_id != scope.county_id):
            raise StudioError("county", "outside", "outside your reach", 403)
        return scope.county_id, team.id if team else None
    if team is not None and county is not None and team.county_id != county.id:
        raise StudioError("team", "elsewhere", "this team works in another county")
    if team is not None:
        return team.county_id, team.id
    return (county.id if county else None), None


# ---- questionnaire versions -----------------------------------------------------------------

def current_version(session: DBSession, questionnaire_id: str) -> QuestionnaireVersion:
    found = session.scalar(
        select(QuestionnaireVersion).join(Questionnaire, Questionnaire.id == QuestionnaireVersion.questionnaire_id)
        .where(Questionnaire.id == questionnaire_id, QuestionnaireVersion.version == Questionnaire.current_version)
    )
    if found is None:
        raise StudioError("questionnaire", "unknown", "no such questionnaire", 404)
    return found


def version_prompts(version: QuestionnaireVersion) -> list[Prompt]:
    return prompts(parsed(version))


# ---- recording and approving ----------------------------------------------------------------

def save_draft(
    session: DBSession, scope: Scope, dialect: Dialect, version: QuestionnaireVersion, key: str, data: bytes, declared: str,
) -> Recording:
    """Store an upload as the prompt's draft (replacing an earlier draft).  Checked: the key is
    one of the version's prompts, the declared type is WebM or Ogg, the bytes are Opus in that
    container, at most BUDGET_BYTES and MAX_DURATION_MS (measured from the file's own timestamps)."""
    if not can_record(scope, dialect):
        raise StudioError("dialect", "forbidden", "only the programme office records the programme's dialects", 403)
    found = {p.key: p for p in version_prompts(version)}.get(key)
    if found is None:
        raise StudioError("key", "unknown", f"{key!r} is not a prompt of this questionnaire version")
    base = (declared or "").split(";")[0].strip().lower()
    if base not in ("audio/webm", "audio/ogg"):
        raise StudioError("audio", "type", f"expected audio/webm or audio/ogg (Opus), got {base or 'nothing'}")
    if not data:
        raise StudioError("audio", "empty", "the recording is empty")
    if len(data) > BUDGET_BYTES:
        raise StudioError("audio", "too_big", f"{len(data)} bytes is more than the {BUDGET_BYTES} a prompt may take", 413)
    media = sniff(data)
    if media is None or media.mime_type != base:
        raise StudioError("audio", "unreadable", "not Opus audio in a WebM or Ogg file")
    if media.duration_ms > MAX_DURATION_MS:
        raise StudioError("audio", "too_long", f"{media.duration_ms / 1000:.1f} s is longer than {MAX_DURATION_MS // 1000} s")
    session.execute(delete(Recording).where(
        Recording.version_id == version.id, Recording.dialect_id == dialect.id, Recording.prompt_key == key,
        Recording.status == "draft"))
    made = Recording(
        dialect_id=dialect.id, version_id=version.id, prompt_key=key, prompt_text=found.text.zh, mime_type=media.mime_type,
        data=data, size=len(data), duration_ms=media.duration_ms, sha256=hashlib.sha256(data).hexdigest(), status="draft",
        recorded_by=scope.user_id, recorded_at=utcnow(),
    )
    session.add(made)
    session.flush()
    return made


def recording(session: DBSession, scope: Scope, recording_id: int) -> Recording:
    """A recording of a dialect within the user's sight, else 404."""
    found = session.scalar(select(Recording).join(Dialect, Dialect.id == Recording.dialect_id)
                           .where(Recording.id == recording_id, visible_where(scope)))
    if found is None:
        raise StudioError("recording", "unknown", "no such recording within your reach", 404)
    return found


def _detail(rec: Recording) -> dict[str, Any]:
    return {"dialect": rec.dialect.code, "version_id": rec.version_id, "key": rec.prompt_key, "sha256": rec.sha256,
            "size": rec.size, "duration_ms": rec.duration_ms}


def approve(session: DBSession, scope: Scope, rec: Recording, *, ip: str | None = None) -> None:
    """Approve a draft; the prompt's approved recording, if any, is replaced (deleted: the
    audit trail keeps its digest)."""
    if not can_approve(scope, rec.dialect):
        raise StudioError("recording", "forbidden", "collectors record; staff approve", 403)
    if rec.status != "draft":
        raise StudioError("recording", "approved", "already approved", 409)
    old = session.scalar(select(Recording).where(
        Recording.version_id == rec.version_id, Recording.dialect_id == rec.dialect_id, Recording.prompt_key == rec.prompt_key,
        Recording.status == "approved"))
    replaced = old.sha256 if old is not None else None
    if old is not None:
        session.delete(old)
        session.flush()
    rec.status, rec.approved_by, rec.approved_at = "approved", scope.user_id, utcnow()
    session.flush()
    record("recording.approve", actor_id=scope.user_id, target=f"{rec.dialect.code} {rec.prompt_key}", ip=ip,
           replaced=replaced, **_detail(rec))


def unapprove(session: DBSession, scope: Scope, rec: Recording, *, ip: str | None = None) -> None:
    """Withdraw an approval: the recording becomes the prompt's draft again (tablets stop
    playing it).  Refused while another draft waits (delete or approve that one first)."""
    if not can_approve(scope, rec.dialect):
        raise StudioError("recording", "forbidden", "collectors record; staff approve", 403)
    if rec.status != "approved":
        raise StudioError("recording", "draft", "not approved", 409)
    waiting = session.scalar(select(Recording.id).where(
        Recording.version_id == rec.version_id, Recording.dialect_id == rec.dialect_id, Recording.prompt_key == rec.prompt_key,
        Recording.status == "draft"))
    if waiting is not None:
        raise StudioError("recording", "draft_waiting", "another draft of this prompt waits: approve or delete it first", 409)
    rec.status, rec.approved_by, rec.approved_at = "draft", None, None
    session.flush()
    record("recording.unapprove", actor_id=scope.user_id, target=f"{rec.dialect.code} {rec.prompt_key}", ip=ip, **_detail(rec))


def remove(session: DBSession, scope: Scope, rec: Recording, *, ip: str | None = None) -> None:
    """Delete a recording: a draft by anyone who may record, an approved one by those who approve."""
    allowed = can_approve(scope, rec.dialect) if rec.status == "approved" else can_record(scope, rec.dialect)
    if not allowed:
        raise StudioError("recording", "forbidden", "collectors delete drafts only", 403)
    detail = _detail(rec)
    status = rec.status
    session.delete(rec)
    session.flush()
    record("recording.delete", actor_id=scope.user_id, target=f"{detail['dialect']} {detail['key']}", ip=ip, status=status, **detail)


# ---- what is approved for a version (with carry-over) --------------------------------------

@dataclass(frozen=True)
class Approved:
    id: int
    mime_type: str
    size: int
    duration_ms: int
    sha256: str
    #: the questionnaire version it was recorded for (older than the one asked: carried over)
    version: int

    @property
    def extension(self) -> str:
        return "ogg" if self.mime_type == "audio/ogg" else "webm"


def approved(session: DBSession, version: QuestionnaireVersion, dialect_ids: list[int]) -> dict[int, dict[str, Approved]]:
    """The approved recording each prompt of ``version`` has in each dialect: its own, else the
    one of the latest earlier version of the questionnaire recorded for the same key and the
    very same Chinese text (keys name questions and option values, not positions; a prompt whose
    text changed needs a new recording).  One query, without the bytes."""
    if not dialect_ids:
        return {}
    texts = {p.key: p.text.zh for p in version_prompts(version)}
    rows = session.execute(
        select(Recording.id, Recording.dialect_id, Recording.prompt_key, Recording.prompt_text, Recording.mime_type,
               Recording.size, Recording.duration_ms, Recording.sha256, QuestionnaireVersion.version)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Recording.version_id)
        .where(Recording.status == "approved", Recording.dialect_id.in_(dialect_ids),
               QuestionnaireVersion.questionnaire_id == version.questionnaire_id,
               QuestionnaireVersion.version <= version.version)
        .order_by(QuestionnaireVersion.version)
    )
    out: dict[int, dict[str, Approved]] = {d: {} for d in dialect_ids}
    for rid, dialect_id, key, text, mime, size, duration, digest, number in rows:
        if texts.get(key) == text:  # later versions come later and win
            out[dialect_id][key] = Approved(rid, mime, size, duration, digest, number)
    return out


def drafts(session: DBSession, version: QuestionnaireVersion, dialect_id: int) -> dict[str, Recording]:
    rows = session.scalars(select(Recording).where(
        Recording.version_id == version.id, Recording.dialect_id == dialect_id, Recording.status == "draft"))
    return {r.prompt_key: r for r in rows}


@dataclass
class Coverage:
    dialect: Dialect
    questionnaire_id: str
    title: str
    version: int
    total: int
    approved: int
    #: prompts without an approved recording, grouped by question (None: greeting, consent, thanks)
    missing: list[tuple[str | None, list[Prompt]]] = field(default_factory=list)
    #: each question's label, to name the groups
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def missing_count(self) -> int:
        return self.total - self.approved


def coverage(session: DBSession, scope: Scope | None = None, dialect_list: list[Dialect] | None = None) -> list[Coverage]:
    """Per current questionnaire and dialect (those the user sees, or the given ones): prompts
    approved out of all, and those still missing.  One query per questionnaire."""
    if dialect_list is None:
        dialect_list = list(session.scalars(select(Dialect).where(visible_where(scope) if scope else true()).order_by(Dialect.code)))
    out: list[Coverage] = []
    for questionnaire, version in current_versions(session):
        ps = version_prompts(version)
        have = approved(session, version, [d.id for d in dialect_list])
        for d in dialect_list:
            mine = have.get(d.id, {})
            groups: dict[str | None, list[Prompt]] = {}
            for p in ps:
                if p.key not in mine:
                    groups.setdefault(p.question, []).append(p)
            out.append(Coverage(d, questionnaire.id, questionnaire.title_zh, version.version, len(ps),
                                sum(1 for p in ps if p.key in mine), list(groups.items()),
                                {p.question: p.text.zh for p in ps if p.kind == "question" and p.question}))
    return out


def recordings_for(
    session: DBSession, version_id: int, scope: Scope | None = None, url_of: Callable[[Approved], str] | None = None,
) -> dict[str, Any]:
    """What the tablet's form page embeds (``script#recordings``): for each dialect the user
    sees (all without a scope) that has a recording for this version, its name and the URL of
    each prompt's approved recording.  ``{"dialects": {code: {"name", "prompts": {key: url}}}}``"""
    version = session.get(QuestionnaireVersion, version_id)
    if version is None:
        return {"dialects": {}}
    if url_of is None:
        from flask import url_for

        def url_of(a: Approved) -> str:
            return url_for("recordings.serve", recording_id=a.id, digest=a.sha256[:16], ext=a.extension)

    where = visible_where(scope) if scope is not None else true()
    listed = list(session.scalars(select(Dialect).where(where).order_by(Dialect.code)))
    have = approved(session, version, [d.id for d in listed])
    out: dict[str, Any] = {}
    for d in listed:
        prompts_of = have.get(d.id, {})
        if prompts_of:
            out[d.code] = {"name": d.name, "prompts": {key: url_of(a) for key, a in sorted(prompts_of.items())}}
    return {"dialects": out}



def missing_by_dialect(session: DBSession, questionnaire_id: str, ps: list[Prompt]) -> list[tuple[Dialect, int]]:
    """For ``questionnaires check``: per dialect, how many of these prompts (a file as checked,
    perhaps not loaded yet) have no approved recording of the same key and text in any stored
    version of the questionnaire (the carry-over rule).  One query."""
    listed = list(session.scalars(select(Dialect).order_by(Dialect.code)))
    if not listed:
        return []
    have: dict[int, set[tuple[str, str]]] = {d.id: set() for d in listed}
    rows = session.execute(
        select(Recording.dialect_id, Recording.prompt_key, Recording.prompt_text)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Recording.version_id)
        .where(Recording.status == "approved", QuestionnaireVersion.questionnaire_id == questionnaire_id)
    )
    for dialect_id, key, text in rows:
        have[dialect_id].add((key, text))
    return [(d, sum(1 for p in ps if (p.key, p.text.zh) not in have[d.id])) for d in listed]
