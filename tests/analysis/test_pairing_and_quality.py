"""Pairing rules and data-quality flags, on cases checked by hand."""
from __future__ import annotations

import datetime as dt

from survey_app.analysis.pairing import Observation, pair
from survey_app.analysis.quality import duplicate_codes, is_after_receipt, is_speeding, is_straight_lining

T0 = dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC)


def obs(rid, code, wave, days=0, county=1, score=50.0, excluded=False):
    return Observation(rid, county, code, wave, T0 + dt.timedelta(days=days), score, excluded)


def test_the_latest_of_each_wave_pairs():
    result = pair([
        obs(1, "A", "pre", 0, score=40), obs(2, "A", "pre", 3, score=45),    # a repeat baseline: the later one
        obs(3, "A", "post", 300, score=60), obs(4, "A", "post", 290, score=99),
        obs(5, "B", "pre", 1), obs(6, "B", "post", 301),
    ])
    assert [(p.response_id, q.response_id) for p, q in result.pairs] == [(2, 3), (5, 6)]
    assert (result.pre_only, result.post_only) == (0, 0)


def test_missing_waves_counties_and_exclusions():
    result = pair([
        obs(1, "C", "pre"),                              # never followed up
        obs(2, "D", "post", 300),                        # no baseline
        obs(3, "E", "pre", county=1), obs(4, "E", "post", 300, county=2),  # same code, other county: no pair
        obs(5, "F", "pre"), obs(6, "F", "post", 300, excluded=True),       # excluded follow-up does not count
        obs(7, None, "pre"), obs(8, None, "post", 300),  # no code: cannot pair, not counted as attrition
        obs(9, "G", None),                               # no wave
    ])
    assert result.pairs == []
    assert (result.pre_only, result.post_only) == (3, 2)  # C, E in county 1, F / D, E in county 2


def test_pairing_does_not_depend_on_order():
    rows = [obs(1, "A", "pre"), obs(2, "A", "pre"), obs(3, "A", "post", 300)]  # same time: the larger id
    assert pair(rows).pairs[0][0].response_id == 2 and pair(rows[::-1]).pairs[0][0].response_id == 2


def test_quality_flags():
    assert is_speeding(100, 600) and not is_speeding(200, 600) and not is_speeding(None, 600)
    assert is_straight_lining([4] * 12) and not is_straight_lining([4] * 11 + [3]) and not is_straight_lining([5] * 4)
    assert duplicate_codes([(1, 1, "pre", "A"), (2, 1, "pre", "A"), (3, 1, "post", "A"), (4, 2, "pre", "A"), (5, 1, "pre", None),
                            (6, 1, "pre", None)]) == {1, 2}
    assert is_after_receipt(T0 + dt.timedelta(hours=1), T0) and not is_after_receipt(T0 + dt.timedelta(minutes=5), T0)
