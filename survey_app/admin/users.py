"""The programme office's pages for staff accounts: list, create, change role or place, set a
new password, disable and enable.  Every change goes into the audit trail."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length, Regexp

from ..auth import mfa
from ..auth.guards import permitted
from ..auth.lockout import account_locked, unlock
from ..auth.passwords import hash_password, password_problem
from ..auth.places import pickable_places
from ..auth.scope import Scope
from ..auth.sessions import disable_user, set_password
from ..extensions import db
from ..models import ROLES, County, Team, User
from ..models.audit import record
from . import accounts, bp

ROLE_NAMES = {"admin": _l("省项目办"), "county": _l("县民政局"), "team": _l("工作队"), "collector": _l("社工（采集）")}
PROBLEMS = {"needs_county": _l("县民政局的账号要选一个县。"), "needs_team": _l("工作队和社工的账号要选一个工作队。"),
            "unknown_role": _l("没有这个角色。")}


class PlacementForm(FlaskForm):
    role = SelectField(_l("角色"), choices=[SelectChoice(r, ROLE_NAMES[r]) for r in ROLES])
    county = SelectField(_l("县（县民政局账号）"), choices=[], validate_choice=False)
    team = SelectField(_l("工作队（工作队和社工账号）"), choices=[], validate_choice=False)


class NewUserForm(PlacementForm):
    username = StringField(_l("用户名"), validators=[
        DataRequired(message=_l("请填写用户名。")), Length(max=64, message=_l("用户名最多 64 个字符。")),
        Regexp(r"^[A-Za-z0-9._-]+$", message=_l("用户名只能用字母、数字和 . _ -（不要用真实姓名）。"))])
    password = PasswordField(_l("初始密码"), validators=[DataRequired(message=_l("请填写密码。"))])
    confirm = PasswordField(_l("再输一次"), validators=[EqualTo("password", message=_l("两次输入的密码不一样。"))])


class PasswordForm(FlaskForm):
    password = PasswordField(_l("新密码"), validators=[DataRequired(message=_l("请填写密码。"))])
    confirm = PasswordField(_l("再输一次"), validators=[EqualTo("password", message=_l("两次输入的密码不一样。"))])


class ActiveForm(FlaskForm):
    #: "0" disable, "1" enable: a form posted twice does the same thing once
    active = HiddenField(validators=[AnyOf(("0", "1"))])


def _places(form: PlacementForm, scope: Scope) -> None:
    picks = pickable_places(db.session, scope)
    form.county.choices = [SelectChoice("", "—")] + [SelectChoice(c, f"{n}（{c}）") for c, n in picks.county]
    form.team.choices = [SelectChoice("", "—")] + [SelectChoice(c, n) for c, n in picks.team]


def _password_problem(form: Any, username: str) -> bool:
    problem = password_problem(form.password.data or "", username)
    if problem:
        form.password.errors = [*form.password.errors, _("密码不符合要求：%(problem)s", problem=problem)]
        return True
    return False


def _office() -> Scope:
    """The office's pages of accounts: 403 for anyone else."""
    return permitted(lambda scope: scope.can_manage_users)


@bp.get("/users")
@login_required
def users():
    _office()
    rows = db.session.execute(
        select(User, County.name, Team.name).outerjoin(County, County.id == User.county_id).outerjoin(Team, Team.id == User.team_id)
        .order_by(User.active.desc(), User.role, User.username)).all()
    return render_template("admin/users.html", rows=rows, role_names=ROLE_NAMES)


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def new_user():
    scope = _office()
    form = NewUserForm()
    _places(form, scope)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            placed, problems = accounts.placement(db.session, form.role.data, form.county.data or None, form.team.data or None)
            for field, code in problems.items():
                getattr(form, field).errors = [str(PROBLEMS[code])]
            taken = db.session.scalar(select(User.id).where(User.username == form.username.data))
            if taken is not None:
                form.username.errors = [_("这个用户名已经有人用了。")]
            if not _password_problem(form, form.username.data) and placed is not None and taken is None:
                user = User(username=form.username.data, role=form.role.data, county=placed.county, team=placed.team,
                            password_hash=hash_password(form.password.data), password_temporary=True)
                db.session.add(user)
                db.session.flush()
                record("user.create", actor_id=scope.user_id, target=user.username, ip=request.remote_addr, role=user.role,
                       county=placed.county.code if placed.county else None, team=placed.team.code if placed.team else None)
                db.session.commit()
                flash(_("已创建账号 %(name)s。", name=user.username), "ok")
                return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user_new.html", form=form), status


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _detail(scope: Scope, user: User, placement: PlacementForm | None = None, password: PasswordForm | None = None,
            status: int = 200) -> Any:
    if placement is None:
        placement = PlacementForm(data={"role": user.role, "county": user.county.code if user.county else "",
                                        "team": user.team.code if user.team else ""})
    _places(placement, scope)
    active = ActiveForm(data={"active": "1" if not user.active else "0"})
    return render_template("admin/user.html", user=user, placement=placement, password=password or PasswordForm(),
                           active=active, role_names=ROLE_NAMES, myself=user.id == current_user.id,
                           locked=account_locked(db.session, user.username), unlock=FlaskForm(),
                           mfa_enrolled=mfa.enrolled(user)), status


@bp.get("/users/<int:user_id>")
@login_required
def user_detail(user_id: int):
    return _detail(_office(), _user_or_404(user_id))


@bp.post("/users/<int:user_id>/placement")
@login_required
def user_placement(user_id: int):
    scope = _office()
    user = _user_or_404(user_id)
    form = PlacementForm()
    _places(form, scope)
    if not form.validate():
        return _detail(scope, user, placement=form, status=422)
    placed, problems = accounts.placement(db.session, form.role.data, form.county.data or None, form.team.data or None)
    if placed is None:
        for field, code in problems.items():
            getattr(form, field).errors = [str(PROBLEMS[code])]
        return _detail(scope, user, placement=form, status=422)
    before = {"role": user.role, "county": user.county.code if user.county else None, "team": user.team.code if user.team else None}
    after = {"role": form.role.data, "county": placed.county.code if placed.county else None,
             "team": placed.team.code if placed.team else None}
    if before != after:
        user.role, user.county, user.team = form.role.data, placed.county, placed.team
        record("user.update", actor_id=scope.user_id, target=user.username, ip=request.remote_addr, before=before, after=after)
        db.session.commit()
        flash(_("已保存。"), "ok")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/password")
@login_required
def user_password(user_id: int):
    scope = _office()
    user = _user_or_404(user_id)
    form = PasswordForm()
    if not form.validate() or _password_problem(form, user.username):
        return _detail(scope, user, password=form, status=422)
    # set for someone else, it is temporary: they choose their own at the next login
    temporary = user.id != scope.user_id
    ended, revoked = set_password(db.session, user, hash_password(form.password.data), temporary=temporary)
    record("user.password", actor_id=scope.user_id, target=user.username, ip=request.remote_addr,
           sessions_ended=ended, tokens_revoked=revoked, temporary=temporary)
    db.session.commit()
    flash(_("已设置新密码。"), "ok")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/unlock")
@login_required
def user_unlock(user_id: int):
    """Lift a login lock now (a lock otherwise ends when its failures leave the window)."""
    scope = _office()
    user = _user_or_404(user_id)
    if not FlaskForm().validate():
        abort(400)
    unlock(db.session, user.username, actor_id=scope.user_id, ip=request.remote_addr)
    db.session.commit()
    flash(_("已解除登录锁定。"), "ok")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/second-factor/reset")
@login_required
def user_mfa_reset(user_id: int):
    """Forget a user's authenticator app (a lost phone): they set it up again at the next login."""
    scope = _office()
    user = _user_or_404(user_id)
    if not FlaskForm().validate():
        abort(400)
    mfa.reset(db.session, user)
    record("mfa.reset", actor_id=scope.user_id, target=user.username, ip=request.remote_addr)
    db.session.commit()
    flash(_("已重置手机验证。"), "ok")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/active")
@login_required
def user_active(user_id: int):
    scope = _office()
    user = _user_or_404(user_id)
    form = ActiveForm()
    if not form.validate():
        abort(400)
    if user.id == scope.user_id:
        abort(403)  # no one disables their own account (the last office account would lock everyone out)
    wanted = form.active.data == "1"
    if user.active != wanted:
        if wanted:
            accounts.enable(db.session, user, scope.user_id, request.remote_addr)
            flash(_("已启用。"), "ok")
        else:
            ended, revoked = disable_user(db.session, user, actor=current_user)
            flash(_("已停用：不能再登录，结束了 %(s)d 个会话，撤销了 %(n)d 个令牌。", s=ended, n=revoked), "ok")
        db.session.commit()
    return redirect(url_for("admin.user_detail", user_id=user.id))
