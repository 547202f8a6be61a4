"""Text from users (site, county and team names, questionnaire labels, typed answers) stays inert
on every page that shows it, in real Chromium; and normal pages raise no CSP violation.

Each payload would call ``__xss`` or ``alert`` if it ran.  A run is caught three ways: the
function records the call, a dialog opens, or the markup shows up as elements in the DOM.  The
CSP would block most of them even if escaping failed, so CSP violations are counted as failures
too: escaping is checked on its own, not only through the CSP.
"""
from __future__ import annotations

import shutil

import pytest
import yaml
from sqlalchemy import select

from ..conftest import ROOT
from .collecting import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)]

PAYLOADS = (
    "<img src=x onerror=alert(1)>",
    '"><svg onload=__xss(2)>',
    "</script><script>__xss(3)</script>",
    "<iframe srcdoc=\"<script>parent.__xss(4)</script>\"></iframe>",
    "<a href=\"javascript:__xss(5)\">five</a>",
    "'-__xss(6)-'{{7*7}}",
)
WATCH = """
window.__xss = function (n) { (window.__hits = window.__hits || []).push(n); };
document.addEventListener("securitypolicyviolation", function (e) {
  (window.__csp = window.__csp || []).push(e.violatedDirective + " " + e.blockedURI);
});
"""
#: what an escaping failure leaves in the DOM, even when the CSP stops the script
INJECTED = "img[src='x'], svg[onload], iframe, [onerror], [onload], a[href^='javascript'], script:not([src]):not([type='application/json'])"


def _poison(definition: dict, i: int = 0) -> int:
    """Prefix every zh label and title in a questionnaire with a payload (in turn)."""
    for key, value in definition.items():
        if key in ("label", "title") and isinstance(value, dict) and "zh" in value:
            value["zh"] = PAYLOADS[i % len(PAYLOADS)] + value["zh"]
            i += 1
        elif isinstance(value, dict):
            i = _poison(value, i)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    i = _poison(item, i)
    return i


@pytest.fixture
def hostile(app, db, tmp_path):
    """The demo programme whose names and questionnaire labels are all payloads, with responses."""
    from survey_app.demo.seed import seed_programme, seed_responses
    from survey_app.instruments import load_folder
    from survey_app.models import County, Site, Team

    folder = tmp_path / "questionnaires"
    shutil.copytree(ROOT / "questionnaires", folder)
    for name in ("awareness.yaml", "satisfaction.yaml"):
        definition = yaml.safe_load((folder / name).read_text())
        _poison(definition)
        (folder / name).write_text(yaml.safe_dump(definition, allow_unicode=True))
    report = load_folder(db.session, folder)
    assert not report.problems, report.problems
    seed_programme(db.session)
    seed_responses(db.session, 300, seed=6)
    for i, county in enumerate(db.session.scalars(select(County))):
        county.name = PAYLOADS[i % len(PAYLOADS)] + county.name
    for i, site in enumerate(db.session.scalars(select(Site))):
        site.name = PAYLOADS[i % len(PAYLOADS)] + site.name
    for i, team in enumerate(db.session.scalars(select(Team))):
        team.name = PAYLOADS[i % len(PAYLOADS)] + team.name
    db.session.commit()
    return db


class Watched:
    def __init__(self, context) -> None:
        self.dialogs: list[str] = []
        self.console: list[str] = []
        context.add_init_script(WATCH)
        self.page = context.new_page()
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)

    def check(self, where: str) -> None:
        page = self.page
        assert page.evaluate("window.__hits || []") == [], where
        assert page.evaluate("window.__csp || []") == [], where
        assert page.locator(INJECTED).count() == 0, where
        assert self.dialogs == [] and self.console == [], (where, self.dialogs, self.console)


def _charts_drawn(page) -> None:
    count = page.locator("[data-chart]").count()
    page.wait_for_function(
        "n => document.querySelectorAll('[data-chart][data-drawn=\"1\"]').length === n", arg=count, timeout=30000)


def test_names_and_labels_stay_inert_on_the_dashboards(server, context, hostile):
    watched = Watched(context)
    page = watched.page
    log_in(page, server.base, "admin")
    shown = ""
    for path in ("/", "/dashboard/overview", "/dashboard/awareness", "/dashboard/items", "/dashboard/satisfaction",
                 "/dashboard/activity", "/dashboard/quality", "/reports/", "/collect/devices"):
        page.goto(server.base + path)
        if page.locator("[data-chart]").count():
            _charts_drawn(page)
            shown += " ".join(page.locator(".main-svg text").all_text_contents())
        shown += page.inner_text("body") + " ".join(page.locator("option").all_text_contents())
        watched.check(path)
        # Plotly reads labels as HTML: a name must not become a link or styled text in a chart.
        assert page.locator(".main-svg a, .main-svg [style*='javascript']").count() == 0, path
    # The payloads were on the pages and in the charts, as text: the checks had something to catch.
    for payload in PAYLOADS:
        assert payload in shown, payload


def test_user_text_stays_inert_on_the_administration_and_export_pages(server, context, hostile):
    """Free-text answers, respondent codes, place names, user names typed at the login and the
    audit trail that records them: shown as text on every page that lists them."""
    from survey_app.models import Response

    db = hostile
    target = db.session.scalar(select(Response).where(Response.questionnaire_id == "satisfaction").order_by(Response.id))
    target.answers_json = {**target.answers_json, "comments": PAYLOADS[2] + PAYLOADS[3]}
    target.respondent_code = PAYLOADS[1][:60]
    db.session.commit()
    watched = Watched(context)
    page = watched.page
    page.goto(f"{server.base}/login")  # a failed login whose name is a payload: it reaches the audit trail
    page.fill("input[name=username]", PAYLOADS[0])
    page.fill("input[name=password]", "not the password")
    page.click("input[type=submit]")
    page.wait_for_selector("[role=alert]")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    watched.console.clear()  # the 401 of the failed login
    log_in(page, server.base, "admin")
    shown = ""
    for path in ("/admin/responses", f"/admin/responses/{target.id}", "/admin/places", "/admin/users", "/admin/audit",
                 "/admin/questionnaires/awareness", "/exports/"):
        page.goto(server.base + path)
        page.wait_for_load_state("load")
        shown += page.inner_text("body") + " ".join(page.locator("option").all_text_contents())
        watched.check(path)
    for payload in (PAYLOADS[0], PAYLOADS[1], PAYLOADS[2], PAYLOADS[3]):
        assert payload in shown, payload


def test_labels_and_typed_answers_stay_inert_while_collecting(server, context, hostile):
    watched = Watched(context)
    page = watched.page
    log_in(page, server.base, "sw-pj1")
    for path in ("/collect/", "/collect/awareness", "/collect/satisfaction"):
        page.goto(server.base + path)
        watched.check(path)
    assert PAYLOADS[0] in page.inner_text("body")
    assert any(PAYLOADS[1] in o for o in page.locator("select[name=site] option").all_text_contents())


def test_a_typed_user_name_comes_back_inert(server, context, hostile):
    watched = Watched(context)
    page = watched.page
    for payload in PAYLOADS:
        page.goto(f"{server.base}/login")
        page.fill("input[name=username]", payload)
        page.fill("input[name=password]", "not the password")
        page.click("input[type=submit]")
        page.wait_for_selector("[role=alert]")
        # the web font finishes loading before the next page: a download cut short leaves the
        # test server's file open (a ResourceWarning, an error under filterwarnings)
        page.evaluate("() => document.fonts.ready.then(() => true)")
        assert page.input_value("input[name=username]") == payload
        watched.console.remove("Failed to load resource: the server responded with a status of 401 (UNAUTHORIZED)")
        watched.check(payload)


def test_the_check_catches_a_script_that_runs(server, context, hostile):
    """The watch itself works: a payload put into the DOM on purpose is caught."""
    watched = Watched(context)
    page = watched.page
    page.goto(f"{server.base}/login")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=alert(1)>')")
    page.wait_for_timeout(300)
    with pytest.raises(AssertionError):
        watched.check("planted")
    assert watched.dialogs == [] and page.evaluate("window.__csp.length") >= 1  # the CSP stopped it


def test_normal_pages_raise_no_csp_violation(server, context, programme, loaded):
    watched = Watched(context)
    page = watched.page
    page.goto(f"{server.base}/login")
    watched.check("/login")
    log_in(page, server.base, "sw-pj1")
    for path in ("/", "/collect/", "/collect/awareness", "/collect/receipt"):
        page.goto(server.base + path)
        page.wait_for_load_state("load")
        watched.check(path)
    # the service worker registered under the CSP
    page.goto(f"{server.base}/collect/awareness")
    page.wait_for_function("navigator.serviceWorker.getRegistration().then(r => !!r)", timeout=20000)
