"""`followup triage`: triage replies from standard input, or measure triage on labelled replies."""

from __future__ import annotations

import json
import sys

import click


@click.command("triage")
@click.option(
    "--eval",
    "eval_file",
    type=click.File("r", encoding="utf-8"),
    help="Labelled replies (JSONL: text, cat, flag, urgent, opt_out) to measure triage on.",
)
@click.option("--lang", "hint", default=None, help="Language hint for every reply, e.g. es.")
def triage_command(eval_file, hint: str | None) -> None:
    """Triage replies read from standard input, one per line; write one JSON object per line.

    A line is either the reply's text or a JSON object with a "text" field (and optional
    "lang" and "id", which is echoed). A line that is not usable gets an "error" object in its
    place, and the command exits with status 1 at the end.
    """
    from followup.replies.triage import triage
    from followup.replies.triage.evaluate import evaluate, load_jsonl, report

    if eval_file is not None:
        try:
            rows = load_jsonl(eval_file)
        except ValueError as exc:
            raise click.ClickException(f"{eval_file.name}: {exc}") from None
        click.echo(report(evaluate(rows)))
        return
    failures = 0
    for number, line in enumerate(sys.stdin, 1):
        line = line.rstrip("\n")
        text, lang, reply_id, error = line, hint, None, None
        if line.lstrip().startswith("{"):
            text, lang, reply_id, error = _from_json(line, hint)
        if error:
            failures += 1
            click.echo(json.dumps({"line": number, "error": error}, ensure_ascii=False))
            continue
        result = triage(text, language_hint=lang).as_dict()
        if reply_id is not None:
            result = {"id": reply_id, **result}
        click.echo(json.dumps(result, ensure_ascii=False))
    if failures:
        click.echo(f"{failures} line(s) could not be read; see their error objects", err=True)
        sys.exit(1)


def _from_json(line: str, hint: str | None):
    try:
        obj = json.loads(line)
    except ValueError as exc:
        return None, None, None, f"not valid JSON: {exc}"
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        return None, None, None, 'a JSON line needs a "text" field with the reply'
    lang = obj.get("lang", hint)
    if lang is not None and not isinstance(lang, str):
        return None, None, None, '"lang" must be a language code such as "es"'
    return obj["text"], lang, obj.get("id"), None
