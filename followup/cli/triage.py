"""`followup triage`: triage replies from standard input, or measure triage on labelled replies;
`followup triage corrections export`: commanders' corrections as labelled replies;
`followup triage train` / `compare`: a candidate model (``followup.cli.triage_model``)."""

from __future__ import annotations

import contextlib
import json
import os
import sys

import click

from followup.cli.context import Lazy, pass_lazy


@click.group("triage", invoke_without_command=True)
@click.option(
    "--eval",
    "eval_file",
    type=click.File("r", encoding="utf-8"),
    help="Labelled replies (JSONL: text, cat, flag, urgent, opt_out) to measure triage on.",
)
@click.option("--lang", "hint", default=None, help="Language hint for every reply, e.g. es.")
@click.pass_context
def triage_command(context: click.Context, eval_file, hint: str | None) -> None:
    """Triage replies read from standard input, one per line; write one JSON object per line.

    A line is either the reply's text or a JSON object with a "text" field (and optional
    "lang" and "id", which is echoed). A line that is not usable gets an "error" object in its
    place, and the command exits with status 1 at the end.

    With a command after it (`followup triage corrections export`), does that instead.
    """
    if context.invoked_subcommand is not None:
        return
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


def _add_model_commands() -> None:
    from followup.cli.triage_model import compare, train

    triage_command.add_command(train)
    triage_command.add_command(compare)


_add_model_commands()


@triage_command.group("corrections")
def corrections_group() -> None:
    """Commanders' corrections of triage, made on the callback page."""


@corrections_group.command("export")
@click.option("--agency", "slug", default=None, help="One agency's slug (default: every agency).")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Only corrections made on or after this day (YYYY-MM-DD, UTC).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write to this file (created readable by you only) instead of standard output.",
)
@pass_lazy
def corrections_export(lazy: Lazy, slug: str | None, since, output: str | None) -> None:
    """Write each corrected reply, as commanders last read it, as a JSON line in the format of
    the labelled sets in tests/data (text, cat, flag, urgent, opt_out, lang, note).

    The text is the caller's reply (numbers typed in it replaced); no row holds a name, a
    number or who corrected it. Replies retention emptied are left out. Each export is
    audited. A bad --agency, --since or --output stops it with status 2 before anything is
    written or audited."""
    from pathlib import Path

    from followup.agencies import registry
    from followup.callbacks import corrections

    target = Path(output) if output is not None else None
    if target is not None:
        folder = target.parent
        if not folder.is_dir():
            raise click.BadParameter(f"{folder} is not a folder", param_hint="'--output'")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise click.BadParameter(f"cannot write in {folder}", param_hint="'--output'")
    services = lazy.ready
    with services.db.begin() as session:
        agency_id = None
        if slug is not None:
            try:
                agency_id = registry.get_agency(session, slug).id
            except registry.AgencyError as exc:
                raise click.BadParameter(str(exc), param_hint="'--agency'") from None
        rows = corrections.export(
            session,
            agency_id,
            since.date() if since is not None else None,
            now=services.clock.now(),
            to_file=target is not None,
        )
        lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        # Written before the audit row commits: an export that failed is not recorded as made.
        if target is None:
            click.echo(lines, nl=False)
        else:
            try:
                _write_private(target, lines)
            except OSError as exc:
                raise click.ClickException(f"{output}: {exc.strerror}") from None
    click.echo(f"{len(rows)} corrected repl{'y' if len(rows) == 1 else 'ies'} exported", err=True)


def _write_private(target, text: str) -> None:
    """Write ``text`` to ``target`` readable by its owner only, whole or not at all: a failed
    write leaves no partial file, and an existing file as it was."""
    import tempfile

    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", text=True)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
