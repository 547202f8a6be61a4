"""A draft's life: an uploaded XLSForm converted and stored, then published as a questionnaire
version or discarded.  Functions take the session and flush; the caller commits (one commit
per request).  Refusals are ``DraftError``s carrying the message and the HTTP status.

Publishing keeps the files the source of truth: it writes ``<id>.yaml`` under the
questionnaire folder and stores the version from that same text, so ``questionnaires load``
afterwards finds nothing new.  Twice (a double click, two tabs) publishes once: the draft
leaves the ``draft`` state by a conditional update, and two drafts of one questionnaire
published at the same moment meet at the version's unique key, where the second is refused
before it writes its file."""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..database import DBSession
from ..files import replace_atomically
from ..instruments import load_checked
from ..models import Questionnaire, QuestionnaireDraft, QuestionnaireVersion
from ..models.audit import record
from ..questionnaires import check_text, definition_hash
from ..questionnaires.check import TARGETS_FILE, questionnaire_paths
from .workbook import Refusal, check_workbook

log = logging.getLogger(__name__)

#: ids a questionnaire cannot take: its file would be another file of the folder
RESERVED_IDS = frozenset({Path(TARGETS_FILE).stem})
_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class DraftError(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class AlreadyDecided(DraftError):
    """Published or discarded before (the second click of a double click)."""


@dataclass
class Uploaded:
    draft: QuestionnaireDraft | None = None
    #: every problem as one line (``FILE.xlsx:survey!12: …``); nothing is stored when any
    problems: list[str] = field(default_factory=list)
    status: int = 201


def upload(session: DBSession, data: bytes, name: str, folder: Path, actor_id: int | None, max_bytes: int) -> Uploaded:
    """Check and convert an uploaded XLSForm; store it as a draft when nothing is wrong."""
    try:
        check_workbook(data, name, max_bytes=max_bytes)
    except Refusal as refusal:
        return Uploaded(problems=[refusal.message], status=refusal.status)
    from ..questionnaires.xlsform import read_xlsform

    try:
        # with the audio folder, a recording that is not there is said on its sheet row, in Chinese
        imported = read_xlsform(data, name, audio_dir=folder / "audio")
    except Exception:  # a workbook the converter chokes on is the uploader's to see, not a 500
        log.exception("the XLSForm converter failed on %s", name)
        return Uploaded(problems=[_("%(name)s：无法读取这个工作簿。请在 Excel 或 WPS 里打开、检查后重新保存再上传。", name=name)],
                        status=422)
    problems = [str(p) for p in imported.problems]
    if problems or imported.definition is None:
        return Uploaded(problems=problems or [_("%(name)s：没有转换出问卷。", name=name)], status=422)
    qid = imported.definition.get("id")
    if not isinstance(qid, str) or not _ID.match(qid) or qid in RESERVED_IDS:
        return Uploaded(problems=[_("%(name)s：问卷编号 %(id)s 不能用（保留的名字，或不是小写字母、数字和 _）。"
                                    "请在 settings 表的 form_id 里改一个。", name=name, id=qid)], status=422)
    # The same check as `questionnaires load`, on the text that publishing will write: what
    # passes here loads then (the audio files it names must be in the folder already).
    checked = check_text(imported.yaml_text, name, expected_id=qid, audio_dir=folder / "audio")
    if checked.problems:
        return Uploaded(problems=[str(p) for p in checked.problems], status=422)
    draft = QuestionnaireDraft(questionnaire_id=qid, definition=checked.definition, yaml_text=imported.yaml_text,
                               source_name=name, source=data, state="draft", created_by=actor_id)
    session.add(draft)
    session.flush()
    record("questionnaire.draft_upload", actor_id=actor_id, target=f"{qid} draft {draft.id}", source=name, size=len(data))
    return Uploaded(draft=draft)


def pending(session: DBSession) -> list[QuestionnaireDraft]:
    """Drafts waiting for a decision, newest first."""
    return list(session.scalars(select(QuestionnaireDraft).where(QuestionnaireDraft.state == "draft")
                                .order_by(QuestionnaireDraft.created_at.desc(), QuestionnaireDraft.id.desc())))


def current_number(session: DBSession, questionnaire_id: str) -> int:
    """The current version of the questionnaire a draft would become a version of (0: new)."""
    stored = session.get(Questionnaire, questionnaire_id)
    return stored.current_version if stored is not None else 0


def file_for(folder: Path, questionnaire_id: str) -> Path:
    """The file the questionnaire is read from: its existing one (.yaml or .yml), else ID.yaml."""
    for path in questionnaire_paths(folder):
        if path.stem == questionnaire_id:
            return path
    return folder / f"{questionnaire_id}.yaml"


@dataclass(frozen=True)
class Published:
    version: int
    #: False when the content was already stored as an older version, which is current again
    created: bool
    path: Path


def publish(session: DBSession, draft: QuestionnaireDraft, folder: Path, actor_id: int | None, against: int) -> Published:
    """Write the draft's file and store it as the questionnaire's current version.

    ``against`` is the current version the office compared the draft with (0: none); if
    another version became current since, the comparison it looked at is no longer true."""
    qid = draft.questionnaire_id
    if draft.state != "draft":
        raise AlreadyDecided(_("这份草稿已经处理过了，没有再发布。"), 409)
    now = current_number(session, qid)
    if now != against:
        raise DraftError(_("问卷 %(id)s 的当前版本已经变了（现在是 v%(now)d）：请重新查看变化后再发布。", id=qid, now=now), 409)
    path = file_for(folder, qid)
    checked = check_text(draft.yaml_text, str(path), expected_id=qid, audio_dir=folder / "audio")
    if checked.problems:
        raise DraftError("\n".join(str(p) for p in checked.problems), 422)
    if now and _current_hash(session, qid, now) == definition_hash(checked.definition or {}):
        raise DraftError(_("内容与当前版本 v%(now)d 完全相同：没有发布新版本。可以放弃这份草稿。", now=now), 409)
    decided = session.execute(
        update(QuestionnaireDraft).where(QuestionnaireDraft.id == draft.id, QuestionnaireDraft.state == "draft")
        .values(state="published", decided_by=actor_id, decided_at=dt.datetime.now(dt.UTC))
    )
    if decided.rowcount != 1:  # type: ignore[attr-defined]
        raise AlreadyDecided(_("这份草稿已经处理过了，没有再发布。"), 409)
    try:
        report = load_checked(session, checked)
    except IntegrityError:
        # another draft of this questionnaire was published at the same moment and took the number
        session.rollback()
        raise DraftError(_("问卷 %(id)s 刚刚发布了另一个版本：请重新查看变化后再发布。", id=qid), 409) from None
    created = bool(report.created)
    number = (report.created or report.unchanged)[0][1]
    session.execute(update(QuestionnaireDraft).where(QuestionnaireDraft.id == draft.id).values(published_version=number))
    record("questionnaire.draft_publish", actor_id=actor_id, target=f"{qid} v{number}", draft=draft.id,
           source=draft.source_name, created=created, file=path.name)
    session.flush()
    try:
        _write(path, draft.yaml_text)
    except OSError as exc:
        session.rollback()
        raise DraftError(_("无法写入问卷文件 %(path)s（%(why)s）：没有发布，草稿保留。请让管理员检查这个目录的写入权限。",
                           path=str(path), why=exc.strerror or type(exc).__name__), 503) from None
    session.expire(draft)
    return Published(number, created, path)


def discard(session: DBSession, draft: QuestionnaireDraft, actor_id: int | None) -> None:
    decided = session.execute(
        update(QuestionnaireDraft).where(QuestionnaireDraft.id == draft.id, QuestionnaireDraft.state == "draft")
        .values(state="discarded", decided_by=actor_id, decided_at=dt.datetime.now(dt.UTC))
    )
    if decided.rowcount != 1:  # type: ignore[attr-defined]
        raise AlreadyDecided(_("这份草稿已经处理过了。"), 409)
    record("questionnaire.draft_discard", actor_id=actor_id, target=f"{draft.questionnaire_id} draft {draft.id}",
           source=draft.source_name)
    session.flush()
    session.expire(draft)


def _current_hash(session: DBSession, qid: str, number: int) -> str | None:
    return session.scalar(select(QuestionnaireVersion.content_hash).where(
        QuestionnaireVersion.questionnaire_id == qid, QuestionnaireVersion.version == number))


def _write(path: Path, text: str) -> None:
    """The file whole or not at all, readable as the folder's other files are (a temporary
    file is made private: ``questionnaires load`` may run as another user)."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644

    def write(temporary: Path) -> None:
        with open(temporary, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)

    replace_atomically(path, write)
