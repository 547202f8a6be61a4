"""Sanqu Survey: evaluation and survey platform for the three-regions social-work programme."""
from __future__ import annotations

from typing import Any

from flask import Flask

from .config import ROOT, Config


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app.  ``config`` overrides settings (tests pass their own database).

    Never touches the schema: ``flask --app wsgi db upgrade`` does that, once, before serving.
    """
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
        instance_path=Config().INSTANCE_PATH if not (config and "INSTANCE_PATH" in config) else config["INSTANCE_PATH"],
    )
    from .signing import SessionInterface

    app.session_interface = SessionInterface()
    app.config.from_mapping(Config().as_dict())
    if config:
        app.config.from_mapping(config)

    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese as UTF-8, not \u escapes
    from .requests import BoundedIntConverter, refuse_unstorable_text

    # before any blueprint: an id in a path past the database's integer is "not found"
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(refuse_unstorable_text)
    _init_extensions(app)
    _register_blueprints(app)

    from .snapshot_policies import register as register_snapshots
    from .template_filters import register as register_filters

    register_snapshots(app)
    register_filters(app)

    from .errors import register_error_handlers

    register_error_handlers(app)

    from .denials import register_denial_log

    register_denial_log(app)

    from .cli import register_cli

    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (registers the tables with the metadata)
    from .database import configure_engine, engine_options
    from .extensions import babel, compress, csrf, db, login_manager, migrate

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config, operator=_run_by_hand() or bool(app.config.get("REPORT_CHILD")))
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    compress.init_app(app)

    @app.after_request
    def _buffer_small_files(response: Any) -> Any:
        # Runs before Flask-Compress's hook (registered earlier).  Static files come as file
        # streams, which Flask-Compress would wrap without closing them; ours are small, so
        # they are read whole and compressed like any other reply.
        if response.direct_passthrough and response.mimetype in app.config["COMPRESS_MIMETYPES"]:
            response.direct_passthrough = False
            response.make_sequence()
        return response
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    babel.init_app(app, locale_selector=_select_locale)
    with app.app_context():
        configure_engine(db.engine, busy_timeout=app.config["DATABASE_BUSY_TIMEOUT"])

    @app.context_processor
    def _language() -> dict[str, str]:
        return {"lang": _select_locale()}

    @app.context_processor
    def _access() -> dict[str, Any]:
        """``access``: what the signed-in user may do (auth/permissions.py), for the links a page
        offers; an anonymous visitor may do nothing."""
        from flask import has_request_context
        from flask_login import current_user

        from .auth.permissions import Permissions

        signed_in = has_request_context() and current_user.is_authenticated
        return {"access": Permissions(current_user.role if signed_in else "")}

    @login_manager.user_loader
    def load_user(user_id: str):
        from .auth.sessions import current_user_of_session

        return current_user_of_session(db.session, int(user_id))

    from .security_headers import register_security_headers

    register_security_headers(app)
    if app.config["PROXY_COUNT"]:
        from .proxies import TrustedProxyFix

        app.wsgi_app = TrustedProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, app.config["PROXY_COUNT"], app.config["TRUSTED_PROXIES"].split(","))


def _select_locale() -> str:
    from flask import request, session

    return session.get("lang") or request.accept_languages.best_match(["zh", "en"], default="zh") or "zh"


def _register_blueprints(app: Flask) -> None:
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .audio.views import bp as audio_bp
    from .audio.views import recordings_bp
    from .auth.account import bp as account_bp
    from .auth.account import require_own_password
    from .auth.views import bp as auth_bp
    from .collect import bp as collect_bp
    from .dashboard import bp as dashboard_bp
    from .exports.views import bp as exports_bp
    from .extensions import csrf
    from .followups.views import bp as followups_bp
    from .main import bp as main_bp
    from .reports.views import bp as reports_bp

    csrf.exempt(api_bp)  # bearer tokens, not cookies: no CSRF exposure
    app.register_blueprint(api_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.before_request(require_own_password)
    app.register_blueprint(main_bp)
    app.register_blueprint(collect_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(followups_bp)
    app.register_blueprint(audio_bp)
    app.register_blueprint(recordings_bp)


def _run_by_hand() -> bool:
    """Whether the app was made for a `flask` command (click's context is open) rather than to
    serve requests."""
    import click

    return click.get_current_context(silent=True) is not None
