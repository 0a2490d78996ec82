"""The WSGI application factory: the one place that wires configuration, database and blueprints."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from werkzeug.routing import IntegerConverter

from followup.core.config import Settings, resource_dir
from followup.services import Services

MAX_REQUEST_BYTES = 64 * 1024


class RowId(IntegerConverter):
    """An id in a URL: 1 to 2**31 - 1, the range of the tables' INTEGER keys."""

    def __init__(self, url_map, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, **kwargs)


# Long because it is the composition root: every setting and blueprint is wired here.
def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the WSGI app; the only place that wires configuration, database and blueprints.

    ``test_config`` may carry ``SERVICES`` (a ready Services, for tests) or ``SETTINGS``.
    """
    test_config = dict(test_config or {})
    services: Services | None = test_config.pop("SERVICES", None)
    if services is None:
        settings = test_config.pop("SETTINGS", None) or Settings.from_env()
        services = Services.build(settings)
    settings = services.settings

    resources = resource_dir()
    https = bool(settings.public_url and settings.public_url.startswith("https://"))
    app = Flask(
        __name__,
        template_folder=str(resources),
        static_folder=str(resources / "static"),
        instance_path=str(settings.instance_path),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure cookies need HTTPS; the local demo runs on plain http://127.0.0.1.
        SESSION_COOKIE_SECURE=https,
        # On https the __Host- prefix makes the browser insist on Secure, Path=/ and no Domain,
        # so no other host or path can set or shadow it. Browsers drop a __Host- cookie that is
        # not Secure, so plain http (the local demo) keeps the plain name.
        SESSION_COOKIE_NAME="__Host-session" if https else "session",
        SESSION_COOKIE_PATH="/",
        SESSION_COOKIE_DOMAIN=None,
        WTF_CSRF_TIME_LIMIT=None,  # the session's idle limit already bounds a form's life
    )
    app.json.sort_keys = False  # keep fields in the order the API documents them
    # Every <int:...> in a URL is a row id: larger than a database INTEGER is no row (404),
    # not an overflow in the query.
    app.url_map.converters["int"] = RowId
    app.config["LIVE_REFRESH_SECONDS"] = 5  # how often the live queue asks for changes
    # How often every signed-in page asks for new urgent callbacks: a new one shows within
    # this and a request's time (the goal: 5 s).
    app.config["URGENT_POLL_SECONDS"] = 2
    app.config.update(test_config)
    app.extensions["followup"] = services
    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Believe exactly as many X-Forwarded-* hops as there are proxies of ours; a client's
        # own X-Forwarded-Host or -Proto sits further left and is never read.
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    configure_logging()

    from flask_wtf.csrf import CSRFProtect

    from followup import web
    from followup.web import context
    from webhooks import health, intake_api, metrics, twilio_hooks

    # First, so the request id is set before any other hook can log.
    context.init_app(app)
    metrics.init_app(app)  # /metrics, and the timing of other systems' requests
    csrf = CSRFProtect(app)
    # Other systems call these; they authenticate by bearer token or Twilio's signature.
    csrf.exempt(intake_api.bp)
    csrf.exempt(twilio_hooks.bp)
    for blueprint in (health.bp, intake_api.bp, twilio_hooks.bp):
        app.register_blueprint(blueprint)
    web.init_app(app)
    _handle_errors(app)

    @app.teardown_appcontext
    def _close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    return app


def _handle_errors(app: Flask) -> None:
    """One answer per audience: problem JSON on the API, Twilio's and the probes' plain
    answers, and for people the one styled error page (followup.web.errors)."""
    import logging

    from flask import request
    from werkzeug.exceptions import HTTPException

    from followup.web import errors
    from followup.web.context import db_session
    from webhooks import intake_api

    logger = logging.getLogger("followup.app")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if request.path.startswith("/api/"):
            return intake_api.http_error(exc)
        return errors.page(exc) if errors.is_for_people() else exc

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        logger.exception("unhandled error on %s %s", request.method, request.path)
        db_session().rollback()
        if request.path.startswith("/api/"):
            return intake_api.unexpected()
        if not errors.is_for_people():
            return "Internal Server Error", 500
        return errors.unexpected_page()


def make_local_server(app: Flask, host: str, port: int):
    """A threaded development server for ``followup run`` (production runs gunicorn); bound
    now, so the caller can print its port before serving."""
    from werkzeug.serving import make_server

    return make_server(host, port, app, threaded=True)


def configure_logging() -> None:
    """Set up logging once (JSON or text lines, request ids, numbers redacted: followup.logs);
    third-party loggers that echo request data stay quiet."""
    from followup.core import logs

    logs.configure()
    logs.quiet_third_parties()
