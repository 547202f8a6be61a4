"""The second factor in a real browser (issue 15): a county bureau's user enrols by scanning the
QR code on the page, logs in again with the app's code, then with a recovery code."""
from __future__ import annotations

import time

import pyotp
import pytest
import segno
from sqlalchemy import select

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)]


def _password(page, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill('input[name="username"]', "county-pj")
    page.fill('input[name="password"]', PASSWORD)
    page.click('input[type="submit"]')
    page.wait_for_selector('input[name="otp"]')


def _code(page, code: str) -> None:
    page.fill('input[name="otp"]', code)
    page.click('input[type="submit"]')


def _log_out(page) -> None:
    page.click("header button")
    page.wait_for_selector('input[name="username"]')


def test_enrol_by_qr_code_log_in_with_the_code_then_with_a_recovery_code(app, page, live_server, programme, db):
    from survey_app.config import Config
    from survey_app.models import AuditEvent

    app.config["MFA_REQUIRED_ROLES"] = Config().MFA_REQUIRED_ROLES
    page.set_viewport_size({"width": 800, "height": 1280})
    _password(page, live_server)
    # The QR code on the page is the app's secret, drawn by the page itself (no image service).
    secret = page.inner_text("[data-secret]").replace(" ", "")
    uri = pyotp.TOTP(secret).provisioning_uri(name="county-pj", issuer_name="Sanqu Survey")
    drawn = page.locator("[data-qr] svg path").get_attribute("d")
    expected = segno.make(uri, error="m").svg_inline(scale=5, border=4)
    assert drawn and f'd="{drawn}"' in expected
    assert page.locator("[data-qr] svg").bounding_box()["width"] >= 150
    assert not [r for r in page.context.cookies() if r["name"] == "session" and "sid" in r["value"]]
    assert page.locator('input[name="otp"]').bounding_box()["height"] >= 48
    page.screenshot(path=str(_shots() / "second-factor-enrol-800x1280.png"), full_page=True)

    _code(page, pyotp.TOTP(secret).now())
    page.wait_for_selector("[data-recovery-codes]")
    codes = [c.strip() for c in page.locator("[data-recovery-codes] code").all_inner_texts()]
    assert len(codes) == 10
    page.screenshot(path=str(_shots() / "recovery-codes-800x1280.png"), full_page=True)
    page.click('[data-action="continue"]')
    page.wait_for_selector('[data-questionnaire="awareness"]')
    assert "平江县（430626）" in page.inner_text("main")

    _log_out(page)
    _password(page, live_server)
    assert page.get_attribute("[data-page=second-factor]", "data-enrolling") == "no"
    _code(page, pyotp.TOTP(secret).at(time.time() + 30))  # the next code: this one was used
    page.wait_for_selector('[data-questionnaire="awareness"]')

    _log_out(page)
    _password(page, live_server)
    _code(page, codes[3])
    page.wait_for_selector('[data-questionnaire="awareness"]')
    db.session.rollback()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "mfa.recovery_used"))
    assert event is not None and event.detail["left"] == 9

    # A used recovery code is refused, with a message on the page.
    _log_out(page)
    _password(page, live_server)
    _code(page, codes[3])
    page.wait_for_selector('[data-error="otp"]')
    assert "验证码不对" in page.inner_text('[data-error="otp"]')


def _shots():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "build" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
