"""Exceptions for what stops a whole run; findings about one submission are data, not these."""

from __future__ import annotations


class DvhtError(Exception):
    """Base of every fatal error; its message is Vietnamese and shown to the user as is."""


class RubricError(DvhtError):
    """The rubric file breaks a rule, so no template or score could be trusted."""


class ConfigError(DvhtError):
    """The configuration file cannot be used (unreadable, wrong type of value)."""


class RosterError(DvhtError):
    """The roster cannot be used; the message names the row or the columns at fault."""


class UsageError(DvhtError):
    """The command line asks for something impossible (missing folder, bad date)."""


class OutputError(DvhtError):
    """An output file cannot be written (folder read-only, file open in Excel)."""


class RecognitionFileError(DvhtError):
    """A department's file of past decisions cannot be imported; nothing of it is taken.

    problems: one line per fault, "dòng N: …", so a caller or a test can list them; empty when
    the whole file is refused (unreadable, no header, missing columns)."""

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems
