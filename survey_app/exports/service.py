"""An export from request to file, shared by the page and the CLI: what the reader may export
(authorization is in the query: the selection is narrowed to the reader's county or team),
the file's sheets and name, and the audit record.  No Flask here."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ..auth.places import OutsidePlace, place_for
from ..auth.scope import Scope
from ..database import DBSession
from ..files import replace_atomically
from ..models import County, Team
from ..models.audit import record
from ..submissions.envelope import CST
from . import codebook, rows, spss_stata
from .cells import Cell
from .columns import Layout
from .csv_writer import csv_chunks
from .labelled import LabelledSheet
from .variables import row_of, variables
from .xlsx_writer import write_xlsx

FORMATS = ("csv", "xlsx", "sav", "dta")
#: the analysts' files: codes as values, labels as metadata, written whole (spss_stata.py)
TABLE_FORMATS = ("sav", "dta")
#: the audit action, spelled noun.verb as the rest of the trail (report.download, token.issue)
EXPORTED = "export.data"


class NoSuchQuestionnaire(LookupError):
    pass


@dataclass(frozen=True)
class Export:
    """One export, decided: its columns, its responses and how many there are."""

    layout: Layout
    selection: rows.Selection
    rows: int
    #: ``programme``, ``county:CODE`` or ``team:CODE``: the place exported, as the audit names it
    scope: str
    #: the place's name, for the file name and the about sheet
    place_name: str

    @property
    def questionnaire(self) -> str:
        return self.selection.questionnaire


def layout_of(session: DBSession, questionnaire: str, values: str = "codes") -> Layout:
    found = rows.versions(session, questionnaire)
    if not found:
        raise NoSuchQuestionnaire(questionnaire)
    return Layout.of(found, values)


def prepare(
    session: DBSession, scope: Scope, questionnaire: str, county: str | None = None, team: str | None = None,
    values: str = "codes",
) -> Export:
    """The export this reader asked for.  ``OutsidePlace`` for a collector or a place outside
    the reader's scope, ``UnknownPlace`` for an unknown code; ``NoSuchQuestionnaire`` for an
    unknown id; ``ValueError`` for ``values`` other than ``columns.VALUES``."""
    if not scope.can_export:
        raise OutsidePlace("scope", "collectors do not export")  # they collect; analysis is the office's
    layout = layout_of(session, questionnaire, values)
    place = place_for(session, scope, county or None, team or None)
    connection = session.connection()
    selection = rows.Selection(questionnaire, place.county_id, place.team_id, rows.last_id(connection))
    scope_text, name = _place(session, place.county_id, place.team_id)
    return Export(layout, selection, rows.count(connection, selection), scope_text, name)


def resumed(session: DBSession, selection: rows.Selection, values: str, count: int) -> Export:
    """An export decided earlier (a job's, authorized and audited when it started), made again
    from what was stored: the same responses, whatever arrived since."""
    scope_text, name = _place(session, selection.county_id, selection.team_id)
    return Export(layout_of(session, selection.questionnaire, values), selection, count, scope_text, name)


def _place(session: DBSession, county_id: int | None, team_id: int | None) -> tuple[str, str]:
    if team_id is not None:
        code, name = session.execute(select(Team.code, Team.name).where(Team.id == team_id)).one()
        return f"team:{code}", name
    if county_id is not None:
        code, name = session.execute(select(County.code, County.name).where(County.id == county_id)).one()
        return f"county:{code}", name
    return "programme", "全省"


def audit(export: Export, fmt: str, actor_id: int | None, ip: str | None = None, **detail: Any) -> None:
    """Recorded when the export starts, before its first byte: an auditor must see who took
    which data even when the download broke off, and ``rows`` is already exact (the selection
    stops at ``up_to_id``; responses are never deleted, exclusions only mark them)."""
    record(EXPORTED, actor_id=actor_id, target=export.questionnaire, ip=ip, format=fmt, scope=export.scope,
           values=export.layout.values, rows=export.rows, up_to_id=export.selection.up_to_id, **detail)


def values_for(fmt: str, values: str) -> str:
    """The values an export of ``fmt`` is made with: an SPSS or Stata file always holds codes,
    with labels beside them, so for those "codes" means their labels in Chinese."""
    return "zh" if fmt in TABLE_FORMATS and values == "codes" else values


def header(export: Export) -> list[str]:
    """The data sheet's header: the codes, or the labelled headers."""
    if export.layout.values == "codes":
        return export.layout.header
    return LabelledSheet(export.layout, export.layout.values).header


def data_rows(engine: Engine, export: Export, chunk: int = rows.CHUNK) -> Iterator[list[Cell]]:
    """The data sheet's rows, in ``header``'s order."""
    if export.layout.values == "codes":
        return rows.response_rows(engine, export.layout, export.selection, chunk)
    sheet = LabelledSheet(export.layout, export.layout.values)
    return (sheet.cells(row) for row in rows.records(engine, export.layout, export.selection, chunk))


def table_rows(engine: Engine, export: Export, chunk: int = rows.CHUNK) -> Iterator[list[Cell]]:
    """An SPSS/Stata file's rows: the codes export's, then the places' names."""
    layout = export.layout
    for row in rows.records(engine, layout, export.selection, chunk):
        yield row_of(rows.codes_cells(layout, row), rows.place_names(row))


#: the XLSX's sheets: the data, the codebook, the about sheet (in Chinese for a Chinese clerk)
SHEET_NAMES = {"zh": ("数据", "编码表", "说明"), "en": ("data", "codebook", "about"), "codes": ("data", "codebook", "about")}


def about_rows(export: Export, now: dt.datetime) -> list[list[Cell]]:
    """The about sheet: what the file holds and how to read it, in Chinese and English."""
    title = export.layout.current.title
    values = export.layout.values
    lines: list[list[Cell]] = [
        ["问卷 Questionnaire", f"{title.zh} {title.en or ''} ({export.questionnaire})".strip()],
        ["范围 Scope", f"{export.place_name} ({export.scope})"],
        ["问卷份数 Responses", export.rows],
        ["导出时间 Exported", now.astimezone(CST)],
        ["取值 Values", {"codes": "代码 codes", "zh": "中文标签 Chinese labels", "en": "English labels"}[values]],
        ["时间 Times", "北京时间（UTC+8）。China Standard Time (UTC+8)."],
    ]
    if values == "codes":
        return [
            *lines,
            ["多选题 Multiple choice", "每个选项一列：1 选中，0 未选，空 未回答。"
                                    "One column per option: 1 chosen, 0 not, empty not answered."],
            ["已排除 Excluded", "已排除的问卷也在表中，excluded = 1 并写明原因。"
                               " Excluded responses are included, marked excluded = 1 with the reason."],
            ["公式 Formulas", "以 = + - @ 制表符 回车 开头的文字前加了一个单引号（'），防止被当作公式执行；数字不受影响。"
                             " Text starting with = + - @ tab or carriage return has a single quote (') put in front, so it"
                             " cannot run as a formula; numbers are untouched."],
            ["编码表 Codebook", "见 codebook 工作表。See the codebook sheet."],
        ]
    book = SHEET_NAMES[values][1]
    return [
        *lines,
        ["表头 Headers", "题目的简称（没有简称时用题目原文）；几列同名时，后面加（题号）。编码表列出每列的题号和表头。"
                        " The questions' short labels (or their text); a header shared by several columns gets its code"
                        " in brackets. The codebook gives each column's code and header."],
        ["多选题 Multiple choice", "先一列写选中的各项，再每个选项一列：1 选中，0 未选，空 未回答（可用 SUM 计数）。"
                                " First the choices in words, then one column per option: 1 chosen, 0 not, empty not"
                                " answered (count them with SUM)."],
        ["指数 Indices", "保留一位小数；代码版和 SPSS/Stata 文件保留全部小数。"
                       " Rounded to one decimal; the codes export and the SPSS/Stata files keep every digit."],
        ["地点 Places", "县、村（社区）、工作队写名称，它们的代码在最后几列。"
                      " Counties, villages and teams by name; their codes are in the last columns."],
        ["已排除 Excluded", "已排除的问卷也在表中，“已排除”一列为“是”，并写明原因。"
                           " Excluded responses are included, marked Yes under Excluded, with the reason."],
        ["公式 Formulas", "以 = + - @ 制表符 回车 开头的文字（表头也一样）前加了一个单引号（'），防止被当作公式执行；数字不受影响。"
                         " Text (headers too) starting with = + - @ tab or carriage return has a single quote (') put"
                         " in front, so it cannot run as a formula; numbers are untouched."],
        ["编码表 Codebook", f"见 {book} 工作表。See the {book} sheet."],
    ]


def _write_chunks(path: Path, chunks: Iterator[bytes]) -> None:
    with path.open("wb") as f:
        for chunk in chunks:
            f.write(chunk)


def write_file(engine: Engine, export: Export, fmt: str, out: Path, now: dt.datetime, chunk: int = rows.CHUNK,
               progress: Callable[[int], None] | None = None) -> None:
    """The export as ``fmt`` at ``out``, written beside it and renamed, so that a reader never
    sees half a file.  ``progress(rows written)`` is called after every ``chunk`` rows."""
    def counted(data: Iterator[list[Cell]]) -> Iterator[list[Cell]]:
        return data if progress is None else _counted(data, chunk, progress)

    if fmt in TABLE_FORMATS:
        table = variables(export.layout, export.layout.values, fmt)
        title = export.layout.current.title.get(export.layout.values)
        note = (f"{title} ({export.questionnaire}), {export.place_name} ({export.scope}), {export.rows} 份 responses",
                f"导出 exported {now.astimezone(CST):%Y-%m-%d %H:%M} 北京时间 China time",
                "编码表（每个变量的代码和标签）在“导出数据”页下载。",
                "The codebook (every variable's codes and labels) is on the export page.")
        replace_atomically(out, lambda path: spss_stata.write(
            path, fmt, table, counted(table_rows(engine, export, chunk)), title, note))
    elif fmt == "csv":
        data = counted(data_rows(engine, export, chunk))
        replace_atomically(out, lambda path: _write_chunks(path, csv_chunks(header(export), data)))
    else:
        data = counted(data_rows(engine, export, chunk))
        names = SHEET_NAMES[export.layout.values]
        replace_atomically(out, lambda path: write_xlsx(path, [
            (names[0], header(export), data),
            (names[1], codebook.HEADER, codebook.rows(export.layout)),
            (names[2], ["", ""], about_rows(export, now)),
        ]))


def _counted(data: Iterator[list[Cell]], every: int, progress: Callable[[int], None]) -> Iterator[list[Cell]]:
    done = 0
    for row in data:
        yield row
        done += 1
        if done % every == 0:
            progress(done)
    if done % every or not done:
        progress(done)


def write_codebook(layout: Layout, fmt: str, out: Path) -> None:
    if fmt == "csv":
        replace_atomically(out, lambda path: _write_chunks(path, csv_chunks(codebook.HEADER, codebook.rows(layout))))
    else:
        replace_atomically(out, lambda path: write_xlsx(path, [("codebook", codebook.HEADER, codebook.rows(layout))]))


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_names(export: Export, fmt: str, today: dt.date) -> tuple[str, str]:
    """The download's name in Chinese (``社会工作认知调查（居民）-平江县-20261127.csv``) and an ASCII
    one for clients that ignore RFC 5987 (``awareness-county-430626-20261127.csv``)."""
    stamp = today.strftime("%Y%m%d")
    name = f"{export.layout.current.title.zh}-{export.place_name}-{stamp}.{fmt}"
    fallback = _UNSAFE.sub("-", f"{export.questionnaire}-{export.scope.replace(':', '-')}-{stamp}") + f".{fmt}"
    return re.sub(r'[\\/:*?"<>|\r\n]+', "-", name), fallback
