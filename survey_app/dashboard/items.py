"""Item by item: every likert question of the chosen questionnaire as diverging stacked bars,
a bar per wave so that change shows, reverse-keyed items marked."""
from __future__ import annotations

from flask_babel import gettext
from flask_login import login_required

from ..analysis import charts
from ..analysis.items import ItemBar, item_bars, point_counts, waves_present
from ..extensions import db
from ..questionnaires import Questionnaire as Parsed
from ..questionnaires.model import Scale
from . import bp
from .views import lang, read_filters, render


def _point_labels(scale: Scale) -> list[str]:
    out = []
    for point in scale.points:
        text = scale.label_for(point)
        out.append(f"{point} {text.get(lang())}" if text else str(point))
    return out


def _scale_groups(qn: Parsed) -> list[tuple[Scale, list[str]]]:
    """The likert items, grouped by scale (one chart each, since a legend belongs to one scale),
    in the questionnaire's order."""
    groups: list[tuple[Scale, list[str]]] = []
    for q in qn.questions.values():
        if q.scale is None:
            continue
        for scale, items in groups:
            if scale == q.scale:
                items.append(q.id)
                break
        else:
            groups.append((q.scale, [q.id]))
    return groups


@bp.get("/items")
@login_required
def items() -> str:
    filters = read_filters("awareness")
    qn, place = filters.qn, filters.place
    groups = _scale_groups(qn)
    reverse = {item for index in qn.indices for item in index.reverse}
    with db.engine.connect() as connection:
        counts = point_counts(connection, qn.id, [i for _, items in groups for i in items], place)
    waves = waves_present(counts, place.wave)
    wave_names = {"pre": gettext("前测"), "post": gettext("后测"), None: gettext("未注明测次")}
    label = {q.id: q.label.get(lang()) + (gettext("（反向题）") if q.id in reverse else "") for q in qn.questions.values()}
    figures, tables = [], []
    for scale, item_ids in groups:
        bars = item_bars(counts, [(i, list(scale.points)) for i in item_ids], waves)
        points = _point_labels(scale)
        rows = [charts.LikertRow(label[b.item], wave_names[b.wave], b.n, b.shares) for b in bars]
        figures.append(charts.likert_bars(rows, points, gettext("各题回答的分布（每个测次一条）"), gettext("回答比例")))
        tables.append({"points": points, "rows": [_row(b, label, wave_names) for b in bars]})
    return render("dashboard/items.html", filters, charts=figures, tables=tables, waves=[wave_names[w] for w in waves],
                  has_reverse=bool(reverse & set(label)), title=qn.title.get(lang()))


def _row(bar: ItemBar, label: dict[str, str], wave_names: dict[str | None, str]) -> dict[str, object]:
    return {"item": bar.item, "label": label[bar.item], "wave": bar.wave or "", "wave_name": wave_names[bar.wave],
            "n": bar.n, "shares": bar.shares}
