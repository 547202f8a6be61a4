"""Placeholder while the page is built (this session)."""
from flask import abort
from flask_login import login_required

from . import bp


@bp.get("/quality")
@login_required
def quality():
    abort(404)
