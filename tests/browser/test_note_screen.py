"""A note (issue 19: XLSForm's note) on the tablet, in kiosk mode on an upright tablet: a screen of
its own with its words and its speaker, nothing to answer, and the interview goes on past it; a
required question's own message is what the villager is told."""
from __future__ import annotations

import textwrap
from typing import Any

import pytest
from sqlalchemy import select

from survey_app.instruments import load_folder
from survey_app.models import Response

from .collecting import go_next, hand_over, log_in, open_form, screen, villager_begins, wait_synced
from .test_kiosk import tablet, visible_questions  # noqa: F401 - the upright touch tablet fixture

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)]

NOTED = textwrap.dedent("""\
    id: noted
    title: {zh: 有说明的问卷}
    consent: {zh: 您愿意参加吗？}
    sections:
      - id: s1
        title: {zh: 一}
        questions:
          - {id: intro, type: note, label: {zh: 下面问两个关于您家里的问题。}}
          - id: alone
            type: single
            required: true
            required_message: {zh: 请告诉我们您是不是一个人住}
            label: {zh: 您是一个人住吗？}
            options: [{value: "yes", label: {zh: 是}}, {value: "no", label: {zh: 否}}]
          - {id: alone_note, type: note, label: {zh: 一个人住，要多注意安全。}, relevant: {"==": [{var: alone}, "yes"]}}
          - {id: rooms, type: number, integer: true, label: {zh: 家里有几间房？}, min: 0, max: 20}
""")


@pytest.fixture
def noted(programme: Any, tmp_path: Any) -> Any:
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    (folder / "noted.yaml").write_text(NOTED, encoding="utf-8")
    report = load_folder(programme.session, folder)
    programme.session.commit()
    assert report.created == [("noted", 1)], report.problems
    return programme


def test_a_note_is_a_screen_to_hear_and_pass_and_stores_nothing(tablet, server, noted):  # noqa: F811
    page = tablet
    log_in(page, server.base)
    open_form(page, server.base, "noted")
    hand_over(page, codes=("PJ-N001",))
    villager_begins(page)
    page.locator("label.choice:has(input[name=consent][value=agree])").click()
    go_next(page)
    # the note: its words, its speaker, nothing to fill in, and 下一页 goes on without an answer
    assert screen(page) == "q:intro" and visible_questions(page) == ["intro"]
    note = page.locator("[data-question=intro]")
    assert note.get_attribute("data-type") == "note"
    assert note.locator("[data-prompt='q:intro']").inner_text() == "下面问两个关于您家里的问题。"
    assert note.locator("[data-action=speak]").is_visible()
    assert note.locator("input, textarea, select").count() == 0
    go_next(page)
    assert visible_questions(page) == ["alone"]
    # unanswered: the question's own message, not the catalogue's
    page.click("[data-action=next]")
    assert page.inner_text("[data-errors-for=alone]") == "请告诉我们您是不是一个人住"
    page.locator("[data-question=alone] label.choice").first.click()  # 是: the second note is shown
    go_next(page)
    assert visible_questions(page) == ["alone_note"]
    go_next(page)
    assert visible_questions(page) == ["rooms"]
    page.fill("[data-question=rooms] input", "3")
    page.click("[data-action=submit]")
    page.wait_for_selector("#status[data-status]:not([hidden])")
    wait_synced(page)
    noted.session.rollback()
    stored = noted.session.scalars(select(Response).where(Response.questionnaire_id == "noted")).all()
    assert [r.answers_json for r in stored] == [{"alone": "yes", "rooms": 3}]
