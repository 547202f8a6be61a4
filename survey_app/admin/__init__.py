"""Staff administration: responses (browse, look, exclude), the audit trail."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import drafts, places, questionnaires, responses, rounds, users  # noqa: E402,F401
