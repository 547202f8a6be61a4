"""Tablet collection: the questionnaire form, interviewer set-up, consent."""
from flask import Blueprint

bp = Blueprint("collect", __name__, url_prefix="/collect")

from . import app_manifest, offline, staff, views  # noqa: E402,F401
