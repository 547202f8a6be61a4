"""Data-quality flags of single responses, as pure rules.  Flags never delete anything: they
are shown on the dashboard, and an analysis may leave flagged responses out."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

SPEEDING, STRAIGHT_LINING, DUPLICATE_CODE, CLOCK = "speeding", "straight_lining", "duplicate_code", "clock"
#: straight-lining needs this many scale answers before the same value everywhere means anything
MIN_SCALE_ITEMS = 5
#: a device clock this far ahead of the server's is not believed
CLOCK_TOLERANCE = dt.timedelta(minutes=10)


def is_speeding(seconds: float | None, median_seconds: float | None) -> bool:
    """Completed in under a third of the questionnaire's median time."""
    return seconds is not None and median_seconds is not None and median_seconds > 0 and seconds < median_seconds / 3


def is_straight_lining(scale_values: Sequence[float]) -> bool:
    """The same value on every scale item answered (and enough of them answered)."""
    return len(scale_values) >= MIN_SCALE_ITEMS and len(set(scale_values)) == 1


def scale_values(scale_items: Iterable[str], answers: dict[str, object]) -> list[float]:
    """The numbers answered to the scale items (what straight-lining looks at)."""
    return [float(v) for q in scale_items if isinstance(v := answers.get(q), int | float) and not isinstance(v, bool)]


def duplicate_codes(rows: Iterable[tuple[int, int, str | None, str | None]]) -> set[int]:
    """Response ids sharing a respondent code within one wave and county: (id, county, wave, code)."""
    groups: dict[tuple[int, str | None, str], list[int]] = defaultdict(list)
    for response_id, county_id, wave, code in rows:
        if code:
            groups[(county_id, wave, code)].append(response_id)
    return {rid for ids in groups.values() if len(ids) > 1 for rid in ids}


def is_after_receipt(completed_at: dt.datetime, received_at: dt.datetime) -> bool:
    """Answers dated after the server received them: the tablet's clock was wrong, so its
    timestamps (and the speeding test) cannot be trusted."""
    return completed_at > received_at + CLOCK_TOLERANCE


def own_flags(scale_items: Iterable[str], answers: dict[str, object], completed_at: dt.datetime,
              received_at: dt.datetime) -> dict[str, bool]:
    """The flags that are the response's own, as stored with it (``responses.straight_lined``
    and ``clock_ahead``): nothing that arrives later changes them."""
    return {"straight_lined": is_straight_lining(scale_values(scale_items, answers)),
            "clock_ahead": is_after_receipt(completed_at, received_at)}
