"""Validation messages in Chinese (first) and English.

The pure engine cannot use Flask-Babel, so its few messages live here, keyed by code, and each
error carries the code and parameters until a caller renders it in the reader's language.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CATALOG: dict[str, dict[str, str]] = {
    "required": {"zh": "此题必答", "en": "This question is required"},
    "not_option": {"zh": "“{value}”不是本题的选项", "en": "'{value}' is not an option of this question"},
    "not_list": {"zh": "多选题的答案应为选项列表", "en": "A multiple-choice answer must be a list of options"},
    "duplicate_choice": {"zh": "选项“{value}”重复", "en": "Option '{value}' is chosen twice"},
    "not_string": {"zh": "答案应为文字", "en": "The answer must be text"},
    "not_integer": {"zh": "答案应为整数", "en": "The answer must be a whole number"},
    "not_number": {"zh": "答案应为数字", "en": "The answer must be a number"},
    "too_large": {"zh": "数字太大：不能超过 ±{max}", "en": "The number is too large: at most ±{max}"},
    "out_of_scale": {"zh": "请在 {min} 到 {max} 之间选择", "en": "Choose a value from {min} to {max}"},
    "below_min": {"zh": "不能小于 {min}", "en": "Must be at least {min}"},
    "above_max": {"zh": "不能大于 {max}", "en": "Must be at most {max}"},
    "too_long": {"zh": "最多 {max} 个字（现在 {length} 个）", "en": "At most {max} characters (now {length})"},
    "not_date": {"zh": "日期格式应为 年-月-日，如 2026-05-01", "en": "A date must look like 2026-05-01"},
    "date_below_min": {"zh": "日期不能早于 {min}", "en": "The date cannot be before {min}"},
    "date_above_max": {"zh": "日期不能晚于 {max}", "en": "The date cannot be after {max}"},
    "constraint": {"zh": "答案不符合要求", "en": "The answer is not acceptable"},
    "note_answered": {"zh": "这一项是说明，不用回答", "en": "This item is a note: it takes no answer"},
    "unknown_question": {"zh": "问卷中没有这道题", "en": "There is no such question in this questionnaire"},
}


@dataclass(frozen=True)
class Problem:
    """One validation problem, rendered late so that each reader gets their language."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    #: a questionnaire-supplied message (constraint_message) overrides the catalogue
    custom: dict[str, str] | None = None

    def render(self, lang: str = "zh") -> str:
        if self.custom:
            return self.custom.get(lang) or self.custom["zh"]
        texts = CATALOG[self.code]
        return (texts.get(lang) or texts["zh"]).format(**self.params)


class AnswerError(ValueError):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.problem = Problem(code, params)
