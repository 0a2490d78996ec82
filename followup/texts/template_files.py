"""Templates as a file (YAML or JSON), so an agency can keep its texts in version control."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from followup.models import Agency, MessageTemplate
from followup.texts import editing


class ImportRejected(ValueError):
    """The file has problems; ``problems`` lists every one, and nothing was changed."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ImportPlan:
    changed: list[tuple[str, str, str]]  # (purpose, language, call_type) getting a new version
    unchanged: int


def export(session: Session, agency: Agency, fmt: str = "yaml") -> str:
    rows = session.scalars(
        select(MessageTemplate)
        .where(MessageTemplate.agency_id == agency.id, MessageTemplate.active.is_(True))
        .order_by(MessageTemplate.purpose, MessageTemplate.language, MessageTemplate.call_type)
    )
    document = {
        "agency": agency.slug,
        "templates": [
            {"purpose": t.purpose, "language": t.language, "call_type": t.call_type, "body": t.body}
            for t in rows
        ],
    }
    if fmt == "json":
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


def parse(text: str) -> list[dict]:
    """Read a YAML or JSON document (JSON is YAML); refuse anything not shaped like an export."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ImportRejected([f"not YAML or JSON: {exc}"]) from None
    if not isinstance(document, dict) or not isinstance(document.get("templates"), list):
        raise ImportRejected(['expected a mapping with a "templates" list (see templates export)'])
    return document["templates"]


def plan(session: Session, agency: Agency, entries: list) -> ImportPlan:
    """Check every entry; raise ImportRejected with all problems, or return what would change."""
    problems: list[str] = []
    changed, unchanged, seen = [], 0, set()
    for number, entry in enumerate(entries, 1):
        where = f"entry {number}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected purpose, language, body")
            continue
        purpose, language = str(entry.get("purpose", "")), str(entry.get("language", ""))
        call_type, body = str(entry.get("call_type") or ""), entry.get("body")
        where = f"entry {number} ({purpose}/{language}{'/' + call_type if call_type else ''})"
        unknown = set(entry) - {"purpose", "language", "call_type", "body"}
        if unknown:
            problems.append(f"{where}: unknown fields {sorted(unknown)}")
        if not editing.purpose_allowed(purpose):
            problems.append(f"{where}: unknown purpose")
        if len(language) != 2 or not language.isalpha() or not language.islower():
            problems.append(f"{where}: language must be a two-letter code")
        if not isinstance(body, str):
            problems.append(f"{where}: body must be text")
            continue
        checked = editing.preview(agency, body, language)
        if not checked.ok:
            problems.append(f"{where}: {checked.error}")
        key = (purpose, language, call_type)
        if key in seen:
            problems.append(f"{where}: appears twice")
        seen.add(key)
        active = session.scalar(
            select(MessageTemplate.body).where(
                MessageTemplate.agency_id == agency.id,
                MessageTemplate.purpose == purpose,
                MessageTemplate.language == language,
                MessageTemplate.call_type == call_type,
                MessageTemplate.active.is_(True),
            )
        )
        if active is not None and active.strip() == body.replace("\r\n", "\n").strip():
            unchanged += 1
        else:
            changed.append(key)
    if problems:
        raise ImportRejected(problems)
    return ImportPlan(changed, unchanged)


def apply(session: Session, agency: Agency, entries: list, *, now: datetime) -> ImportPlan:
    """Validate everything, then save and activate a new version of each changed text."""
    result = plan(session, agency, entries)
    bodies = {
        (str(e["purpose"]), str(e["language"]), str(e.get("call_type") or "")): e["body"]
        for e in entries
    }
    for purpose, language, call_type in result.changed:
        editing.save_version(
            session,
            agency,
            purpose,
            language,
            bodies[(purpose, language, call_type)],
            user=None,
            now=now,
            call_type=call_type,
            activate=True,
        )
    return result
