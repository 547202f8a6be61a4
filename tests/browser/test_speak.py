"""Every word can be heard (issue 13): the speaker reads the question, then each answer in order
(the one being read framed), then the hint meant for the villager; a recording in the chosen
dialect comes before the machine voice, and a tablet with neither says so on the screen.

Real headless Chromium; speech synthesis and audio playback are stubbed in the page (an init
script) so the test hears what would have been said, in order, and what was framed meanwhile."""
from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from survey_app.audio.prompts import CONSENT_ANSWERS, consent_paragraphs, greeting, prompts
from survey_app.questionnaires import Definition, build
from survey_app.questionnaires.yamlload import load_yaml, plain

from .collecting import answer_screen, go_next, log_in, open_form, set_up

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)]

ZH_VOICES = [{"lang": "en-US", "name": "English", "default": True}, {"lang": "zh-CN", "name": "普通话", "default": False}]
NO_ZH_VOICE = [{"lang": "en-US", "name": "English", "default": True}]

# window.__said: [{how: "tts" | "audio", text | src, lang, lit: [keys framed while it starts]}].
# window.__pace: milliseconds each piece takes (a test that stops halfway makes it long).
STUBS = """
(() => {
  const voices = %s;
  const said = window.__said = [];
  window.__pace = 20;
  const lit = () => Array.from(document.querySelectorAll(".speaking")).map(
    e => (e.matches("[data-prompt]") ? e : e.querySelector("[data-prompt]")).dataset.prompt);
  class Utterance { constructor(text) { this.text = text; this.lang = ""; this.voice = null; } }
  Object.defineProperty(window, "SpeechSynthesisUtterance", { value: Utterance, configurable: true, writable: true });
  const synth = {
    current: null,
    getVoices() { return voices; },
    speak(u) {
      said.push({ how: "tts", text: u.text, lang: u.lang, lit: lit() });
      this.current = u;
      setTimeout(() => { if (this.current === u) { this.current = null; if (u.onend) u.onend({}); } }, window.__pace);
    },
    cancel() { this.current = null; },
    addEventListener() {}, removeEventListener() {},
  };
  Object.defineProperty(window, "speechSynthesis", { value: synth, configurable: true });
  HTMLMediaElement.prototype.play = function () {
    said.push({ how: "audio", src: this.src, lit: lit() });
    const el = this, src = this.src;
    // a recording whose address says "broken" fails to play, as a damaged file would
    setTimeout(() => { if (el.src === src) el.dispatchEvent(new Event(src.includes("broken") ? "error" : "ended")); }, window.__pace);
    return Promise.resolve();
  };
})();
"""


@pytest.fixture
def tablet(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    errors: list[str] = []
    context.on("weberror", lambda e: errors.append(str(e.error)))
    yield context
    context.close()
    assert not errors, errors


def open_page(context: Any, base: str, voices: list[dict] = ZH_VOICES) -> Any:
    page = context.new_page()
    page.add_init_script(STUBS % json.dumps(voices))
    page.on("dialog", lambda d: d.accept())
    log_in(page, base)
    open_form(page, base)
    set_up(page, "PJ-S001")
    return page


def reach(page: Any, qid: str) -> None:
    """Answer screen after screen until the question is shown."""
    for _ in range(40):
        if page.is_visible(f"[data-question={qid}]"):
            return
        answer_screen(page)
        go_next(page)
    raise AssertionError(f"{qid} never shown")


def said(page: Any) -> list[dict]:
    return page.evaluate("window.__said")


def tap_and_wait(page: Any, qid: str, n: int) -> list[dict]:
    page.evaluate("window.__said.length = 0")
    page.click(f"[data-question={qid}] [data-action=speak]")
    page.wait_for_function("n => window.__said.length >= n && !window.SanquSpeak.speaking()", arg=n)
    page.wait_for_timeout(100)  # nothing more comes
    return said(page)


@functools.cache
def awareness() -> Definition:
    path = Path(__file__).resolve().parents[2] / "questionnaires" / "awareness.yaml"
    return build(plain(load_yaml(path.read_text(encoding="utf-8"))))


def expected(qid: str, kinds: tuple[str, ...] = ("question", "option", "hint")) -> list[tuple[str, str]]:
    qn = awareness()
    return [(p.key, p.text.zh) for p in prompts(qn) if p.question == qid and p.kind in kinds]


def norm(text: str) -> str:
    return " ".join(text.split())


def test_the_question_then_every_option_then_the_villagers_hint(tablet, server, programme, loaded):
    page = open_page(tablet, server.base)
    reach(page, "aw1")
    want = expected("aw1")
    assert [k for k, _ in want][:2] == ["q:aw1", "o:aw1:1"] and want[-1][0] == "hint:aw1"
    heard = tap_and_wait(page, "aw1", len(want))
    assert [h["how"] for h in heard] == ["tts"] * len(want)
    assert [h["text"] for h in heard] == [norm(t) for _, t in want]
    assert all("*" not in h["text"] for h in heard)
    assert {h["lang"] for h in heard} == {"zh-CN"}
    # the piece being read is framed, and only it; the frame goes at the end
    assert [h["lit"] for h in heard] == [[k] for k, _ in want]
    assert page.locator(".speaking").count() == 0
    # a likert point says its number and its word
    assert heard[1]["text"].startswith("1 ") and len(heard[1]["text"]) > 2
    # the speaker tells what it reads, and no message was needed
    assert page.get_attribute("[data-question=aw1] [data-action=speak]", "aria-label") == "朗读题目和选项"
    assert not page.is_visible("[data-question=aw1] .speak-note")


def test_an_interviewer_hint_is_never_read(tablet, server, programme, loaded):
    page = open_page(tablet, server.base)
    reach(page, "age_band")
    assert page.locator("[data-question=age_band] [data-audience=interviewer]").count() == 1
    want = expected("age_band")
    assert "hint:age_band" not in dict(want) and len(want) >= 3
    heard = tap_and_wait(page, "age_band", len(want))
    assert [h["text"] for h in heard] == [norm(t) for _, t in want]
    hint = page.inner_text("[data-question=age_band] [data-audience=interviewer]")
    assert not any(norm(hint)[-6:] in h["text"] for h in heard)


def test_recordings_of_the_chosen_dialect_come_first(tablet, server, programme, loaded):
    page = open_page(tablet, server.base)
    reach(page, "aw1")
    recorded = {"q:aw1": "/collect/recordings/xx/q-aw1.webm", "o:aw1:3": "/collect/recordings/xx/o-aw1-3.webm",
                "o:aw1:5": "/collect/recordings/xx/broken.webm"}
    # the studio's tag (script#recordings) with a dialect of three recordings (one broken), chosen in the set-up
    page.evaluate(
        """rec => {
          let tag = document.getElementById("recordings");
          if (!tag) { tag = document.createElement("script"); tag.type = "application/json"; tag.id = "recordings"; document.body.append(tag); }
          const all = JSON.parse(tag.textContent || '{"dialects": {}}');
          all.dialects = all.dialects || {};
          all.dialects.test_xx = {name: "测试话", prompts: rec};
          tag.textContent = JSON.stringify(all);
          document.getElementById("collect").dataset.dialect = "test_xx";
        }""",
        recorded,
    )
    want = expected("aw1")
    heard = tap_and_wait(page, "aw1", len(want) + 1)
    # the broken recording is tried, then the machine voice says that piece
    plan = []
    for key, text in want:
        if key in recorded:
            plan.append(("audio", key, text))
        if key not in recorded or "broken" in recorded[key]:
            plan.append(("tts", key, text))
    assert len(plan) == len(want) + 1
    assert len(heard) == len(plan)
    for (how, key, text), h in zip(plan, heard, strict=True):
        assert h["how"] == how, (key, h)
        if how == "audio":
            assert h["src"] == server.base + recorded[key], (key, h)
        else:
            assert h["text"] == norm(text), (key, h)
        assert h["lit"] == [key]
    # no dialect chosen: the machine voice again
    page.evaluate("delete document.getElementById('collect').dataset.dialect")
    heard = tap_and_wait(page, "aw1", len(want))
    assert [h["how"] for h in heard] == ["tts"] * len(want)


def test_no_recording_and_no_chinese_voice_says_so_on_the_screen(tablet, server, programme, loaded):
    page = open_page(tablet, server.base, voices=NO_ZH_VOICE)
    reach(page, "aw1")
    button = page.locator("[data-question=aw1] [data-action=speak]")
    assert button.is_visible()  # shown anyway: it says why it cannot read
    button.click()
    note = page.locator("[data-question=aw1] .speak-note")
    note.wait_for(state="visible")
    assert note.inner_text() == "这台平板不能朗读：没有录音，也没有中文语音。请社工帮忙。"
    assert note.get_attribute("aria-live") == "polite"
    page.wait_for_function("() => !window.SanquSpeak.speaking()")
    assert said(page) == []  # no English voice reading Chinese
    # with one recording, that one plays and the message says the rest cannot be read
    page.evaluate("""() => {
      const tag = document.getElementById("recordings");
      tag.textContent = JSON.stringify({dialects: {test_xx: {name: "测试话", prompts: {"q:aw1": "/r/q.webm"}}}});
      document.getElementById("collect").dataset.dialect = "test_xx";
    }""")
    button.click()
    page.wait_for_function("() => window.__said.length >= 1 && !window.SanquSpeak.speaking()")
    assert [h["how"] for h in said(page)] == ["audio"]
    assert "没有中文语音" in note.inner_text() and note.inner_text() != "这台平板不能朗读：没有录音，也没有中文语音。请社工帮忙。"


def test_a_second_tap_stops_and_one_voice_at_a_time(tablet, server, programme, loaded):
    page = open_page(tablet, server.base)
    reach(page, "aw1")
    page.evaluate("window.__pace = 600; window.__said.length = 0")
    button = page.locator("[data-question=aw1] [data-action=speak]")
    button.click()
    page.wait_for_function("() => window.__said.length >= 1")
    assert button.get_attribute("aria-pressed") == "true"
    button.click()
    page.wait_for_timeout(1500)
    assert len(said(page)) == 1
    assert page.evaluate("window.SanquSpeak.speaking()") is None
    assert page.locator(".speaking").count() == 0
    assert button.get_attribute("aria-pressed") == "false"
    # another speaker on the page stops the first; saying one answer back stops both
    others = page.locator(".step:not([hidden]) .question:not([hidden]) [data-action=speak]")
    assert others.count() >= 2
    page.evaluate("window.__said.length = 0")
    others.nth(0).click()
    page.wait_for_function("() => window.__said.length >= 1")
    others.nth(1).click()
    page.wait_for_function("() => window.__said.length >= 2")
    second = page.get_attribute(".step:not([hidden]) .question:not([hidden]) >> nth=1", "data-question")
    assert said(page)[1]["lit"] == [f"q:{second}"]
    page.evaluate("window.__pace = 20; window.SanquSpeak.sayBack(document.querySelector('[data-prompt=\"o:aw1:4\"]'))")
    page.wait_for_function("() => !window.SanquSpeak.speaking()")
    page.wait_for_timeout(700)
    heard = said(page)
    assert heard[-1]["text"] == norm(dict(expected("aw1"))["o:aw1:4"]) and heard[-1]["lit"] == ["o:aw1:4"]
    assert len(heard) == 3  # neither reading went on


def test_the_consent_is_read_line_by_line(tablet, server, programme, loaded):
    page = open_page(tablet, server.base)
    assert page.is_visible("[data-question=consent]")
    lines = consent_paragraphs(awareness())
    heard = tap_and_wait(page, "consent", len(lines) + len(CONSENT_ANSWERS))
    # the lines in order, then the two answers, each framed while it is read
    assert [h["text"] for h in heard] == [norm(t.zh) for t in lines] + [t.zh for _, t in CONSENT_ANSWERS]
    assert [h["lit"] for h in heard] == (
        [[f"consent:{n}"] for n in range(1, len(lines) + 1)] + [[f"consent:{v}"] for v, _ in CONSENT_ANSWERS])
    assert page.get_attribute("[data-question=consent] [data-action=speak]", "aria-label").startswith("朗读")


def test_an_english_page_reads_english_with_an_english_voice(tablet, server, programme, loaded):
    page = tablet.new_page()
    page.add_init_script(STUBS % json.dumps(ZH_VOICES))
    log_in(page, server.base)
    page.goto(f"{server.base}/lang/en?next=/collect/awareness")
    page.wait_for_selector("#collect[data-ready]")
    set_up(page, "PJ-S002")
    lines = consent_paragraphs(awareness())
    heard = tap_and_wait(page, "consent", len(lines) + len(CONSENT_ANSWERS))
    assert [h["text"] for h in heard] == [norm(t.get("en")) for t in lines] + [t.get("en") for _, t in CONSENT_ANSWERS]
    assert {h["lang"] for h in heard} == {"en-US"}
    assert page.get_attribute("[data-question=consent] [data-action=speak]", "aria-label") == "Read the consent aloud"


def test_in_kiosk_mode_each_screen_is_read_and_a_tapped_answer_is_said_back(browser, server, programme, loaded):
    """The villager's screens read themselves when they open, and the answer tapped is said back."""
    from .collecting import hand_over, villager_begins, wait_screen

    context = browser.new_context(viewport={"width": 800, "height": 1280}, locale="zh-CN", has_touch=True)
    try:
        page = context.new_page()
        page.add_init_script(STUBS % json.dumps(ZH_VOICES))
        page.on("dialog", lambda d: d.accept())
        log_in(page, server.base)
        open_form(page, server.base)
        hand_over(page, codes=("PJ-S009",))
        page.wait_for_function("() => window.__said.length >= 1 && !window.SanquSpeak.speaking()")
        assert [h["text"] for h in said(page)] == [norm(greeting(awareness()).zh)]
        villager_begins(page)
        lines = consent_paragraphs(awareness())
        n = len(lines) + len(CONSENT_ANSWERS)
        page.wait_for_function("n => window.__said.length >= 1 + n && !window.SanquSpeak.speaking()", arg=n)
        assert [h["text"] for h in said(page)[1:]] == [norm(t.zh) for t in lines] + [t.zh for _, t in CONSENT_ANSWERS]
        page.evaluate("window.__said.length = 0")
        page.locator("[data-question=consent] label.choice:has(input[value=agree])").tap()
        page.wait_for_function("() => window.__said.length >= 1 && !window.SanquSpeak.speaking()")
        assert [h["text"] for h in said(page)] == ["同意参加"]
        page.evaluate("window.__said.length = 0")
        go_next(page)
        wait_screen(page, "q:age_band")
        page.wait_for_function("() => window.__said.length >= 1 && !window.SanquSpeak.speaking()")
        heard = [h["text"] for h in said(page)]
        assert heard == [norm(t) for _, t in expected("age_band")], heard  # no interviewer hint
    finally:
        context.close()
