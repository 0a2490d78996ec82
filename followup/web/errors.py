"""The one error page people see, whatever went wrong: a styled page with the app's header and
the phone viewport, saying what happened and what to do, never a framework's default page."""

from __future__ import annotations

from flask import g, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from followup.reports.board_text import Words

# What a person reads for each status; anything else gets the generic line.
MESSAGES = {
    400: ("Bad request", "The page could not read what was sent. Go back and try again."),
    401: ("Sign in needed", "Sign in to open this page."),
    403: ("Not allowed", "Your role cannot open this page."),
    404: (
        "Not found",
        "There is no such page, or no such record in your agency. Check the address, or start "
        "again from the callbacks.",
    ),
    405: ("Not allowed here", "This address does not take that kind of request."),
    409: ("Changed meanwhile", "Someone changed this at the same time. Reload and try again."),
    413: ("Too large", "What was sent is larger than this page accepts."),
    429: ("Too many requests", "Too many requests in a short time. Wait a minute and try again."),
    500: (
        "Something went wrong",
        "Something went wrong on our side; nothing was changed. Try again, and tell IT if it "
        "happens again.",
    ),
    503: ("Not available", "The service is not available just now. Try again in a minute."),
}


def page(exc: HTTPException):
    """Render ``exc`` as the styled error page, with its status and headers (405's Allow)."""
    code = exc.code or 500
    if is_public():
        body = _public_page(code)
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        return body, code, headers
    title, message = MESSAGES.get(code, (exc.name, "That did not work. Go back and try again."))
    if code == 403 and exc.description and exc.description != type(exc).description:
        message = exc.description  # a view's own reason
    body = render_template("pages/error.html", title=title, message=message, code=code)
    headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
    return body, code, headers


def is_public() -> bool:
    """Whether this request was for the public board's pages (open to anyone, no sign-in)."""
    return request.path == "/public" or request.path.startswith("/public/")


def _public_page(code: int) -> str:
    """The public board's error page, in the language asked for (``?lang=es``): no staff
    navigation, no sign-in link, nothing about the staff pages."""
    words = Words((request.args.get("lang") or "en").lower())
    return render_template(
        "pages/public/error.html",
        t=words,
        language=words.language,
        key="not_found" if code in (404, 405) else "error",
        code=code,
    )


def unexpected_page():
    """The 500 page after an unhandled error (the caller rolled the session back): drawn
    without the urgent banner's query, since the database may be what failed."""
    g.database_failed = True
    return page(InternalServerError())


def is_for_people() -> bool:
    """Whether this request came from a person's browser (not the intake API, Twilio, the
    health checks or the metrics scraper, which get their own plain or JSON answers)."""
    machine = ("intake_api", "twilio_hooks", "ops", "metrics")
    return not request.path.startswith(("/api/", "/webhooks/")) and (
        request.blueprint not in machine
    )
