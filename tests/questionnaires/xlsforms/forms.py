"""XLSForms as people write them, kept as rows so that they read like the sheets; ``workbook``
makes the .xlsx.  ``python -m tests.questionnaires.xlsforms.forms DIR`` writes them all out to
open in Excel or WPS (or to upload to KoboToolbox).

- ``kobo_household``: KoboToolbox's style (label::Chinese (zh) / label::English (en), $kuid,
  start/end/today/deviceid, groups and a nested group, notes, required with its message,
  relevant, constraint with messages, select_multiple with selected() and count-selected(),
  an integer with a ``.`` constraint, a likert appearance, recordings, a curly quote that Excel
  put into an expression); its hand-written twin is household.yaml;
- ``village_zh``: Chinese only, plain ``label`` and ``hint``, no default language, questions
  outside any group, choices named 1, 2, 3 typed as numbers, required as an Excel TRUE;
- ``odk_arithmetic``: ODK's style with ``label::zh`` and ``label::English``, arithmetic over
  ``${}`` (+ - * div mod, coalesce, a minus sign), ``and``/``or`` and parentheses.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

from openpyxl import Workbook

Rows = list[list[Any]]


def workbook(survey: Rows, choices: Rows | None = None, settings: Rows | None = None, **sheets: Rows) -> bytes:
    """An .xlsx of these sheets (first row: the headers); None cells are left empty."""
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "survey"
    for row in survey:
        first.append(row)
    for name, rows in (("choices", choices), ("settings", settings), *sheets.items()):
        if rows is not None:
            sheet = book.create_sheet(name)
            for row in rows:
                sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


ZH, EN = "label::Chinese (zh)", "label::English (en)"

KOBO_SURVEY: Rows = [
    ["type", "name", ZH, EN, "hint::Chinese (zh)", "hint::English (en)", "required", "required_message::Chinese (zh)",
     "relevant", "constraint", "constraint_message::Chinese (zh)", "constraint_message::English (en)", "appearance",
     "media::audio", "$kuid"],
    ["start", "start", None, None, None, None, None, None, None, None, None, None, None, None, "aB3xk"],
    ["end", "end", None, None, None, None, None, None, None, None, None, None, None, None, "Qq81m"],
    ["today", "today", None, None, None, None, None, None, None, None, None, None, None, None, "p0Lz7"],
    ["deviceid", "deviceid", None, None, None, None, None, None, None, None, None, None, None, None, "Hh2cd"],
    ["begin_group", "basic", "基本情况", "Basic information", None, None, None, None, None, None, None, None, "field-list", None, "t7Yw1"],
    ["note", "welcome", "下面问几个关于您家的问题。", "A few questions about your household.", None, None, None, None, None, None,
     None, None, None, "welcome.mp3", "kK90a"],
    ["select_one yes_no", "lives_alone", "您是一个人住吗？", "Do you live alone?", None, None, "true", "请先回答是不是一个人住",
     None, None, None, None, "horizontal", None, "Zp4Rt"],
    ["integer", "household_size", "您家一共几口人？", "How many people live in your household?", "包括您自己。", "Including you.",
     None, None, "${lives_alone} = 'no'", ". >= 2 and . <= 20", "不是一个人住，至少2口人，最多20口", "At least 2 and at most 20",
     None, None, "uU3e9"],
    ["integer", "elders", "其中60岁及以上的有几位？", "How many of them are 60 or older?", None, None, None, None,
     "${lives_alone} = 'no'", ". >= 0 and . <= ${household_size}", "不能多于家里的总人数", "Not more than the household",
     None, None, "mM5n2"],
    ["end_group", None, None, None, None, None, None, None, None, None, None, None, None, None, "Ee0q1"],
    ["begin_group", "services", "服务需求", "Service needs", None, None, None, None,
     "${lives_alone} = \u2018yes\u2019 or ${elders} > 0", None, None, None, None, None, "Gg6h3"],
    ["select_multiple needs", "needs", "您家需要哪些帮助？", "Which help does your household need?", "可以选多个。",
     "More than one may apply.", None, None, None, "not(selected(., 'none') and count-selected(.) > 1)",
     "选了“都不需要”，就不能再选别的。", "\"None\" cannot go with other answers.", "minimal", None, "Jj7k4"],
    ["begin_group", "care", "照料", "Care", None, None, None, None, "selected(${needs}, 'care')", None, None, None, None,
     None, "Ll8m5"],
    ["select_one freq", "care_freq", "多久需要一次照料？", "How often is care needed?", None, None, "yes", None, None, None,
     None, None, None, None, "Nn9p6"],
    ["text", "care_who", "现在主要是谁在照顾？", "Who mainly gives care now?", "不要写名字，写关系，比如“儿子”。",
     "No names: write the relation, e.g. \"son\".", None, None, None, "string-length(.) <= 50", None, None, "multiline",
     None, "Rr0s7"],
    ["end_group", None, None, None, None, None, None, None, None, None, None, None, None, None, "Ss1t8"],
    ["select_one agree", "trust_sw", "有困难时，我愿意找社工帮忙。", "When in difficulty, I would ask a social worker.",
     None, None, None, None, None, None, None, None, "likert", "trust_sw.mp3", "Uu2v9"],
    ["end_group", None, None, None, None, None, None, None, None, None, None, None, None, None, "Vv3w0"],
    ["date", "visit_date", "访问日期", "Date of the visit", None, None, "yes", None, None, ". >= date('2024-01-01')",
     "日期不能早于2024年", "Not before 2024", None, None, "Ww4x1"],
    ["note", "thanks_note", "谢谢您愿意找社工！", "Thank you for trusting social workers!", None, None, None, None,
     "${trust_sw} >= 4", None, None, None, None, None, "Xx5y2"],
]
KOBO_CHOICES: Rows = [
    ["list_name", "name", ZH, EN],
    ["yes_no", "yes", "是", "Yes"], ["yes_no", "no", "否", "No"],
    ["needs", "care", "照料", "Care"], ["needs", "medical", "看病", "Medical care"],
    ["needs", "money", "生活困难", "Money"], ["needs", "none", "都不需要", "None"],
    ["freq", "daily", "每天", "Every day"], ["freq", "weekly", "每周", "Every week"],
    ["freq", "monthly", "每月", "Every month"],
    ["agree", 1, "很不同意", "Strongly disagree"], ["agree", 2, "不同意", "Disagree"],
    ["agree", 3, "说不清", "Not sure"], ["agree", 4, "同意", "Agree"], ["agree", 5, "很同意", "Strongly agree"],
]
KOBO_SETTINGS: Rows = [
    ["form_title", "form_id", "version", "default_language", "style"],
    ["家庭情况调查", "household", "vH7mUo2KcQ", "Chinese (zh)", "pages"],
]

VILLAGE_SURVEY: Rows = [
    ["type", "name", "label", "hint", "required", "relevant", "constraint", "constraint_message"],
    ["select one role", "role", "您在村里做什么工作？", None, True, None, None, None],
    ["integer", "years", "您做这个工作几年了？", "不满一年写0。", None, None, ". >= 0 and . < 50", "年数要在0到49之间"],
    ["select_one often", "meet_sw", "您多久和社工见一次面？", None, None, "${role} != 3", None, None],
    ["text", "why_not", "为什么很少见面？", None, None, "${meet_sw} = 3 or ${role} = 3", None, None],
]
VILLAGE_CHOICES: Rows = [
    ["list_name", "name", "label"],
    ["role", 1, "村支书或村主任"], ["role", 2, "村委委员"], ["role", 3, "其他"],
    ["often", 1, "每周"], ["often", 2, "每月"], ["often", 3, "很少"],
]
VILLAGE_SETTINGS: Rows = [["form_id", "form_title"], ["village_zh", "村干部问卷"]]

ODK_SURVEY: Rows = [
    ["type", "name", "label::zh", "label::English", "relevant", "constraint", "constraint_message::zh"],
    ["begin group", "people", "家里的人", "People", None, None, None],
    ["integer", "adults", "18岁以上的有几位？", "Adults?", None, ". >= 1", "至少1位"],
    ["integer", "children", "18岁以下的有几位？", "Children?", None, ".>=0 and .<=15", None],
    ["integer", "elders", "其中60岁以上的有几位？", "Elders?", None, "0 <= . and . <= ${adults}", None],
    ["integer", "total", "一共几口人？", "In all?", None, ". = ${adults} + ${children}", "要等于大人加孩子"],
    ["end group", None, None, None, None, None, None],
    ["begin group", "money", "收入", "Income", "${total} > 0", None, None],
    ["decimal", "income", "去年全家收入多少元？", "Household income last year (yuan)?", None, ". >= 0", None],
    ["select_one yes_no", "low_income", "是不是低保户？", "Receiving dibao?", "${income} div ${total} < 4000", None, None],
    ["decimal", "dibao", "每月低保多少元？", "Monthly dibao (yuan)?", "${low_income} = 'yes'",
     ". <= ${income} * 0.5 div 12 and . mod 10 = 0", "低保是10元的整数倍，不超过收入的一半"],
    ["note", "many_dependants", "家里要照顾的人多。", "Many dependants.", "(${children} + coalesce(${elders}, 0)) div ${adults} > 1", None,
     None],
    ["integer", "debt", "欠债多少元？", "Debt (yuan)?", "-${income} < 0 or ${total} - ${adults} * 2 >= 1", None, None],
    ["end group", None, None, None, None, None, None],
]
ODK_CHOICES: Rows = [["list_name", "name", "label::zh", "label::English"], ["yes_no", "yes", "是", "Yes"], ["yes_no", "no", "不是", "No"]]
ODK_SETTINGS: Rows = [["form_id", "form_title", "default_language"], ["odk_household", "家庭经济情况", "zh"]]

FORMS = {
    "kobo_household": (KOBO_SURVEY, KOBO_CHOICES, KOBO_SETTINGS),
    "village_zh": (VILLAGE_SURVEY, VILLAGE_CHOICES, VILLAGE_SETTINGS),
    "odk_arithmetic": (ODK_SURVEY, ODK_CHOICES, ODK_SETTINGS),
}


def form(name: str) -> bytes:
    return workbook(*FORMS[name])


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    for name in FORMS:
        (folder / f"{name}.xlsx").write_bytes(form(name))
        print(folder / f"{name}.xlsx")
