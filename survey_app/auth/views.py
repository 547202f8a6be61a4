"""Staff login and logout (Flask-Login, Flask-WTF)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..extensions import db
from ..models import User
from ..models.audit import record
from ..models.types import utcnow
from ..redirects import safe_path
from .forms import LoginForm
from .lockout import account_locked, lock_key, login_name
from .passwords import DUMMY_HASH, verify_password
from .sessions import end_current_session, start_session
from .throttle import per_address
from .tokens import revoke_user_tokens

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@per_address
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        if account_locked(db.session, form.username.data):
            record("login.locked", target=lock_key(form.username.data), ip=request.remote_addr)
            db.session.commit()
            return render_template("errors/ratelimited.html"), 429
        user = db.session.scalar(select(User).where(User.username == login_name(form.username.data)))
        valid = verify_password(user.password_hash if user else DUMMY_HASH, form.password.data)
        if user is not None and valid and user.active:
            start_session(db.session, user)  # a new session id at every login: no fixation
            login_user(user)
            user.last_login_at = utcnow()
            record("login.success", actor_id=user.id, target=user.username, ip=request.remote_addr)
            db.session.commit()
            return redirect(_safe_next() or url_for("main.home"))
        record("login.failure", target=lock_key(form.username.data), ip=request.remote_addr)
        db.session.commit()
        flash("用户名或密码不正确。Wrong username or password.", "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


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
