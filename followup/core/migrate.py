"""Schema migrations (Alembic), driven from code so `followup db upgrade` needs no ini file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


# Alembic is imported where it is used: it takes a third of a second, and most commands only
# read the revision (current_revision).
def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Percent signs in passwords would be read as interpolation by configparser.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (default: the newest)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def current_revision(engine) -> str | None:
    """Return the schema revision the database is at, or None before the first upgrade.

    Read from Alembic's own table, as Alembic reads it (one linear history: one row)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.scalar(text("SELECT version_num FROM alembic_version"))


def revision(url: str, message: str, autogenerate: bool = True) -> None:
    """Write a new migration file comparing the models with the database at ``url``."""
    from alembic import command

    command.revision(alembic_config(url), message=message, autogenerate=autogenerate)
