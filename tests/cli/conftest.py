"""Every CLI test may ask for the ``cli`` fixture (tests.support.cli)."""

from tests.support.cli import cli  # noqa: F401  (the fixture)
