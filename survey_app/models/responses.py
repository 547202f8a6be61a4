"""Responses, their answers (one row per value, so SQL can aggregate) and index scores."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, and_, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..sqlfuncs import seconds_between
from .types import UTCDateTime, utcnow

WAVES = ("pre", "post")


class Response(Model):
    __tablename__ = "responses"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: made by the client when the interview starts; the idempotency key
    uuid: Mapped[str] = mapped_column(String(36))
    questionnaire_id: Mapped[str] = mapped_column(ForeignKey("questionnaires.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_versions.id"))
    #: the evaluation round, by the rule of ``survey_app/rounds.py``: a follow-up is in its baseline's round
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    wave: Mapped[str | None] = mapped_column(String(4))
    respondent_code: Mapped[str | None] = mapped_column(String(64))
    #: the account that submitted it (interviewer, or the token's owner)
    collector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: how it arrived: api, web, sync, import, seed
    source: Mapped[str] = mapped_column(String(16), default="api")
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: sha256 of the submission as sent, to tell a retry (same) from a conflict (different)
    content_hash: Mapped[str] = mapped_column(String(64))
    #: the answers kept after validation, exactly as stored in ``answers``
    answers_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    excluded: Mapped[bool] = mapped_column(default=False)
    excluded_reason: Mapped[str | None] = mapped_column(Text)
    #: the tablet (browser profile) it was collected on, for sync receipts
    device_id: Mapped[str | None] = mapped_column(String(36))
    # The data-quality flags that are the response's own (analysis/quality.py), fixed when it is
    # stored, since nothing about it changes later: the same answer on every scale item, and a
    # completion dated after the server received it.  Computed when asked, the first read
    # twenty answer rows per response (0.7 s at 100,000 responses on SQLite, issue 17).
    straight_lined: Mapped[bool] = mapped_column(default=False, server_default=false())
    clock_ahead: Mapped[bool] = mapped_column(default=False, server_default=false())

    answers: Mapped[list[Answer]] = relationship(back_populates="response", cascade="all, delete-orphan")
    scores: Mapped[list[IndexScore]] = relationship(back_populates="response", cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("questionnaire_id", "uuid"),
        CheckConstraint("wave IS NULL OR wave IN ('pre', 'post')", name="wave_known"),
        CheckConstraint("NOT excluded OR excluded_reason IS NOT NULL", name="exclusion_has_reason"),
        Index("ix_responses_scope", "questionnaire_id", "county_id", "wave"),
        # Pairing reads each respondent's responses in this order (analysis/queries.py): with
        # every column it needs in the index, SQLite neither sorts nor visits the table.
        Index("ix_responses_latest", "questionnaire_id", "county_id", "respondent_code", "wave", "completed_at", "id", "excluded"),
        Index("ix_responses_device", "device_id"),
        # A few in a hundred carry each flag: partial indexes list them without reading the rest.
        # Each predicate is spelled as the engine's compiler spells ``WHERE column`` (SQLite has no
        # booleans: "= 1"), since an engine uses a partial index only for that very condition.
        Index("ix_responses_straight_lined", "questionnaire_id", "id",
              sqlite_where=text("straight_lined = 1"), postgresql_where=text("straight_lined")),
        Index("ix_responses_clock_ahead", "questionnaire_id", "id",
              sqlite_where=text("clock_ahead = 1"), postgresql_where=text("clock_ahead")),
    )


# The speeding flag compares each response's time with its questionnaire's median time, which
# SQL finds by sorting every timed response (analysis/flags.py): 50 ms at 14,000 responses on
# SQLite, a sixth of a county report's reading.  Kept in this index, in the very expression the
# query sorts by, the median is a walk to the middle of the index (2 ms).
Index(
    "ix_responses_duration", Response.questionnaire_id, seconds_between(Response.completed_at, Response.started_at),
    sqlite_where=and_(Response.excluded.is_(False), Response.started_at.is_not(None)),
    postgresql_where=and_(Response.excluded.is_(False), Response.started_at.is_not(None)),
)


class RespondentLatest(Model):
    """Each coded respondent's latest non-excluded ``pre`` and ``post`` response (by
    ``completed_at``, the larger id breaking a tie), kept as responses arrive, so that pairing
    reads one row per respondent instead of ranking every response (analysis/queries.py).

    Written only by ``submissions.latest`` (and the submission's statements, submissions/writes.py,
    which take its rule from there): anything that adds, excludes, re-includes or deletes a response
    must go through it, or the pairs go stale (docs/ARCHITECTURE.md)."""

    __tablename__ = "respondent_latest"
    questionnaire_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    county_id: Mapped[int] = mapped_column(primary_key=True)
    respondent_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    # A marker never outlives its response: deleting a response that is one fails (exclude it
    # first, which moves the marker).  No index on these: responses are not deleted, and an
    # index would cost every submission another insertion.
    pre_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"))
    #: the response's completed_at, compared when a later response of the wave arrives
    pre_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"))
    post_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    # SQLite: the rows live in the primary key's own b-tree, so reading a questionnaire's
    # respondents in order is one range scan that needs no second look-up.
    __table_args__ = ({"sqlite_with_rowid": False},)


class Answer(Model):
    __tablename__ = "answers"
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    #: 0 for single values; the choice's position for a multi answer
    position: Mapped[int] = mapped_column(primary_key=True, default=0)
    #: option value, text or ISO date
    value_text: Mapped[str | None] = mapped_column(Text)
    #: likert point, number, or a date's day number
    value_num: Mapped[float | None]

    response: Mapped[Response] = relationship(back_populates="answers")

    # No index beyond the primary key: aggregations reach answers from the responses they
    # filter, and every index costs each submission ~20 insertions (see docs/BENCHMARKS.md).


class IndexScore(Model):
    __tablename__ = "index_scores"
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True)
    index_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    #: 0-100; absent when fewer than half the items were answered
    score: Mapped[float]

    response: Mapped[Response] = relationship(back_populates="scores")

    __table_args__ = (
        Index("ix_index_scores_index", "index_id", "response_id"),
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
        # SQLite: a score is read by its key (pairing looks up two per respondent), and in its own
        # key's b-tree that is one search instead of an index and then the table.
        {"sqlite_with_rowid": False},
    )


class Refusal(Model):
    """A person asked who declined consent (知情同意): counted for the site, nothing else kept."""

    __tablename__ = "refusals"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: made by the client when the interview started: a retry records nothing twice
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    questionnaire_id: Mapped[str] = mapped_column(ForeignKey("questionnaires.id"))
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    wave: Mapped[str | None] = mapped_column(String(4))
    #: the evaluation round, by the rule of ``survey_app/rounds.py`` (as for responses)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id"))
    collector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(16), default="api")
    device_id: Mapped[str | None] = mapped_column(String(36))
    declined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("wave IS NULL OR wave IN ('pre', 'post')", name="wave_known"),
        Index("ix_refusals_scope", "questionnaire_id", "county_id", "site_id"),
    )
