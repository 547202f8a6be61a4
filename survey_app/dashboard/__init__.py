"""Staff dashboards: the evaluation's figures as Plotly charts (plotly.js served by the app)."""
from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from . import activity, awareness, items, overview, page, quality, satisfaction  # noqa: E402,F401
