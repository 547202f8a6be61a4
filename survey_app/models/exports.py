"""Export jobs (issue 17): a large XLSX is written by the worker, not inside the request, and
kept in the database in pieces until its owner downloads it (or it expires)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .types import UTCDateTime, utcnow


class ExportJob(Model):
    """One export a reader asked for: the selection as it was decided and audited when it started
    (the worker reads exactly those responses), its state and the finished file's name and size.
    Unlike a report, an export is its reader's own: the audit names who took which data."""

    __tablename__ = "export_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: random, in the job's URL; knowing it is not permission (the owner is checked)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    questionnaire: Mapped[str] = mapped_column(String(64))
    county_id: Mapped[int | None] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(Integer)
    #: the last response id the export holds (ids only grow: later responses are not in it)
    up_to_id: Mapped[int] = mapped_column(Integer)
    values: Mapped[str] = mapped_column(String(10))
    format: Mapped[str] = mapped_column(String(10))
    rows: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    step: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str] = mapped_column(String(500), default="")
    file_name: Mapped[str] = mapped_column(String(200))
    ascii_name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ExportPiece(Model):
    """A finished file in pieces of at most EXPORT_PIECE_BYTES: no single value of tens of
    megabytes for the driver to hold, and a download reads one piece at a time."""

    __tablename__ = "export_pieces"
    job_id: Mapped[int] = mapped_column(ForeignKey("export_jobs.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
