"""The fields of a submission around its answers: parsed and checked, without the database."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any

from ..bounds import CST, bad_text_paths, in_window
from .schema import shape_errors

#: (CST, China Standard Time: a tablet that sends a time without an offset is taken to be local.)

KNOWN_FIELDS = frozenset(
    {"uuid", "questionnaire", "version", "county", "site", "team", "wave", "respondent_code",
     "started_at", "completed_at", "answers", "device_id"}
)
_LONG_FRACTION = re.compile(r"(\.[0-9]{6})[0-9]+")
_LEAP_SECOND = re.compile(r"(?<=T[0-9]{2}:[0-9]{2}):60")
RESPONDENT_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,63}$")

MESSAGES = {
    "required": {"zh": "必填", "en": "required"},
    "uuid": {"zh": "应为 UUID，如 3f1c…", "en": "must be a UUID"},
    "text": {"zh": "应为文字", "en": "must be a string"},
    "integer": {"zh": "应为正整数", "en": "must be a positive integer"},
    "wave": {"zh": "应为 pre（前测）或 post（后测）", "en": "must be 'pre' or 'post'"},
    "no_wave": {"zh": "本问卷不分前测后测，不应填写", "en": "this questionnaire has no waves; leave it out"},
    "code": {"zh": "受访者编码只能含字母、数字、- 和 _，最多 64 个字符", "en": "letters, digits, - and _ only, at most 64 characters"},
    "no_code": {"zh": "本问卷不使用受访者编码，不应填写", "en": "this questionnaire takes no respondent code; leave it out"},
    "datetime": {"zh": "应为 ISO 8601 时间，如 2026-05-01T09:00:00+08:00", "en": "must be an ISO 8601 date-time"},
    "time_window": {"zh": "时间应在 2013-01-01 到服务器当前时间之后一天之间：请检查平板的日期和时间",
                    "en": "must be between 2013-01-01 and a day past the server's clock: check the tablet's date and time"},
    "bad_text": {"zh": "含有不能保存的字符（NUL 或不成对的代理字符）",
                 "en": "contains a character that cannot be stored (NUL or a lone surrogate)"},
    "order": {"zh": "开始时间晚于完成时间", "en": "started_at is after completed_at"},
    "object": {"zh": "应为以题号为键的对象", "en": "must be an object keyed by question id"},
    "unknown_field": {"zh": "未知字段", "en": "unknown field"},
    "unknown_questionnaire": {"zh": "没有这份问卷", "en": "no such questionnaire"},
    "unknown_version": {"zh": "没有这个问卷版本", "en": "no such version of this questionnaire"},
    "unknown_county": {"zh": "没有这个县代码", "en": "no such county code"},
    "unknown_site": {"zh": "该县没有这个村/社区代码", "en": "no such site in this county"},
    "unknown_team": {"zh": "该县没有这个工作队代码", "en": "no such team in this county"},
    # a warning, not an error: the response is stored and flagged (数据质量：编码重复)
    "code_reused": {"zh": "这个受访者编码在本县本测次已经有问卷：两份都已保存，标记为“编码重复”，请核对是不是同一位居民",
                    "en": "this respondent code already has a response in this county and wave: both are kept and "
                          "flagged as a duplicate code for review"},
}


def message(code: str, lang: str = "zh") -> str:
    return MESSAGES[code].get(lang) or MESSAGES[code]["zh"]


@dataclass
class Envelope:
    uuid: str = ""
    questionnaire: str = ""
    version: int = 0
    county: str = ""
    site: str | None = None
    team: str | None = None
    wave: str | None = None
    respondent_code: str | None = None
    started_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    #: the tablet's own id (a UUID it made once), for sync receipts
    device_id: str | None = None
    #: field -> message codes
    errors: dict[str, list[str]] = field(default_factory=dict)

    def fail(self, key: str, code: str) -> None:
        self.errors.setdefault(key, []).append(code)


def content_hash(payload: dict[str, Any]) -> str:
    """Identity of a submission's content: a retry of the same JSON gives the same hash."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse_uuid(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return str(uuidlib.UUID(value))
    except ValueError:
        return None


def parse_datetime(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    # all of RFC 3339, which the published schema promises: lower-case t and z, more than six
    # digits of a second, a leap second (taken as the second before)
    text = _LEAP_SECOND.sub(":59", _LONG_FRACTION.sub(r"\1", value.upper()))
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CST)
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01T00:00+08:00 is before year 1 in UTC: a time, but far outside
        return (dt.datetime.min if parsed.year < 5000 else dt.datetime.max).replace(tzinfo=dt.UTC)


def text_errors(payload: dict[str, Any]) -> dict[str, list[str]]:
    """Fields (an answer by its question id) holding text no database can store, as message codes."""
    out: dict[str, list[str]] = {}
    for path in bad_text_paths(payload):
        head, _, rest = path.partition(".")
        out.setdefault(rest.split(".")[0] if head == "answers" and rest else head, ["bad_text"])
    return out


def parse_envelope(payload: dict[str, Any]) -> Envelope:
    """Parse everything but the answers' content; wave and code rules come from the
    questionnaire and are applied by ``apply_questionnaire_rules``."""
    env = Envelope()
    for key in payload:
        if key not in KNOWN_FIELDS:
            env.fail(str(key), "unknown_field")

    uid = payload.get("uuid")
    if uid is None:
        env.fail("uuid", "required")
    elif (parsed_uuid := parse_uuid(uid)) is None:
        env.fail("uuid", "uuid")
    else:
        env.uuid = parsed_uuid

    for key in ("questionnaire", "county"):
        value = payload.get(key)
        if value is None or value == "":
            env.fail(key, "required")
        elif not isinstance(value, str):
            env.fail(key, "text")
        else:
            setattr(env, key, value.strip())

    version = payload.get("version")
    if isinstance(version, float) and version.is_integer():
        version = int(version)  # 1.0 is an integer to JSON Schema, as published
    if version is None:
        env.fail("version", "required")
    elif not isinstance(version, int) or isinstance(version, bool) or not 1 <= version < 2**31:
        env.fail("version", "integer")
    else:
        env.version = version

    for key in ("site", "team"):
        value = payload.get(key)
        if value in (None, ""):
            continue
        if not isinstance(value, str):
            env.fail(key, "text")
        else:
            setattr(env, key, value.strip())

    wave = payload.get("wave")
    if wave not in (None, ""):
        if wave not in ("pre", "post"):
            env.fail("wave", "wave")
        else:
            env.wave = wave

    code = payload.get("respondent_code")
    if code not in (None, ""):
        if not isinstance(code, str):
            env.fail("respondent_code", "text")
        else:
            # Codes are compared for pairing; case and stray spaces must not break a pair.
            normalised = code.strip().upper()
            if not RESPONDENT_CODE.match(normalised):
                env.fail("respondent_code", "code")
            else:
                env.respondent_code = normalised

    for key in ("started_at", "completed_at"):
        value = payload.get(key)
        if value in (None, ""):
            if key == "completed_at":
                env.fail(key, "required")
            continue
        parsed_dt = parse_datetime(value)
        if parsed_dt is None:
            env.fail(key, "datetime")
        elif not in_window(parsed_dt):
            env.fail(key, "time_window")
        else:
            setattr(env, key, parsed_dt)
    if env.started_at and env.completed_at and env.started_at > env.completed_at:
        env.fail("started_at", "order")

    device = payload.get("device_id")
    if device not in (None, ""):
        if (parsed_device := parse_uuid(device)) is None:
            env.fail("device_id", "uuid")
        else:
            env.device_id = parsed_device

    answers = payload.get("answers")
    if answers is None:
        env.fail("answers", "required")
    elif not isinstance(answers, dict):
        env.fail("answers", "object")
    else:
        env.answers = answers
    # whatever the published schema refuses is refused too, even where the checks above are laxer
    for key, code in shape_errors(payload, "submission").items():
        if key not in env.errors:
            env.fail(key, code)
    return env


def apply_questionnaire_rules(env: Envelope, wave_rule: str, code_rule: str) -> None:
    """Check wave and respondent code against what the questionnaire asks for."""
    if wave_rule == "required" and env.wave is None and "wave" not in env.errors:
        env.fail("wave", "required")
    if wave_rule == "none" and env.wave is not None:
        env.fail("wave", "no_wave")
    if code_rule == "required" and env.respondent_code is None and "respondent_code" not in env.errors:
        env.fail("respondent_code", "required")
    if code_rule == "none" and env.respondent_code is not None:
        env.fail("respondent_code", "no_code")
