"""The form page's `data-prompt` keys are audio/prompts.py's keys (issue 13, "every word can be
heard"): static/js/speak.js looks each element's key up in script#recordings, so a key the page
renders differently from the studio's would never find its recording."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from survey_app.audio.prompts import consent_paragraphs, prompts
from survey_app.extensions import db
from survey_app.instruments import find_version, parsed
from tests.factories import logged_in


@pytest.fixture
def collector(client, programme, loaded):
    logged_in(client, "sw-pj1")
    return client


class _Prompts(HTMLParser):
    """Every element with data-prompt: its key and its visible text (the "*" mark is outside)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self._open: list[list] = []  # [key, depth, text parts]

    def handle_starttag(self, tag, attrs):
        if tag in ("input", "br", "img", "meta", "link", "path", "circle"):
            return
        for item in self._open:
            item[1] += 1
        key = dict(attrs).get("data-prompt")
        if key is not None:
            self._open.append([key, 1, []])

    def handle_endtag(self, tag):
        for item in list(self._open):
            item[1] -= 1
            if item[1] == 0:
                self._open.remove(item)
                self.found.append((item[0], " ".join("".join(item[2]).split())))

    def handle_data(self, data):
        for item in self._open:
            item[2].append(data)


def rendered(client, qid: str) -> list[tuple[str, str]]:
    reply = client.get(f"/collect/{qid}")
    assert reply.status_code == 200
    parser = _Prompts()
    parser.feed(reply.get_data(as_text=True))
    return parser.found


@pytest.mark.parametrize("qid", ["awareness", "satisfaction"])
def test_the_page_renders_exactly_the_studios_keys(collector, qid):
    qn = parsed(find_version(db.session, qid, 1))
    expected = {p.key: p for p in prompts(qn)}
    found = rendered(collector, qid)
    keys = [k for k, _ in found]
    assert len(keys) == len(set(keys)), "a key rendered twice"
    assert set(keys) <= set(expected)
    # every question, option, respondent hint and consent line is on the page
    must = {k for k, p in expected.items() if p.kind in ("question", "option", "hint", "consent")}
    assert must <= set(keys), sorted(must - set(keys))
    # the text on the page is the text the studio asks to be recorded (Chinese page)
    for key, text in found:
        assert "*" not in text
        assert text == " ".join(expected[key].text.get("zh").split()), key


def test_interviewer_hints_have_no_key(collector):
    qn = parsed(find_version(db.session, "awareness", 1))
    interviewer = [q.id for s in qn.sections for q in s.questions if q.hint and q.hint_audience == "interviewer"]
    assert interviewer, "the awareness survey has an interviewer hint to test with"
    keys = {k for k, _ in rendered(collector, "awareness")}
    assert not {f"hint:{qid}" for qid in interviewer} & keys


def test_consent_is_one_element_a_line_in_both_languages(collector):
    qn = parsed(find_version(db.session, "awareness", 1))
    lines = consent_paragraphs(qn)
    assert len(lines) >= 2
    zh = [(k, t) for k, t in rendered(collector, "awareness") if k.startswith("consent:") and k[8:].isdigit()]
    assert zh == [(f"consent:{n}", t.zh) for n, t in enumerate(lines, start=1)]
    collector.get("/lang/en")
    en = [(k, t) for k, t in rendered(collector, "awareness") if k.startswith("consent:") and k[8:].isdigit()]
    assert en == [(f"consent:{n}", t.get("en")) for n, t in enumerate(lines, start=1)]
    assert en != zh


def test_the_consent_answers_are_heard_too(collector):
    """A villager who cannot read must hear what agreeing and declining are called."""
    found = dict(rendered(collector, "awareness"))
    assert found["consent:agree"] == "同意参加" and found["consent:decline"] == "不参加"
    collector.get("/lang/en")
    found = dict(rendered(collector, "awareness"))
    assert found["consent:agree"] == "I agree to take part" and found["consent:decline"] == "I do not take part"


def test_a_likert_point_reads_its_number_and_word(collector):
    page = collector.get("/collect/awareness").get_data(as_text=True)
    points = re.findall(r'data-prompt="o:aw1:(\d+)">([^<]*)<', page)
    assert [p for p, _ in points] == ["1", "2", "3", "4", "5"]
    assert all(text.startswith(p + " ") or text == p for p, text in points)
