"""Error pages and JSON errors: bad input gets a clear 4xx, never a 500 page with a trace."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import db


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_template("errors/csrf.html", reason=error.description), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _wants_json():
            return jsonify({"error": error.name, "message": error.description}), error.code or 500
        return render_template("errors/http.html", error=error), error.code or 500

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error on %s", request.path)
        if _wants_json():
            return jsonify({"error": "Internal Server Error", "message": "the server failed; nothing was stored"}), 500
        return render_template("errors/http.html", error=None), 500
