"""Recorded prompts (issue 13's audio studio): dialects, and staff's recordings of each prompt of a
questionnaire version in a dialect.  A recording is of a staff member reading a prompt aloud,
never of a respondent."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..extensions import Model
from .types import UTCDateTime, utcnow

#: draft: recorded, waiting for approval; approved: what tablets play
RECORDING_STATUSES = ("draft", "approved")
#: MediaRecorder's containers for Opus (Chrome: WebM; Firefox: Ogg)
RECORDING_TYPES = {"audio/webm": "webm", "audio/ogg": "ogg"}


class Dialect(Model):
    """A spoken variety prompts are recorded in, e.g. 凤凰湘西话, belonging to the whole
    programme (no county), to a county, or to one team of a county."""

    __tablename__ = "dialects"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: short ident used in URLs and on the tablet, e.g. "fh-xx"
    code: Mapped[str] = mapped_column(String(32), unique=True)
    #: what staff and collectors read, e.g. 凤凰湘西话
    name: Mapped[str] = mapped_column(String(100))
    #: the county it is spoken and recorded for (None: the whole programme, the office's)
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"), index=True)
    #: the team that records it (None: the county's)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("team_id IS NULL OR county_id IS NOT NULL", name="team_within_county"),
        CheckConstraint("length(trim(name)) > 0", name="name_given"),
    )


class Recording(Model):
    """One prompt of one questionnaire version read aloud in one dialect (Opus, a few KB).

    At most one approved and one draft per (version, dialect, key): re-recording replaces the
    draft, approving a draft replaces the approved one (partial unique indexes below).  The bytes
    live in the row (docs/ARCHITECTURE.md: database backups keep them, approval is one
    transaction) and are loaded only when asked for (``deferred``)."""

    __tablename__ = "recordings"
    id: Mapped[int] = mapped_column(primary_key=True)
    dialect_id: Mapped[int] = mapped_column(ForeignKey("dialects.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    #: survey_app/audio/prompts.py's key, e.g. "q:q3" or "o:q3:yes"
    prompt_key: Mapped[str] = mapped_column(String(100))
    #: the prompt's Chinese text when it was recorded: a later version whose prompt reads the
    #: same uses this recording too (audio/service.py: carry-over)
    prompt_text: Mapped[str] = mapped_column(Text)
    #: audio/webm or audio/ogg (Opus)
    mime_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    size: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    dialect: Mapped[Dialect] = relationship()

    @property
    def extension(self) -> str:
        return RECORDING_TYPES.get(self.mime_type, "webm")

    __table_args__ = (
        CheckConstraint("status IN ('draft', 'approved')", name="status_known"),
        CheckConstraint("mime_type IN ('audio/webm', 'audio/ogg')", name="mime_type_known"),
        CheckConstraint("size > 0", name="not_empty"),
        CheckConstraint("status = 'draft' OR approved_at IS NOT NULL", name="approval_dated"),
        # one approved and one draft per prompt (partial unique indexes: both engines have them)
        Index("uq_recordings_approved", "version_id", "dialect_id", "prompt_key", unique=True,
              sqlite_where=text("status = 'approved'"), postgresql_where=text("status = 'approved'")),
        Index("uq_recordings_draft", "version_id", "dialect_id", "prompt_key", unique=True,
              sqlite_where=text("status = 'draft'"), postgresql_where=text("status = 'draft'")),
        # the coverage and the tablet's look-up: a dialect's recordings across a questionnaire's versions
        Index("ix_recordings_dialect_key", "dialect_id", "prompt_key"),
    )
