"""The filters every template may use: registered by the app, and what they show."""
from __future__ import annotations

import datetime as dt

from survey_app import template_filters
from survey_app.template_filters import china_date, china_time


def test_times_are_shown_as_they_were_in_china():
    evening = dt.datetime(2026, 3, 1, 20, 30, tzinfo=dt.UTC)  # 04:30 the next morning in Hunan
    assert china_time(evening) == "2026-03-02 04:30" and china_date(evening) == "2026-03-02"
    assert china_time(evening.replace(tzinfo=None)) == "2026-03-02 04:30"  # a stored time without its zone is UTC
    assert china_time("2026-03-01T20:30:00+00:00") == "2026-03-02 04:30"  # as the receipts API gives it
    assert china_time(None) == ""


def test_the_app_registers_them_whatever_its_blueprints(app):
    for name in ("china_time", "china_date"):
        assert app.jinja_env.filters[name] is getattr(template_filters, name)
