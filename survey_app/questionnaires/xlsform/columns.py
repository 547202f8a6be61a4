"""The XLSForm vocabulary this converter reads and writes: types, columns, appearances, and what
it says about those it cannot carry.  Shared by the reader and the writer, so the two agree."""
from __future__ import annotations

import re

from pyxform.question import MultipleChoiceQuestion

ZH, EN = "Chinese (zh)", "English (en)"
LANGUAGES = {"zh": ZH, "en": EN}
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
OPTION_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
ID_RULE = "只能用小写英文字母、数字和下划线（_），以字母开头，最多 63 个字符"

#: XLSForm types -> (our type, extra keys)
QUESTION_TYPES: dict[str, tuple[str, dict[str, object]]] = {
    "integer": ("number", {"integer": True}), "int": ("number", {"integer": True}),
    "decimal": ("number", {}), "text": ("text", {}), "string": ("text", {}),
    "date": ("date", {}), "note": ("note", {}),
}
#: what the tablet records of every interview anyway: carried, not converted
CARRIED_META = {"start": "开始时间", "end": "结束时间", "today": "调查日期", "deviceid": "设备编号",
                "imei": "设备编号", "username": "登录的社工"}
#: types we refuse, with the reason
REFUSED_TYPES = {
    "calculate": "本系统没有计算题（calculate）", "hidden": "本系统没有隐藏题（hidden）",
    "geopoint": "本系统不记录位置（GPS）", "geotrace": "本系统不记录位置（GPS）", "geoshape": "本系统不记录位置（GPS）",
    "start-geopoint": "本系统不记录位置（GPS）",
    "image": "本系统不收照片", "photo": "本系统不收照片", "audio": "本系统不收录音答案", "video": "本系统不收视频",
    "file": "本系统不收文件", "background-audio": "本系统不在后台录音", "background-video": "本系统不在后台录像",
    "barcode": "本系统没有扫码题", "acknowledge": "本系统没有确认题（acknowledge）：可改成是/否的 select_one",
    "trigger": "本系统没有确认题（trigger）：可改成是/否的 select_one",
    "range": "本系统没有滑块题（range）：可改成 integer，范围写在 constraint 里",
    "rank": "本系统没有排序题（rank）",
    "time": "本系统只有日期题（date），没有时间题", "datetime": "本系统只有日期题（date），没有时间题",
    "dateTime": "本系统只有日期题（date），没有时间题",
    "phonenumber": "本系统不记录电话号码（个人信息）", "simserial": "本系统不记录 SIM 卡号（个人信息）",
    "subscriberid": "本系统不记录 SIM 卡号（个人信息）", "email": "本系统不记录邮箱（个人信息）",
    "audit": "本系统不记录审计日志（audit）", "xml-external": "本系统不读外部数据文件", "csv-external": "本系统不读外部数据文件",
    "select_one_external": "本系统不从外部文件读选项：选项要写在 choices 表里", "osm": "本系统不支持地图（OSM）题",
}
REPEAT_WORDS = frozenset({"repeat", "looped group", "lgroup", "loop"})
REPEAT_REASON = "本系统没有重复组（repeat）：每份问卷的每道题只答一次。可以把要重复的题按次数写成几道题"

#: appearances that only change how a question looks: read quietly
VISUAL_APPEARANCES = frozenset({
    "minimal", "horizontal", "horizontal-compact", "compact", "quick", "quickcompact", "columns", "columns-pack",
    "no-buttons", "label", "list-nolabel", "list", "autocomplete", "field-list", "table-list", "numbers",
    "thousands-sep", "no-calendar", "counter", "likert", "multiline", "ethiopian", "coptic", "islamic",
    "bikram-sambat", "myanmar", "persian", "hidden-answer", "no-ticks",
})
VISUAL_PATTERN = re.compile(r"^(columns-\d+|compact-\d+|w\d+)$")

#: survey columns we read (pyxform's tokens; a language may follow the translatable ones)
TRANSLATED = {("label",): "label", ("hint",): "hint", ("bind", "jr:constraintMsg"): "constraint_message",
              ("bind", "jr:requiredMsg"): "required_message", ("short_label",): "short"}
AUDIO = ("media", "audio")
PLAIN = frozenset({("type",), ("name",), ("bind", "required"), ("bind", "relevant"), ("bind", "constraint"),
                   ("control", "appearance"), ("control", "rows"), ("sanqu",)})
#: columns that pyxform reads but we cannot carry, with what to say
REFUSED_COLUMNS = {
    "default": "本系统不支持默认答案（default）：请删掉这一格",
    "choice_filter": "本系统不支持按条件筛选选项（choice_filter）",
    "calculate": "本系统不支持计算（calculation）",
    "readonly": "本系统没有只读题（read_only）",
    "trigger": "本系统不支持 trigger",
    "parameters": "本系统不支持 parameters",
    "guidance_hint": "本系统不支持 guidance_hint：请把这段话写进 hint",
    "image": "本系统只支持录音（media::audio），不支持图片", "big-image": "本系统只支持录音（media::audio），不支持图片",
    "video": "本系统只支持录音（media::audio），不支持视频",
}
#: the columns pyxform knows on the survey sheet (others it ignores, and so do we, saying so)
PYXFORM_COLUMNS = frozenset(MultipleChoiceQuestion.get_slot_names())
OUR_COLUMNS = frozenset({"short_label", "sanqu"})

#: keys of our own ``sanqu`` column (what XLSForm has no column for), by question type
EXTRAS = {"number": {"min", "max", "unit", "integer"}, "date": {"min", "max"}, "text": {"max_length", "multiline"},
          "likert": {"scale"}}
EXTRAS_ANY = frozenset({"hint_audience", "required"})
#: keys whose default (false) a file may still write out: kept so that the round trip is exact
EXPLICIT_DEFAULTS = ("required", "integer", "multiline")
#: keys of the ``sanqu`` sheet: the questionnaire's own keys that XLSForm has no place for
SANQU_KEYS = ("title", "description", "wave", "respondent_code", "consent", "greeting", "thanks",
              "scales", "indices", "compare")


def point_labels(scale: dict[str, object]) -> list[dict[str, str]]:
    """The words of each point of a likert scale as the export writes them into the choices: its
    labels, or its two end labels and the middle points' numbers, or only numbers."""
    low, high = int(scale["min"]), int(scale["max"])  # type: ignore[call-overload]
    labels = scale.get("labels") or []
    assert isinstance(labels, list)
    points = range(low, high + 1)
    out = []
    for i, point in enumerate(points):
        if len(labels) == len(points):
            out.append(labels[i])
        elif len(labels) == 2 and point in (low, high):
            out.append(labels[0] if point == low else labels[1])
        else:
            out.append({"zh": str(point), "en": str(point)})
    return out


def yes_no(value: str | None) -> bool | None:
    """XLSForm's yes and no (yes, true, TRUE(), 1 ...); None for anything else."""
    word = (value or "").strip().lower()
    if word in ("yes", "true", "true()", "1", "y", "是"):
        return True
    if word in ("", "no", "false", "false()", "0", "n", "否"):
        return False
    return None
