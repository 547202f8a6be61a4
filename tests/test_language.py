"""Chinese first, with an English switch (Flask-Babel; the source language is Chinese)."""
from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.factories import login

CATALOG = Path(__file__).resolve().parent.parent / "survey_app" / "translations" / "en" / "LC_MESSAGES"


def test_chinese_by_default_and_english_on_request(client, programme, loaded):
    login(client, "sw-pj1")
    page = client.get("/collect/awareness").get_data(as_text=True)
    assert "开始访问" in page and 'lang="zh-CN"' in page
    assert client.get("/lang/en?next=/collect/awareness").status_code == 302
    page = client.get("/collect/awareness").get_data(as_text=True)
    assert 'lang="en"' in page and "Start" in page and "开始访问" not in page
    assert "Baseline (first)" in page and "Respondent code" in page
    client.get("/lang/zh")
    assert "开始访问" in client.get("/collect/awareness").get_data(as_text=True)


def test_the_compiled_catalogue_matches_its_source():
    with open(CATALOG / "messages.po", "rb") as po, open(CATALOG / "messages.mo", "rb") as mo:
        source, compiled = read_po(po), read_mo(mo)
    expected = {m.id: m.string for m in source if m.id}
    actual = {m.id: m.string for m in compiled if m.id}
    assert actual == expected, "run `make messages`"
    assert len(expected) > 60


def test_error_pages_speak_the_readers_language(client, programme):
    login(client, "sw-pj1")
    missing = client.get("/no-such-page")
    page = missing.get_data(as_text=True)
    assert missing.status_code == 404 and "找不到这个页面" in page and "requested URL was not found" not in page
    assert "联系省项目办" in client.get("/admin/users").get_data(as_text=True)  # a collector: 403
    client.get("/lang/en")
    page = client.get("/no-such-page").get_data(as_text=True)
    assert "Page not found" in page and "找不到这个页面" not in page
