"""The words an export shows for its columns: the labelled sheet's headers (a county clerk reads
them, so they are the questions' short labels, the places' and fields' names), and the same words
as the SPSS/Stata variable labels start from.  Pure: no Flask, no database.

A sheet's headers are unique (a spreadsheet, pandas and SPSS all need it, and a clerk cannot tell
two columns called 满意度 apart) and already safe from formula injection, so that uniqueness is
judged on what is written: ``=x`` is written ``'=x``, which may be another column's text too.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..questionnaires.model import Index, Option, Question, Text
from .cells import neutralise

#: the short header of every field around the answers (``columns.META``, ``columns.PLACE_NAMES``);
#: the codebook keeps their longer meanings
META_HEADERS: dict[str, Text] = {
    "uuid": Text("问卷编号", "Response ID"),
    "version": Text("问卷版本", "Version"),
    "county": Text("县代码", "County code"),
    "county_name": Text("县", "County"),
    "site": Text("村（社区）代码", "Village code"),
    "site_name": Text("村（社区）", "Village"),
    "team": Text("工作队代码", "Team code"),
    "team_name": Text("工作队", "Team"),
    "wave": Text("测次", "Wave"),
    "round": Text("年度", "Round"),
    "respondent_code": Text("受访者编码", "Respondent code"),
    "collector": Text("提交账号", "Submitted by"),
    "started_at": Text("开始时间", "Started"),
    "completed_at": Text("完成时间", "Completed"),
    "received_at": Text("收到时间", "Received"),
    "source": Text("来源", "Source"),
    "excluded": Text("已排除", "Excluded"),
    "excluded_reason": Text("排除原因", "Reason excluded"),
}

#: between a multiple-choice question's short label and one option's label
OPTION_JOIN = {"zh": "：", "en": ": "}


def plain(text: str) -> str:
    """One line: a label's line breaks and runs of spaces as single spaces."""
    return " ".join(text.split())


def question_header(question: Question, lang: str) -> str:
    """The question's short label if it has one, else its label."""
    return plain((question.short or question.label).get(lang))


def option_header(question: Question, option: Option, lang: str) -> str:
    """A multiple-choice option's own column: ``短标签：选项标签``."""
    return question_header(question, lang) + OPTION_JOIN.get(lang, OPTION_JOIN["en"]) + plain(option.label.get(lang))


def index_header(index: Index, lang: str) -> str:
    return plain((index.label or Text(index.id)).get(lang))


def variable_label(question: Question, lang: str) -> str:
    """What an SPSS/Stata variable label says of a question: ``短标签：题目`` when it has a
    short label (so that a label cut to the format's length still names the question), else the
    question's text."""
    text = plain(question.label.get(lang))
    if question.short is None:
        return text
    short = plain(question.short.get(lang))
    return text if short == text else short + OPTION_JOIN.get(lang, OPTION_JOIN["en"]) + text


@dataclass(frozen=True)
class Heading:
    """A column's header before it is made unique."""

    text: str
    #: what tells the column apart when its text is shared: its name in the codes export
    code: str
    #: a field's fixed header (never changed: scripts and the about sheet name it); a question's
    #: header that meets one is the one that gives way
    fixed: bool = False


def unique(headings: Sequence[Heading], lang: str) -> list[str]:
    """The headers, each safe from formula injection, every header shared by several columns
    given its code in brackets (``满意度（sat1）``), and, should that still meet another
    header, a number.  Compared without case, as Excel and SPSS compare names."""
    texts = [neutralise(h.text) if h.text else h.code for h in headings]
    shared = Counter(text.casefold() for text in texts)
    out: list[str] = []
    for heading, text in zip(headings, texts, strict=True):
        if shared[text.casefold()] > 1 and not heading.fixed:
            text = f"{text}（{heading.code}）" if lang == "zh" else f"{text} ({heading.code})"
        out.append(text)
    seen = {text.casefold() for heading, text in zip(headings, out, strict=True) if heading.fixed}
    for position, (heading, text) in enumerate(zip(headings, list(out), strict=True)):
        if heading.fixed:
            continue
        candidate, n = text, 2
        while candidate.casefold() in seen:
            candidate, n = f"{text} {n}", n + 1
        seen.add(candidate.casefold())
        out[position] = candidate
    return out
