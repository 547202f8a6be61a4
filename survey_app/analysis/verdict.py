"""The plain verdict on a pre/post change, and attrition examined, from the figures alone (pure:
no Flask, no database).  The dashboard, the report and the API all say what these say.

The verdict reads the estimate and its 95% confidence interval:

- ``too_few``: fewer than five pairs (``MIN_CELL``): 人数太少，不能下结论;
- ``down``: the whole interval below zero: 下降;
- ``no_change``: the interval includes zero: 无明显变化;
- ``up_slight``: the interval above zero, the estimate under ``MATERIAL`` points: 略有提高;
- ``up_clear``: the interval above zero and the estimate at least ``MATERIAL`` points: 明显提高.

A 95% interval wholly on one side of zero is the paired t-test significant at 5%, the rule the
report's sentences have always used.  ``MATERIAL`` (5 points on the 0-100 index, a fifth of one
step on a five-point scale) separates a change a resident would notice from one that only a
large sample can detect; the same 5 points decide when attrition is worth a warning.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .queries import PairedScores
from .stats import MIN_CELL, baseline_comparison

VERDICTS = ("up_clear", "up_slight", "no_change", "down", "too_few")
#: points on the 0-100 index: a clear rise, and a baseline difference worth a warning
MATERIAL = 5.0
WORDS = {
    "zh": {"up_clear": "明显提高", "up_slight": "略有提高", "no_change": "无明显变化", "down": "下降",
           "too_few": "人数太少，不能下结论"},
    "en": {"up_clear": "clearly up", "up_slight": "slightly up", "no_change": "no clear change", "down": "down",
           "too_few": "too few people to tell"},
}
#: attrition above this share of the baseline is named as such (a third or more not met again)
ATTRITION_HIGH = 0.30


def verdict(figures: Mapping[str, Any]) -> str:
    """One of ``VERDICTS`` from ``n_pairs``, ``mean_diff`` and ``ci95`` (the API's figures)."""
    n, diff, ci = int(figures.get("n_pairs") or 0), figures.get("mean_diff"), figures.get("ci95")
    if n < MIN_CELL or diff is None:
        return "too_few"
    # Every pair changed by the same amount: no interval, and no doubt about the direction.
    low, high = (float(ci[0]), float(ci[1])) if ci is not None else (float(diff), float(diff))
    if high < 0:
        return "down"
    if low > 0:
        return "up_clear" if diff >= MATERIAL else "up_slight"
    return "no_change"


def attrition(scores: PairedScores) -> dict[str, Any]:
    """The API's ``attrition``: baseline respondents, those followed up and their share, and
    the baseline index of the followed against the lost (Welch's t-test); a mean below five
    respondents, and the test below five in either group, are null."""
    followed = scores.n_followed
    n_pre = followed + scores.pre_only
    compared = baseline_comparison(scores.followed_baseline, scores.lost_baseline)
    enough = compared.n_followed >= MIN_CELL and compared.n_lost >= MIN_CELL
    return {
        "n_pre": n_pre,
        "n_followed": followed,
        "share_followed": followed / n_pre if n_pre else None,
        "pre_mean_followed": compared.followed_mean if compared.n_followed >= MIN_CELL else None,
        "pre_mean_lost": compared.lost_mean if compared.n_lost >= MIN_CELL else None,
        "p_baseline": compared.p_welch if enough else None,
    }


def attrition_caution(figures: Mapping[str, Any]) -> str | None:
    """``"overstated"`` when the followed started materially and significantly higher than the
    lost (the rise measured on them alone is likely too high), ``"understated"`` when lower,
    else None."""
    p, followed, lost = figures.get("p_baseline"), figures.get("pre_mean_followed"), figures.get("pre_mean_lost")
    if p is None or followed is None or lost is None or p >= 0.05 or abs(followed - lost) < MATERIAL:
        return None
    return "overstated" if followed > lost else "understated"


CAUTION_WORDS = {
    "zh": {"overstated": "回访到的居民前测得分本来就较高，提高幅度可能被高估。",
           "understated": "回访到的居民前测得分本来就较低，结果可能不代表全部前测居民。"},
    "en": {"overstated": "The residents met again had higher baseline scores to begin with: the rise may be overstated.",
           "understated": "The residents met again had lower baseline scores to begin with: the result may not represent "
                          "everyone interviewed at baseline."},
}
