"""The CLI against the test's own database: `cli("callbacks", "list")` runs the command as an
operator would, with the environment pointing at the services the test built."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from followup.cli import main


@pytest.fixture
def cli(settings, services):
    """Run ``followup ARGS``; with ``ok`` (the default) it must succeed. ``cli.env`` is the
    environment it runs with."""
    env = {
        "FOLLOWUP_DATABASE_URL": settings.database_url,
        "FOLLOWUP_INSTANCE_PATH": str(settings.instance_path),
        "FOLLOWUP_SECRET_KEY": settings.secret_key,
    }

    def run(*args: str, ok: bool = True):
        result = CliRunner().invoke(main, list(args), env=env)
        if ok:
            assert result.exit_code == 0, (result.output, result.exception)
        return result

    run.env = env
    return run
