"""The statistics against values computed independently: scipy called another way, formulas
by hand, and worked examples checked on paper."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from survey_app.analysis.stats import (
    cronbach_alpha,
    effect_size_label,
    mcnemar,
    paired,
    share_at_least,
    suppressed,
    unpaired,
)

PRE = [52.1, 40.0, 61.5, 47.9, 55.0, 38.2, 44.4, 59.8, 50.0, 46.3, 41.7, 57.2]
POST = [60.4, 47.9, 63.5, 58.3, 54.2, 50.0, 52.1, 66.7, 56.3, 45.8, 52.1, 64.6]


def test_paired_against_scipy_and_the_formulas():
    r = paired(PRE, POST)
    d = np.array(POST) - np.array(PRE)
    ref = sps.ttest_rel(POST, PRE)
    lo, hi = sps.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=sps.sem(d))
    assert r.n_pairs == 12
    assert r.pre_mean == pytest.approx(np.mean(PRE)) and r.post_mean == pytest.approx(np.mean(POST))
    assert r.pre_sd == pytest.approx(np.std(PRE, ddof=1)) and r.post_sd == pytest.approx(np.std(POST, ddof=1))
    assert r.mean_diff == pytest.approx(d.mean())
    assert r.ci95 == (pytest.approx(lo), pytest.approx(hi))
    assert r.t == pytest.approx(ref.statistic) and r.p_ttest == pytest.approx(ref.pvalue)
    assert r.p_wilcoxon == pytest.approx(sps.wilcoxon(d).pvalue)
    assert r.cohens_dz == pytest.approx(d.mean() / d.std(ddof=1))
    assert r.size == "large"


def test_paired_with_too_little_to_say():
    assert paired([], []).n_pairs == 0 and paired([], []).pre_mean is None
    one = paired([50], [60])
    assert one.mean_diff == 10 and one.ci95 is None and one.t is None and one.p_wilcoxon is None and one.cohens_dz is None
    same = paired([50, 60, 70], [50, 60, 70])  # no change at all: no test, no effect size
    assert same.mean_diff == 0 and same.t is None and same.p_wilcoxon is None and same.size is None
    constant = paired([50, 60, 70], [55, 65, 75])  # every difference equal: SD 0, no t, no d_z
    assert constant.mean_diff == 5 and constant.t is None and constant.cohens_dz is None
    with pytest.raises(ValueError):
        paired([1, 2], [1])


def test_effect_size_words():
    assert [effect_size_label(x) for x in (0.1, -0.3, 0.5, -0.79, 0.8, None)] == [
        "negligible", "small", "medium", "medium", "large", None]


def test_unpaired_against_the_welch_formula_and_scipy():
    a, b = np.array(PRE), np.array(POST[:9])
    r = unpaired(PRE, POST[:9])
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    t = (b.mean() - a.mean()) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    assert (r.n_pre, r.n_post) == (12, 9)
    assert r.t_welch == pytest.approx(t) and r.p_welch == pytest.approx(2 * sps.t.sf(abs(t), df))
    u = sum(1.0 if y > x else 0.5 if y == x else 0.0 for y in b for x in a)
    assert r.u == pytest.approx(u)
    assert r.p_mannwhitney == pytest.approx(sps.mannwhitneyu(b, a, alternative="two-sided").pvalue)


def test_mcnemar_exact_by_hand():
    # 10 said no then yes, 2 yes then no, 20 yes both times, 8 no both times.
    pairs = [(False, True)] * 10 + [(True, False)] * 2 + [(True, True)] * 20 + [(False, False)] * 8
    r = mcnemar(pairs)
    assert (r.n_pairs, r.became_yes, r.became_no, r.yes_pre, r.yes_post) == (40, 10, 2, 22, 30)
    # Two-sided exact: 2 * P(X <= 2) for X ~ Binomial(12, 1/2) = 2 * (1 + 12 + 66) / 4096.
    assert r.p_value == pytest.approx(158 / 4096)
    assert mcnemar([(True, True), (False, False)]).p_value is None


def test_cronbach_alpha_worked_examples():
    # Worked on paper: item variances 1 and 1, total scores 2, 5, 5 (variance 3):
    # alpha = 2/1 * (1 - 2/3) = 2/3.
    r = cronbach_alpha([[1, 1], [2, 3], [3, 2]], ["a", "b"])
    assert r.alpha == pytest.approx(2 / 3)
    # Items that move together perfectly: alpha 1.
    assert cronbach_alpha([[1, 2, 3], [2, 3, 4], [3, 4, 5]], ["a", "b", "c"]).alpha == pytest.approx(1.0)


def test_cronbach_alpha_against_the_covariance_form():
    rng = np.random.default_rng(7)
    trait = rng.normal(size=200)
    m = np.clip(np.round(3 + trait[:, None] + rng.normal(scale=0.9, size=(200, 6))), 1, 5)
    names = [f"q{i}" for i in range(6)]
    r = cronbach_alpha(m.tolist(), names)
    c = np.cov(m, rowvar=False)
    k = 6
    assert r.alpha == pytest.approx(k / (k - 1) * (1 - np.trace(c) / c.sum()))
    for j, name in enumerate(names):
        rest = np.delete(m, j, axis=1)
        cr = np.cov(rest, rowvar=False)
        assert r.alpha_if_deleted[name] == pytest.approx((k - 1) / (k - 2) * (1 - np.trace(cr) / cr.sum()))
        assert r.item_total[name] == pytest.approx(sps.pearsonr(m[:, j], rest.sum(axis=1)).statistic)
    # An item that measures something else lowers alpha; deleting it raises alpha.
    noisy = np.column_stack([m, rng.integers(1, 6, size=200)])
    r2 = cronbach_alpha(noisy.tolist(), [*names, "odd"])
    assert r2.alpha_if_deleted["odd"] > r2.alpha and r2.item_total["odd"] < 0.2


def test_satisfaction_share_and_small_cells():
    assert share_at_least([75, 80, 74.9, 100], 75) == 0.75 and share_at_least([], 75) is None
    assert suppressed(4, 61.2) is None and suppressed(5, 61.2) == 61.2
