"""The ``civicnews`` command line: the click group assembling the commands of
:mod:`civicnews.commands`, a thin layer over the library.

Library errors become one-line ``click.ClickException`` messages here, at the
edge; nothing below this module prints or exits.
"""

from __future__ import annotations

import click

from civicnews import __version__
from civicnews.archive import ArchiveError
from civicnews.commands.archive import search, stats
from civicnews.commands.crawl import crawl
from civicnews.commands.demo import demo
from civicnews.commands.distributed import enqueue, ingest, jobs
from civicnews.commands.documents import extract
from civicnews.commands.export import export, verify
from civicnews.commands.portals import portals
from civicnews.commands.probe import probe
from civicnews.commands.replica import replica
from civicnews.commands.report import report
from civicnews.commands.runs import runs
from civicnews.commands.upgrade import upgrade
from civicnews.errors import EXIT_FAILED, EXIT_LOCKED, EXIT_USAGE, UsageError


def _one_line(message: str, exit_code: int) -> click.ClickException:
    error = click.ClickException(message)
    error.exit_code = exit_code
    return error


class _Commands(click.Group):
    """Library errors become one line and their exit code here, once for every command."""

    def invoke(self, ctx: click.Context):
        from civicnews.lock import LockHeld

        try:
            return super().invoke(ctx)
        except UsageError as exc:
            raise _one_line(str(exc), EXIT_USAGE) from None
        except LockHeld as exc:
            raise _one_line(str(exc), EXIT_LOCKED) from None
        except ArchiveError as exc:
            raise _one_line(str(exc), EXIT_FAILED) from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="civicnews")
def cli() -> None:
    """Archive crawler for Vietnamese local-government news portals."""


for _command in (
    crawl, demo, portals, search, stats, export, verify, runs, probe, upgrade, report,
    replica, enqueue, ingest, jobs, extract,
):  # fmt: skip
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="civicnews")


if __name__ == "__main__":
    main()
