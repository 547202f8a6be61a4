"""The programme office's pages for counties, sites (villages and communities) and teams:
create, edit, disable and enable.  Disabling hides a place from the collection forms; its
responses stay and keep counting.  A code never changes once made: reports, targets files and
exports refer to places by code."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from ..analysis.snapshots import changed
from ..auth.guards import permitted
from ..auth.places import pickable_places
from ..auth.scope import Scope
from ..extensions import db
from ..findings.common import DOMAIN_NAMES
from ..models import SERVICE_DOMAINS, County, Site, Team
from ..models.audit import record
from . import bp

REQUIRED = _l("必填。")


def _text(label: Any, size: int) -> StringField:
    return StringField(label, validators=[DataRequired(message=REQUIRED), Length(max=size, message=_l("太长了。"))])


class CountyForm(FlaskForm):
    code = StringField(_l("县代码（GB/T 2260，6 位数字）"), validators=[
        DataRequired(message=REQUIRED), Regexp(r"^\d{6}$", message=_l("县代码是 6 位数字，如 430626。"))])
    name = _text(_l("名称"), 100)
    prefecture = StringField(_l("所属市州"), validators=[Length(max=100)])


class SiteForm(FlaskForm):
    code = StringField(_l("代码"), validators=[DataRequired(message=REQUIRED), Length(max=32),
                                             Regexp(r"^[A-Za-z0-9._-]+$", message=_l("代码只能用字母、数字和 . _ -。"))])
    county = SelectField(_l("县"), validate_choice=True)
    township = _text(_l("乡镇"), 100)
    name = _text(_l("村/社区名称"), 100)
    kind = SelectField(_l("类型"), choices=[SelectChoice("village", _l("村")), SelectChoice("community", _l("社区"))])


class TeamForm(FlaskForm):
    code = StringField(_l("代码"), validators=[DataRequired(message=REQUIRED), Length(max=32),
                                             Regexp(r"^[A-Za-z0-9._-]+$", message=_l("代码只能用字母、数字和 . _ -。"))])
    county = SelectField(_l("县"), validate_choice=True)
    name = _text(_l("名称"), 200)
    host_organisation = _text(_l("承接机构"), 200)
    host_type = SelectField(_l("机构类型"), choices=[SelectChoice("agency", _l("社工机构")), SelectChoice("university", _l("高校"))])
    domains = SelectMultipleField(_l("服务领域"), choices=[SelectChoice(d, DOMAIN_NAMES[d]) for d in SERVICE_DOMAINS],
                                  widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


class ActiveForm(FlaskForm):
    active = HiddenField(validators=[AnyOf(("0", "1"))])


KINDS: dict[str, tuple[Any, type[FlaskForm], Any]] = {
    "county": (County, CountyForm, _l("县")), "site": (Site, SiteForm, _l("村/社区")), "team": (Team, TeamForm, _l("工作队")),
}
FIELDS = {"county": ("name", "prefecture"), "site": ("county", "township", "name", "kind"),
          "team": ("county", "name", "host_organisation", "host_type", "domains")}


def _counties(form: Any, scope: Scope) -> None:
    if hasattr(form, "county"):
        rows = pickable_places(db.session, scope).county
        form.county.choices = [SelectChoice(code, f"{name}（{code}）") for code, name in rows]


def _kind(kind: str) -> tuple[Any, type[FlaskForm], Any]:
    if kind not in KINDS:
        abort(404)
    return KINDS[kind]


def _office() -> Scope:
    """The office's pages of counties, villages and teams: 403 for anyone else."""
    return permitted(lambda scope: scope.can_manage_places)


@bp.get("/places")
@login_required
def places():
    _office()
    counties = db.session.scalars(select(County).order_by(County.code)).all()
    return render_template("admin/places.html", counties=counties, domain_names=DOMAIN_NAMES)


def _values(kind: str, item: Any) -> dict[str, Any]:
    """The item as its form shows it (the county by code)."""
    out = {name: getattr(item, name) for name in FIELDS[kind] if name != "county"}
    if "county" in FIELDS[kind]:
        out["county"] = item.county.code
    return out


def _apply(kind: str, item: Any, form: Any) -> None:
    changed(db.session)  # the figures' snapshots name the places
    for name in FIELDS[kind]:
        value = form[name].data
        if name == "county":
            item.county = db.session.scalar(select(County).where(County.code == value))
        else:
            setattr(item, name, value.strip() if isinstance(value, str) else value)


@bp.route("/places/<kind>/new", methods=["GET", "POST"])
@login_required
def new_place(kind: str):
    scope = _office()
    model, form_class, label = _kind(kind)
    form = form_class()
    _counties(form, scope)
    if request.method == "POST":
        if form.validate():
            code = form.code.data.strip()
            if db.session.scalar(select(model.id).where(model.code == code)) is not None:
                form.code.errors = [_("这个代码已经有了。")]
            else:
                item = model(code=code)
                _apply(kind, item, form)
                db.session.add(item)
                db.session.flush()
                record(f"{kind}.create", actor_id=scope.user_id, target=code, ip=request.remote_addr, **_values(kind, item))
                db.session.commit()
                flash(_("已创建。"), "ok")
                return redirect(url_for("admin.place", kind=kind, code=code))
        return render_template("admin/place.html", kind=kind, label=label, form=form, item=None), 422
    return render_template("admin/place.html", kind=kind, label=label, form=form, item=None)


def _item_or_404(model: Any, code: str) -> Any:
    item = db.session.scalar(select(model).where(model.code == code))
    if item is None:
        abort(404)
    return item


@bp.route("/places/<kind>/<code>", methods=["GET", "POST"])
@login_required
def place(kind: str, code: str):
    scope = _office()
    model, form_class, label = _kind(kind)
    item = _item_or_404(model, code)
    form = form_class(data={"code": item.code, **_values(kind, item)}) if request.method == "GET" else form_class()
    _counties(form, scope)
    del form.code  # a code never changes: reports, targets and exports refer to it
    active = ActiveForm(data={"active": "0" if item.active else "1"})
    if request.method == "POST":
        if not form.validate():
            return render_template("admin/place.html", kind=kind, label=label, form=form, item=item, active=active), 422
        before = _values(kind, item)
        _apply(kind, item, form)
        after = _values(kind, item)
        if before != after:
            record(f"{kind}.update", actor_id=scope.user_id, target=item.code, ip=request.remote_addr, before=before, after=after)
            db.session.commit()
            flash(_("已保存。"), "ok")
        return redirect(url_for("admin.place", kind=kind, code=item.code))
    return render_template("admin/place.html", kind=kind, label=label, form=form, item=item, active=active)


@bp.post("/places/<kind>/<code>/active")
@login_required
def place_active(kind: str, code: str):
    scope = _office()
    model, _form, _label = _kind(kind)
    item = _item_or_404(model, code)
    form = ActiveForm()
    if not form.validate():
        abort(400)
    wanted = form.active.data == "1"
    if item.active != wanted:  # posted twice: changed once
        item.active = wanted
        record(f"{kind}.{'enable' if wanted else 'disable'}", actor_id=scope.user_id, target=item.code, ip=request.remote_addr)
        db.session.commit()
        flash(_("已启用。") if wanted else _("已停用：不再出现在采集表单中，已有的问卷照常计入。"), "ok")
    return redirect(url_for("admin.place", kind=kind, code=item.code))
