"""pyxform's own verdict on a workbook: what ODK's converter refuses, as a SheetProblem.

pyxform stops at its first error, in English; the reader finds (nearly) everything itself, in
Chinese and all at once, so this verdict counts only where it adds a row the reader did not name.
"""
from __future__ import annotations

import io
import re

from pyxform.errors import PyXFormError
from pyxform.xls2xform import convert

from .results import SheetProblem
from .wording import reworded
from .workbook import file_type

_ROW = re.compile(r"\[row : (\d+)\]")
_SHEET = re.compile(r"On the '(\w+)' sheet|sheet: '(\w+)'")
#: pyxform's messages that have a plain Chinese wording (the first group, if any, is kept)
_CHINESE = [
    (re.compile(r"must be unique within their nearest parent"), "名字重复了：同一层里的题目和组不能同名"),
    (re.compile(r"List name not in choices sheet: (\S+)"), "choices 表里没有叫 {0} 的选项表（list_name）"),
    (re.compile(r"Unmatched 'end_(group|repeat)'"), "这一行的 end {0} 前面没有对应的 begin {0}"),
    (re.compile(r"Unmatched 'begin_(group|repeat)'"), "这一行的 begin {0} 后面没有对应的 end {0}"),
    (re.compile(r"Names must begin with a letter"), "name 不合格：要以字母开头，只用字母、数字和下划线"),
    (re.compile(r"Unknown question type '([^']*)'"), "不认识的题型“{0}”"),
    (re.compile(r"Could not find the name '([^']*)'"), "${{{0}}} 不是这份问卷里的题目"),
    (re.compile(r"Question with no type"), "这一行没有 type"),
    (re.compile(r"Question or group with no name"), "这一行没有 name"),
    (re.compile(r"Missing calculation"), "calculate 题缺少 calculation"),
    (re.compile(r"Choice names must be unique"), "同一个选项表里的选项 name 重复了"),
    (re.compile(r"You must have a sheet named 'survey'"), "没有 survey 表"),
]


def judge(data: bytes, name: str) -> SheetProblem | None:
    """None when pyxform converts the workbook to an XForm; else its error, placed and worded."""
    try:
        convert(io.BytesIO(data), warnings=[], file_type=file_type(name))
    except PyXFormError as exc:
        return problem_of(str(exc), name)
    except Exception as exc:  # noqa: BLE001 - pyxform fails in its own ways on odd sheets; say so
        return SheetProblem(name, "survey", None, f"pyxform（ODK 的转换程序）转换失败：{type(exc).__name__}: {exc}")
    return None


def problem_of(message: str, name: str) -> SheetProblem:
    row = _ROW.search(message)
    sheet = _SHEET.search(message)
    first_line = _ROW.sub("", message.strip().splitlines()[0] if message.strip() else message).strip()
    text = reworded(_CHINESE, message, f"pyxform（ODK 的转换程序）不能转换：{first_line}")
    return SheetProblem(name, (sheet.group(1) or sheet.group(2)) if sheet else "survey", int(row.group(1)) if row else None, text)
