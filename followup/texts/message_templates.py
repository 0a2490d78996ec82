"""The texts an agency sends: defaults from templates/sms/, stored per agency, rendered safely.

Bodies are Jinja, rendered in a ``SandboxedEnvironment`` with a fixed set of placeholders and
``StrictUndefined``: an unknown placeholder is an error, never a silently empty gap in a text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from babel.core import UnknownLocaleError
from babel.dates import format_skeleton
from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import select
from sqlalchemy.orm import Session

from followup.core.config import resource_dir
from followup.models import Agency, Call, MessageTemplate, Purpose

# The placeholders a template may use, with what each means (README and the admin pages list them).
PLACEHOLDERS: Mapping[str, str] = {
    "agency_name": "the agency's name, e.g. Westlake Police",
    "agency_phone": "the agency's non-emergency number (empty when not set)",
    "call_date": "the day the call closed, in the agency's time zone and the text's language",
    "call_type": "the call type label as the dispatch system sent it",
    "caller_first_name": "the caller's first name (empty when not known)",
    "case_number": "the agency's incident number for the call",
    "callback_id": "the callback's number (alerts to commanders)",
    "officer_name": "the assigned officer's name, as the dispatch system sent it",
    "officer_badge": "the assigned officer's badge or ID number",
    "unit": "the unit assigned to the call, e.g. 2A14",
    "detective_name": "the detective assigned to the case (case updates)",
    "detective_phone": "the detective's phone number (case updates)",
    "report_number": "the report's number (case updates)",
    "court_date": "the court date as the records system wrote it (case updates)",
    "court_location": "where the court date is (case updates)",
    "update_text": "the records system's own words for a custom update",
    "resources_url": "the agency's victim-services page (empty when not set)",
    "case_link": "the private link to the victim's case page (case updates; empty unless on)",
    "opt_out_keyword": "the word that stops the texts: STOP",
    "help_keyword": "the word that gets help: HELP",
}
KEYWORDS = {"opt_out_keyword": "STOP", "help_keyword": "HELP"}

_env = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
)


class TemplateRenderError(ValueError):
    """A template could not be rendered; the message says where (line, column) and why."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        where = (
            f"line {line}, column {column}: "
            if line and column
            else (f"line {line}: " if line else "")
        )
        super().__init__(where + message)
        self.reason, self.line, self.column = message, line, column


@dataclass(frozen=True)
class Rendered:
    template: MessageTemplate
    body: str


def default_bodies(root: Path | None = None) -> dict[tuple[str, str], str]:
    """Return the shipped defaults as {(purpose, language): body}, read from templates/sms/."""
    base = (root or resource_dir()) / "sms"
    bodies = {}
    for path in sorted(base.glob("*/*.txt")):
        bodies[(path.stem, path.parent.name)] = path.read_text(encoding="utf-8").strip()
    return bodies


def seed_defaults(session: Session, agency: Agency, *, now: datetime) -> int:
    """Give ``agency`` every default text it does not have yet; return how many were added."""
    existing = set(
        session.execute(
            select(MessageTemplate.purpose, MessageTemplate.language).where(
                MessageTemplate.agency_id == agency.id
            )
        )
    )
    added = 0
    for (purpose, language), body in default_bodies().items():
        if (purpose, language) in existing:
            continue
        session.add(
            MessageTemplate(
                agency_id=agency.id,
                purpose=purpose,
                language=language,
                call_type="",
                version=1,
                body=body,
                active=True,
                author="seed",
                created_at=now,
            )
        )
        added += 1
    session.flush()
    return added


def languages_for(session: Session, agency: Agency, purpose: str = Purpose.CHECKIN) -> set[str]:
    """Return the languages ``agency`` has an active ``purpose`` text in."""
    return set(
        session.scalars(
            select(MessageTemplate.language).where(
                MessageTemplate.agency_id == agency.id,
                MessageTemplate.purpose == purpose,
                MessageTemplate.active.is_(True),
            )
        )
    )


def find_template(
    session: Session, agency: Agency, purpose: str, language: str, call_type: str = ""
) -> MessageTemplate | None:
    """Return the active template: call-type override, then the language, then the default one."""
    candidates = session.scalars(
        select(MessageTemplate).where(
            MessageTemplate.agency_id == agency.id,
            MessageTemplate.purpose == purpose,
            MessageTemplate.active.is_(True),
            MessageTemplate.language.in_({language, agency.default_language}),
        )
    ).all()
    return best_template(candidates, language, call_type)


def best_template(candidates, language: str, call_type: str = ""):
    """Of the active templates of one purpose in ``language`` or the agency's default language
    (rows or ``MessageTemplate``s), the one to send: call-type override, then the language."""
    wanted_type = call_type.casefold()
    usable = [t for t in candidates if not t.call_type or t.call_type.casefold() == wanted_type]
    # The caller's language beats an override written in another language.
    return min(
        usable, key=lambda t: (t.language != language, not t.call_type, -t.version), default=None
    )


def check_body(body: str) -> None:
    """Raise TemplateRenderError, with the line, for a syntax error or an unknown placeholder."""
    try:
        tree = _env.parse(body)
    except TemplateSyntaxError as exc:
        raise TemplateRenderError(
            exc.message or "syntax error", exc.lineno, _column_of_tag(body, exc.lineno)
        ) from None
    assigned = {node.name for node in tree.find_all(nodes.Name) if node.ctx in ("store", "param")}
    for node in tree.find_all(nodes.Name):
        if node.ctx == "load" and node.name not in PLACEHOLDERS and node.name not in assigned:
            raise TemplateRenderError(
                f"unknown placeholder {node.name!r} (use one of: {', '.join(PLACEHOLDERS)})",
                node.lineno,
                _column_of_name(body, node.lineno, node.name),
            )
    # An allowlist, not a blocklist: a text needs words, placeholders, `if` and a few filters.
    # Anything else ({{ x.__class__ }}, {{ 'a' * 10**9 }}, loops, calls) is refused at save time,
    # so it never reaches an active template, whatever the sandbox would do at render time.
    for node in tree.find_all(nodes.Node):
        if isinstance(node, nodes.Filter) and node.name not in SAFE_FILTERS:
            raise TemplateRenderError(
                f"filter {node.name!r} is not allowed (use: {', '.join(sorted(SAFE_FILTERS))})",
                node.lineno,
                _column_of_name(body, node.lineno, node.name),
            )
        if not isinstance(node, _ALLOWED_NODES):
            name = getattr(node, "attr", None) or getattr(node, "name", None)
            raise TemplateRenderError(
                "only placeholders and {% if %} are allowed in a text "
                f"(not {type(node).__name__.lower()})",
                getattr(node, "lineno", 1),
                _column_of_name(body, node.lineno, name)
                if name
                else _column_of_tag(body, getattr(node, "lineno", 1)),
            )


SAFE_FILTERS = frozenset({"upper", "lower", "title", "capitalize", "trim", "default"})
_ALLOWED_NODES = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.Const,
    nodes.If,
    nodes.Not,
    nodes.And,
    nodes.Or,
    nodes.Compare,
    nodes.Operand,
    nodes.Filter,
    nodes.CondExpr,
    nodes.Test,
)


def _line(body: str, line: int) -> str:
    lines = body.split("\n")
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _column_of_name(body: str, line: int, name: str) -> int:
    found = re.search(rf"\b{re.escape(name)}\b", _line(body, line))
    return found.start() + 1 if found else 1


def _column_of_tag(body: str, line: int) -> int:
    """The column of the last tag opened on ``line`` (where a syntax error usually sits)."""
    text = _line(body, line)
    return max(text.rfind("{{"), text.rfind("{%")) + 1 or 1


@lru_cache(maxsize=512)
def _compiled(body: str) -> Template:
    """Check and compile ``body`` once: the sender renders the same few texts all day.

    Only bodies that pass the checks are kept (a raised error is not cached)."""
    check_body(body)
    return _env.from_string(body)


def render_body(body: str, context: Mapping[str, str]) -> str:
    """Render ``body`` with ``context``; raise TemplateRenderError with line and reason."""
    try:
        return _compiled(body).render(**context).strip()
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f"line {line}: " if line else ""
        raise TemplateRenderError(f"{where}{exc.message or exc}") from None


def format_day(day, language: str) -> str:
    """A short date in ``language`` ("Nov 22", "22 nov"); English when the language is unknown."""
    try:
        return format_skeleton("MMMd", day, locale=language or "en")
    except (UnknownLocaleError, ValueError):
        return format_skeleton("MMMd", day, locale="en")


def agency_context(agency: Agency) -> dict[str, str]:
    """Return placeholder values for a text that is about no particular call."""
    context = dict.fromkeys(PLACEHOLDERS, "") | KEYWORDS
    context.update(
        agency_name=agency.name,
        agency_phone=agency.phone or "",
        resources_url=getattr(agency, "resources_url", None) or "",
    )
    return context


def call_context(agency: Agency, call: Call | None, language: str) -> dict[str, str]:
    """Return the placeholder values for a text about ``call`` (or about none)."""
    context = agency_context(agency)
    if call is None:
        return context
    # An open call has no closing time yet: its day is the day it was received.
    moment = call.closed_at or call.created_at_cad or call.received_at
    closed_local = moment.astimezone(agency.zone)
    first_name = (call.caller_name or "").strip().split(" ")[0] if call.caller_name else ""
    context.update(
        call_date=format_day(closed_local.date(), language),
        call_type=call.call_type,
        caller_first_name=first_name.title() if first_name.isupper() else first_name,
        case_number=call.external_id,
        officer_name=call.officer_name or "",
        officer_badge=call.officer_id or "",
        unit=call.unit or "",
    )
    return context


# The fields of a case update's detail, and the placeholder each fills.
UPDATE_FIELDS = {
    "detective_name": "detective_name",
    "detective_phone": "detective_phone",
    "report_number": "report_number",
    "court_date": "court_date",
    "court_location": "court_location",
    "text": "update_text",
}


def update_context(update) -> dict[str, str]:
    """Placeholder values from a case update's detail (none for other texts)."""
    if update is None:
        return {}
    detail = update.detail or {}
    return {
        placeholder: str(detail.get(field) or "") for field, placeholder in UPDATE_FIELDS.items()
    }


def render_for_call(
    session: Session,
    agency: Agency,
    call: Call | None,
    purpose: str,
    language: str,
    *,
    cache: dict | None = None,
    **extra: str,
) -> Rendered | None:
    """Return the text for ``call`` in ``language`` (with the fallbacks), or None if none exists.

    ``cache``: a dict kept for a batch of texts (seconds), so each template is looked up once."""
    call_type = call.call_type if call else ""
    if cache is None:
        template = find_template(session, agency, purpose, language, call_type)
    else:
        key = (agency.id, purpose, language, call_type.casefold())
        if key not in cache:
            cache[key] = find_template(session, agency, purpose, language, call_type)
        template = cache[key]
    if template is None:
        return None
    context = call_context(agency, call, template.language) | extra
    return Rendered(template, render_body(template.body, context))
