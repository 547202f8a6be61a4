"""The prompts of a questionnaire: every piece of text a villager may hear, each with a stable key.

One key scheme is shared by the audio studio (which records a prompt under its key), the coverage
page and ``questionnaires check`` (which count the keys without an approved recording), and the
tablet (static/js/collect.js, which looks a key up in ``script#recordings`` before falling back to
speech synthesis).  Keys name questions and option values, never positions, so a new version that
only adds a question keeps every recording of the old one usable.

    greeting            the kiosk's first screen
    consent:N           paragraph N (from 1) of the consent text: each non-empty line is one
    consent:agree       the two consent answers (the app's words, the same in every questionnaire)
    consent:decline
    q:QID               a question's label (without the required mark)
    o:QID:VALUE         an option of a single or multi question, by its value
    o:QID:POINT         a likert point, by its number; spoken as "POINT LABEL" when it has a word
    hint:QID            a hint meant for the respondent (interviewer hints are never spoken)
    thanks              the kiosk's last screen

Interviewer-only text (hints with ``audience: interviewer``, set-up and staff messages) has no key.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..questionnaires.model import Definition, Text

DEFAULT_GREETING = Text(
    zh="您好！欢迎参加这次调查。请一页一页回答，不会的可以点喇叭听。",
    en="Hello! Welcome to this survey. Answer one page at a time; tap the speaker to hear it.",
)
DEFAULT_THANKS = Text(
    zh="填完了，谢谢您！请把平板交还给社工。",
    en="All done, thank you! Please hand the tablet back to the social worker.",
)

#: the consent answers as the form offers them (collect/forms.consent_choices, same words)
CONSENT_ANSWERS = (
    ("agree", Text(zh="同意参加", en="I agree to take part")),
    ("decline", Text(zh="不参加", en="I do not take part")),
)

_PARAGRAPH_BREAK = re.compile(r"\n")
KEY_PATTERN = re.compile(
    r"^(greeting|thanks|consent:[1-9][0-9]*|consent:agree|consent:decline|q:[a-z][a-z0-9_]*|hint:[a-z][a-z0-9_]*"
    r"|o:[a-z][a-z0-9_]*:[A-Za-z0-9_.-]{1,64})$"
)


@dataclass(frozen=True)
class Prompt:
    key: str
    #: greeting | consent | question | option | hint | thanks
    kind: str
    text: Text
    #: the question it belongs to, for grouping on the studio page
    question: str | None = None


def greeting(qn: Definition) -> Text:
    return qn.greeting or DEFAULT_GREETING


def thanks(qn: Definition) -> Text:
    return qn.thanks or DEFAULT_THANKS


def consent_paragraphs(qn: Definition) -> list[Text]:
    """The consent text cut into the paragraphs a recording covers, one a line (the files write one
    thought a line, and a short recording is easier to redo than a long one)."""
    if qn.consent is None:
        return []
    zh = [p.strip() for p in _PARAGRAPH_BREAK.split(qn.consent.zh.strip()) if p.strip()]
    en_text = qn.consent.en
    en = [p.strip() for p in _PARAGRAPH_BREAK.split(en_text.strip()) if p.strip()] if en_text else []
    if len(en) != len(zh):
        # a translation cut differently cannot be matched line by line; English falls back to Chinese
        return [Text(zh=z) for z in zh]
    return [Text(zh=z, en=e) for z, e in zip(zh, en, strict=True)]


def option_text(label: Text | None, point: int) -> Text:
    """What a likert point says aloud: its number, then its word when it has one."""
    if label is None:
        return Text(zh=str(point), en=str(point))
    return Text(zh=f"{point} {label.zh}", en=f"{point} {label.get('en')}")


def prompts(qn: Definition) -> list[Prompt]:
    """Every prompt of one questionnaire in the order a villager meets them."""
    out = [Prompt("greeting", "greeting", greeting(qn))]
    out += [Prompt(f"consent:{n}", "consent", t) for n, t in enumerate(consent_paragraphs(qn), start=1)]
    if qn.consent is not None:
        out += [Prompt(f"consent:{value}", "consent", text) for value, text in CONSENT_ANSWERS]
    for section in qn.sections:
        for q in section.questions:
            out.append(Prompt(f"q:{q.id}", "question", q.label, q.id))
            if q.type == "likert" and q.scale is not None:
                for point in q.scale.points:
                    out.append(Prompt(f"o:{q.id}:{point}", "option", option_text(q.scale.label_for(point), point), q.id))
            for o in q.options:
                out.append(Prompt(f"o:{q.id}:{o.value}", "option", o.label, q.id))
            if q.hint is not None and q.hint_audience == "respondent":
                out.append(Prompt(f"hint:{q.id}", "hint", q.hint, q.id))
    out.append(Prompt("thanks", "thanks", thanks(qn)))
    return out


def keys(qn: Definition) -> set[str]:
    return {p.key for p in prompts(qn)}
