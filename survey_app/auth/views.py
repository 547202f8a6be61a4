"""Staff login and logout (Flask-Login, Flask-WTF), with the second factor between the two.

After the right password, a user with a second factor (or whose role requires one) is only
*pending*: the cookie session holds their id for a few minutes, no server-side session exists
and nothing but the code page opens, until the code is right (DESIGN.md, "Login with a second
factor").  A role that requires the factor and has none enrols on the spot.
"""
from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..extensions import db
from ..models import User
from ..models.audit import record
from ..models.types import utcnow
from ..redirects import safe_path
from . import lockout, mfa
from .forms import LoginForm, SecondFactorForm
from .lockout import Attempt, login_name
from .passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password
from .sessions import clear_session, end_current_session, start_session
from .tokens import revoke_user_tokens

bp = Blueprint("auth", __name__)

#: the cookie-session key of a login waiting for its second factor
PENDING = "pending_login"


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        attempt = Attempt.of_request(form.username.data)
        if lockout.refused(db.session, attempt):
            db.session.commit()
            return _too_many()
        user = db.session.scalar(select(User).where(User.username == login_name(form.username.data)))
        valid = verify_password(user.password_hash if user else DUMMY_HASH, form.password.data)
        if user is not None and valid and user.active:
            if needs_rehash(user.password_hash):
                # the hashing parameters were raised since this password was set (ASVS 11.2.2)
                user.password_hash = hash_password(form.password.data)
                db.session.commit()
            if mfa.enrolled(user) or mfa.required(user):
                return _ask_second_factor(user)
            return _finish(user, attempt, "password")
        lockout.failed(db.session, attempt)
        record("login.failure", target=attempt.name, ip=request.remote_addr)
        db.session.commit()
        flash("用户名或密码不正确。Wrong username or password.", "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.route("/login/code", methods=["GET", "POST"])
def second_factor():
    """The code page: six digits from the authenticator app or a recovery code; a user who
    must enrol first scans the QR code shown here."""
    user = _pending_user()
    if user is None:
        flash("请重新输入用户名和密码。Please log in again.", "error")
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    if not form.validate_on_submit():
        return _code_page(user, form), 400 if form.errors else 200
    attempt = Attempt.of_request(user.username)
    if lockout.refused(db.session, attempt):
        db.session.commit()
        return _too_many()
    method = None
    enrolling = not mfa.enrolled(user)
    if mfa.check_totp(user, form.otp.data):
        method = "totp"
    elif not enrolling and mfa.use_recovery_code(db.session, user, form.otp.data):
        method = "recovery"
    if method is None:
        lockout.failed(db.session, attempt)
        record("login.mfa_failure", actor_id=user.id, target=user.username, ip=request.remote_addr)
        db.session.commit()
        form.otp.errors = ["验证码不对，或已经用过。请看手机上现在的 6 位数字再输一次。"
                           "Wrong or already used code: type the six digits the app shows now."]
        return _code_page(user, form), 401
    codes = None
    if enrolling:
        codes = mfa.confirm_enrolment(db.session, user)
        record("mfa.enrol", actor_id=user.id, target=user.username, ip=request.remote_addr, at="login")
    elif method == "recovery":
        record("mfa.recovery_used", actor_id=user.id, target=user.username, ip=request.remote_addr,
               left=mfa.recovery_codes_left(db.session, user))
    next_path = session.get(PENDING, {}).get("next")
    return _finish(user, attempt, method, next_path=next_path, show_codes=codes)


def _ask_second_factor(user: User):
    """Hold the login until the code is right: nothing but the user's id, for a few minutes."""
    next_path = _safe_next()
    clear_session()
    session[PENDING] = {"user_id": user.id, "at": int(time.time()), "next": next_path}
    if not mfa.enrolled(user):
        mfa.start_enrolment(user)
        db.session.commit()
    return _code_page(user, SecondFactorForm())


def _pending_user() -> User | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    if time.time() - pending.get("at", 0) > current_app.config["MFA_PENDING_SECONDS"]:
        session.pop(PENDING, None)
        return None
    user = db.session.get(User, pending.get("user_id"))
    return user if user is not None and user.active else None


def _code_page(user: User, form: SecondFactorForm):
    enrolling = not mfa.enrolled(user)
    if enrolling and user.totp_secret is None:
        mfa.start_enrolment(user)
        db.session.commit()
    uri = mfa.uri(user) if enrolling else None
    return render_template("auth/second_factor.html", form=form, user=user, enrolling=enrolling,
                           qr=mfa.qr_svg(uri) if uri else None, secret=mfa.spaced(user.totp_secret or "") if enrolling else None)


def _finish(user: User, attempt: Attempt, method: str, next_path: str | None = None, show_codes: list[str] | None = None):
    """The login is complete: a new server-side session, the counters cleared, this browser
    remembered as one that knows the account."""
    start_session(db.session, user)  # clears the cookie session: a new id, no fixation
    login_user(user)
    user.last_login_at = utcnow()
    lockout.succeeded(db.session, attempt)
    record("login.success", actor_id=user.id, target=user.username, ip=request.remote_addr, factor=method)
    db.session.commit()
    target = next_path if next_path is not None else _safe_next()
    if user.password_temporary:
        target = url_for("account.password", next=target) if target else url_for("account.password")
    response: Any
    if show_codes is not None:
        response = make_response(render_template("auth/recovery_codes.html", codes=show_codes, next=target or url_for("main.home")))
    else:
        response = redirect(target or url_for("main.home"))
    lockout.remember_browser(response, attempt)
    return response


def _too_many():
    return render_template("errors/ratelimited.html"), 429


def _safe_next() -> str | None:
    return safe_path(request.args.get("next"))


@bp.post("/logout")
@login_required
def logout():
    # This tablet's sync token goes with the session (what still waits on it syncs after the
    # next login; the page warns before logging out with anything pending).  The user's other
    # tablets keep theirs: their queues must not be stranded by a logout elsewhere (issue 15).
    revoked = revoke_user_tokens(db.session, current_user, kind="device", labels=list(session.get("devices", [])))
    record("logout", actor_id=current_user.id, target=current_user.username, ip=request.remote_addr, device_tokens_revoked=revoked)
    end_current_session(db.session)
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
def set_language(code: str):
    """Switch the interface between Chinese (the default) and English, then go back."""
    if code in ("zh", "en"):
        session["lang"] = code
    return redirect(_safe_next() or url_for("main.home"))
