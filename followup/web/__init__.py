"""Web pages for people: sign-in, the callback queue, audit, administration, the simulator."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, g, redirect, request, url_for

from followup.models import Role
from followup.reports.labels import label, purpose_label


def csp(frame_ancestors: str = "'none'") -> str:
    """The Content-Security-Policy; only the embeddable public board names who may frame it."""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; "
        f"frame-ancestors {frame_ancestors}"
    )


CSP = csp()


def is_https_link(url) -> bool:
    """Whether ``url`` may be a link on a page: https with a host, nothing a browser would
    read as another scheme (control characters, spaces)."""
    if not isinstance(url, str) or any(ord(c) < 33 for c in url):
        return False
    parts = urlsplit(url)
    return parts.scheme.lower() == "https" and bool(parts.netloc)


def _urgent_now() -> list[int]:
    """The signed-in user's agency's unresolved urgent callbacks, for the banner every
    signed-in page draws before its own poll takes over (none on a page drawn for an error
    the database caused)."""
    from followup.callbacks import queue
    from followup.web.context import db_session

    if getattr(g, "user", None) is None or g.get("database_failed"):
        return []
    return queue.urgent_ids(db_session(), g.user.agency_id)


# Other systems call these (by bearer token or Twilio's signature): nobody signs in there.
MACHINE_BLUEPRINTS = frozenset({"twilio_hooks", "intake_api"})


def _load_user():
    from followup.web import auth

    if request.blueprint in ("public", "case_page") or request.blueprint in MACHINE_BLUEPRINTS:
        g.user = None  # the public board, a case page: no session read, no cookie, no query
        return None
    return auth.load_user()


def init_app(app: Flask) -> None:
    from followup.web import (
        admin,
        auth,
        call_types_admin,
        case_page,
        corrections,
        moderation,
        public,
        queue,
        report_analysis,
        reports,
        settings_admin,
        simulator,
        times,
    )

    app.before_request(_load_user)
    for blueprint in (auth.bp, queue.bp, admin.bp, settings_admin.bp, simulator.bp, reports.bp):
        app.register_blueprint(blueprint)
    for blueprint in (corrections.bp, moderation.bp, report_analysis.bp, public.bp):
        app.register_blueprint(blueprint)
    for blueprint in (call_types_admin.bp, case_page.bp):
        app.register_blueprint(blueprint)
    public.init_app(app)

    @app.after_request
    def security_headers(response):
        policy = response.headers.setdefault("Content-Security-Policy", CSP)
        if "frame-ancestors 'none'" in policy:  # a page whose policy allows framing drops it
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint != "static" and request.blueprint != "public":
            # Pages with callers' words or numbers on them (the signed-in pages, the simulator,
            # the API's answers) stay out of shared caches and the back button. (The public
            # board sets its own: it holds nothing personal.)
            response.headers["Cache-Control"] = "no-store"
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.get("/")
    def home():
        if getattr(g, "user", None) is None:
            return redirect(url_for("auth.login"))
        return redirect(url_for("queue.index"))

    app.jinja_env.globals["Role"] = Role
    times.init_app(app)  # the ``local`` filter: the agency's time with its zone
    app.jinja_env.globals["urgent_now"] = _urgent_now
    app.jinja_env.filters.update(label=label, purpose=purpose_label)  # codes as words
    # Only https addresses become links (a text's MediaUrl could say javascript: or data:).
    app.jinja_env.tests["https_link"] = is_https_link
    app.jinja_env.globals["simulator_enabled"] = app.extensions[
        "followup"
    ].settings.simulator_enabled
