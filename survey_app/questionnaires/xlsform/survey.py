"""The survey sheet, walked row by row: groups become sections, rows become our questions (their
rules still as XLSForm expressions, translated later by the reader), and every row we cannot
carry becomes a problem on that row, the walk going on to find the rest."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pyxform import aliases
from pyxform.xls2json import RE_SELECT

from ..yamlload import YamlError, load_yaml, plain
from .columns import (
    AUDIO,
    CARRIED_META,
    EXTRAS,
    EXTRAS_ANY,
    ID_PATTERN,
    ID_RULE,
    OUR_COLUMNS,
    PLAIN,
    PYXFORM_COLUMNS,
    QUESTION_TYPES,
    REFUSED_COLUMNS,
    REFUSED_TYPES,
    REPEAT_REASON,
    REPEAT_WORDS,
    TRANSLATED,
    VISUAL_APPEARANCES,
    VISUAL_PATTERN,
    yes_no,
)
from .workbook import Row, Sheet

Add = Callable[[Row, str], None]
#: what a group row may have besides its type, name and label
GROUP_COLUMNS = frozenset({("bind", "relevant"), ("control", "appearance")})
Texts = Callable[[Row, tuple[str, ...], str], dict[str, str] | None]


@dataclass
class Group:
    row: Row
    name: str
    relevant: str | None
    repeat: bool = False


@dataclass
class Item:
    """One question (or note) as read, its rules still XLSForm expressions."""

    row: Row
    data: dict[str, Any]
    #: the groups it sits in below its section's (their relevant is ANDed into its own)
    inner: tuple[Group, ...]
    relevant: str | None
    constraint: str | None
    list_name: str | None = None
    likert: bool = False


@dataclass
class Draft:
    """A section: a top-level group, or a run of questions outside any group."""

    id: str
    title: dict[str, str]
    row: Row | None
    relevant: str | None
    items: list[Item] = field(default_factory=list)
    rule: Any = None  # the relevant, translated


@dataclass
class Walk:
    sections: list[Draft] = field(default_factory=list)
    carried: list[str] = field(default_factory=list)  # meta rows kept by the tablet anyway
    ignored_columns: list[str] = field(default_factory=list)


def valid_id(value: str | None) -> bool:
    return bool(value) and ID_PATTERN.match(value or "") is not None


class SurveyWalker:
    def __init__(self, sheet: Sheet, add: Add, texts: Texts):
        self.sheet = sheet
        self.add = add
        self.texts = texts
        self.walk = Walk()
        self.stack: list[Group] = []
        self.loose: Draft | None = None  # the section gathering questions outside any group
        self.headers = {tokens: header for header, tokens in sheet.columns.items()}

    def run(self) -> Walk:
        self.check_columns()
        for row in self.sheet.rows:
            if row:
                self.visit(row)
        for group in reversed(self.stack):
            self.add(group.row, f"begin {'repeat' if group.repeat else 'group'} “{group.name}” 后面缺少对应的 end")
        return self.walk

    def check_columns(self) -> None:
        for header, tokens in self.sheet.columns.items():
            if tokens[0] not in PYXFORM_COLUMNS and tokens[0] not in OUR_COLUMNS and any(r.get(*tokens) for r in self.sheet.rows):
                self.walk.ignored_columns.append(header)

    def visit(self, row: Row) -> None:
        raw_type = " ".join((row.get("type") or "").split())
        if not raw_type:
            if row.get("name") or row.translations("label"):
                self.add(row, "这一行没有 type（题型）")
            return  # a row of notes to the form's author: pyxform skips it too
        control = re.fullmatch(r"(begin|end)[ _](.+)", raw_type.replace("_", " ").lower())
        if control:
            self.control(row, control.group(1), control.group(2))
            return
        if raw_type in CARRIED_META:
            self.walk.carried.append(raw_type if raw_type != "imei" else "deviceid")
            return
        self.question(row, raw_type)

    def control(self, row: Row, verb: str, what: str) -> None:
        repeat = what in REPEAT_WORDS
        if what != "group" and not repeat:
            self.add(row, f"不认识的题型“{verb} {what}”")
            return
        if verb == "end":
            if not self.stack or self.stack[-1].repeat != repeat:
                self.add(row, f"这一行的 end {what} 前面没有对应的 begin {what}")
            else:
                self.stack.pop()
            return
        name = row.get("name") or ""
        if repeat:
            self.add(row, REPEAT_REASON)
        elif not valid_id(name):
            self.add(row, f"组的 name“{name}”不能用作编号：{ID_RULE}" if name else "组（begin group）要有 name")
        for tokens in row.cells:
            if tokens[0] in PYXFORM_COLUMNS and tokens[0] not in ("type", "name", "label") and tokens not in GROUP_COLUMNS:
                self.add(row, f"组（group）在本系统是一个部分，不能有 {self.headers.get(tokens, tokens[-1])}")
        self.appearance(row, "group")
        group = Group(row, name, row.expression("bind", "relevant"), repeat)
        if not self.stack:
            self.loose = None
            title = self.texts(row, ("label",), "组的标题") or {"zh": name or f"第 {row.number} 行的组"}
            self.walk.sections.append(Draft(name, title, row, group.relevant))
        self.stack.append(group)

    def refuse_columns(self, row: Row) -> None:
        for tokens, value in row.cells.items():
            if tokens in PLAIN or tokens[0] not in PYXFORM_COLUMNS or tokens[:1] in TRANSLATED or tokens[:2] in TRANSLATED:
                continue
            if tokens[:2] == AUDIO:
                continue
            key = tokens[-1] if tokens[0] in ("bind", "media") and len(tokens) > 1 else tokens[0]
            if key == "readonly" and yes_no(value) is False:
                continue
            reason = REFUSED_COLUMNS.get(key, f"本系统不支持 {self.headers.get(tokens, key)} 列")
            self.add(row, f"{reason}（{self.headers.get(tokens, key)}：{value}）")

    def question(self, row: Row, raw_type: str) -> None:
        name = row.get("name") or ""
        select = RE_SELECT.match(raw_type)
        data: dict[str, Any] = {"id": name}
        list_name = None
        if select:
            command = select.group("select_command")
            if command in aliases.select_from_file or command in ("select_one_external", "rank"):
                reason = REFUSED_TYPES.get(command, "本系统不从外部文件读选项：选项要写在 choices 表里")
                self.add(row, f"题型“{raw_type}”不能转换：{reason}")
                return
            if select.group("specify_other"):
                self.add(row, "本系统不支持“其他（请注明）”（or_other）：请在选项里加一个“其他”，再加一道文字题")
            data["type"] = "single" if aliases.select[command] == "select one" else "multi"
            list_name = select.group("list_name")
        elif raw_type in QUESTION_TYPES:
            our_type, extra = QUESTION_TYPES[raw_type]
            data["type"] = our_type
            data.update(extra)
        else:
            refused = REFUSED_TYPES.get(raw_type) or REFUSED_TYPES.get(raw_type.split()[0])
            self.add(row, f"题型“{raw_type}”不能转换：{refused}" if refused else f"不认识的题型“{raw_type}”")
            return
        self.refuse_columns(row)
        if not valid_id(name):
            self.add(row, f"name“{name}”不能用作题目编号：{ID_RULE}" if name else "这道题没有 name（编号）")
        label = self.texts(row, ("label",), "题目")
        if label is None and not row.translations("label"):
            self.add(row, "这道题没有题目（label）")
        else:
            data["label"] = label
        item = Item(row, data, tuple(g for g in self.stack[1:]), row.expression("bind", "relevant"),
                    row.expression("bind", "constraint"), list_name)
        self.details(item)
        self.section_for(row).items.append(item)

    def details(self, item: Item) -> None:
        row, data = item.row, item.data
        for tokens, key, what in ((("hint",), "hint", "提示（hint）"),
                                  (("bind", "jr:requiredMsg"), "required_message", "必答提示（required_message）"),
                                  (("bind", "jr:constraintMsg"), "constraint_message", "不合格提示（constraint_message）"),
                                  (("short_label",), "short", "短标题（short_label）")):
            text = self.texts(row, tokens, what)
            if text is not None:
                data[key] = text
        required = yes_no(row.get("bind", "required"))
        if required is None:
            self.add(row, f"required 只能写 yes 或 no（“{row.get('bind', 'required')}”）：本系统不支持按条件必答")
        elif required:
            data["required"] = True
        audio = self.texts(row, ("media", "audio"), "录音")
        if audio is not None:
            data["audio"] = audio["zh"]
        item.likert = self.appearance(row, data.get("type", ""), data)
        self.extras(row, data)
        if data.get("type") == "note":
            for key in ("required", "required_message", "constraint_message", "short"):
                if key in data:
                    self.add(row, f"说明（note）没有答案，不能有 {key}")
            if item.constraint:
                self.add(row, "说明（note）没有答案，不能有 constraint")

    def appearance(self, row: Row, our_type: str, data: dict[str, Any] | None = None) -> bool:
        """Reads the appearance; True when it asks for a likert scale."""
        likert = False
        for word in (row.get("control", "appearance") or "").split():
            if word == "multiline" and our_type == "text" and data is not None:
                data["multiline"] = True
            elif word == "likert" and our_type == "single":
                likert = True
            elif word not in VISUAL_APPEARANCES and not VISUAL_PATTERN.match(word):
                self.add(row, f"appearance“{word}”不只是改变样子，本系统做不到：请删掉它")
        return likert

    def extras(self, row: Row, data: dict[str, Any]) -> None:
        """Our own ``sanqu`` column: the keys of ours that XLSForm has no column for."""
        text = row.get("sanqu")
        if not text:
            return
        try:
            extras = plain(load_yaml(text))
        except YamlError as exc:
            self.add(row, f"sanqu 列不是正确的 YAML/JSON：{exc.message}")
            return
        allowed = EXTRAS.get(str(data.get("type")), set()) | EXTRAS_ANY | {"scale"}
        if not isinstance(extras, dict) or set(extras) - allowed:
            self.add(row, f"sanqu 列里有这种题不能有的内容：{text}")
            return
        audience = extras.pop("hint_audience", None)
        if audience is not None:
            if "hint" not in data:
                self.add(row, "sanqu 列的 hint_audience 要配一个 hint")
            else:
                data["hint"]["audience"] = audience
        data["_extras"] = extras

    def section_for(self, row: Row) -> Draft:
        if self.stack:
            return self.walk.sections[-1]
        if self.loose is None:
            number = sum(1 for s in self.walk.sections if s.row is None) + 1
            self.loose = Draft(f"part_{number}", {"zh": f"第{number}部分", "en": f"Part {number}"}, None, None)
            self.walk.sections.append(self.loose)
        return self.loose
