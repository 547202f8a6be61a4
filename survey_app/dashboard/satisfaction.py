"""Placeholder while the page is built (this session)."""
from flask import abort
from flask_login import login_required

from . import bp


@bp.get("/satisfaction")
@login_required
def satisfaction():
    abort(404)
