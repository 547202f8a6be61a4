"""Questionnaire files in the database: loading versions, and parsed definitions by version."""
from __future__ import annotations

import json
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Engine

from .database import DBSession, DriverConnection, Prepared
from .models import Questionnaire, QuestionnaireVersion, RetiredVersion, TeamQuestionnaire
from .models.audit import record
from .questionnaires import CheckedFile, Definition, FileProblem, build, check_folder

if TYPE_CHECKING:
    from .auth.scope import Scope


@dataclass
class LoadReport:
    created: list[tuple[str, int]] = field(default_factory=list)
    unchanged: list[tuple[str, int]] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)


def load_folder(session: DBSession, folder: Path) -> LoadReport:
    """Store every valid file; a changed file becomes a new version, a bad one is refused.

    Versions are keyed by the hash of the file's meaning, so loading twice changes nothing and
    reverting a file makes its earlier version current again.
    """
    catalogue = check_folder(folder)
    report = LoadReport(problems=catalogue.problems)
    for _qid, checked in sorted(catalogue.files.items()):
        _store(session, checked, report)
    session.flush()
    return report


def load_checked(session: DBSession, checked: CheckedFile) -> LoadReport:
    """Store one checked file as ``load_folder`` stores each of a folder's (a published draft:
    the text it wrote, not the file read back, which another publisher may have replaced)."""
    report = LoadReport(problems=list(checked.problems))
    if checked.ok:
        _store(session, checked, report)
        session.flush()
    return report


def _store(session: DBSession, checked: CheckedFile, report: LoadReport) -> None:
    definition = checked.definition
    assert definition is not None
    qid = definition["id"]
    digest = checked.content_hash
    questionnaire = session.get(Questionnaire, qid)
    existing = session.scalar(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == qid, QuestionnaireVersion.content_hash == digest
        )
    )
    title = definition["title"]
    if existing is not None:
        number = existing.version
        report.unchanged.append((qid, number))
    else:
        latest = session.scalar(select(func.max(QuestionnaireVersion.version)).where(QuestionnaireVersion.questionnaire_id == qid))
        number = (latest or 0) + 1
        if questionnaire is None:
            questionnaire = Questionnaire(id=qid, current_version=number, title_zh=title["zh"], title_en=title.get("en", ""))
            session.add(questionnaire)
            session.flush()
        session.add(
            QuestionnaireVersion(
                questionnaire_id=qid, version=number, content_hash=digest, definition=definition, source_path=checked.path
            )
        )
        report.created.append((qid, number))
        record("questionnaire.load", target=f"{qid} v{number}", hash=digest)
    assert questionnaire is not None
    questionnaire.current_version = number
    questionnaire.title_zh = title["zh"]
    questionnaire.title_en = title.get("en", "")


_PARSED: dict[str, Definition] = {}


def parsed(version: QuestionnaireVersion) -> Definition:
    """The parsed definition of a stored version; cached by content hash, since a version's
    definition never changes and equal hashes mean equal definitions."""
    return _parsed(version.content_hash, version.definition)


def _parsed(content_hash: str, definition: dict[str, Any]) -> Definition:
    found = _PARSED.get(content_hash)
    if found is None:
        if len(_PARSED) > 512:
            _PARSED.clear()
        found = _PARSED[content_hash] = build(definition)
    return found


@dataclass(frozen=True)
class VersionRef:
    """What the submission path needs of a stored version."""

    id: int
    questionnaire: Definition


#: per engine (so per app: tests build many), (questionnaire id, version) -> VersionRef
_REFS: weakref.WeakKeyDictionary[Engine, dict[tuple[str, int], VersionRef]] = weakref.WeakKeyDictionary()


_versions = QuestionnaireVersion.__table__
_VERSION = Prepared(
    select(_versions.c.id, _versions.c.content_hash, _versions.c.definition).where(
        _versions.c.questionnaire_id == bindparam("qid"), _versions.c.version == bindparam("version")
    )
)
_QUESTIONNAIRE = Prepared(select(Questionnaire.__table__.c.id).where(Questionnaire.__table__.c.id == bindparam("qid")))


def version_ref(connection: DriverConnection, questionnaire_id: str, version: int) -> VersionRef | None:
    """A stored version, cached for the life of the engine: versions never change once stored.
    Unknown versions are not cached, so a version loaded later is found at once."""
    cache = _REFS.setdefault(connection.engine, {})
    key = (questionnaire_id, version)
    found = cache.get(key)
    if found is None:
        row = connection.first(_VERSION, {"qid": questionnaire_id, "version": version})
        if row is None:
            return None
        version_id, content_hash, definition = row
        if isinstance(definition, str):  # SQLite hands JSON back as text
            definition = json.loads(definition)
        found = cache[key] = VersionRef(version_id, _parsed(content_hash, definition))
    return found


def questionnaire_exists(connection: DriverConnection, questionnaire_id: str) -> bool:
    return connection.first(_QUESTIONNAIRE, {"qid": questionnaire_id}) is not None


def find_version(session: DBSession, questionnaire_id: str, version: int) -> QuestionnaireVersion | None:
    return session.scalar(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == questionnaire_id, QuestionnaireVersion.version == version
        )
    )


def current_definition(session: DBSession, questionnaire_id: str) -> Definition | None:
    """The questionnaire's current parsed definition (None: no such questionnaire): the one rule
    of the dashboards, the reports, the follow-ups and the stats API."""
    stored = session.get(Questionnaire, questionnaire_id)
    version = find_version(session, questionnaire_id, stored.current_version) if stored is not None else None
    return parsed(version) if version is not None else None


def current_versions(session: DBSession) -> list[tuple[Questionnaire, QuestionnaireVersion]]:
    rows = session.execute(
        select(Questionnaire, QuestionnaireVersion)
        .join(QuestionnaireVersion, (QuestionnaireVersion.questionnaire_id == Questionnaire.id)
              & (QuestionnaireVersion.version == Questionnaire.current_version))
        .order_by(Questionnaire.id)
    ).all()
    return [(q, v) for q, v in rows]


def offered_versions(session: DBSession, scope: Scope) -> list[tuple[Questionnaire, QuestionnaireVersion]]:
    """The current versions this user may start new interviews on: not retired, and for a team
    member or collector, assigned to their team (or to no team in particular)."""
    current = current_versions(session)
    retired = set(session.scalars(select(RetiredVersion.version_id)))
    assigned = _assignments(session, [q.id for q, _v in current])
    return [(q, v) for q, v in current if _refusal(scope, v.id in retired, assigned.get(q.id, set())) is None]


def offer_refusal(session: DBSession, scope: Scope, questionnaire_id: str, version_id: int) -> int | None:
    """Why a new interview on this version is not offered to this user, as an HTTP status (410
    retired, 403 assigned to other teams), or None.  Only new interviews: what a tablet began
    earlier still syncs (submissions are never refused for this)."""
    retired = session.get(RetiredVersion, version_id) is not None
    return _refusal(scope, retired, _assignments(session, [questionnaire_id]).get(questionnaire_id, set()))


def _assignments(session: DBSession, questionnaire_ids: list[str]) -> dict[str, set[int]]:
    """The teams each questionnaire is assigned to (absent: every team)."""
    teams: dict[str, set[int]] = {}
    rows = session.execute(select(TeamQuestionnaire.questionnaire_id, TeamQuestionnaire.team_id)
                           .where(TeamQuestionnaire.questionnaire_id.in_(questionnaire_ids)))
    for questionnaire_id, team_id in rows:
        teams.setdefault(questionnaire_id, set()).add(team_id)
    return teams


def _refusal(scope: Scope, retired: bool, teams: set[int]) -> int | None:
    if retired:
        return 410
    if scope.bound_to_team and teams and scope.team_id not in teams:
        return 403
    return None
