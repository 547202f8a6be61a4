"""What the form page carries for kiosk mode (issue 13): the greeting and thank-you texts from
the view (the questionnaire's own, else the defaults), interviewer hints marked as such, the
dialect choice, the villager's wording of the consent message, the progress in words."""
from __future__ import annotations

import html
import json
import re

import pytest

from survey_app.audio.prompts import DEFAULT_GREETING, DEFAULT_THANKS
from survey_app.questionnaires.model import Text
from tests.factories import logged_in


@pytest.fixture
def collector(client, programme, loaded):
    logged_in(client, "sw-pj1")
    return client


def page_of(client, path="/collect/awareness") -> str:
    reply = client.get(path)
    assert reply.status_code == 200
    return reply.get_data(as_text=True)


def test_the_greeting_and_thanks_default(collector):
    page = page_of(collector)
    assert f'data-prompt="greeting">{html.escape(DEFAULT_GREETING.zh)}<' in page
    assert f'data-prompt="thanks">{html.escape(DEFAULT_THANKS.zh)}<' in page
    assert page.count('data-action="speak"') >= 3


def test_a_questionnaires_own_greeting_and_thanks(collector, monkeypatch):
    from survey_app.collect import views

    monkeypatch.setattr(views, "greeting", lambda qn: Text(zh="欢迎您", en="Welcome"))
    monkeypatch.setattr(views, "thanks", lambda qn: Text(zh="多谢", en="Many thanks"))
    page = page_of(collector)
    assert 'data-prompt="greeting">欢迎您<' in page and 'data-prompt="thanks">多谢<' in page


def test_interviewer_hints_are_marked_and_respondent_hints_are_not(collector):
    page = page_of(collector)
    age = re.search(r'data-question="age_band".*?</fieldset>', page, re.S).group(0)
    assert 'data-audience="interviewer"' in age and "访问员：" in age
    aw1 = re.search(r'data-question="aw1".*?</fieldset>', page, re.S).group(0)
    assert 'class="hint"' in aw1 and "data-audience" not in aw1


def test_the_set_up_offers_the_dialects(collector):
    page = page_of(collector)
    select = re.search(r'<select id="dialect" name="dialect">(.*?)</select>', page, re.S).group(1)
    assert re.search(r'<option value="">普通话（机器朗读）</option>', select)
    assert json.loads(re.search(r'id="recordings">(.*?)</script>', page, re.S).group(1)).keys() >= {"dialects"}


def test_the_scripts_texts_for_the_villager(collector):
    texts = json.loads(re.search(r'id="texts">(.*?)</script>', page_of(collector), re.S).group(1))
    assert texts["consent_needed_kiosk"] == "请选择您是否愿意参加"
    assert texts["page_of"].replace("{n}", "3").replace("{total}", "6") == "第 3 页，共 6 页"
    collector.get("/lang/en")
    texts = json.loads(re.search(r'id="texts">(.*?)</script>', page_of(collector), re.S).group(1))
    assert texts["page_of"] == "Page {n} of {total}"
