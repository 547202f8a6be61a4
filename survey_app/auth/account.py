"""A staff member's own account: change the password, set up the second factor, new recovery
codes (ASVS V6.2.2, V6.4, V6.5).  A temporary password (set by the office) opens nothing but
the change page until it is replaced."""
from __future__ import annotations

from typing import cast

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..models import User
from ..models.audit import record
from ..redirects import safe_path
from . import mfa
from .forms import EndSessionsForm, EnrolForm, PasswordChangeForm, SecondFactorForm
from .passwords import hash_password, password_problem, verify_password
from .sessions import end_other_sessions, live_sessions
from .tokens import revoke_user_tokens

bp = Blueprint("account", __name__, url_prefix="/account")

#: what a user with a temporary password may still open
OPEN_WITH_TEMPORARY = {"account.password", "auth.logout", "auth.set_language", "static"}


def require_own_password():
    """Before every request: a temporary password leads to the change page, whatever was asked."""
    if request.endpoint in OPEN_WITH_TEMPORARY or request.endpoint is None or request.path.startswith("/api/"):
        return None
    if not (current_user.is_authenticated and current_user.password_temporary):
        return None
    if request.is_json or request.accept_mimetypes.best == "application/json":
        return jsonify({"error": "password_change_required",
                        "message": "请先修改临时密码。Choose your own password first."}), 403
    return redirect(url_for("account.password", next=request.full_path.rstrip("?")))


def _me() -> User:
    return cast(User, current_user._get_current_object())


@bp.get("")
@login_required
def index(end_form: EndSessionsForm | None = None, status: int = 200):
    return render_template("account/index.html", enrolled=mfa.enrolled(current_user), required=mfa.required(current_user),
                           codes_left=mfa.recovery_codes_left(db.session, current_user) if mfa.enrolled(current_user) else 0,
                           codes_form=SecondFactorForm(), sessions=live_sessions(db.session, _me()),
                           end_form=end_form or EndSessionsForm()), status


@bp.post("/sessions/end")
@login_required
def end_sessions():
    """Log out every other browser of this user (ASVS 7.5.2), the password asked again."""
    user = _me()
    form = EndSessionsForm()
    if not form.validate_on_submit():
        return index(form, 422)
    if not verify_password(user.password_hash, form.current.data):
        form.current.errors = ["现在的密码不对。The current password is wrong."]
        return index(form, 422)
    ended = end_other_sessions(db.session, user)
    record("session.end_others", actor_id=user.id, target=user.username, ip=request.remote_addr, sessions_ended=ended)
    db.session.commit()
    flash(f"已退出其他 {ended} 处登录。Logged out of {ended} other session(s).", "ok")
    return redirect(url_for("account.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    user = _me()
    form = PasswordChangeForm()
    enrolled = mfa.enrolled(user)
    if not form.validate_on_submit():
        return render_template("account/password.html", form=form, enrolled=enrolled), 422 if form.errors else 200
    problems = False
    if not verify_password(user.password_hash, form.current.data):
        form.current.errors = ["现在的密码不对。The current password is wrong."]
        problems = True
    elif enrolled and not (mfa.check_totp(user, form.otp.data or "") or mfa.use_recovery_code(db.session, user, form.otp.data or "")):
        form.otp.errors = ["验证码不对，或已经用过。Wrong or already used code."]
        problems = True
    problem = password_problem(form.new.data, user.username)
    if problem is None and verify_password(user.password_hash, form.new.data):
        problem = "新密码不能和现在的一样。The new password must differ from the current one."
    if problem:
        form.new.errors = [problem]
        problems = True
    if problems:
        record("user.password_change_refused", actor_id=user.id, target=user.username, ip=request.remote_addr)
        db.session.commit()
        return render_template("account/password.html", form=form, enrolled=enrolled), 422
    user.password_hash = hash_password(form.new.data)
    was_temporary, user.password_temporary = user.password_temporary, False
    ended = end_other_sessions(db.session, user)
    # API tokens go (whoever copied one with the old password is out); the user's own tablets
    # keep their device tokens, so that their queues still sync; each can be revoked on the
    # devices page.
    revoked = revoke_user_tokens(db.session, user, kind="api")
    record("user.password_change", actor_id=user.id, target=user.username, ip=request.remote_addr,
           was_temporary=was_temporary, sessions_ended=ended, tokens_revoked=revoked)
    db.session.commit()
    flash("密码已修改。Password changed.", "ok")
    return redirect(safe_path(request.args.get("next")) or url_for("account.index"))


@bp.route("/second-factor", methods=["GET", "POST"])
@login_required
def second_factor():
    """Set up the authenticator app (for those whose role does not require it, or again after
    a reset)."""
    user = _me()
    if mfa.enrolled(user):
        return redirect(url_for("account.index"))
    form = EnrolForm()
    if request.method == "GET" or user.totp_secret is None:
        mfa.start_enrolment(user)
        db.session.commit()
    elif form.validate_on_submit() and not verify_password(user.password_hash, form.current.data):
        form.current.errors = ["现在的密码不对。The current password is wrong."]
    elif form.validate_on_submit() and mfa.check_totp(user, form.otp.data):
        codes = mfa.confirm_enrolment(db.session, user)
        record("mfa.enrol", actor_id=user.id, target=user.username, ip=request.remote_addr, at="account")
        db.session.commit()
        return render_template("auth/recovery_codes.html", codes=codes, next=url_for("account.index"))
    elif form.validate_on_submit():
        form.otp.errors = ["验证码不对。请看手机上现在的 6 位数字再输一次。Wrong code: type the six digits the app shows now."]
    status = 422 if form.errors else 200
    return render_template("account/second_factor.html", form=form, qr=mfa.qr_svg(mfa.uri(user)),
                           secret=mfa.spaced(user.totp_secret or "")), status


@bp.post("/recovery-codes")
@login_required
def recovery_codes():
    """New recovery codes (the old ones stop working); asks for a code from the app."""
    user = _me()
    form = SecondFactorForm()
    if not mfa.enrolled(user):
        return redirect(url_for("account.index"))
    if not (form.validate_on_submit() and mfa.check_totp(user, form.otp.data)):
        flash("验证码不对，恢复码没有更换。Wrong code: the recovery codes were not replaced.", "error")
        return redirect(url_for("account.index"), 303)
    codes = mfa.new_recovery_codes(db.session, user)
    record("mfa.recovery_codes", actor_id=user.id, target=user.username, ip=request.remote_addr)
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=codes, next=url_for("account.index"))
