"""Figure builders: functions that take figures already computed (and suppressed) and return
Plotly figures, so that the dashboard pages and the PDF reports draw the same charts.  One
package, a module per subject; every builder is importable from here."""
from .activity import domain_bars, stacked_by_month, stacked_by_place
from .base import FONT, MANY, PALETTE
from .items import LikertRow, likert_bars
from .overview import CoverageRow, coverage, responses_by_month
from .prepost import ForestRow, distributions, forest, prepost_bars
from .quality import flag_bars
from .satisfaction import SatisfactionRow, ShareRow, answer_shares, satisfaction_bars

__all__ = [
    "FONT",
    "MANY",
    "PALETTE",
    "CoverageRow",
    "ForestRow",
    "LikertRow",
    "SatisfactionRow",
    "ShareRow",
    "answer_shares",
    "coverage",
    "distributions",
    "domain_bars",
    "flag_bars",
    "forest",
    "likert_bars",
    "prepost_bars",
    "responses_by_month",
    "satisfaction_bars",
    "stacked_by_month",
    "stacked_by_place",
]
