"""Campus Booking: rooms, labs and cleanrooms of an innovation hub, booked and invoiced."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, jsonify
from sqlalchemy import text

from booking import config as config_module
from booking import errors
from booking.database import configure_engine, set_read_only_transactions
from booking.extensions import babel, csrf, db, limiter, login_manager, migrate
from booking.paths import resource_dir

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error handlers, CLI."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    app.config.update(config_module.load(app.instance_path, config))
    if app.config["DATABASE_URL"].startswith("sqlite:///"):
        # The default database lives in the instance folder; make sure it exists.
        import os

        os.makedirs(app.instance_path, exist_ok=True)

    if app.config["BOOKING_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["BOOKING_PROXIES"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(resource_dir("migrations")), compare_type=True, render_as_batch=True
    )
    with app.app_context():
        configure_engine(db.engine)

    from booking import models  # noqa: F401  (register the tables on the metadata)
    from booking.i18n import select_locale, template_language

    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(resource_dir("translations")),
    )
    app.context_processor(template_language)
    limiter.init_app(app)

    @app.before_request
    def _transaction_kind() -> None:
        from flask import request

        set_read_only_transactions(request.method in {"GET", "HEAD", "OPTIONS"})

    @app.teardown_request
    def _end_transaction(exc: BaseException | None) -> None:
        # One transaction per request: views commit when they succeed; anything left is undone.
        db.session.rollback()

    @app.get("/healthz")
    def healthz() -> Any:
        try:
            db.session.execute(text("SELECT 1"))
        except Exception:
            return jsonify({"status": "error", "database": "unreachable"}), 503
        return jsonify({"status": "ok", "database": "ok"})

    from booking.api import api
    from booking.ical import ical
    from booking.web import web

    app.register_blueprint(api)
    app.register_blueprint(ical)
    app.register_blueprint(web)
    errors.register(app)

    from booking.cli import register_commands

    register_commands(app)
    return app
