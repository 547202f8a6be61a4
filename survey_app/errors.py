"""Error pages and JSON errors: bad input gets a clear 4xx, never a 500 page with a trace."""
from __future__ import annotations

import contextlib

from flask import Flask, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from .auth.places import OutsidePlace, PlaceError
from .extensions import db
from .outages import unavailable

#: what each status means to the person reading the page (werkzeug's own texts are English
#: and written for developers)
TITLES = {
    400: _l("请求有误"), 403: _l("无权访问"), 404: _l("找不到这个页面"), 405: _l("不能这样打开这个地址"),
    410: _l("已停用"), 413: _l("上传的内容太大"), 422: _l("内容有误"), 503: _l("暂时无法服务"),
}
MESSAGES = {
    400: _l("发送的内容不完整或有误。请返回上一页再试一次。"),
    403: _l("你的账号不能打开这个页面。如果你需要它，请联系省项目办。"),
    404: _l("地址有误，或者要找的内容已经不在了。"),
    405: _l("请从系统里的按钮或链接打开这个地址。"),
    410: _l("这个内容已停用。"),
    413: _l("上传的内容超过了允许的大小。"),
    422: _l("发送的内容没有通过检查。请返回上一页修改。"),
    503: _l("数据库暂时连不上或太忙，这次什么也没有保存。请稍等一会儿再试；平板上的问卷会留在平板上，稍后自动发送。"),
}


def status_of(error: PlaceError) -> int:
    """The status a refused place amounts to (auth.places): 403 outside the reader's reach, 422
    a code or round that does not exist."""
    return 403 if isinstance(error, OutsidePlace) else 422


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        if _wants_json():
            return jsonify({"error": "Bad Request", "message": error.description}), 400
        kept, dropped = _kept_fields() if _same_origin() else (None, False)
        return render_template(
            "errors/csrf.html", reason=error.description, kept=kept, dropped=dropped, action=request.full_path.rstrip("?"),
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # werkzeug's own headers of the error (a 405's Allow), not its HTML content type
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        if _wants_json():
            return jsonify({"error": error.name, "message": error.description}), error.code or 500, headers
        # A message written for this case (abort(403, description=...)) is shown as it is;
        # werkzeug's generic English text gives way to ours.
        specific = error.description if error.description != type(error).description else None
        code = error.code or 500
        return render_template(
            "errors/http.html", error=error, title=TITLES.get(code, error.name), message=specific or MESSAGES.get(code, error.description),
        ), code, headers

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if unavailable(error):
            return _unavailable(app, error)
        db.session.rollback()
        app.logger.exception("unhandled error on %s", request.path)
        if _wants_json():
            return jsonify({"error": "Internal Server Error", "message": "the server failed; nothing was stored"}), 500
        return render_template("errors/http.html", error=None), 500


def _same_origin() -> bool:
    """Did this form come from one of our own pages?  Only then is it offered again: a form
    posted from another site must not become a page that invites the user to submit it."""
    origin = request.headers.get("Origin") or request.referrer
    if not origin:
        return False
    own = request.host_url.rstrip("/")
    return origin == own or origin.startswith(own + "/")


def _kept_fields() -> tuple[list[tuple[str, str]], bool]:
    """What the user typed, to fill in again: never a password (nor the stale token); files
    cannot be refilled by the server either."""
    kept, dropped = [], bool(request.files)
    for name, value in request.form.items(multi=True):
        if name == "csrf_token":
            continue
        if "password" in name.lower():
            dropped = True
            continue
        kept.append((name, value))
    return kept, dropped


def _unavailable(app: Flask, error: Exception):
    """503 with Retry-After: nothing was stored, try again later.  The page must not reach for the
    database again (the user, the session): the request is answered as for an anonymous visitor."""
    first_line = (str(error).splitlines() or [type(error).__name__])[0][:300]
    app.logger.warning("database unavailable on %s: %s", request.path, first_line)
    with contextlib.suppress(Exception):  # the connection may be gone: the pool drops it
        db.session.rollback()
    g._login_user = app.login_manager.anonymous_user()  # type: ignore[attr-defined]
    headers = {"Retry-After": str(app.config["RETRY_AFTER_SECONDS"]), "Cache-Control": "no-store"}
    if _wants_json():
        return jsonify({"error": "Service Unavailable", "message": str(MESSAGES[503]),
                        "message_en": "The database cannot be reached or is too busy; nothing was stored. Try again later."}), 503, headers
    return render_template("errors/http.html", error=ServiceUnavailable(), title=TITLES[503], message=MESSAGES[503]), 503, headers
