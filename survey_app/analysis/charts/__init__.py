"""Figure builders: functions that take figures already computed (and suppressed) and return
Plotly figures, so that the dashboard pages and the PDF reports draw the same charts.  One
package, a module per subject; every builder is importable from here."""
from .activity import domain_bars, stacked_by_month, stacked_by_place
from .base import FONT, PALETTE
from .items import LikertRow, likert_bars
from .prepost import ForestRow, distributions, forest, prepost_bars
from .satisfaction import SatisfactionRow, ShareRow, answer_shares, satisfaction_bars

__all__ = ["FONT", "PALETTE", "ForestRow", "distributions", "forest", "prepost_bars"]
__all__ += ["domain_bars", "stacked_by_month", "stacked_by_place"]
__all__ += ["LikertRow", "likert_bars"]
__all__ += ["SatisfactionRow", "ShareRow", "answer_shares", "satisfaction_bars"]
