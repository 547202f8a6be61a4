"""The statistics of a pre/post evaluation, as pure functions over plain numbers (scipy).

Every result says how many values it rests on; a figure that cannot be computed (too few
values, no variation) is None, never a made-up number.  Small-cell suppression is the
caller's business (``suppressed``), since it depends on what is shown.
"""
from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

#: below this many respondents a cell shows "n < 5" instead of a figure (everywhere)
MIN_CELL = 5


def _f(x: Any) -> float | None:
    """A plain float, or None for NaN/inf/None (JSON has no NaN)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def effect_size_label(d: float | None) -> str | None:
    """Cohen's conventions for a standardised difference: below 0.2 negligible, then small,
    medium from 0.5 and large from 0.8 (by absolute value)."""
    if d is None:
        return None
    a = abs(d)
    if a < 0.2:
        return "negligible"
    if a < 0.5:
        return "small"
    if a < 0.8:
        return "medium"
    return "large"


def _sd(x: np.ndarray) -> float | None:
    return float(x.std(ddof=1)) if len(x) > 1 else None


@dataclass(frozen=True)
class Paired:
    n_pairs: int
    pre_mean: float | None
    post_mean: float | None
    pre_sd: float | None
    post_sd: float | None
    mean_diff: float | None
    ci95: tuple[float, float] | None
    t: float | None
    p_ttest: float | None
    p_wilcoxon: float | None
    cohens_dz: float | None
    size: str | None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ci95"] = list(self.ci95) if self.ci95 is not None else None
        return out


def paired(pre: Sequence[float], post: Sequence[float]) -> Paired:
    """Paired comparison of the same respondents before and after (``pre[i]`` with ``post[i]``):
    mean difference (post - pre) with a 95% CI from the t distribution, paired t-test,
    Wilcoxon signed-rank (scipy's defaults), Cohen's d_z = mean difference / SD of differences."""
    if len(pre) != len(post):
        raise ValueError("pre and post must pair up")
    a, b = np.asarray(pre, dtype=float), np.asarray(post, dtype=float)
    n = len(a)
    if n == 0:
        return Paired(0, None, None, None, None, None, None, None, None, None, None, None)
    d = b - a
    mean_diff = float(d.mean())
    sd_d = _sd(d)
    ci = t = p_t = dz = p_w = None
    if n > 1 and sd_d:
        se = sd_d / math.sqrt(n)
        half = float(sps.t.ppf(0.975, n - 1)) * se
        ci = (mean_diff - half, mean_diff + half)
        t = mean_diff / se
        p_t = float(2 * sps.t.sf(abs(t), n - 1))
        dz = mean_diff / sd_d
    if n > 1 and np.any(d != 0):
        p_w = _f(sps.wilcoxon(a, b).pvalue)
    return Paired(
        n_pairs=n, pre_mean=float(a.mean()), post_mean=float(b.mean()), pre_sd=_sd(a), post_sd=_sd(b),
        mean_diff=mean_diff, ci95=ci, t=_f(t), p_ttest=_f(p_t), p_wilcoxon=p_w, cohens_dz=_f(dz), size=effect_size_label(_f(dz)),
    )


@dataclass(frozen=True)
class Unpaired:
    n_pre: int
    n_post: int
    pre_mean: float | None
    post_mean: float | None
    mean_diff: float | None
    t_welch: float | None
    p_welch: float | None
    u: float | None
    p_mannwhitney: float | None


def unpaired(pre: Sequence[float], post: Sequence[float]) -> Unpaired:
    """All baseline against all follow-up responses, where codes were not kept: Welch's t-test
    and the Mann-Whitney U test (two-sided)."""
    a, b = np.asarray(pre, dtype=float), np.asarray(post, dtype=float)
    pre_mean = float(a.mean()) if len(a) else None
    post_mean = float(b.mean()) if len(b) else None
    diff = post_mean - pre_mean if pre_mean is not None and post_mean is not None else None
    t = p = u = p_u = None
    if len(a) > 1 and len(b) > 1 and (a.std() > 0 or b.std() > 0):
        res = sps.ttest_ind(b, a, equal_var=False)
        t, p = _f(res.statistic), _f(res.pvalue)
    if len(a) and len(b):
        mw = sps.mannwhitneyu(b, a, alternative="two-sided")
        u, p_u = _f(mw.statistic), _f(mw.pvalue)
    return Unpaired(len(a), len(b), pre_mean, post_mean, diff, t, p, u, p_u)


@dataclass(frozen=True)
class BaselineComparison:
    """The baseline scores of the respondents followed up against those lost (attrition)."""

    n_followed: int
    n_lost: int
    followed_mean: float | None
    lost_mean: float | None
    #: followed mean - lost mean
    difference: float | None
    t_welch: float | None
    p_welch: float | None


def baseline_comparison(followed: Sequence[float], lost: Sequence[float]) -> BaselineComparison:
    """Were the residents met again at the follow-up different at baseline from those lost?
    Welch's t-test (two-sided) of their baseline scores: if the followed started higher, a
    rise measured on them alone overstates the programme's."""
    a, b = np.asarray(followed, dtype=float), np.asarray(lost, dtype=float)
    mean_a = float(a.mean()) if len(a) else None
    mean_b = float(b.mean()) if len(b) else None
    diff = mean_a - mean_b if mean_a is not None and mean_b is not None else None
    t = p = None
    if len(a) > 1 and len(b) > 1 and (a.std() > 0 or b.std() > 0):
        with warnings.catch_warnings():
            # one group all alike (five residents who gave the same answers) is a valid case,
            # which scipy's check for nearly identical data warns about
            warnings.filterwarnings("ignore", message="Precision loss", category=RuntimeWarning)
            res = sps.ttest_ind(a, b, equal_var=False)
        t, p = _f(res.statistic), _f(res.pvalue)
    return BaselineComparison(len(a), len(b), mean_a, mean_b, diff, t, p)


@dataclass(frozen=True)
class McNemar:
    n_pairs: int
    yes_pre: int
    yes_post: int
    #: pairs that changed: no -> yes, and yes -> no
    became_yes: int
    became_no: int
    p_value: float | None


def mcnemar(pairs: Sequence[tuple[bool, bool]]) -> McNemar:
    """McNemar's test for a yes/no item across pairs (before, after), exact: the discordant
    pairs against a fair coin (scipy's binomial test), valid for small counts too."""
    return mcnemar_table(Counter((bool(before), bool(after)) for before, after in pairs))


def mcnemar_table(table: Mapping[tuple[bool, bool], int]) -> McNemar:
    """``mcnemar`` of the 2x2 table (before, after) -> number of pairs, as the database counts it."""
    cell = {(b, a): int(table.get((b, a), 0)) for b in (False, True) for a in (False, True)}
    became_yes, became_no = cell[(False, True)], cell[(True, False)]
    discordant = became_yes + became_no
    p = float(sps.binomtest(min(became_yes, became_no), discordant, 0.5).pvalue) if discordant else None
    return McNemar(sum(cell.values()), cell[(True, False)] + cell[(True, True)], cell[(False, True)] + cell[(True, True)],
                   became_yes, became_no, p)


@dataclass(frozen=True)
class Reliability:
    n: int
    items: tuple[str, ...]
    alpha: float | None
    #: corrected item-total correlation: each item against the sum of the others
    item_total: dict[str, float | None]
    alpha_if_deleted: dict[str, float | None]


def _alpha(matrix: np.ndarray) -> float | None:
    k = matrix.shape[1]
    if k < 2 or matrix.shape[0] < 2:
        return None
    total_var = matrix.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return None
    return float(k / (k - 1) * (1 - matrix.var(axis=0, ddof=1).sum() / total_var))


def cronbach_alpha(rows: Sequence[Sequence[float]], items: Sequence[str]) -> Reliability:
    """Cronbach's alpha of an index from complete responses (one row per respondent, one column
    per item, reverse-keyed items already reversed), with item-total correlations and alpha if
    each item were deleted."""
    m = np.asarray(rows, dtype=float).reshape(-1, len(items))
    item_total: dict[str, float | None] = {}
    if_deleted: dict[str, float | None] = {}
    for j, name in enumerate(items):
        rest = np.delete(m, j, axis=1)
        others = rest.sum(axis=1)
        col = m[:, j]
        if len(col) > 2 and col.std() > 0 and others.std() > 0:
            item_total[name] = float(np.corrcoef(col, others)[0, 1])
        else:
            item_total[name] = None
        if_deleted[name] = _alpha(rest)
    return Reliability(m.shape[0], tuple(items), _alpha(m), item_total, if_deleted)


def share_at_least(values: Sequence[float], threshold: float) -> float | None:
    """The share of values at or above a threshold (e.g. satisfied: index >= 75)."""
    return sum(1 for v in values if v >= threshold) / len(values) if values else None


def suppressed(n: int, value: Any, min_n: int = MIN_CELL) -> Any:
    """The value, or None when it rests on fewer than ``min_n`` respondents (shown as "n < 5")."""
    return value if n >= min_n else None
