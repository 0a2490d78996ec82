"""What every `followup` command shares: the services, built lazily from the environment."""

from __future__ import annotations

import click

from followup import migrate
from followup.config import ConfigError, Settings
from followup.services import Services


class _Lazy:
    """Build the services on first use, so `--help` works without a configured environment."""

    def __init__(self):
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            try:
                self._services = Services.build(Settings.from_env())
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from None
        return self._services

    @property
    def ready(self) -> Services:
        """The services, after checking the database has its schema."""
        services = self.services
        if migrate.current_revision(services.db.engine) is None:
            raise click.ClickException(
                "the database has no tables yet: run `followup db upgrade` first"
            )
        return services

    def close(self) -> None:
        """Release the database connections (commands run in-process, e.g. in tests)."""
        if self._services is not None:
            self._services.db.dispose()
            self._services = None


pass_lazy = click.make_pass_decorator(_Lazy, ensure=True)
