"""The programme office's page for the evaluation rounds (第一期, 第二期 ...): their names and dates.

A round's dates decide which responses and refusals are in it (``survey_app/rounds.py``), so
adding a round or changing its dates puts every stored response and refusal in its round again
(``rounds.assign_all``), in the same transaction, and the audit trail records how many each
round held before and after.  A round's year never changes: targets files and report names use it.
"""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from .. import rounds
from ..auth.guards import permitted
from ..auth.scope import Scope
from ..extensions import db
from ..models import Refusal, Response, Round
from ..models.audit import record
from . import bp

REQUIRED = _l("必填。")


class RoundForm(FlaskForm):
    year = IntegerField(_l("年度（年份，如 2027）"), validators=[
        DataRequired(message=REQUIRED), NumberRange(min=2000, max=2100, message=_l("年份应在 2000 到 2100 之间。"))])
    name = StringField(_l("名称，如 第三期（2027年度）"), validators=[DataRequired(message=REQUIRED), Length(max=100)])
    starts_on = DateField(_l("第一天（前测开始）"), validators=[DataRequired(message=_l("请填日期，如 2027-03-01。"))])
    ends_on = DateField(_l("最后一天（后测结束）"), validators=[DataRequired(message=_l("请填日期，如 2028-06-30。"))])

    def validate_ends_on(self, field: Any) -> None:
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            field.errors.append(_("最后一天不能早于第一天。"))


def _held() -> dict[Any, dict[str, int]]:
    """How many responses and refusals each round holds (key None: in no round): two GROUP BYs."""
    out: dict[Any, dict[str, int]] = {}
    for model, what in ((Response, "responses"), (Refusal, "refusals")):
        for round_id, n in db.session.execute(select(model.round_id, func.count()).group_by(model.round_id)):
            out.setdefault(round_id, {"responses": 0, "refusals": 0})[what] = int(n)
    return out


def _save(scope: Any, item: Round, action: str, before: dict[str, Any] | None) -> None:
    """Put everything stored in its round again, and record the change with what moved."""
    held_before = _held()
    db.session.flush()
    rounds.assign_all(db.session.connection())
    held_after = _held()
    names = dict(db.session.execute(select(Round.id, Round.year)).all())

    def by_year(held: dict[Any, dict[str, int]]) -> dict[str, dict[str, int]]:
        return {str(names.get(k, "none")) if k is not None else "none": v for k, v in held.items()}

    record(action, actor_id=scope.user_id, target=str(item.year), ip=request.remote_addr, before=before, after=_values(item),
           held_before=by_year(held_before), held_after=by_year(held_after))
    db.session.commit()


def _values(item: Round) -> dict[str, Any]:
    return {"name": item.name, "starts_on": item.starts_on.isoformat(), "ends_on": item.ends_on.isoformat()}


def _office() -> Scope:
    """The office's pages of rounds: 403 for anyone else."""
    return permitted(lambda scope: scope.can_manage_rounds)


@bp.route("/rounds", methods=["GET", "POST"])
@login_required
def rounds_page():
    scope = _office()
    form = RoundForm()
    if request.method == "POST":
        if form.validate():
            if db.session.scalar(select(Round.id).where(Round.year == form.year.data)) is not None:
                form.year.errors = [_("这一年度已经有了。")]
            else:
                item = Round(year=form.year.data, name=form.name.data.strip(), starts_on=form.starts_on.data, ends_on=form.ends_on.data)
                db.session.add(item)
                _save(scope, item, "round.create", None)
                flash(_("已创建；已有的问卷已按新的日期归入各期。"), "ok")
                return redirect(url_for("admin.rounds_page"))
        return _page(form), 422
    return _page(form)


def _page(form: RoundForm) -> str:
    found = db.session.scalars(select(Round).order_by(Round.starts_on, Round.year)).all()
    return render_template("admin/rounds.html", rounds=found, held=_held(), form=form, dates_text=rounds.dates_text)


@bp.route("/rounds/<int:year>", methods=["GET", "POST"])
@login_required
def round_page(year: int):
    scope = _office()
    item = db.session.scalar(select(Round).where(Round.year == year)) if 0 < year < 10000 else None
    if item is None:
        abort(404)
    form = RoundForm(obj=item) if request.method == "GET" else RoundForm()
    del form.year  # a round's year never changes: targets files and report names use it
    if request.method == "POST":
        if not form.validate():
            return render_template("admin/round.html", item=item, form=form), 422
        before = _values(item)
        item.name, item.starts_on, item.ends_on = form.name.data.strip(), form.starts_on.data, form.ends_on.data
        if _values(item) != before:
            _save(scope, item, "round.update", before)
            flash(_("已保存；已有的问卷已按新的日期归入各期。"), "ok")
        return redirect(url_for("admin.rounds_page"))
    return render_template("admin/round.html", item=item, form=form)
