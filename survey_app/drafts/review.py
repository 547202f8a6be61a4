"""What the office reads on a draft's page before it decides: which questionnaire it becomes
(a new one, or a new version of one that exists, with what changes and how many responses the
current version holds), and every section and question with its rules in words."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from ..database import DBSession
from ..models import Questionnaire, QuestionnaireDraft, QuestionnaireVersion, Response
from ..questionnaires import Definition, build, definition_hash
from ..questionnaires.diff import VersionDiff, diff
from ..questionnaires.model import Question
from .rule_words import in_words
from .service import current_number, file_for


@dataclass(frozen=True)
class Rule:
    """A rule in words when it has some, and always as written (JsonLogic)."""

    words: str | None
    logic: str


@dataclass
class QuestionRow:
    question: Question
    relevant: Rule | None = None
    constraint: Rule | None = None


@dataclass
class SectionRow:
    id: str
    title: str
    relevant: Rule | None
    questions: list[QuestionRow] = field(default_factory=list)


@dataclass
class Review:
    draft: QuestionnaireDraft
    qn: Definition
    #: the questionnaire it becomes a version of (None: a new questionnaire)
    existing: Questionnaire | None
    #: the current version it is compared with (0: none), as the publish form posts it back
    against: int
    changes: VersionDiff | None
    #: responses on the current version, and on all its versions
    responses_current: int
    responses_all: int
    #: a stored version with the very same content (publishing makes it current, no new number)
    same_as: int | None
    #: the file publishing writes
    file: Path
    sections: list[SectionRow] = field(default_factory=list)

    @property
    def no_change(self) -> bool:
        return self.same_as is not None and self.same_as == self.against


def review(session: DBSession, draft: QuestionnaireDraft, folder: Path, lang: str) -> Review:
    qn = build(draft.definition)
    qid = draft.questionnaire_id
    existing = session.get(Questionnaire, qid)
    against = current_number(session, qid)
    current = session.scalar(select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == qid, QuestionnaireVersion.version == against)) if existing else None
    counts = dict(session.execute(select(Response.version_id, func.count()).where(Response.questionnaire_id == qid)
                                  .group_by(Response.version_id)).all())
    same_as = session.scalar(select(QuestionnaireVersion.version).where(
        QuestionnaireVersion.questionnaire_id == qid, QuestionnaireVersion.content_hash == definition_hash(draft.definition)))
    return Review(
        draft=draft, qn=qn, existing=existing, against=against,
        changes=diff(current.definition, draft.definition) if current is not None else None,
        responses_current=counts.get(current.id, 0) if current is not None else 0,
        responses_all=sum(counts.values()), same_as=same_as, file=file_for(folder, qid),
        sections=_sections(qn, lang),
    )


def _sections(qn: Definition, lang: str) -> list[SectionRow]:
    out = []
    for section in qn.sections:
        row = SectionRow(section.id, section.title.get(lang), _rule(section.relevant, qn, lang))
        for question in section.questions:
            row.questions.append(QuestionRow(question, _rule(question.relevant, qn, lang), _rule(question.constraint, qn, lang)))
        out.append(row)
    return out


def _rule(rule: Any, qn: Definition, lang: str) -> Rule | None:
    if rule is None:
        return None
    return Rule(in_words(rule, qn, lang), json.dumps(rule, ensure_ascii=False, separators=(", ", ": ")))
