"""Findings snapshots (issue 17): what an expensive figure of a dashboard, the stats API or a
report came to, kept with the state of the data it was computed from, so that at a province's
size the next reader of unchanged data gets it without recomputing, and the worker brings the
snapshots people read up to date after the data changes (``analysis/snapshots.py``)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .types import UTCDateTime


class FindingsSnapshot(Model):
    __tablename__ = "findings_snapshots"
    #: sha256 of the function's name and its arguments
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: the function (``module.name``), for the worker's refresh and for people reading the table
    name: Mapped[str] = mapped_column(String(200))
    #: the state of the data it was computed from (``analysis.snapshots.data_version``)
    version: Mapped[str] = mapped_column(String(100))
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: when a reader last asked for it: the worker refreshes only what people read
    read_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    #: how long computing it took (seconds)
    seconds: Mapped[float] = mapped_column(Float)
    #: the arguments and the result, pickled, after an HMAC of both under the app's secret key
    payload: Mapped[bytes] = mapped_column(LargeBinary)


class DataChange(Model):
    """One counter, raised by every change of the data that neither adds a response nor
    changes how many are counted: an exclusion, a change of the rounds' dates, a purge, a place
    renamed.  Part of ``data_version``."""

    __tablename__ = "data_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
