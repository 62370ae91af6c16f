"""Options shared by commands, as decorators: `--db` behaves the same everywhere."""

from __future__ import annotations

import click


def db_option(f):
    return click.option(
        "--db",
        "db",
        default="archive.db",
        show_default=True,
        type=click.Path(dir_okay=False),
        help="Path of the SQLite archive.",
    )(f)


def portals_file_option(f):
    return click.option(
        "--portals-file",
        type=click.Path(dir_okay=False),
        default=None,
        help="TOML file adding or overriding portal registry entries.",
    )(f)
