"""SQL functions that SQLite and PostgreSQL spell differently, written once.  Below the models
(an index of ``models/responses.py`` is on one), so that the models import nothing from
the analysis above them (issue 18)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Date, Float, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

#: the programme's clock: months and days are China Standard Time (UTC+8, no summer time)
CHINA_OFFSET_HOURS = 8


class seconds_between(FunctionElement[float]):  # an SQL function, named like one
    """``later - earlier`` in seconds."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between)
def _seconds_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    # julianday() is a double counted in days: about 10 microseconds of noise in seconds, rounded away
    return f"round((julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)})) * 86400.0, 3)"


@compiles(seconds_between, "postgresql")
def _seconds_pg(element: seconds_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)}))"


class china_month(FunctionElement[str]):
    """``YYYY-MM`` of a UTC timestamp, in China time (a response at 23:30 UTC on the last day of
    a month belongs to the next month there)."""

    type = String()
    inherit_cache = True


@compiles(china_month)
def _month_sqlite(element: china_month, compiler: Any, **kw: Any) -> str:
    (value,) = list(element.clauses)
    return f"strftime('%Y-%m', {compiler.process(value, **kw)}, '+{CHINA_OFFSET_HOURS} hours')"


@compiles(china_month, "postgresql")
def _month_pg(element: china_month, compiler: Any, **kw: Any) -> str:
    (value,) = list(element.clauses)
    return f"to_char(({compiler.process(value, **kw)}) AT TIME ZONE 'UTC' + INTERVAL '{CHINA_OFFSET_HOURS} hours', 'YYYY-MM')"


class china_date(FunctionElement[Any]):
    """The calendar day of a UTC timestamp in China time, comparable with a DATE column
    (SQLite: ``YYYY-MM-DD`` text, as it stores dates)."""

    type = Date()
    inherit_cache = True


@compiles(china_date)
def _date_sqlite(element: china_date, compiler: Any, **kw: Any) -> str:
    (value,) = list(element.clauses)
    return f"date({compiler.process(value, **kw)}, '+{CHINA_OFFSET_HOURS} hours')"


@compiles(china_date, "postgresql")
def _date_pg(element: china_date, compiler: Any, **kw: Any) -> str:
    (value,) = list(element.clauses)
    return f"CAST(({compiler.process(value, **kw)}) AT TIME ZONE 'UTC' + INTERVAL '{CHINA_OFFSET_HOURS} hours' AS DATE)"


class earlier_of(FunctionElement[Any]):
    """The earlier of two timestamps (neither NULL): a tablet's clock running ahead cannot put a
    response after the moment the server received it."""

    inherit_cache = True


@compiles(earlier_of)
def _earlier_sqlite(element: earlier_of, compiler: Any, **kw: Any) -> str:
    a, b = list(element.clauses)
    return f"min({compiler.process(a, **kw)}, {compiler.process(b, **kw)})"


@compiles(earlier_of, "postgresql")
def _earlier_pg(element: earlier_of, compiler: Any, **kw: Any) -> str:
    a, b = list(element.clauses)
    return f"LEAST({compiler.process(a, **kw)}, {compiler.process(b, **kw)})"
