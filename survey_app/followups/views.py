"""The follow-up worklist page (/followups/): each village's baseline respondents, who has been
seen again, and a form to mark those who cannot be (moved, deceased, not found) or to clear a
mark.  Every role may use it within its reach, collectors included: they are the ones who go
from door to door.  Codes only: the programme stores no names."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from ..auth.guards import filtered_place
from ..auth.places import Place, pickable_places
from ..auth.scope import Scope
from ..extensions import db
from ..instruments import current_versions, parsed
from ..models import MARK_STATUSES, Site
from . import marks
from .worklist import Item, Progress, progress_by_site, worklist

bp = Blueprint("followups", __name__, url_prefix="/followups")

DEFAULT_QUESTIONNAIRE = "awareness"
#: a place with more baseline respondents than this (the programme, a large county) shows its
#: villages' progress and links to each village's list, rather than one page of thousands
LIST_LIMIT = 400
FILTER_KEYS = ("questionnaire", "county", "team", "site")


def anchor(county: str, code: str) -> str:
    """The id of a respondent's row, which the page scrolls back to after a post."""
    return f"r-{county}-{code.upper()}"


def status_names() -> dict[str, str]:
    return {"to_see": _("待回访"), "followed": _("已回访"), "moved": _("搬走"), "deceased": _("去世"), "not_found": _("找不到")}


CHOOSE_STATUS = _l("请选择：搬走、去世或找不到。")


class MarkForm(FlaskForm):
    county = HiddenField(validators=[DataRequired()])
    respondent_code = HiddenField(validators=[DataRequired()])
    # radio buttons drawn by the template (the collection form's big choices): checked here
    status = StringField(validators=[DataRequired(message=CHOOSE_STATUS), AnyOf(MARK_STATUSES, message=CHOOSE_STATUS)])
    reason = StringField(validators=[DataRequired(message=_l("请写明情况。")), Length(max=marks.REASON_MAX, message=_l("最多 500 字。"))])


class ClearForm(FlaskForm):
    county = HiddenField(validators=[DataRequired()])
    respondent_code = HiddenField(validators=[DataRequired()])


@dataclass
class View:
    """What the page was asked to show, checked against the reader's reach."""

    questionnaire: str | None
    values: dict[str, str]
    place: Place
    problems: dict[str, str] = field(default_factory=dict)
    choices: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def args(self, **changes: str) -> dict[str, str]:
        """The URL query of this view, some values changed (for links, form actions and the
        redirect after a post)."""
        return {key: value for key, value in {**self.values, **changes}.items() if value}


def _with_waves() -> list[tuple[str, str]]:
    """The questionnaires that have a baseline and a follow-up, as (id, title)."""
    return [(q.id, q.title_zh) for q, v in current_versions(db.session) if parsed(v).wave != "none"]


def _read(scope: Scope, args: Mapping[str, str]) -> View:
    """The filters in the URL: a place outside the reader's reach is 403; an unknown code or
    questionnaire is shown beside its field (422) and left out."""
    values = {key: (args.get(key) or "").strip() for key in FILTER_KEYS}
    problems: dict[str, str] = {}
    for key in ("county", "team", "site"):
        if len(values[key]) > 64 or not values[key].isprintable():  # no code is; nothing odd goes to the database
            problems[key], values[key] = _("没有这个代码。"), ""
    offered = _with_waves()
    questionnaire: str | None = values["questionnaire"] or DEFAULT_QUESTIONNAIRE
    if questionnaire not in dict(offered):
        if values["questionnaire"]:
            problems["questionnaire"] = _("没有这个问卷，或它没有前测和后测。")
        questionnaire = offered[0][0] if offered else None
    values["questionnaire"] = questionnaire or ""
    place = filtered_place(db.session, scope, values, problems)
    if problems.keys() & {"county", "team", "site"}:
        values.update(county="", team="", site="")  # the links keep no code that was refused
    view = View(questionnaire, values, place, problems)
    view.choices = pickable_places(db.session, scope, place.county_id).choices()
    view.choices["questionnaire"] = offered
    return view


@dataclass
class Village:
    """One village's part of the page (site None: baselines that named no village)."""

    site_id: int | None
    code: str | None
    name: str | None
    progress: Progress
    items: list[Item] = field(default_factory=list)

    @property
    def waiting(self) -> list[Item]:
        """Those not followed up (to see, or marked): what the social worker came for, first."""
        return [item for item in self.items if not item.followed]

    @property
    def followed(self) -> list[Item]:
        return [item for item in self.items if item.followed]


def _villages(view: View) -> tuple[list[Village], Progress, bool]:
    """The villages with their progress and (when the place is small enough) their respondents,
    the total, and whether respondents are listed.  Two queries."""
    if view.questionnaire is None:
        return [], Progress(), False
    connection = db.session.connection()
    progress = progress_by_site(connection, view.questionnaire, view.place)
    total = Progress()
    for counts in progress.values():
        total = total.plus(counts)
    listed = total.baseline <= LIST_LIMIT or view.place.site_id is not None
    villages: dict[int | None, Village] = {}
    if listed:
        for item in worklist(connection, view.questionnaire, view.place):
            village = villages.get(item.site_id)
            if village is None:
                village = villages[item.site_id] = Village(item.site_id, item.site, item.site_name, progress[item.site_id])
            village.items.append(item)
    else:  # names for the progress table, without reading every respondent
        ids = [site_id for site_id in progress if site_id is not None]
        names = select(Site.id, Site.code, Site.label).where(Site.id.in_(ids))
        for site_id, code, name in db.session.execute(names) if ids else ():
            villages[site_id] = Village(site_id, code, name, progress[site_id])
        if None in progress:
            villages[None] = Village(None, None, None, progress[None])
    ordered = sorted(villages.values(), key=lambda v: (v.code is None, v.code or ""))
    return ordered, total, listed


@dataclass
class Typed:
    """A refused post, to show again: whose row, what was typed, and what is wrong (by field;
    ``general`` for what belongs to no field of the row)."""

    county: str = ""
    respondent_code: str = ""
    status: str | None = None
    reason: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)


def _page(view: View, status: int = 200, typed: Typed | None = None) -> Any:
    villages, total, listed = _villages(view)
    status = 422 if view.problems and status == 200 else status
    return render_template(
        "followups/index.html", view=view, villages=villages, total=total, listed=listed,
        status_names=status_names(), anchor=anchor, typed=typed or Typed(),
    ), status


@bp.get("/")
@login_required
def index():
    return _page(_read(Scope.of(current_user), request.args))


def _message(error: marks.MarkError) -> str:
    """A refusal of the marks service in the reader's language (the service, Flask-free, names
    the field and the problem; the page shows the words beside that field)."""
    words = {
        "unknown": _("没有这个代码。"),
        "required": _("这一项不能空着。"),
        "no_waves": _("这个问卷没有前测和后测。"),
        "no_baseline": _("在你的范围内没有这个编码的前测。"),
        "followed": _("此人已完成后测，不需要标记。"),
        "too_long": _("最多 500 字。"),
        "outside": _("不在你的范围内。"),
    }
    if error.field == "questionnaire" and error.code == "unknown":
        return _("没有这个问卷，或它没有前测和后测。")
    if error.field == "status":
        return _("请选择：搬走、去世或找不到。")
    if error.field == "reason" and error.code == "required":
        return _("请写明情况。")
    return words.get(error.code, _("内容有误。"))


def _post(form: MarkForm | ClearForm, write: Callable[[Scope, str], None], done: str) -> Any:
    """Validate ``form``, call ``write(scope, questionnaire)``, commit and go back to the list
    (PRG); on a refusal, the page again (422) with each message beside its field."""
    scope = Scope.of(current_user)
    view = _read(scope, request.args)
    typed = Typed(county=(form.county.data or "").strip(), respondent_code=(form.respondent_code.data or "").strip().upper())
    if isinstance(form, MarkForm):
        typed.status, typed.reason = form.status.data, form.reason.data or ""
    if form.validate_on_submit():
        if view.questionnaire is None or "questionnaire" in view.problems:
            typed.general.append(_("没有这个问卷，或它没有前测和后测。"))
        else:
            try:
                write(scope, view.questionnaire)
            except marks.MarkError as exc:
                if exc.status == 403:
                    abort(403)
                if exc.field in ("status", "reason"):
                    typed.errors.setdefault(exc.field, []).append(_message(exc))
                else:
                    typed.general.append(_message(exc))
            else:
                db.session.commit()
                flash(done, "ok")
                back = url_for("followups.index", **view.args())  # type: ignore[arg-type]
                return redirect(back + "#" + quote(anchor(typed.county, typed.respondent_code)))
    else:
        for name, problems in form.errors.items():
            if name in ("status", "reason"):
                typed.errors[name] = [str(p) for p in problems]
            else:  # the row's hidden fields: a page altered or cut short
                typed.general.append(_("这一行的信息不全，请重新打开页面再试。"))
    db.session.rollback()
    return _page(view, 422, typed)


@bp.post("/mark")
@login_required
def mark():
    """Mark a baseline respondent who cannot be followed up, with the reason (audited)."""
    form = MarkForm()

    def write(scope: Scope, questionnaire: str) -> None:
        marks.mark(db.session, scope, questionnaire, form.county.data or "", form.respondent_code.data or "",
                   form.status.data or "", form.reason.data or "", ip=request.remote_addr)

    return _post(form, write, _("已标记。"))


@bp.post("/clear")
@login_required
def clear():
    """Clear a respondent's mark: they are to be seen again (audited)."""
    form = ClearForm()

    def write(scope: Scope, questionnaire: str) -> None:
        marks.clear(db.session, scope, questionnaire, form.county.data or "", form.respondent_code.data or "", ip=request.remote_addr)

    return _post(form, write, _("已清除标记。"))
