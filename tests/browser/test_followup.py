"""Respondent codes that cannot silently collide, and the follow-up list (回访名单) on the tablet
(issue 12), in real headless Chromium: empty code boxes for every new person, a warning before
a code is used twice, the village's baseline respondents offline at the follow-up, and a typed
code that is not on the list."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from survey_app.models import County, Response

from .collecting import (
    answer_screen,
    choose_place,
    codes,
    cut_network,
    fill_and_submit,
    finish,
    go_next,
    log_in,
    open_form,
    set_up,
    started,
    type_code,
    wait_controlled,
    wait_followups,
    wait_synced,
    watch_requests,
)

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)]

SITE = "430626-01"  # the first village of 平江县: index 1 of the set-up's village list


def baseline(app: Any, token: str, code: str, wave: str = "pre", site: str = SITE, day: str = "2026-05-01") -> None:
    """A response that another tablet of the team sent earlier, through the API."""
    from tests.api.payloads import awareness

    payload = awareness(respondent_code=code, wave=wave, site=site,
                        started_at=f"{day}T09:00:00+08:00", completed_at=f"{day}T09:12:00+08:00")
    reply = app.test_client().post("/api/v1/submissions", json=payload, headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 201, reply.get_json()


def stored(db: Any, code: str) -> list[tuple[str, str]]:
    """(wave, county code) of the responses stored under a code, fresh from the database."""
    db.session.rollback()
    rows = db.session.execute(
        select(Response.wave, County.code).join(County, County.id == Response.county_id)
        .where(Response.respondent_code == code).order_by(Response.wave))
    return [tuple(r) for r in rows]


def visible(page: Any, selector: str) -> bool:
    return page.locator(selector).is_visible()


def test_the_next_respondent_starts_with_empty_code_boxes(context, server, programme, loaded, db):
    page = context.new_page()
    log_in(page, server.base)
    open_form(page, server.base)
    fill_and_submit(page, "PJ-0101")
    page.click("#next-respondent")
    page.wait_for_selector("[data-step=setup]:not([hidden])")
    assert codes(page) == ("", "")
    # The place and the wave stay as chosen.
    assert page.input_value("select[name=county]") == "430626"
    assert page.input_value("select[name=site]") == SITE
    assert page.is_checked("input[name=wave][value=pre]")

    # A declined consent ends the interview too: the next person starts empty as well.
    set_up(page, "PJ-0102")
    page.locator("label.choice:has(input[name=consent][value=decline])").click()
    page.click("[data-action=next]")
    page.wait_for_selector("#status[data-status]:not([hidden])")
    page.click("#next-respondent")
    page.wait_for_selector("[data-step=setup]:not([hidden])")
    assert codes(page) == ("", "")

    # The page opened afresh (a reload) remembers the place, never a code.
    page.reload()
    page.wait_for_selector("#collect[data-ready]")
    assert codes(page) == ("", "") and page.input_value("select[name=site]") == SITE


def test_kiosk_mode_starts_every_villager_with_empty_code_boxes(context, server, programme, loaded, db):
    """Issue 13: the codes are handed over in a queue; no villager ever sees or inherits one."""
    from .collecting import hand_over, villager_begins, wait_screen

    page = context.new_page()
    page.on("dialog", lambda d: d.accept())
    log_in(page, server.base)
    open_form(page, server.base, "satisfaction")
    hand_over(page, codes=("PJ-K001", "PJ-K002"))
    assert codes(page) == ("", "")
    villager_begins(page)
    finish(page, choice=4)
    page.wait_for_selector("#status[data-status]:not([hidden])")
    assert codes(page) == ("", "")
    page.click("[data-action=thanks-done]")
    wait_screen(page, "greeting")
    villager_begins(page)
    assert codes(page) == ("", "")
    draft = page.evaluate("() => SanquStore.get('drafts', document.getElementById('collect').dataset.uuid)")
    assert draft["setup"]["respondent_code"] == "PJ-K002"


def test_a_code_used_on_this_tablet_for_the_wave_warns_and_starts_only_when_confirmed(context, server, programme, loaded, db):
    page = context.new_page()
    log_in(page, server.base)
    open_form(page, server.base)
    fill_and_submit(page, "PJ-0201")
    page.wait_for_selector("#status[data-status=saved]")
    page.click("#next-respondent")

    # The same code again at the same wave: a warning, and nothing starts.
    choose_place(page, wave="pre")
    type_code(page, "pj-0201")
    page.click("[data-action=start]")
    page.wait_for_selector("[data-code-warning]:not([hidden])")
    warning = page.inner_text("[data-code-warning]")
    assert "PJ-0201" in warning and "本机本测次已经用过" in warning and "同一位居民" in warning
    page.click("[data-action=start]")  # tapping 开始访问 again does not get past it
    page.wait_for_selector("[data-code-warning]:not([hidden])")
    assert not started(page) and visible(page, "[data-step=setup]")

    # 改一个编码: the boxes are emptied and the first has the focus.
    page.click("[data-action=change-code]")
    assert codes(page) == ("", "")
    assert page.evaluate("() => document.activeElement.name") == "respondent_code"
    assert not visible(page, "[data-code-warning]")

    # Another code starts at once; the warning comes back for the used one, and a deliberate
    # confirmation starts the interview.
    type_code(page, "PJ-0201")
    page.click("[data-action=start]")
    page.wait_for_selector("[data-code-warning]:not([hidden])")
    page.click("[data-action=confirm-code]")
    page.wait_for_selector("[data-step=setup][hidden]", state="attached")
    assert started(page)
    finish(page)
    page.wait_for_selector("#status[data-status=saved]")
    assert stored(db, "PJ-0201") == [("pre", "430626"), ("pre", "430626")]

    # The same code at the other wave is the follow-up of the same person: no warning.
    page.click("#next-respondent")
    choose_place(page, wave="post")
    type_code(page, "PJ-0201")
    page.click("[data-action=start]")
    page.wait_for_selector("[data-step=setup][hidden]", state="attached")
    assert not visible(page, "[data-code-warning]") and not visible(page, "[data-followup-unknown]")


def test_a_code_the_server_has_for_the_baseline_warns(context, server, programme, loaded, db, app, token_for):
    baseline(app, token_for("sw-pj1"), "PJ-0250")  # another tablet of the team
    page = context.new_page()
    log_in(page, server.base)
    open_form(page, server.base)
    wait_followups(page, n=1)
    choose_place(page, wave="pre")
    type_code(page, "PJ-0250")
    page.click("[data-action=start]")
    page.wait_for_selector("[data-code-warning]:not([hidden])")
    assert "PJ-0250" in page.inner_text("[data-code-warning]") and "2026-05-01" in page.inner_text("[data-code-warning]")
    assert not started(page)
    # A code drafted but not finished on this tablet counts too (a second tab, a resumed draft).
    page.click("[data-action=change-code]")
    set_up(page, "PJ-0251")
    page.goto(f"{server.base}/collect/awareness")
    page.wait_for_selector("#collect[data-ready]")
    choose_place(page, wave="pre")
    type_code(page, "PJ-0251")
    page.click("[data-action=start]")
    page.wait_for_selector("[data-code-warning]:not([hidden])")
    assert not started(page)


def test_the_follow_up_list_works_offline_and_picking_from_it_pairs_the_responses(context, server, programme, loaded, db, app, token_for):
    token = token_for("sw-pj1")
    for code in ("PJ-0301", "PJ-0302", "PJ-0303"):
        baseline(app, token, code)
    baseline(app, token, "PJ-0399", site="430626-02")  # another village of the county
    baseline(app, token, "PJ-0303", wave="post", day="2026-11-20")  # already followed up

    watch_requests(server)
    page = context.new_page()
    log_in(page, server.base)
    open_form(page, server.base)
    wait_controlled(page)
    wait_followups(page, n=4)

    cut_network(context, server)  # no signal in the village
    page.reload()  # the page comes from the service worker's cache
    page.wait_for_selector("#collect[data-ready]")
    choose_place(page, wave="post")
    page.wait_for_selector("[data-followup-code='PJ-0301']")
    shown = page.eval_on_selector_all("[data-followup-code]", "bs => bs.map(b => b.dataset.followupCode)")
    assert shown == ["PJ-0301", "PJ-0302", "PJ-0303"]  # to see first; the other village's are not here
    assert "待回访" in page.inner_text("[data-followup-code='PJ-0301']")
    assert "2026-05-01" in page.inner_text("[data-followup-code='PJ-0301']")
    assert "已回访" in page.inner_text("[data-followup-code='PJ-0303']")
    assert page.inner_text("[data-followup-count]") == "本村前测 3 人：已回访 1，待回访 2，其他 0"
    assert "名单更新于" in page.inner_text("[data-followup-updated]")

    # The search box filters by a part of the code, in any case.
    page.fill("[data-followup-search]", "j-0302")
    page.wait_for_function("() => document.querySelectorAll('[data-followups] li:not([hidden])').length === 1")
    assert page.is_visible("[data-followup-code='PJ-0302']") and not page.is_visible("[data-followup-code='PJ-0301']")
    page.fill("[data-followup-search]", "")

    # Someone already followed up: tapping them asks first.
    page.click("[data-followup-code='PJ-0303']")
    page.wait_for_selector("[data-code-warning]:not([hidden])")
    assert "PJ-0303" in page.inner_text("[data-code-warning]")
    page.click("[data-action=change-code]")

    # One tap fills both boxes; the interview starts and is finished with no signal.
    page.click("[data-followup-code='PJ-0301']")
    assert codes(page) == ("PJ-0301", "PJ-0301")
    assert page.get_attribute("[data-followup-code='PJ-0301']", "aria-pressed") == "true"
    page.click("[data-action=start]")
    page.wait_for_selector("[data-step=setup][hidden]", state="attached")
    finish(page)
    page.wait_for_selector("#status[data-status=queued]:not([hidden])")
    page.click("#next-respondent")
    # Ticked off at once, on the tablet.
    page.wait_for_selector("[data-followup-code='PJ-0301'][data-followup-status=followed]")
    assert page.inner_text("[data-followup-count]") == "本村前测 3 人：已回访 2，待回访 1，其他 0"
    assert codes(page) == ("", "")
    assert stored(db, "PJ-0301") == [("pre", "430626")]

    server.start()  # the signal is back
    context.set_offline(False)
    page.evaluate("() => SanquSync.wake()")
    wait_synced(page)
    assert stored(db, "PJ-0301") == [("post", "430626"), ("pre", "430626")]
    # The server pairs them.
    from survey_app.auth.tokens import issue_token
    from survey_app.models import User

    admin = db.session.scalar(select(User).where(User.role == "admin"))
    secret = issue_token(db.session, admin)
    db.session.commit()
    stats = app.test_client().get("/api/v1/stats/prepost?questionnaire=awareness&index=awareness&county=430626",
                                  headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert stats["n_pairs"] == 2  # PJ-0303 (from before) and PJ-0301 (from the list, offline)


def test_a_typed_code_not_on_the_list_asks_new_respondent_or_typo(context, server, programme, loaded, db, app, token_for):
    baseline(app, token_for("sw-pj1"), "PJ-0401")
    page = context.new_page()
    log_in(page, server.base)
    open_form(page, server.base)
    wait_followups(page, n=1)
    choose_place(page, wave="post")
    page.wait_for_selector("[data-followup-code='PJ-0401']")

    type_code(page, "PJ-0410")  # a slip of the finger
    page.click("[data-action=start]")
    page.wait_for_selector("[data-followup-unknown]:not([hidden])")
    text = page.inner_text("[data-followup-unknown]")
    assert "编码 PJ-0410 不在本村的回访名单上" in text and "新受访者" in text
    assert not started(page)
    # 输错了: the boxes are emptied, the first has the focus, nothing started.
    page.click("[data-action=retype]")
    assert codes(page) == ("", "")
    assert page.evaluate("() => document.activeElement.name") == "respondent_code"
    assert not visible(page, "[data-followup-unknown]") and not started(page)

    # A code on the list starts at once.
    type_code(page, "pj-0401")
    assert page.get_attribute("[data-followup-code='PJ-0401']", "aria-pressed") == "true"
    page.click("[data-action=start]")
    page.wait_for_selector("[data-step=setup][hidden]", state="attached")
    answer_screen(page)  # consent
    go_next(page)
    page.reload()  # leave this one as a draft; back to the set-up
    page.wait_for_selector("#collect[data-ready]")

    # 是新受访者: someone who moved to the village after the baseline, post only.
    choose_place(page, wave="post")
    type_code(page, "PJ-0450")
    page.click("[data-action=start]")
    page.wait_for_selector("[data-followup-unknown]:not([hidden])")
    page.click("[data-action=new-respondent]")
    page.wait_for_selector("[data-step=setup][hidden]", state="attached")
    finish(page)
    page.wait_for_selector("#status[data-status=saved]")
    assert stored(db, "PJ-0450") == [("post", "430626")]


def test_without_a_list_on_the_tablet_the_set_up_says_so_and_a_typed_code_starts(context, server, programme, loaded, db):
    page = context.new_page()
    page.route("**/api/v1/followups*", lambda route: route.abort("internetdisconnected"))  # never had signal for it
    log_in(page, server.base)
    open_form(page, server.base)
    choose_place(page, wave="post")
    page.wait_for_selector("[data-followups]:not([hidden])")
    assert "本机还没有回访名单" in page.inner_text("[data-followup-updated]")
    assert page.locator("[data-followup-code]").count() == 0 and not page.is_visible("[data-followup-search]")
    type_code(page, "PJ-0501")
    page.click("[data-action=start]")  # nothing to compare with: no question asked
    page.wait_for_selector("[data-step=setup][hidden]", state="attached")
    assert not visible(page, "[data-followup-unknown]")
