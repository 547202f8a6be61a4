"""The plain verdict and attrition examined (analysis/verdict.py): thresholds by hand, Welch's
test against its formula, and the verdict against the interval over many generated inputs."""
from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sps

from survey_app.analysis.queries import PairedScores
from survey_app.analysis.stats import baseline_comparison
from survey_app.analysis.verdict import MATERIAL, VERDICTS, attrition, attrition_caution, verdict


@pytest.mark.parametrize(("n", "diff", "ci", "expected"), [
    (4, 20.0, (10.0, 30.0), "too_few"),  # four pairs: never a verdict, however large the change
    (5, None, None, "too_few"),
    (5, 14.6, (12.1, 17.0), "up_clear"),
    (400, 5.0, (4.1, 5.9), "up_clear"),  # exactly MATERIAL points
    (400, 4.9, (4.0, 5.8), "up_slight"),  # significant, under five points
    (30, 6.0, (-0.5, 12.5), "no_change"),  # a large estimate whose interval includes zero
    (30, 0.0, (0.0, 0.0), "no_change"),
    (30, -3.0, (-5.5, -0.5), "down"),
    (30, -1.0, (-2.0, 0.0), "no_change"),  # touching zero is not below it
    (8, 7.0, None, "up_clear"),  # every pair rose by 7: no spread, no doubt
    (8, 2.0, None, "up_slight"),
    (8, -2.0, None, "down"),
    (8, 0.0, None, "no_change"),
])
def test_the_verdict_thresholds(n, diff, ci, expected):
    assert verdict({"n_pairs": n, "mean_diff": diff, "ci95": list(ci) if ci else None}) == expected


@given(n=st.integers(min_value=0, max_value=500), diff=st.floats(min_value=-100, max_value=100),
       half=st.floats(min_value=0, max_value=60))
def test_the_verdict_never_claims_more_than_the_interval(n, diff, half):
    low, high = diff - half, diff + half
    said = verdict({"n_pairs": n, "mean_diff": diff, "ci95": [low, high]})
    assert said in VERDICTS
    if n < 5:
        assert said == "too_few"
    elif said.startswith("up"):
        assert low > 0 and (said == "up_clear") == (diff >= MATERIAL)
    elif said == "down":
        assert high < 0
    else:
        assert low <= 0 <= high


def _welch_by_hand(a, b):
    m1, m2 = sum(a) / len(a), sum(b) / len(b)
    v1 = sum((x - m1) ** 2 for x in a) / (len(a) - 1)
    v2 = sum((x - m2) ** 2 for x in b) / (len(b) - 1)
    se2 = v1 / len(a) + v2 / len(b)
    t = (m1 - m2) / math.sqrt(se2)
    df = se2 ** 2 / ((v1 / len(a)) ** 2 / (len(a) - 1) + (v2 / len(b)) ** 2 / (len(b) - 1))
    return t, 2 * sps.t.sf(abs(t), df)


def test_the_baseline_comparison_is_welchs_test():
    followed = [62.5, 70.8, 58.3, 75.0, 66.7, 79.2, 54.2, 70.8]
    lost = [45.8, 50.0, 62.5, 41.7, 54.2]
    got = baseline_comparison(followed, lost)
    t, p = _welch_by_hand(followed, lost)
    assert got.t_welch == pytest.approx(t) and got.p_welch == pytest.approx(p)
    assert got.difference == pytest.approx(sum(followed) / 8 - sum(lost) / 5)
    assert baseline_comparison([50.0], [40.0, 45.0]).p_welch is None  # one value has no variance
    assert baseline_comparison([50.0, 50.0], [50.0, 50.0]).p_welch is None  # nothing varies


def test_attrition_by_hand_and_its_small_cells():
    scores = PairedScores(pre=[60.0] * 6, post=[70.0] * 6, pre_only=5, unscored_pairs=1,
                          followed_baseline=[60.0, 62.5, 70.8, 58.3, 75.0, 66.7, 79.2],
                          lost_baseline=[45.8, 50.0, 62.5, 41.7, 54.2])
    got = attrition(scores)
    assert got["n_pre"] == 12 and got["n_followed"] == 7 and got["share_followed"] == pytest.approx(7 / 12)
    assert got["pre_mean_followed"] == pytest.approx(sum(scores.followed_baseline) / 7)
    assert got["pre_mean_lost"] == pytest.approx(50.84, abs=0.01)
    assert got["p_baseline"] == pytest.approx(_welch_by_hand(scores.followed_baseline, scores.lost_baseline)[1])
    assert attrition_caution(got) == "overstated"
    few = attrition(PairedScores(pre=[60.0] * 6, post=[70.0] * 6, pre_only=4, followed_baseline=[60.0] * 6,
                                 lost_baseline=[40.0, 41.0, 42.0, 43.0]))
    assert few["pre_mean_lost"] is None and few["p_baseline"] is None and few["pre_mean_followed"] == 60.0
    assert attrition_caution(few) is None
    assert attrition(PairedScores())["share_followed"] is None


@pytest.mark.parametrize(("followed", "lost", "p", "expected"), [
    (70.0, 60.0, 0.01, "overstated"),
    (60.0, 70.0, 0.01, "understated"),
    (70.0, 66.0, 0.001, None),  # significant but under five points
    (70.0, 60.0, 0.2, None),  # large but not significant
])
def test_the_caution_needs_a_material_and_significant_difference(followed, lost, p, expected):
    assert attrition_caution({"pre_mean_followed": followed, "pre_mean_lost": lost, "p_baseline": p}) == expected
