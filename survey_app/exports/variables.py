"""The variables of an SPSS (.sav) or Stata (.dta) file: a name valid in the format, a variable
label, and for a coded answer its numbers and their value labels.  Pure: no Flask, no database.

Values stay the codes export's, made numeric where the formats need numbers to carry value
labels: a single-choice answer is its option value when every option value is a whole number,
otherwise the option's place in the list (1..n, the codebook gives the mapping); the wave is
1 前测 / 2 后测; excluded 0 否 / 1 是; a multiple-choice option 0 未选 / 1 选中.  What the formats
cannot hold is shortened on a character boundary, ending in "…", and the codebook says so:
SPSS keeps 255 bytes of a variable label and 120 of a value label (UTF-8, three bytes a Chinese
character: 85 and 40 characters), Stata 80 characters of a variable label.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from ..questionnaires.model import Question, Text
from .cells import Cell
from .columns import META_COLUMNS, PLACE_NAMES, Layout, index_column, multi_column
from .headers import META_HEADERS, index_header, option_header, plain, variable_label
from .labelled import NO_YES, WAVES

#: multiple choice: 0, 1
NOT_CHOSEN_CHOSEN = (Text("未选", "Not chosen"), Text("选中", "Chosen"))
#: the codes of the wave column
WAVE_CODES = {"pre": 1, "post": 2}
#: an option value taken as its own code: a whole number written as one (not ``01``), within
#: what Stata's value labels take (±2,147,483,620)
_WHOLE = re.compile(r"^(0|-?[1-9][0-9]{0,8})$")
ELLIPSIS = "…"

#: SPSS's reserved words (a variable may not be called so, in any case)
SPSS_RESERVED = frozenset(["all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"])
#: Stata's reserved names (``str1`` … ``str2045`` are matched below)
STATA_RESERVED = frozenset([
    "_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n", "_pi", "_pred", "_rc",
    "_skip", "strl", "using", "with",
])
_STATA_STR = re.compile(r"^str[0-9]+$")


@dataclass(frozen=True)
class Rules:
    """What one format allows."""

    fmt: str
    #: longest variable name (ASCII here, so bytes and characters agree)
    name_length: int
    #: longest variable label, counted in ``label_unit``
    label_length: int
    label_unit: str
    #: longest value label, in UTF-8 bytes
    value_label_bytes: int
    reserved: frozenset[str]

    def is_reserved(self, name: str) -> bool:
        lower = name.lower()
        return lower in self.reserved or (self.fmt == "dta" and bool(_STATA_STR.match(lower)))


SAV = Rules("sav", 64, 255, "bytes", 120, SPSS_RESERVED)
DTA = Rules("dta", 32, 80, "characters", 32_000, STATA_RESERVED)
RULES = {"sav": SAV, "dta": DTA}


def fit(text: str, limit: int, unit: str = "bytes") -> tuple[str, bool]:
    """``text`` within ``limit`` (UTF-8 bytes, or characters), cut on a character boundary and
    ending in "…" when it had to be cut; and whether it was."""
    if unit == "bytes":
        if len(text.encode()) <= limit:
            return text, False
        # decoding drops a character cut in half
        cut = text.encode()[: limit - len(ELLIPSIS.encode())].decode("utf-8", "ignore")
    else:
        if len(text) <= limit:
            return text, False
        cut = text[: limit - len(ELLIPSIS)]
    return cut + ELLIPSIS, True


def valid_name(column: str, rules: Rules) -> str:
    """A codes column's name made valid in the format, before names are made unique: letters,
    digits and ``_`` (``household/lives_alone`` -> ``household_lives_alone``), a letter first,
    not a reserved word, within the length."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", column)
    if not name[:1].isalpha():
        name = "v" + name
    if rules.is_reserved(name):
        name = "v_" + name
    return name[: rules.name_length]


def unique_names(columns: list[str], rules: Rules) -> list[str]:
    """Valid and unique names, compared without case (SPSS ignores it), in order: a name already
    taken gets ``_2``, ``_3``, … within the length."""
    taken: set[str] = set()
    out = []
    for column in columns:
        base = valid_name(column, rules)
        name, n = base, 2
        while name.lower() in taken:
            suffix = f"_{n}"
            name, n = base[: rules.name_length - len(suffix)] + suffix, n + 1
        taken.add(name.lower())
        out.append(name)
    return out


def option_codes(question: Question) -> tuple[dict[str, int], bool]:
    """A single-choice question's numbers: its option values themselves when they are all whole
    numbers (True), else 1..n in the options' order (False)."""
    values = [o.value for o in question.options]
    if values and all(_WHOLE.match(v) for v in values):
        return {v: int(v) for v in values}, True
    return {v: n for n, v in enumerate(values, start=1)}, False


@dataclass(frozen=True)
class Variable:
    """One variable of the file, from one column of the codes export (or a place's name)."""

    #: the column it comes from: the codes export's name, or one of ``columns.PLACE_NAMES``
    column: str
    name: str
    label: str
    #: string | number | coded (a code mapped to a number) | date | datetime
    kind: str
    #: for ``coded``: each code's number
    codes: dict[str, int] | None = None
    value_labels: dict[int, str] = field(default_factory=dict)
    #: SPSS's level of measurement
    measure: str = "nominal"
    #: decimals shown (the value itself is kept whole); None: the format's default
    decimals: int | None = None
    #: what the codebook should say of it (a label cut, codes 1..n)
    notes: tuple[str, ...] = ()
    #: where its value is in a row of the codes export followed by the places' names (``row_of``)
    position: int = -1


def variables(layout: Layout, lang: str, fmt: str) -> list[Variable]:
    """The file's variables in order: the fields, each place's name after its code, the
    questions, the indices."""
    rules = RULES[fmt]
    drafts = list(_drafts(layout, lang))
    out = []
    for name, draft in zip(unique_names([d.column for d in drafts], rules), drafts, strict=True):
        label, cut = fit(draft.label, rules.label_length, rules.label_unit)
        notes = draft.notes
        if cut:
            notes += (f"变量标签截短为 {rules.label_length} {'字节' if rules.label_unit == 'bytes' else '字'}"
                      f" (label shortened to {rules.label_length} {rules.label_unit})",)
        fitted = {code: fit(text, rules.value_label_bytes) for code, text in draft.value_labels.items()}
        if any(cut for _text, cut in fitted.values()):
            notes += (f"值标签截短为 {rules.value_label_bytes} 字节 (value labels shortened to {rules.value_label_bytes} bytes)",)
        out.append(replace(draft, name=name, label=label, notes=notes,
                           value_labels={code: text for code, (text, _cut) in fitted.items()}))
    return out


def row_of(codes_cells: list[Cell], place_names: Sequence[Cell]) -> list[Cell]:
    """What a variable's ``position`` points into: the codes export's row, then the places'
    names (``columns.PLACE_NAMES``)."""
    return codes_cells + list(place_names)


def _drafts(layout: Layout, lang: str) -> Iterator[Variable]:
    """The variables named as their columns, their labels whole, in the file's order."""
    names_of = {name.removesuffix("_name"): (n, name) for n, (name, _zh, _en) in enumerate(PLACE_NAMES)}
    width = len(layout.header)
    for position, column in enumerate(META_COLUMNS):
        yield replace(_meta(column, lang), position=position)
        if column in names_of:
            n, name = names_of[column]
            yield replace(_meta(name, lang), position=width + n)
    answers = [*(v for q in layout.questions for v in _question(q, lang)),
               *(Variable(index_column(i), "", index_header(i, lang), "number", measure="scale", decimals=1)
                 for i in layout.indices)]
    for position, variable in enumerate(answers, start=len(META_COLUMNS)):
        yield replace(variable, position=position)


def _meta(column: str, lang: str) -> Variable:
    label = META_HEADERS[column].get(lang)
    if column == "wave":
        return Variable(column, "", label, "coded", codes=dict(WAVE_CODES), decimals=0,
                        value_labels={n: WAVES[code].get(lang) for code, n in WAVE_CODES.items()})
    if column == "excluded":
        return Variable(column, "", label, "number", value_labels={n: t.get(lang) for n, t in enumerate(NO_YES)}, decimals=0)
    if column in ("version", "round"):
        return Variable(column, "", label, "number", measure="ordinal", decimals=0)
    if column.endswith("_at"):
        return Variable(column, "", label, "datetime", measure="scale")
    return Variable(column, "", label, "string")


def _question(question: Question, lang: str) -> Iterator[Variable]:
    label = variable_label(question, lang)
    if question.type == "multi":
        chosen = {n: t.get(lang) for n, t in enumerate(NOT_CHOSEN_CHOSEN)}
        for option in question.options:
            yield Variable(multi_column(question, option), "", option_header(question, option, lang), "number",
                           value_labels=chosen, decimals=0)
    elif question.type == "single":
        codes, natural = option_codes(question)
        notes = () if natural else ("选项按顺序编为 1..n，见 sav_dta_value (options numbered 1..n in order: see sav_dta_value)",)
        yield Variable(question.id, "", label, "coded", codes=codes, decimals=0, notes=notes,
                       value_labels={codes[o.value]: plain(o.label.get(lang)) for o in question.options})
    elif question.type == "likert" and question.scale is not None:
        scale = question.scale
        yield Variable(question.id, "", label, "number", measure="ordinal", decimals=0, value_labels={
            p: plain(t.get(lang)) for p in scale.points if (t := scale.label_for(p)) is not None})
    elif question.type == "number":
        yield Variable(question.id, "", label, "number", measure="scale", decimals=0 if question.integer else None)
    elif question.type == "date":
        yield Variable(question.id, "", label, "date", measure="scale")
    else:
        yield Variable(question.id, "", label, "string")
