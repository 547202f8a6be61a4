"""The choices sheet: option lists by name, each option with its row, and problems on its row."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .columns import OPTION_PATTERN
from .workbook import Row, Sheet

#: the choices sheet's list_name column, as pyxform names it
LIST_NAME = "list name"


@dataclass(frozen=True)
class Choice:
    row: Row
    value: str
    label: dict[str, str] | None


class Choices:
    def __init__(self, sheet: Sheet, add: Callable[[Row, str], None],
                 texts: Callable[[Row, tuple[str, ...], str], dict[str, str] | None]):
        self.lists: dict[str, list[Choice]] = {}
        self.add = add
        headers = {tokens: header for header, tokens in sheet.columns.items()}
        for row in sheet.rows:
            if row:
                self.read(row, texts, headers)

    def read(self, row: Row, texts: Callable[[Row, tuple[str, ...], str], dict[str, str] | None],
             headers: dict[tuple[str, ...], str]) -> None:
        list_name, value = row.get(LIST_NAME), row.get("name")
        if not list_name or not value:
            self.add(row, "选项要有 list_name 和 name" if list_name or value else "这一行缺少 list_name 和 name")
            return
        for tokens in row.cells:
            if tokens[0] == "media" and tokens[1:2] != ("audio",):
                self.add(row, f"本系统的选项只有文字，不支持图片和视频（{headers.get(tokens, tokens[1])}）")
            elif tokens[0] == "media":
                self.add(row, f"本系统的选项不支持录音（{headers.get(tokens, 'audio')}）")
        if not OPTION_PATTERN.match(value):
            self.add(row, f"选项的 name“{value}”不能用：只能用英文字母、数字和 _ . -，最多 64 个字符")
        siblings = self.lists.setdefault(list_name, [])
        earlier = next((c for c in siblings if c.value == value), None)
        if earlier is not None:
            self.add(row, f"选项表 {list_name} 里的 name“{value}”重复了（第 {earlier.row.number} 行已经有）")
        label = texts(row, ("label",), "选项")
        if label is None and not any(t[0] == "label" for t in row.cells):
            self.add(row, "这个选项没有中文的文字（label）")
        siblings.append(Choice(row, value, label))

    def options(self, list_name: str) -> list[dict[str, Any]] | None:
        """Our ``options`` of one list; None when there is no such list."""
        found = self.lists.get(list_name)
        if found is None:
            return None
        return [{"value": c.value, "label": c.label} for c in found if c.label is not None]

    def points(self, list_name: str) -> list[int] | None:
        """The list's values as whole numbers when they are a run (1, 2, 3, ...), else None."""
        found = self.lists.get(list_name) or []
        try:
            values = [int(c.value) for c in found if str(int(c.value)) == c.value]
        except ValueError:
            return None
        if len(values) < 2 or len(values) != len(found) or values != list(range(values[0], values[0] + len(values))):
            return None
        return values
