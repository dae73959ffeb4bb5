"""Appending to a history that the database keeps in one line (a unique version number, or each
row superseded at most once): of two submissions based on the same row only the first is
stored, and the second is told that it was based on a stale form."""

from django.db import IntegrityError, transaction


class SubmissionError(ValueError):
    """A submission that cannot be recorded as given; `field` names the offending input."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class StaleSubmission(SubmissionError):
    """Someone else appended meanwhile: the form is based on a row that is no longer the latest."""


def append(row, *, one_line: tuple[str, ...], stale: str, field: str):
    """Insert ``row`` (unsaved). ``one_line`` names the unique constraints that keep its history
    in one line, as PostgreSQL names them or as SQLite names their columns ("table.column");
    breaking one of them is a stale submission on ``field``."""
    try:
        with transaction.atomic():
            row.save(force_insert=True)
            return row
    except IntegrityError as error:
        if any(name in str(error) for name in one_line):
            raise StaleSubmission(stale, field) from error
        raise
