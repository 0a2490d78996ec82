"""The victim's case page: ``/c/<token>``, the private link a case update text may carry.

No sign-in and no cookie (the session is never read here), nothing from another origin and no
script. The answer is never cached, never indexed, and sends no Referer onward. An unknown,
malformed or expired token, or one of an agency that turned the page off, gets the same styled
404, so the page never tells whether a token existed. The token stays out of the request log.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from followup.cases import links
from followup.cases import page as case_page
from followup.cases.words import LANGUAGES, Words, language_of
from followup.web.context import db_session, services

bp = Blueprint("case_page", __name__)

# No script at all, styles from this origin only, nothing may frame it or be sent from it.
POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


@bp.after_request
def _private_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    return response


def _language(default: str) -> str:
    wanted = (request.args.get("lang") or "").lower()
    return wanted if wanted in LANGUAGES else language_of(default)


@bp.get("/c/<token>")
def show(token: str):
    session = db_session()
    link = links.find(session, token[:64], now=services().clock.now())
    if link is None:
        language = _language(request.accept_languages.best_match(LANGUAGES) or "en")
        body = render_template("pages/case/missing.html", t=Words(language), language=language)
        return body, 404
    language = _language(link.language)
    page = case_page.build(session, link, language)
    return render_template(
        "pages/case/page.html",
        page=page,
        t=Words(language),
        language=language,
        languages=[(code, Words(code)("language_name")) for code in LANGUAGES],
        token=token,
    )
