"""Item by item: every likert question as the share of each answer, a row per wave so that
change shows, one table and chart per scale (a legend belongs to one scale), reverse-keyed items
marked."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from sqlalchemy.engine import Connection

from ..analysis import charts
from ..analysis.items import item_bars, point_counts, waves_present
from ..place import Place
from ..questionnaires import Definition
from ..questionnaires.model import Scale
from .common import Chart, wave_names


@dataclass(frozen=True)
class ItemRow:
    item: str
    label: str
    wave: str  # "pre", "post" or "" (no wave given)
    wave_name: str
    n: int
    shares: tuple[float, ...] | None  # one per point; None below five answers


@dataclass
class ItemTable:
    points: list[str]  # "1 很不同意", … : the scale's points with their words
    rows: list[ItemRow]


@dataclass
class Items:
    tables: list[ItemTable]
    waves: list[str]  # the waves' names, in the rows' order
    has_reverse: bool
    charts: list[Chart]


def scale_groups(qn: Definition) -> list[tuple[Scale, list[str]]]:
    """The likert items grouped by scale, in the questionnaire's order."""
    groups: list[tuple[Scale, list[str]]] = []
    for q in qn.questions.values():
        if q.scale is None:
            continue
        for scale, ids in groups:
            if scale == q.scale:
                ids.append(q.id)
                break
        else:
            groups.append((q.scale, [q.id]))
    return groups


def point_labels(scale: Scale, lang: str) -> list[str]:
    return [f"{p} {text.get(lang)}" if (text := scale.label_for(p)) else str(p) for p in scale.points]


def items(connection: Connection, qn: Definition, place: Place, lang: str) -> Items:
    groups = scale_groups(qn)
    reverse = {item for index in qn.indices for item in index.reverse}
    counts = point_counts(connection, qn.id, [i for _, ids in groups for i in ids], place)
    waves = waves_present(counts, place.wave)
    names = wave_names()
    marked = gettext("（反向题）")
    label = {q.id: q.label.get(lang) + (marked if q.id in reverse else "") for q in qn.questions.values()}
    title, axis = gettext("各题回答的分布（每个测次一条）"), gettext("回答比例")
    tables, made = [], []
    for number, (scale, ids) in enumerate(groups, start=1):
        bars = item_bars(counts, [(i, list(scale.points)) for i in ids], waves)
        rows = [ItemRow(b.item, label[b.item], b.wave or "", names[b.wave], b.n, b.shares) for b in bars]
        points = point_labels(scale, lang)
        tables.append(ItemTable(points, rows))
        likert = [charts.LikertRow(r.label, r.wave_name, r.n, r.shares) for r in rows]
        made.append(Chart(f"items-{number}", gettext("逐题回答分布"),
                          _likert(likert, points, title, axis), (900, 120 + 26 * len(rows))))
    has_reverse = any(q in reverse for _, ids in groups for q in ids)
    return Items(tables, [names[w] for w in waves], has_reverse, made)


def _likert(rows: list[charts.LikertRow], points: list[str], title: str, axis: str) -> Callable[[], Any]:
    return lambda: charts.likert_bars(rows, points, title, axis)
