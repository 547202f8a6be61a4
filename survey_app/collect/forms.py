"""The collection form of a questionnaire version, built from its definition: the interviewer
set-up, consent, and one field per question from the question-type registry."""
from __future__ import annotations

from typing import Any

import wtforms
from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import validators as v

from ..questionnaires import Definition
from ..questionnaires.types import get_type


def wave_choices() -> list[tuple[str, str]]:
    return [("pre", gettext("前测（第一次）")), ("post", gettext("后测（一年后）"))]


def consent_choices() -> list[tuple[str, str]]:
    return [("agree", gettext("同意参加")), ("decline", gettext("不参加"))]


class CollectForm(FlaskForm):
    """Base of every questionnaire's form: set-up and consent; question fields are added."""

    county = wtforms.SelectField(validators=[v.InputRequired()], validate_choice=False)
    site = wtforms.SelectField(validate_choice=False)
    wave = wtforms.RadioField(validate_choice=False)
    respondent_code = wtforms.StringField(filters=[lambda s: s.strip().upper() if s else s])
    respondent_code_confirm = wtforms.StringField(filters=[lambda s: s.strip().upper() if s else s])
    consent = wtforms.RadioField(validate_choice=False)
    uuid = wtforms.HiddenField()
    started_at = wtforms.HiddenField()


def form_class(qn: Definition, lang: str) -> type[CollectForm]:
    """A form class for this questionnaire; inputs are named by question id (DESIGN.md hooks)."""
    fields: dict[str, Any] = {}
    for question in qn.questions.values():
        if question.takes_answer:  # a note is text only: no input
            fields[question.id] = get_type(question.type).form_field(question, lang)
    return type(f"CollectForm_{qn.id}", (CollectForm,), fields)


def build_form(qn: Definition, lang: str, counties: list[tuple[str, str]], sites: list[tuple[str, str]], **kwargs: Any) -> CollectForm:
    form = form_class(qn, lang)(**kwargs)
    form.county.choices = counties
    form.site.choices = [("", "—"), *sites]
    form.wave.choices = wave_choices()
    form.consent.choices = consent_choices()
    return form


def answers_from_form(qn: Definition, data: Any) -> dict[str, Any]:
    """The answers in a submitted form, typed as the API takes them (``data`` is request.form)."""
    answers = {}
    for question in qn.questions.values():
        value = get_type(question.type).from_form(question, data.getlist(question.id))
        if value is not None:
            answers[question.id] = value
    return answers
