"""Questionnaires and their immutable versions."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .types import UTCDateTime, utcnow


class Questionnaire(Model):
    __tablename__ = "questionnaires"
    #: the file's id, e.g. "awareness"
    id: Mapped[str] = mapped_column(String(63), primary_key=True)
    #: the version that matches the file as last loaded; new responses are filled on it
    current_version: Mapped[int]
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")

    versions: Mapped[list[QuestionnaireVersion]] = relationship(
        back_populates="questionnaire", order_by="QuestionnaireVersion.version"
    )

    def title_in(self, lang: str) -> str:
        """The title in the reader's language (English falls back to Chinese)."""
        return (self.title_en or self.title_zh) if lang == "en" else self.title_zh


class QuestionnaireVersion(Model):
    """One version of a questionnaire; never changed once stored, since responses refer to it."""

    __tablename__ = "questionnaire_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(ForeignKey("questionnaires.id"))
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    source_path: Mapped[str] = mapped_column(String(500), default="")
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")

    __table_args__ = (
        UniqueConstraint("questionnaire_id", "version"),
        UniqueConstraint("questionnaire_id", "content_hash"),
    )


@event.listens_for(QuestionnaireVersion, "before_update")
def _versions_are_immutable(_mapper: object, _connection: object, target: QuestionnaireVersion) -> None:
    # Responses are validated and scored against their version: changing one would silently
    # change what they mean.  A changed file becomes a new version instead.
    raise ValueError(f"questionnaire version {target.questionnaire_id} v{target.version} is immutable")


class RetiredVersion(Model):
    """A version no longer offered for new interviews (kept apart: versions are immutable).
    Its responses stay and count; a tablet that began an interview on it before it was retired
    still syncs it."""

    __tablename__ = "retired_versions"
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"), primary_key=True)
    retired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class TeamQuestionnaire(Model):
    """Which teams a questionnaire is offered to.  A questionnaire without a row here is offered
    to every team (as before assignments existed); the office and the bureaux see all."""

    __tablename__ = "team_questionnaires"
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(ForeignKey("questionnaires.id"), primary_key=True)


DRAFT_STATES = ("draft", "published", "discarded")


class QuestionnaireDraft(Model):
    """A questionnaire uploaded as an XLSForm, converted, and waiting for the office to look at it
    (issue 19).  It is not a version: no tablet is offered it and the API refuses submissions on
    it, so nothing filled in while trying it can reach the statistics.  Publishing writes its file
    under questionnaires/ (the files stay the source of truth) and loads it as a new version (or,
    when its content is an older version's, makes that one current again, as loading does):
    ``survey_app/drafts/``."""

    __tablename__ = "questionnaire_drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: the converted questionnaire's id (a new one, or a new version of an existing one)
    questionnaire_id: Mapped[str] = mapped_column(String(63), index=True)
    #: the converted definition, as its YAML file holds it
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: the YAML text written to questionnaires/ID.yaml on publishing
    yaml_text: Mapped[str] = mapped_column(Text)
    #: the uploaded file's name and bytes, kept for the record
    source_name: Mapped[str] = mapped_column(String(255))
    source: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(10), default="draft")
    #: the version it became, once published
    published_version: Mapped[int | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
