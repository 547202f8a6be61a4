"""One submission's content judged against its questionnaire, as every path replies: the
questionnaire's wave and code rules on the envelope, then the answers' validation, the errors
merged under one key each.  Used by ``submit()`` and by a draft's dry run (drafts/trial.py), so
that trying a draft says exactly what submitting would.  Pure: no database."""
from __future__ import annotations

from ..questionnaires import Definition, ValidationResult, validate_answers
from .envelope import Envelope, apply_questionnaire_rules, message


def rendered(errors: dict[str, list[str]], lang: str) -> dict[str, list[str]]:
    """Envelope error codes as messages in the reader's language."""
    return {key: [message(code, lang) for code in codes] for key, codes in errors.items()}


def judged(env: Envelope, qn: Definition, lang: str) -> tuple[dict[str, list[str]], ValidationResult]:
    """The envelope's and the answers' errors (none: acceptable) and the answers' validation."""
    apply_questionnaire_rules(env, qn.wave, qn.respondent_code)
    checked = validate_answers(qn, env.answers)
    errors = rendered(env.errors, lang)
    # an answer's problems under its question id, unless an envelope field has that name
    for qid, problems in checked.rendered_errors(lang).items():
        errors.setdefault(f"answers.{qid}" if qid in errors else qid, []).extend(problems)
    return errors, checked
