"""Reading an XLSForm into our questionnaire: pyxform judges the workbook, the survey, choices,
settings (and our ``sanqu``) sheets are read, the rules translated, and the result is checked by
our own checker, so that what comes out always loads.  Every problem is collected in one pass;
with any problem there is no questionnaire at all, never a part of one."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pyxform.errors import PyXFormError

from ..check import check_text
from ..yamlload import YamlError, load_yaml, plain
from .choices import Choices
from .columns import ID_RULE, SANQU_KEYS
from .judge import judge
from .results import Imported, SheetProblem
from .rulesin import RuleReader
from .survey import SurveyWalker, Walk, valid_id
from .wording import reworded
from .workbook import Row, Workbook, language_of, read_workbook
from .yamltext import locate, yaml_text

#: our checker's messages an import can meet, as an XLSForm author would read them
_CHECKER = [
    (re.compile(r"^audio file '(.*)' not found in (.*)$"), "录音文件 {0} 不在 {1} 里：请先把它放进去，再导入"),
    (re.compile(r"^audio path '(.*)' must stay inside"), "录音文件名 {0} 不能指向 questionnaires/audio/ 以外"),
    (re.compile(r"\.audio '(.*)' does not match the pattern"), "录音文件名“{0}”不能用：只能用英文字母、数字和 _ . - /"),
    (re.compile(r"a likert scale may have at most 11 points, not (\d+)"), "量表最多 11 个点，这里有 {0} 个"),
]


def checker_in_chinese(message: str) -> str:
    return reworded(_CHECKER, message, f"本系统的检查没有通过：{message}")


def read_xlsform(data: bytes, name: str, audio_dir: Path | None = None) -> Imported:
    """Our questionnaire from an XLSForm's bytes (``name``: the file's name, for messages and its
    type).  With ``audio_dir``, a recording named in ``media::audio`` must be there."""
    reading = _Reading(name)
    try:
        book = read_workbook(data, name)
    except PyXFormError as exc:
        reading.problems.append(SheetProblem(name, "survey", None, f"读不出这个文件：要 Excel 的 .xlsx 格式的 XLSForm（{exc}）"))
        return reading.result()
    except Exception as exc:  # noqa: BLE001 - a damaged upload may break the reader anywhere; say so
        reading.problems.append(SheetProblem(name, "survey", None, f"读不出这个文件（{type(exc).__name__}）：要 .xlsx 格式的 XLSForm"))
        return reading.result()
    verdict = judge(data, name)
    reading.convert(book)
    if verdict is not None and (not reading.problems or (verdict.row is not None and
                                                          (verdict.sheet, verdict.row) not in reading.places())):
        reading.problems.append(verdict)
    if not reading.problems and reading.definition is not None:
        reading.check(audio_dir)
    return reading.result()


class _Reading:
    def __init__(self, name: str):
        self.name = name
        self.problems: list[SheetProblem] = []
        self.definition: dict[str, Any] | None = None
        self.text = ""
        self.default_language: str | None = None
        self.rows: dict[tuple[str, ...], tuple[str, int | None]] = {}
        self.notes: list[str] = []

    def add(self, row: Row | None, message: str, sheet: str = "survey") -> None:
        self.problems.append(SheetProblem(self.name, row.sheet if row is not None else sheet,
                                          row.number if row is not None else None, message))

    def places(self) -> set[tuple[str, int | None]]:
        return {(p.sheet, p.row) for p in self.problems}

    def result(self) -> Imported:
        if self.problems:
            order = {"settings": 0, "survey": 1, "choices": 2, "sanqu": 3}
            ranked = sorted(set(self.problems), key=lambda p: (p.row is not None, order.get(p.sheet, 4), p.row or 0, p.message))
            return Imported(None, "", tuple(ranked))
        return Imported(self.definition, self.text, ())

    def texts(self, row: Row, base: tuple[str, ...], what: str) -> dict[str, str] | None:
        """A translatable column's {zh, en}; None when empty.  The unnamed column is the default
        language's; a named Chinese column wins over it."""
        found: dict[str, str] = {}
        for language, text in sorted(row.translations(*base).items(), key=lambda kv: kv[0] is not None):
            code = language_of(language, self.default_language)
            if code is not None:
                found[code] = text
        if not found:
            return None
        for text in found.values():
            if "${" in text:
                self.add(row, f"{what}里引用了别的题目的答案（{text}）：本系统的文字是固定的，请改成不带 ${{}} 的文字")
        if "zh" not in found:
            self.add(row, f"{what}只有英文，缺少中文（…::Chinese (zh) 列）")
            return None
        return {k: found[k] for k in ("zh", "en") if k in found}

    def convert(self, book: Workbook) -> None:
        settings = self.settings(book)
        self.check_languages(book)
        sanqu = self.sanqu_sheet(book)
        walk = SurveyWalker(book.sheet("survey"), self.add, self.texts).run()
        if not any(s.items for s in walk.sections) and not self.problems:
            self.add(None, "survey 表里没有一道题")
        choices = Choices(book.sheet("choices"), self.add, self.texts)
        RuleReader(walk, choices, sanqu.get("scales") or {}, self.add, self.notes.append).run()
        self.note_walk(walk, book)
        if self.problems:
            return
        self.definition = self.assemble(settings, sanqu, walk)

    def settings(self, book: Workbook) -> dict[str, Any]:
        rows = [r for r in book.sheet("settings").rows if r]
        row = rows[0] if rows else None
        found: dict[str, Any] = {}
        self.default_language = row.get("default_language") if row else None
        form_id = row.get("id_string") if row else None
        stem = Path(self.name).stem
        if form_id is None and valid_id(stem):
            form_id = stem
            self.notes.append(f"settings 表没有 form_id：问卷编号取文件名 {stem}")
        if not valid_id(form_id):
            what = f"form_id“{form_id}”不能用作问卷编号" if form_id else "settings 表里要写 form_id（问卷编号）"
            self.add(row, f"{what}：{ID_RULE}", sheet="settings")
        found["id"] = form_id
        found["title"] = row.get("title") if row else None
        if row is not None:
            self.rows[("title",)] = self.rows[("id",)] = ("settings", row.number)
            if row.get("version"):
                self.notes.append(f"settings 的 version（{row.get('version')}）没有用：本系统的版本由问卷内容决定")
            for tokens in row.cells:
                if tokens[0] not in ("id_string", "title", "default_language", "version"):
                    self.notes.append(f"settings 的 {tokens[0]} 没有用（与在平板上答题无关）")
        return found

    def check_languages(self, book: Workbook) -> None:
        for sheet_name in ("survey", "choices"):
            sheet = book.sheet(sheet_name)
            for header, tokens in sheet.columns.items():
                translatable = tokens[:1] in (("label",), ("hint",), ("short_label",)) or tokens[:2] in (
                    ("bind", "jr:constraintMsg"), ("bind", "jr:requiredMsg"), ("media", "audio"))
                base = 2 if tokens[0] in ("bind", "media") else 1
                if not translatable or not any(r.get(*tokens) for r in sheet.rows):
                    continue
                language = tokens[base] if len(tokens) > base else None
                if language_of(language, self.default_language) is None:
                    shown = language or self.default_language
                    self.add(Row(sheet_name, 1, {}), f"列“{header}”的语言（{shown}）本系统没有：只有中文和英文。"
                             "请删掉这一列，或改名为 …::Chinese (zh) / …::English (en)")

    def sanqu_sheet(self, book: Workbook) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for number, key, value in book.sanqu:
            row = Row("sanqu", number, {})
            if key not in SANQU_KEYS:
                self.add(row, f"sanqu 表里的“{key}”不认识（可以有：{', '.join(SANQU_KEYS)}）")
                continue
            try:
                found[key] = plain(load_yaml(value))
            except YamlError as exc:
                self.add(row, f"sanqu 表里“{key}”的值不是正确的 YAML：{exc.message}")
                continue
            self.rows[(key,)] = ("sanqu", number)
        return found

    def note_walk(self, walk: Walk, book: Workbook) -> None:
        if walk.carried:
            self.notes.append(f"survey 表里的 {', '.join(dict.fromkeys(walk.carried))} 不用转换：平板本来就记录"
                              "每份问卷的开始和结束时间、设备，以及登录的社工")
        if walk.ignored_columns:
            self.notes.append(f"survey 表里这些列 ODK 也不读，这里也没有读：{', '.join(walk.ignored_columns)}")

    def assemble(self, settings: dict[str, Any], sanqu: dict[str, Any], walk: Walk) -> dict[str, Any]:
        given = sanqu.get("title")
        title = dict(given) if isinstance(given, dict) else {}
        title["zh"] = settings["title"] or title.get("zh") or settings["id"]
        out: dict[str, Any] = {"id": settings["id"], "title": {k: title[k] for k in ("zh", "en") if k in title}}
        for key in ("description", "wave", "respondent_code", "consent", "greeting", "thanks", "scales"):
            if key in sanqu:
                out[key] = sanqu[key]
        sections = []
        taken = {s.id for s in walk.sections if s.row is not None}
        english = any("en" in item.data.get("label", {}) for draft in walk.sections for item in draft.items)
        for draft in walk.sections:
            if draft.row is None and not english:
                draft.title = {"zh": draft.title["zh"]}  # no English anywhere: none made up
            section_id = draft.id
            while draft.row is None and section_id in taken:
                section_id += "_"
            taken.add(section_id)
            section: dict[str, Any] = {"id": section_id, "title": draft.title}
            if draft.rule is not None:
                section["relevant"] = draft.rule
            section["questions"] = [item.data for item in draft.items]
            sections.append(section)
            self.rows[("section", section_id)] = ("survey", draft.row.number if draft.row else None)
            for item in draft.items:
                self.rows[("question", item.data["id"])] = ("survey", item.row.number)
        out["sections"] = sections
        for key in ("indices", "compare"):
            if key in sanqu:
                out[key] = sanqu[key]
        if not ({"wave", "respondent_code"} & set(sanqu)):
            self.notes.append("wave 和 respondent_code 用默认值 required：每份都要填前测/后测和受访者编码；"
                              "不需要的话，在这个文件里加 wave: none（或 optional）、respondent_code: none")
        return out

    def check(self, audio_dir: Path | None) -> None:
        assert self.definition is not None
        text = yaml_text(self.definition, self.name, self.notes)
        checked = check_text(text, self.name, audio_dir=audio_dir)
        if checked.problems:
            try:
                doc = load_yaml(text)
            except YamlError:  # not expected of our own dump; the problems are still said, without rows
                doc = None
            for problem in checked.problems:
                sheet, row = locate(doc, problem.line, self.rows)
                self.problems.append(SheetProblem(self.name, sheet, row, checker_in_chinese(problem.message)))
            self.definition = None
            return
        self.definition = checked.definition
        self.text = text
