"""Data quality: how many responses carry each flag, where, and which ones; what was excluded.
Flags never remove anything by themselves: the "flagged" filter on every page decides."""
from __future__ import annotations

from flask_babel import gettext
from flask_login import login_required

from ..analysis import flags as sqlflags
from ..analysis import quality as rules
from ..analysis.charts import flag_bars
from ..analysis.flag_figures import flag_counts_in, flagged_in
from ..analysis.overview import excluded, refusals
from ..analysis.queries import summary
from ..extensions import db
from . import bp
from .views import names, read_filters, render


def flag_names() -> dict[str, str]:
    return {
        rules.SPEEDING: gettext("答得太快"),
        rules.STRAIGHT_LINING: gettext("全选同一答案"),
        rules.DUPLICATE_CODE: gettext("编码重复"),
        rules.CLOCK: gettext("时钟不准"),
    }


def flag_rules() -> dict[str, str]:
    """What each flag means, said once on the page."""
    return {
        rules.SPEEDING: gettext("用时不到这份问卷中位用时的三分之一。"),
        rules.STRAIGHT_LINING: gettext("至少答了 %(n)s 道量表题，每道都选了同一个答案。", n=rules.MIN_SCALE_ITEMS),
        rules.DUPLICATE_CODE: gettext("同一个县、同一测次里，受访者编码出现了不止一次（配对时只用最后一份）。"),
        rules.CLOCK: gettext("完成时间比服务器收到的时间还晚 10 分钟以上：平板的时钟不准，用时也不可信。"),
    }


#: the flagged responses listed on the page, newest first (the response browser has them all)
LISTED = 30


@bp.get("/quality")
@login_required
def quality():
    filters = read_filters("awareness")
    qn = filters.qn
    place = filters.place.but(leave_out_flagged=False)  # this page shows the flagged responses
    group = "county" if place.county_id is None else "team" if place.team_id is None else "site"
    with db.engine.connect() as connection:
        median = sqlflags.median_seconds(connection, qn.id)
        by_group = flag_counts_in(connection, qn.id, place, group, median)
        listed = flagged_in(connection, qn.id, place, LISTED, median)
        declined = refusals(connection, qn.id, place)
        total = summary(connection, qn.id, place)["responses"]
        left_out = excluded(connection, qn.id, place)
    # each response is in one group: the groups' counts add up to the whole
    overall = {key: sum(counts[key] for counts in by_group.values()) for key in (*sqlflags.FLAGS, "any")}
    labels = flag_names()
    total = sum(total.values())
    figures = [flag_bars([(labels[f], overall[f]) for f in sqlflags.FLAGS], total, gettext("有质量标记的问卷"), gettext("份数"))]
    group_names, county_names, site_names = names(group), names("county"), names("site")
    rows = sorted(((group_names.get(k, str(k)), v) for k, v in by_group.items() if k is not None), key=lambda kv: kv[0])
    return render(
        "dashboard/quality.html", filters, charts=figures, overall=overall, total=total, excluded=left_out,
        declined=declined, median=median, labels=labels, explained=flag_rules(), listed_max=LISTED,
        flag_keys=sqlflags.FLAGS, rows=rows, listed=listed,
        county_names=county_names, site_names=site_names, group=group,
    )

