"""Data quality: how many responses carry each flag, where, and which ones; what was declined
and excluded.  Flags never remove anything by themselves: the "flagged" filter decides."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from sqlalchemy.engine import Connection

from ..analysis import flags as sqlflags
from ..analysis import quality as rules
from ..analysis.charts import flag_bars
from ..analysis.flag_figures import flag_counts_in, flagged_in
from ..analysis.overview import excluded, refusals
from ..analysis.queries import summary
from ..place import Place
from ..questionnaires import Definition
from .common import Chart, group_for, place_names

#: the flagged responses listed, newest first (the response browser has them all)
LISTED = 30


def flag_names() -> dict[str, str]:
    return {
        rules.SPEEDING: gettext("答得太快"),
        rules.STRAIGHT_LINING: gettext("全选同一答案"),
        rules.DUPLICATE_CODE: gettext("编码重复"),
        rules.CLOCK: gettext("时钟不准"),
    }


def flag_rules() -> dict[str, str]:
    """What each flag means, said once."""
    return {
        rules.SPEEDING: gettext("用时不到这份问卷中位用时的三分之一。"),
        rules.STRAIGHT_LINING: gettext("至少答了 %(n)s 道量表题，每道都选了同一个答案。", n=rules.MIN_SCALE_ITEMS),
        rules.DUPLICATE_CODE: gettext("同一个县、同一测次里，受访者编码出现了不止一次（配对时只用最后一份）。"),
        rules.CLOCK: gettext("完成时间比服务器收到的时间还晚 10 分钟以上：平板的时钟不准，用时也不可信。"),
    }


@dataclass
class Quality:
    responses: dict[str, int]  # by wave
    total: int
    refusals: int
    excluded: int
    median_seconds: float | None
    #: responses carrying each flag (and "any"), over the whole place
    flags: dict[str, int]
    group: str
    by_group: list[tuple[str, dict[str, int]]]  # each county, team or village that has responses
    listed: list[dict[str, Any]]
    charts: list[Chart]

    @property
    def any_flag(self) -> int:
        return self.flags["any"]


def quality(connection: Connection, qn: Definition, place: Place, listed: int = LISTED) -> Quality:
    place = place.but(leave_out_flagged=False)  # what is flagged is what this shows
    group = group_for(connection, qn.id, place)
    median = sqlflags.median_seconds(connection, qn.id)
    counts = flag_counts_in(connection, qn.id, place, group, median)
    by_wave = summary(connection, qn.id, place)["responses"]
    # each response is in one group: the groups' counts add up to the whole
    overall = {key: sum(c.get(key, 0) for c in counts.values()) for key in (*sqlflags.FLAGS, "any")}
    names = place_names(connection, group)
    total = sum(by_wave.values())
    labels = flag_names()
    bars = [(labels[f], overall[f]) for f in sqlflags.FLAGS]
    title, axis = gettext("有质量标记的问卷"), gettext("份数")
    return Quality(
        by_wave, total, refusals(connection, qn.id, place), excluded(connection, qn.id, place), median, overall, group,
        names.rows({k: v for k, v in counts.items() if k is not None}),
        flagged_in(connection, qn.id, place, listed, median) if listed else [],
        [Chart("quality", title, lambda: flag_bars(bars, total, title, axis))],
    )
