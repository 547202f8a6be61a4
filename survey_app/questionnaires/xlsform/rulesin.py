"""The second pass over the survey: each question gets its options (or its likert scale), our own
``sanqu`` keys, and its rules translated, now that every question's type is known."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..rulecheck import check_rule
from .choices import Choices
from .columns import EXPLICIT_DEFAULTS, point_labels
from .fromxpath import Context, constraint_to_jsonlogic, to_jsonlogic
from .survey import Draft, Item, Walk
from .wording import reworded
from .workbook import Row
from .xpath import XPathError

#: our rule check's messages, as an XLSForm author would read them
_CHINESE = [
    (re.compile(r"^'(.*)' is not an option of '(.*)' \(options: (.*)\)$"), "“{0}”不是 ${{{1}}} 的选项（选项有：{2}）"),
    (re.compile(r"compares a number with text|compares (number|text) with (number|text)"),
     "比较的两边一边是数字、一边是文字，永远不会相等或分出大小：数字题和数字比，文字和选择题和加引号的文字比"),
    (re.compile(r"compares (list|true/false)|with (list|true/false)"), "这样比较永远不成立：多选题请用 selected() 或 count-selected()"),
    (re.compile(r"works on numbers"), "加减乘除只能用在数字题上"),
    (re.compile(r"orders numbers or texts"), "比大小只能用在数字、文字或日期上：多选题请用 count-selected()"),
    (re.compile(r"'in' (looks inside|on a text)"), "selected() 或 contains() 用得不对：selected() 的第一个参数要是选择题"),
]


def in_chinese(message: str) -> str:
    return reworded(_CHINESE, message, f"规则检查没有通过（{message}）")


class RuleReader:
    def __init__(self, walk: Walk, choices: Choices, scales: dict[str, Any], add: Callable[[Row, str], None],
                 note: Callable[[str], None]):
        self.walk = walk
        self.choices = choices
        self.scales = scales if isinstance(scales, dict) else {}
        self.add = add
        self.note = note
        self.items = [item for draft in walk.sections for item in draft.items]
        self.questions: dict[str, dict[str, Any]] = {}

    def run(self) -> None:
        self.names()
        for item in self.items:
            if item.data.get("type") in ("single", "multi"):
                self.options(item)
            self.extras(item)
        context = Context(self.questions)
        for draft in self.walk.sections:
            if draft.relevant:
                draft.rule = self.translate(draft.row, "relevant", draft.relevant, context)
            for item in draft.items:
                self.rules(item, draft)

    def names(self) -> None:
        seen_groups: dict[str, Row] = {}
        for draft in self.walk.sections:
            if draft.row is not None and draft.id:
                if draft.id in seen_groups:
                    self.add(draft.row, f"组的 name“{draft.id}”重复了（第 {seen_groups[draft.id].number} 行已经用过）")
                seen_groups.setdefault(draft.id, draft.row)
        first: dict[str, Row] = {}
        for item in self.items:
            name = item.data["id"]
            if name in first:
                self.add(item.row, f"name“{name}”重复了（第 {first[name].number} 行已经用过）：本系统每道题的编号都不能相同")
            else:
                first[name] = item.row
                self.questions[name] = item.data

    def options(self, item: Item) -> None:
        assert item.list_name is not None
        options = self.choices.options(item.list_name)
        if options is None:
            self.add(item.row, f"choices 表里没有叫 {item.list_name} 的选项表（list_name）")
            return
        points = self.choices.points(item.list_name)
        if item.likert and item.data["type"] == "single" and points is not None:
            self.likert(item, points, options)
        else:
            item.data["options"] = options

    def likert(self, item: Item, points: list[int], options: list[dict[str, Any]]) -> None:
        """A select_one shown as a likert scale (appearance likert) with options 1..n: ours."""
        data = item.data
        data["type"] = "likert"
        extras = data.get("_extras") or {}
        named = self.scales.get(item.list_name or "")
        if "scale" in extras:  # a scale of the question's own, as our export writes it
            scale = data["scale"] = extras.pop("scale")
            where = "sanqu 列里的 scale"
        elif isinstance(named, dict):  # a named scale of the questionnaire
            scale, data["scale"] = named, item.list_name
            where = f"sanqu 表 scales 里的 {item.list_name}"
        else:  # a form from elsewhere: the scale is its options
            data["scale"] = {"min": points[0], "max": points[-1], "labels": [o["label"] for o in options]}
            return
        if not isinstance(scale, dict) or not all(isinstance(scale.get(k), int) for k in ("min", "max")):
            return  # our checker names what is wrong with the scale itself
        # The sheet's words and ours must agree: a change made in Kobo is not dropped unseen.
        if [scale["min"], scale["max"]] != [points[0], points[-1]]:
            self.add(item.row, f"选项表 {item.list_name} 是 {points[0]}–{points[-1]}，{where}是 {scale['min']}–{scale['max']}：两处要一致")
        elif [o["label"] for o in options] != [{k: v for k, v in w.items() if v} for w in point_labels(scale)]:
            self.add(item.row, f"选项表 {item.list_name} 的文字和 {where} 不一样：量表的字请两处一起改")

    def extras(self, item: Item) -> None:
        extras = item.data.pop("_extras", None) or {}
        if "scale" in extras:
            self.add(item.row, "sanqu 列的 scale 只能用在量表题上（select_one … 加 appearance likert，选项是 1、2、3…）")
            extras.pop("scale")
        for key in ("min", "max", "unit", "max_length"):
            if key in extras:
                item.data[key] = extras[key]
        for key in EXPLICIT_DEFAULTS:
            if key not in extras:
                continue
            if extras[key] is not False:
                self.add(item.row, f"sanqu 列的 {key} 只能是 false（是的话写在 XLSForm 自己的列里）")
            else:
                item.data.setdefault(key, False)  # the sheet's own column wins: it may have been edited

    def rules(self, item: Item, draft: Draft) -> None:
        data = item.data
        parts = [self.translate(g.row, "relevant", g.relevant, Context(self.questions)) for g in item.inner if g.relevant]
        if item.relevant:
            parts.append(self.translate(item.row, "relevant", item.relevant, Context(self.questions)))
        parts = [p for p in parts if p is not None]
        if parts:
            data["relevant"] = parts[0] if len(parts) == 1 else {"and": parts}
        if item.constraint and data.get("type") != "note":
            self.constraint(item)

    def constraint(self, item: Item) -> None:
        data = item.data
        context = Context(self.questions, current=data["id"])
        try:
            rule, limit = constraint_to_jsonlogic(item.constraint or "", context)
        except XPathError as exc:
            self.add(item.row, f"constraint“{item.constraint}”：{exc}")
            return
        if rule is not None:
            rule = self.checked(item.row, "constraint", item.constraint, rule)
        if limit is not None:
            data["max_length"] = min(limit, data.get("max_length", limit))
        rule = self.without_bounds(item, rule)
        if rule is not None:
            data["constraint"] = rule
        elif "constraint_message" in data:
            message = data.pop("constraint_message")
            self.note(f"第 {item.row.number} 行 {data['id']} 的 constraint 只限制了字数，成了 max_length："
                      f"平板会自己提示“最多几个字”，constraint_message（{message['zh']}）没有用上")

    def without_bounds(self, item: Item, rule: Any) -> Any:
        """The constraint without the bounds our export folds into it (``. >= min and . <= max``,
        for ODK's sake), when the ``sanqu`` column says what they are."""
        data = item.data
        if data.get("type") not in ("number", "date"):
            return rule
        me = {"var": data["id"]}
        bounds = [{op: [me, data[key]]} for op, key in ((">=", "min"), ("<=", "max")) if key in data]
        if not bounds or rule is None:
            return rule
        if rule == bounds[0] and len(bounds) == 1:
            return None
        args = rule.get("and") if isinstance(rule, dict) else None
        if isinstance(args, list) and args[: len(bounds)] == bounds:
            rest = args[len(bounds):]
            return None if not rest else (rest[0] if len(rest) == 1 else {"and": rest})
        self.add(item.row, "sanqu 列的 min/max 和 constraint 开头的范围（. >= … and . <= …）对不上："
                           "改范围时两处要一起改，或者删掉 sanqu 列里的 min/max")
        return rule

    def translate(self, row: Row | None, column: str, text: str | None, context: Context) -> Any:
        try:
            rule = to_jsonlogic(text or "", context)
        except XPathError as exc:
            if row is not None:
                self.add(row, f"{column}“{text}”：{exc}")
            return None
        return self.checked(row, column, text, rule)

    def checked(self, row: Row | None, column: str, text: str | None, rule: Any) -> Any:
        """The rule, once our rule check (what ``questionnaires check`` refuses) has had its say
        on this row; None if it refuses."""
        problems = check_rule(rule, self.questions)
        for _path, message in problems:
            if row is not None:
                self.add(row, f"{column}“{text}”：{in_chinese(message)}")
        return None if problems else rule

