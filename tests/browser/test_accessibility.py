"""axe-core (WCAG 2.0/2.1 A and AA) on the staff pages (on a tablet on its side, 1280x800) and the
collection pages (also upright, 800x1280): no critical and no serious
violation: also the audio studio, and every screen of the form in interviewer mode and in kiosk
mode (set-up, consent, questions, their errors, the code prompts, the result).

Each role visits its pages in one browser profile; every page's violations are gathered, so one
failure lists all of them."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from .accessibility import TABLET_LANDSCAPE, TABLET_PORTRAIT, Violation, axe_context, axe_violations, require_axe
from .collecting import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)]

VIEWPORTS = pytest.mark.parametrize("viewport", [TABLET_PORTRAIT, TABLET_LANDSCAPE], ids=["800x1280", "1280x800"])
DASHBOARDS = ("overview", "awareness", "items", "satisfaction", "activity", "quality")


@pytest.fixture(autouse=True)
def _axe_installed() -> None:
    require_axe()  # before the demo is seeded: skip (or, in CI, fail) at once


@pytest.fixture
def demo(db, programme, loaded) -> dict[str, str]:
    """The demo programme with responses and follow-up marks; ids the addresses need."""
    from survey_app.demo.seed import seed_responses
    from survey_app.demo.studio import seed_recordings
    from survey_app.models import County, Response, Round, User

    seed_responses(db.session, 300, seed=13)
    seed_recordings(db.session)  # the studio's pages with a dialect and approved recordings
    db.session.commit()
    pj = db.session.scalar(select(County.id).where(County.code == "430626"))
    response = db.session.scalars(select(Response).where(Response.county_id == pj).order_by(Response.id)).first()
    return {
        "response": str(response.id),
        "device": str(response.device_id),
        "user": str(db.session.scalar(select(User.id).where(User.username == "county-pj"))),
        "round": str(db.session.scalar(select(Round.year).order_by(Round.year))),
    }


class Checker:
    """Visits pages in one profile and keeps what axe finds on each."""

    def __init__(self, page, base: str) -> None:
        self.page, self.base = page, base
        self.found: list[tuple[str, Violation]] = []
        self.checked: list[str] = []

    def check(self, where: str) -> None:
        self.checked.append(where)
        self.found += [(where, v) for v in axe_violations(self.page)]

    def visit(self, path: str) -> None:
        reply = self.page.goto(f"{self.base}{path}")
        assert reply is not None and (reply.ok or path == "/collect/no-such-page"), (path, reply and reply.status)
        if self.page.locator("[data-chart]").count():
            # the charts drawn first: Plotly's SVG is part of what is read out
            self.page.wait_for_function(
                "() => [...document.querySelectorAll('[data-chart]')].every(e => e.dataset.drawn === '1')", timeout=20000)
        if path == "/collect/receipt":
            self.page.wait_for_selector("#receipt-state:not([data-state=loading])", timeout=10000)
        self.check(path)

    def assert_clean(self) -> None:
        assert self.checked
        assert not self.found, "\n".join(f"{where}: {v}" for where, v in self.found)


@pytest.fixture
def checker(browser, live_server, demo, request) -> Iterator[Checker]:
    viewport = request.node.callspec.params["viewport"]
    with axe_context(browser, viewport) as context:
        yield Checker(context.new_page(), live_server)


def pages_for(role: str, ids: dict[str, str]) -> list[str]:
    staff = ["/", *(f"/dashboard/{name}" for name in DASHBOARDS), "/reports/", "/exports/", "/admin/responses",
             f"/admin/responses/{ids['response']}", "/followups/"]
    collecting = ["/collect/", "/collect/devices", f"/collect/devices/{ids['device']}", "/collect/receipt"]
    studio = ["/audio/", "/audio/coverage"]
    account = ["/account", "/account/password", "/account/second-factor"]
    staff += account
    return {
        "admin": [
            *staff, "/admin/users", f"/admin/users/{ids['user']}", "/admin/users/new", "/admin/places",
            "/admin/places/county/430626", "/admin/places/site/new", "/admin/questionnaires", "/admin/questionnaires/awareness",
            "/admin/audit", "/admin/rounds", f"/admin/rounds/{ids['round']}", *collecting, "/collect/import", "/collect/no-such-page",
            *studio, "/audio/fh-xx/awareness",
        ],
        "county-pj": [*staff, *collecting, *studio],
        "team-pj": ["/", "/dashboard/overview", "/dashboard/activity", "/reports/", "/exports/", "/admin/responses", "/followups/"],
        "sw-pj1": ["/", "/followups/", *collecting, "/audio/", *account],
    }[role]


@VIEWPORTS
def test_the_login_page(checker, viewport):
    checker.visit("/login")
    checker.page.fill("input[name=username]", "admin")
    checker.page.fill("input[name=password]", "not the password")
    checker.page.click("input[type=submit]")
    checker.page.wait_for_selector("[role=alert]")
    checker.check("/login (wrong password)")
    checker.assert_clean()


@pytest.mark.parametrize("viewport", [TABLET_PORTRAIT], ids=["800x1280"])
def test_the_second_factor_pages(checker, app, viewport):
    """The QR code page a bureau's user meets at the first login, a wrong code, the recovery codes."""
    import pyotp

    app.config["MFA_REQUIRED_ROLES"] = ("admin", "county")
    page = checker.page
    page.goto(f"{checker.base}/login")
    page.fill("input[name=username]", "county-pj")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("input[name=otp]")
    checker.check("/login (second factor, enrolling)")
    secret = page.inner_text("[data-secret]").replace(" ", "")
    page.fill("input[name=otp]", "12345x")
    page.click("input[type=submit]")
    page.wait_for_selector("[data-error=otp]")
    checker.check("/login/code (wrong code)")
    page.fill("input[name=otp]", pyotp.TOTP(secret).now())
    page.click("input[type=submit]")
    page.wait_for_selector("[data-recovery-codes]")
    checker.check("/login/code (recovery codes)")
    checker.assert_clean()


# Staff pages are read on a PC or a tablet on its side, the collector's on a tablet upright and on
# its side. axe's rules (contrast, names, roles) do not change with the width, so the staff's
# pages are checked once, on the side, and the collector's both ways (where the layout changes).
ROLE_VIEWS = pytest.mark.parametrize("role,viewport", [
    ("admin", TABLET_LANDSCAPE), ("county-pj", TABLET_LANDSCAPE), ("team-pj", TABLET_LANDSCAPE),
    ("sw-pj1", TABLET_LANDSCAPE), ("sw-pj1", TABLET_PORTRAIT),
], ids=["admin", "county-pj", "team-pj", "sw-pj1-1280x800", "sw-pj1-800x1280"])


@ROLE_VIEWS
def test_the_pages_of_each_role(checker, demo, viewport, role):
    log_in(checker.page, checker.base, role)
    for path in pages_for(role, demo):
        checker.visit(path)
    checker.assert_clean()


@pytest.mark.parametrize("viewport", [TABLET_LANDSCAPE], ids=["1280x800"])
def test_pages_in_their_other_states(checker, viewport):
    """What a page shows after a choice: a follow-up's marking form open, a form sent back with
    its messages, English."""
    page = checker.page
    log_in(page, checker.base, "county-pj")
    checker.visit("/followups/")
    page.locator(".followup-list details > summary").first.click()
    checker.check("/followups/ (marking form open)")
    page.context.clear_cookies()
    log_in(page, checker.base, "admin")
    checker.visit("/admin/users/new")
    page.click("main form [type=submit]")
    page.wait_for_selector(".errors, [role=alert]")
    checker.check("/admin/users/new (sent empty)")
    checker.visit("/lang/en?next=/admin/responses")
    checker.visit("/dashboard/awareness?county=433123")
    checker.assert_clean()


def test_the_kiosk_screens(browser, server, programme, loaded):
    """Issue 13: every screen a villager sees in kiosk mode, and the staff's around it, upright."""
    from .accessibility import describe
    from .collecting import answer_screen, enter_pin, go_next, hand_over, villager_begins, wait_screen

    found: list[tuple[str, Violation]] = []
    with axe_context(browser, TABLET_PORTRAIT, has_touch=True) as context:
        page = context.new_page()
        page.on("dialog", lambda d: d.accept())

        def check(where: str) -> None:
            found.extend((where, v) for v in axe_violations(page))

        log_in(page, server.base)
        page.goto(f"{server.base}/collect/awareness")
        page.wait_for_selector("#collect[data-ready]")
        hand_over(page, codes=("PJ-AXE1",))
        check("greeting")
        villager_begins(page)
        check("consent")
        page.click("[data-action=next]")
        page.wait_for_selector("[data-errors-for=consent]:not([hidden])")
        check("consent, unanswered")
        answer_screen(page)
        go_next(page)
        check("a question")
        page.click("[data-action=next]")
        page.wait_for_selector("[data-errors-for=age_band]:not([hidden])")
        check("a question, unanswered")
        while not page.locator(".step:not([hidden]) .question[data-type=likert]:not([hidden])").count():
            answer_screen(page)
            go_next(page)
        check("a likert statement")
        page.click("#kiosk-exit")
        page.wait_for_selector("#pin-screen:not([hidden])")
        enter_pin(page, "1")
        page.wait_for_selector("#pin-error:not([hidden])")
        check("PIN screen, wrong PIN")
        page.click("[data-action=pin-cancel]")
        page.wait_for_selector("#pin-screen", state="hidden")
        for _ in range(80):
            answer_screen(page)
            if page.locator("[data-action=submit]:visible").count():
                break
            go_next(page)
        page.click("[data-action=submit]")
        page.wait_for_selector("#status[data-status]:not([hidden])")
        check("thank-you")
        page.click("[data-action=thanks-done]")
        page.wait_for_selector("#pin-screen[data-mode=handback]:not([hidden])")
        check("hand-back")
        enter_pin(page, "2468")
        wait_screen(page, "setup")
        page.click("[data-action=generate-code]")
        page.click("[data-action=queue-add]")
        page.wait_for_selector("[data-queued-code]")
        check("staff set-up with a queue")
    assert not found, describe([v for _, v in found]) + "\n" + ", ".join(w for w, _ in found)


@VIEWPORTS
def test_the_interviewer_form_screens(browser, server, programme, loaded, viewport):
    """Issue 13: every screen of the form an interviewer goes through, as it is shown."""
    from .accessibility import describe
    from .collecting import answer_screen, go_next, open_form, set_up

    found: list[tuple[str, Violation]] = []
    with axe_context(browser, viewport, has_touch=True) as context:
        page = context.new_page()

        def check(where: str) -> None:
            found.extend((where, v) for v in axe_violations(page))

        log_in(page, server.base)
        open_form(page, server.base)
        check("set-up")
        page.click("[data-action=start]")
        page.wait_for_selector("[data-errors-for=respondent_code]:not([hidden])")
        check("set-up, sent empty")
        page.select_option("select[name=site]", index=1)
        page.fill("input[name=respondent_code]", "PJ-AXE2")
        page.fill("input[name=respondent_code_confirm]", "PJ-AXE9")
        page.click("[data-action=start]")
        page.wait_for_selector("[data-errors-for=respondent_code_confirm]:not([hidden])")
        check("set-up, the codes differ")
        set_up(page, "PJ-AXE2")  # fills both code boxes again
        check("consent")
        page.click("[data-action=next]")
        page.wait_for_selector("[data-errors-for=consent]:not([hidden])")
        check("consent, unanswered")
        answer_screen(page)
        go_next(page)
        check("first questions")
        page.click("[data-action=next]")
        page.wait_for_selector(".step:not([hidden]) .question [data-errors-for]:not([hidden])")
        check("first questions, unanswered")
        seen_likert = False
        for _ in range(40):
            answer_screen(page)
            if page.locator("[data-action=submit]:visible").count():
                break
            go_next(page)
            if not seen_likert and page.locator(".step:not([hidden]) .question[data-type=likert]:not([hidden])").count():
                seen_likert = True
                check("a likert screen")
        assert seen_likert
        page.click("[data-action=submit]")
        page.wait_for_selector("#status[data-status]:not([hidden])")
        check("the result")
        page.click("[data-action=next-respondent]")
        page.wait_for_selector("[data-step=setup]:not([hidden])")
        page.select_option("select[name=site]", index=1)
        page.fill("input[name=respondent_code]", "PJ-AXE2")
        page.fill("input[name=respondent_code_confirm]", "PJ-AXE2")
        page.click("[data-action=start]")
        page.wait_for_selector("[data-code-warning]:not([hidden])")
        check("set-up, a code used before")
    assert not found, describe([v for _, v in found]) + "\n" + ", ".join(w for w, _ in found)
