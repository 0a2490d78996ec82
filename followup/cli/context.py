"""What every `followup` command shares: the services, built lazily from the environment, and
the one ``--agency`` option with the one lookup behind it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from followup.core.config import ConfigError, Settings

# The models, the services and the migrations are imported when first used, so that a command
# that needs none of them starts at once.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from followup.models import Agency
    from followup.services import Services


class Lazy:
    """Build the services on first use, so `--help` works without a configured environment."""

    def __init__(self):
        self._settings: Settings | None = None
        self._services: Services | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = Settings.from_env()
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from None
        return self._settings

    @property
    def services(self) -> Services:
        if self._services is None:
            from followup.services import Services

            try:
                self._services = Services.build(self.settings)
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from None
        return self._services

    @property
    def ready(self) -> Services:
        """The services, after checking the database has its schema."""
        from followup.core import migrate

        services = self.services
        if migrate.current_revision(services.db.engine) is None:
            raise click.ClickException(
                "the database has no tables yet: run `followup db upgrade` first"
            )
        return services

    def agency(self, session: Session, slug: str | None) -> Agency:
        """The agency ``--agency`` names (the default agency when it names none)."""
        from followup.agencies import registry

        try:
            return registry.get_agency(session, slug or self.ready.settings.agency_slug)
        except registry.AgencyError as exc:
            raise click.ClickException(str(exc)) from None

    def close(self) -> None:
        """Release the database connections (commands run in-process, e.g. in tests)."""
        if self._services is not None:
            self._services.db.dispose()
            self._services = None
        self._settings = None


pass_lazy = click.make_pass_decorator(Lazy, ensure=True)

agency_option = click.option(
    "--agency", "slug", default=None, help="Agency slug (default: the default agency)."
)
