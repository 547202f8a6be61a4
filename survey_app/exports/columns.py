"""The columns of a questionnaire's export and how one response's answers fill them.  Pure: no
Flask, no database.

One row per response: the fields around the answers (``META``), one column per question (a
multiple-choice question has one 0/1 column per option; a note, which takes no answer, has
none), then one column per index score.  A questionnaire may have several versions; the columns
are those of every version, the current version's order first, so that no answer stored under an
older version is dropped.

These are the columns of the codes export, and the names the codebook and the SPSS/Stata
variables start from; the labelled export's headers are ``headers.py``'s.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..questionnaires.model import Definition, Index, Option, Question
from .cells import Cell

#: the fields around the answers: column name, then its meaning (zh, en) for the codebook
META: tuple[tuple[str, str, str], ...] = (
    ("uuid", "问卷唯一编号（采集时生成）", "Response id, made by the tablet"),
    ("version", "问卷版本", "Questionnaire version"),
    ("county", "县代码（GB/T 2260）", "County code (GB/T 2260)"),
    ("site", "村/社区代码", "Village or community code"),
    ("team", "工作队代码", "Service team code"),
    ("wave", "测次：pre 前测，post 后测", "Wave: pre (baseline) or post (follow-up)"),
    ("round", "年度（哪一期，以年份表示）：后测算在它的前测所在的一期", "Round (its year): a follow-up counts in its baseline's round"),
    ("respondent_code", "受访者编码", "Respondent code"),
    ("collector", "提交账号", "Account that submitted it"),
    ("started_at", "开始时间（北京时间）", "Started (China time)"),
    ("completed_at", "完成时间（北京时间）", "Completed (China time)"),
    ("received_at", "服务器收到时间（北京时间）", "Received by the server (China time)"),
    ("source", "来源：api, web, sync, import, seed", "How it arrived: api, web, sync, import, seed"),
    ("excluded", "已排除：1 是，0 否", "Excluded from analysis: 1 yes, 0 no"),
    ("excluded_reason", "排除原因", "Why it was excluded"),
)
META_COLUMNS = tuple(name for name, _zh, _en in META)
#: the places' names, which the labelled and the SPSS/Stata exports carry beside (or instead of)
#: the codes above; every row read for an export has them (``rows.py``)
PLACE_NAMES: tuple[tuple[str, str, str], ...] = (
    ("county_name", "县名", "County name"),
    ("site_name", "村/社区名（乡镇 · 村）", "Village or community (township · village)"),
    ("team_name", "工作队名称", "Service team name"),
)

#: the export's mode: codes (for analysts), or labelled in one language (headers, answers,
#: places, wave as words; see ``labelled.py``); SPSS/Stata files keep codes as values and take
#: their variable and value labels in the language named here
VALUES = ("codes", "zh", "en")


def multi_column(question: Question, option: Option) -> str:
    # Kobo's spelling of a select_multiple's split columns, which analysts already know
    return f"{question.id}/{option.value}"


def index_column(index: Index) -> str:
    return f"index/{index.id}"


@dataclass(frozen=True)
class Layout:
    """The columns of one questionnaire's export, every version's questions merged."""

    current: Definition
    questions: tuple[Question, ...]
    indices: tuple[Index, ...]
    #: for each question, the rules (section's and its own) that decide when it is asked
    relevance: dict[str, tuple[Any, ...]]
    values: str = "codes"

    @classmethod
    def of(cls, versions: Sequence[Definition], values: str = "codes") -> Layout:
        """``versions`` newest first: a question's text comes from the newest version that has
        it, and its options are those of every version (newest labels first)."""
        if values not in VALUES:
            raise ValueError(f"values must be one of {', '.join(VALUES)}")
        questions: dict[str, Question] = {}
        relevance: dict[str, tuple[Any, ...]] = {}
        indices: dict[str, Index] = {}
        for qn in versions:
            for qid, question in qn.questions.items():
                if not question.takes_answer:
                    continue
                known = questions.get(qid)
                if known is None:
                    questions[qid] = question
                    relevance[qid] = qn.relevance_rules.get(qid, ())
                elif question.options:
                    extra = tuple(o for o in question.options if o.value not in known.option_set)
                    if extra:
                        questions[qid] = replace(known, options=known.options + extra)
            for index in qn.indices:
                indices.setdefault(index.id, index)
        return cls(versions[0], tuple(questions.values()), tuple(indices.values()), relevance, values)

    @property
    def header(self) -> list[str]:
        names = list(META_COLUMNS)
        for question in self.questions:
            if question.type == "multi":
                names.extend(multi_column(question, option) for option in question.options)
            else:
                names.append(question.id)
        names.extend(index_column(index) for index in self.indices)
        return names

    @functools.cached_property
    def _plan(self) -> list[tuple[str, tuple[Any, ...] | None, bool]]:
        """Per question: its id, its options' values where it is split into columns, and whether
        it is a date, worked out once: the export runs this for every response (a tenth of a
        CSV's time went to looking it up)."""
        return [(q.id, tuple(o.value for o in q.options) if q.type == "multi" else None, q.type == "date")
                for q in self.questions]

    def answer_cells(self, answers: dict[str, Any]) -> list[Cell]:
        """The question columns of one response as codes, in ``header`` order; empty where not
        answered."""
        cells: list[Cell] = []
        append = cells.append
        for qid, options, is_date in self._plan:
            value = answers.get(qid)
            if options is not None:
                # Blank, not 0, when the question was not answered (or not asked): "none chosen"
                # and "not asked" must stay apart, as in Kobo's split columns.
                if isinstance(value, list):
                    chosen = set(value)
                    cells.extend([int(option in chosen) for option in options])
                else:
                    cells.extend([None] * len(options))
            elif is_date and isinstance(value, str):
                append(dt.date.fromisoformat(value))
            else:
                append(value)
        return cells
