"""The collection pages.  Without JavaScript the whole questionnaire is one page that posts to
the server (validation and skip logic there, through the one submission service); the script
in static/js/collect.js turns the same page into one section a screen that works offline."""
from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from typing import Any

from flask import abort, redirect, render_template, request, session, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required
from sqlalchemy import select

from ..audio.prompts import consent_paragraphs, greeting, thanks
from ..auth.places import pickable_places
from ..auth.scope import Scope
from ..bounds import CST, bounded_int
from ..database import DriverConnection
from ..extensions import db
from ..instruments import offer_refusal, offered_versions, version_ref
from ..models import County, Questionnaire, Response, Site
from ..questionnaires import Definition, validate_answers
from ..questionnaires.client import client_rules
from ..submissions.refusals import record_refusal
from ..submissions.service import submit
from . import bp
from .forms import CollectForm, answers_from_form, build_form

SETUP_KEY = "collect_setup"
CODE_MISMATCH = lazy_gettext("两次输入的编码不一样，请核对")
CONSENT_NEEDED = lazy_gettext("请先询问是否同意参加")
#: the same, addressed to the villager who holds the tablet (kiosk mode)
CONSENT_NEEDED_KIOSK = lazy_gettext("请选择您是否愿意参加")
#: why a new interview on this questionnaire is not offered (instruments.offer_refusal)
REFUSALS = {
    410: lazy_gettext("这个问卷版本已停用，不能开始新的访问。平板上已经开始的问卷照常同步。"),
    403: lazy_gettext("这份问卷没有分配给你的工作队。"),
}
ALREADY_SAVED = lazy_gettext("这份问卷已经保存过，内容与这次不同：这次的修改没有保存。请开始新的访问。")


def page_texts() -> dict[str, str]:
    """What the page's script says, in the reader's language (Flask-Babel; the server's
    validation messages come with the rules)."""
    return {
        "required": gettext("必填"),
        # the server refuses times before 2013 or past its own clock: a wrong clock would strand answers
        "clock_past": gettext("平板的日期不对（现在是 {date}）：请先在平板的设置里把日期和时间改对，再开始访问。"),
        "clock_ahead": gettext("平板的时间比服务器快了约 {hours} 小时：请先在平板的设置里把日期和时间改对，再开始访问。"),
        "code": gettext("编码只能含字母、数字、- 和 _"),
        "mismatch": str(CODE_MISMATCH),
        "consent_needed": str(CONSENT_NEEDED),
        "consent_needed_kiosk": str(CONSENT_NEEDED_KIOSK),
        # the progress bar in words: "第 3 页，共 6 页"
        "page_of": gettext("第 {n} 页，共 {total} 页"),
        "thanks": gettext("已完成。谢谢您！"),
        "refused": gettext("谢谢您。没有记录任何回答。"),
        "queued": gettext("已保存在本机，有网络时自动上传。"),
        "saved": gettext("已上传到服务器。"),
        "resume": gettext("继续填写"),
        "storage_full": gettext("本机存储空间快满了：请尽快联网上传，或导出待上传数据。"),
        "storage_not_persistent": gettext("浏览器没有答应长期保存本机数据：请尽快联网上传，不要清除浏览器数据。"),
        "pin_rule": gettext("密码应为 4-8 位数字"),
        "pin_prompt": gettext("请输入退出密码"),
        "pin_wrong": gettext("密码不对，请再试一次"),
        "pin_handback": gettext("都填完了。请把平板交还给社工。"),
        "pin_staff": gettext("社工：输入密码回到设置页"),
        # kiosk mode: the queue of respondents the social worker handed over
        "queue_empty": gettext("还没有排队的受访者。"),
        "queue_need_code": gettext("请先选、输入或生成一个受访者编码"),
        "queue_duplicate": gettext("这个编码已经在排队了"),
        "queue_remove": gettext("移出"),
        "abandoned": gettext("自助模式中途停下"),
        "logout_pending": gettext("本机还有问卷没有上传。退出后要重新登录才能上传。确定退出吗？"),
        # respondent codes and the follow-up list (回访名单); {name} is filled in by the script
        "code_used_here": gettext("编码 {code} 在本机本测次已经用过（{date}）。同一个编码只能用于同一位居民。"),
        "code_known_pre": gettext("编码 {code} 在服务器上已经有本县的前测（{date}）。同一个编码只能用于同一位居民。"),
        "code_known_post": gettext("编码 {code} 已经回访过（服务器上已有后测）。同一个编码只能用于同一位居民。"),
        "code_not_on_village_list": gettext("编码 {code} 不在本村的回访名单上。是新受访者（只有后测），还是输错了？"),
        "code_not_on_county_list": gettext("编码 {code} 不在本县的回访名单上。是新受访者（只有后测），还是输错了？"),
        "code_on_other_list": gettext("（这个编码在 {place} 的名单上。）"),
        "fu_count": gettext("本村前测 {n} 人：已回访 {followed}，待回访 {to_see}，其他 {other}"),
        "fu_none": gettext("名单上本村没有前测过的居民。"),
        "fu_pick_village": gettext("先选村 / 社区，这里就列出本村前测过的居民。"),
        "fu_updated": gettext("名单更新于 {time}"),
        "fu_days_ago": gettext("（{days} 天前）"),
        "fu_missing": gettext("本机还没有回访名单。请在有信号的地方打开一次这一页，名单会自动下载。"),
        "fu_no_match": gettext("名单上没有含“{q}”的编码。"),
        "fu_baseline": gettext("前测 {date}"),
        "fu_to_see": gettext("待回访"),
        "fu_followed": gettext("已回访 ✓"),
        "fu_moved": gettext("搬走"),
        "fu_deceased": gettext("去世"),
        "fu_not_found": gettext("找不到"),
    }


@bp.get("/")
@login_required
def index():
    return render_template("collect/index.html", questionnaires=offered_versions(db.session, Scope.of(current_user)))


def language() -> str:
    from .. import _select_locale

    return _select_locale()


def _places(scope: Scope) -> tuple[list[tuple[str, str]], list[tuple[str, str]], dict[str, list[tuple[str, str]]]]:
    """Counties and sites this user may collect in: (county choices, site choices, sites by county)."""
    picks = pickable_places(db.session, scope, all_sites=True, active_only=True)
    counties = [code for code, _name in picks.county]
    by_county: dict[str, list[tuple[str, str]]] = {}
    for code, name in picks.site:
        if picks.site_county[code] in counties:
            by_county.setdefault(picks.site_county[code], []).append((code, name))
    all_sites = [pair for code in counties for pair in by_county.get(code, [])]
    return [(code, f"{name}（{code}）") for code, name in picks.county], all_sites, by_county


def _version(qid: str) -> tuple[int, Definition]:
    questionnaire = db.session.get(Questionnaire, qid)
    if questionnaire is None:
        abort(404)
    asked = request.args.get("version")
    wanted = questionnaire.current_version if asked in (None, "") else bounded_int(asked)
    if wanted is None:
        abort(404, description=gettext("没有这个问卷版本。"))
    with DriverConnection(db.engine) as driver:
        ref = version_ref(driver, qid, wanted)
    if ref is None:
        abort(404)
    refused = offer_refusal(db.session, Scope.of(current_user), qid, ref.id)
    if refused is not None and request.method == "GET":
        # a new interview is not offered; a form posted from a page opened before stays accepted
        abort(refused, description=REFUSALS[refused])
    return wanted, ref.questionnaire


@bp.route("/<qid>", methods=["GET", "POST"])
@login_required
def form(qid: str):
    version, qn = _version(qid)
    lang = language()
    scope = Scope.of(current_user)
    counties, sites, sites_by_county = _places(scope)
    if request.method == "GET":
        remembered = session.get(SETUP_KEY, {})
        form = build_form(
            qn, lang, counties, sites,
            formdata=None,
            data={
                "county": remembered.get("county") or (counties[0][0] if len(counties) == 1 else None),
                "site": remembered.get("site"),
                "wave": remembered.get("wave"),
                "uuid": str(uuidlib.uuid4()),
                "started_at": dt.datetime.now(CST).isoformat(timespec="seconds"),
            },
        )
        return _page(form, qn, version, lang, sites_by_county)

    form = build_form(qn, lang, counties, sites)
    form.validate()
    # Here WTForms checks only the CSRF token and that a county is chosen; the answers are
    # judged by the submission service, like those from the API, in the person's language.
    errors = {name: list(problems) for name, problems in form.errors.items() if name not in qn.questions}
    if errors:
        return _page(form, qn, version, lang, sites_by_county, errors), 400
    session[SETUP_KEY] = {"county": form.county.data, "site": form.site.data or "", "wave": form.wave.data or ""}
    if request.form.get("step") == "start":
        # The set-up is confirmed; the interview itself follows on the same page.
        return _page(form, qn, version, lang, sites_by_county, started=True)

    if form.consent.data == "decline":
        with db.engine.connect() as connection:
            outcome = record_refusal(connection, _refusal_payload(form, qid), scope, source="web", lang=lang)
            connection.commit()
        if outcome.status in ("created", "duplicate"):
            return render_template("collect/done.html", qn=qn, qid=qid, refused=True, lang=lang)
        return _page(form, qn, version, lang, sites_by_county, outcome.errors), outcome.http_status
    if form.consent.data != "agree":
        errors["consent"] = [str(CONSENT_NEEDED)]
    if qn.respondent_code != "none" and (form.respondent_code.data or "") != (form.respondent_code_confirm.data or ""):
        errors["respondent_code_confirm"] = [str(CODE_MISMATCH)]
    payload = _payload(form, qn, qid, version)
    if errors:
        # Say everything at once: the answers' own problems too, from the same engine.
        errors.update(validate_answers(qn, payload["answers"]).rendered_errors(lang))
        return _page(form, qn, version, lang, sites_by_county, errors), 422
    with DriverConnection(db.engine) as driver:
        outcome = submit(driver, payload, scope, source="web", lang=lang)
    if outcome.status == "conflict" and _same_as_stored(qn, qid, payload):
        # The same form posted again (the browser's "resubmit?"): only the completion time,
        # which the server sets, differs.  It is the retry it looks like.
        outcome.status = "duplicate"
    if outcome.status in ("created", "duplicate"):
        return render_template("collect/done.html", qn=qn, qid=qid, refused=False, lang=lang, duplicate=outcome.status == "duplicate",
                               warnings=outcome.warnings)
    if outcome.status == "forbidden":
        abort(403)
    if outcome.status == "conflict":
        outcome.errors = {"uuid": [str(ALREADY_SAVED)]}
    return _page(form, qn, version, lang, sites_by_county, outcome.errors), outcome.http_status


def _same_as_stored(qn: Definition, qid: str, payload: dict[str, Any]) -> bool:
    stored = db.session.scalar(select(Response).where(Response.questionnaire_id == qid, Response.uuid == payload["uuid"]))
    if stored is None:
        return False
    county = db.session.get(County, stored.county_id)
    site = db.session.get(Site, stored.site_id) if stored.site_id else None
    return (
        stored.answers_json == validate_answers(qn, payload["answers"]).answers
        and county is not None and county.code == payload["county"]
        and (site.code if site else None) == payload.get("site")
        and stored.wave == payload.get("wave")
        and stored.respondent_code == payload.get("respondent_code")
    )


def _payload(form: CollectForm, qn: Definition, qid: str, version: int) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "uuid": form.uuid.data,
        "questionnaire": qid,
        "version": version,
        "county": form.county.data,
        "started_at": form.started_at.data or None,
        "completed_at": dt.datetime.now(CST).isoformat(timespec="seconds"),
        "answers": answers_from_form(qn, request.form),
    }
    if form.site.data:
        payload["site"] = form.site.data
    if qn.wave != "none" and form.wave.data:
        payload["wave"] = form.wave.data
    if qn.respondent_code != "none" and form.respondent_code.data:
        payload["respondent_code"] = form.respondent_code.data
    return payload


def _refusal_payload(form: CollectForm, qid: str) -> dict[str, Any]:
    payload = {"uuid": form.uuid.data, "questionnaire": qid, "county": form.county.data,
               "declined_at": dt.datetime.now(CST).isoformat(timespec="seconds")}
    if form.site.data:
        payload["site"] = form.site.data
    if form.wave.data:
        payload["wave"] = form.wave.data
    return payload


def _page(form: CollectForm, qn: Definition, version: int, lang: str, sites_by_county: dict,
          errors: dict | None = None, started: bool = False):
    errors = errors or {}
    known = {"county", "site", "wave", "respondent_code", "respondent_code_confirm", "consent", *qn.questions}
    general = {key: problems for key, problems in errors.items() if key not in known}
    return render_template(
        "collect/form.html", form=form, qn=qn, version=version, lang=lang, errors=errors, general=general,
        sites_by_county=sites_by_county, started=started, rules=client_rules(qn, version), texts=page_texts(),
        recordings=_recordings(qn.id, version),
        # the kiosk's first and last screens (audio/prompts.py: the questionnaire's own, else the defaults)
        greeting=greeting(qn).get(lang), thanks=thanks(qn).get(lang),
        consent_lines=[(f"consent:{n}", t.get(lang)) for n, t in enumerate(consent_paragraphs(qn), start=1)],
    )


def _recordings(qid: str, version: int) -> dict[str, Any]:
    """The approved prompt recordings of this version, by dialect within the reader's reach
    (audio/service.py; the page embeds them as script#recordings)."""
    from ..audio.service import recordings_for
    from ..instruments import find_version

    stored = find_version(db.session, qid, version)
    return recordings_for(db.session, stored.id, Scope.of(current_user)) if stored is not None else {"dialects": {}}


@bp.get("/<qid>/next")
@login_required
def next_respondent(qid: str):
    return redirect(url_for("collect.form", qid=qid))
