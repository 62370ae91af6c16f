"""What a command answers: its exit codes, and the one error for bad input from the user.

Every command exits with one of these codes (the README's exit-code table); the library
raises :class:`UsageError` for a value a person typed wrong (an option, a ``--set`` value, a
portals file), and the command line turns it, in one place, into one line on stderr and
:data:`EXIT_USAGE`.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1  # a health check failed, the run crashed, an archive or output unusable
EXIT_USAGE = 2  # usage or configuration error: fix the command line or the file
EXIT_EMPTY = 3  # export: the filters select nothing (no file is written)
EXIT_LOCKED = 75  # EX_TEMPFAIL: another run holds the archive's lock; try later


class UsageError(ValueError):
    """A value the user gave cannot be used; the message says which and what is expected."""
