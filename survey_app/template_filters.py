"""The filters every template may use, registered by the app itself: before, the collect, account
and export pages used a filter that the admin blueprint happened to register (issue 18)."""
from __future__ import annotations

import datetime as dt

from flask import Flask

#: China's time (UTC+8, no summer time): what every reader here lives by
CHINA = dt.timezone(dt.timedelta(hours=8))


def _in_china(value: dt.datetime) -> dt.datetime:
    # a time without its zone is a stored UTC time (never the server's local time)
    return (value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)).astimezone(CHINA)


def china_time(value: dt.datetime | str | None) -> str:
    """A stored UTC time (or its ISO text, as the receipts API gives it) as the time it was in
    China."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return _in_china(value).strftime("%Y-%m-%d %H:%M") if value is not None else ""


def china_date(value: dt.datetime) -> str:
    """A stored UTC time as the date it was in China."""
    return _in_china(value).strftime("%Y-%m-%d")


def register(app: Flask) -> None:
    app.add_template_filter(china_time, "china_time")
    app.add_template_filter(china_date, "china_date")
