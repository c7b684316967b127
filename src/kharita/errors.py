"""Exceptions shared by every layer of kharita.

This is the bottom layer: it imports nothing from the package, so any module may
raise these and the CLI and web layers can turn them into clear messages.
"""

from __future__ import annotations


class KharitaError(Exception):
    """Base class for every error kharita raises on purpose."""


class KBValidationError(KharitaError):
    """The knowledge base (shipped or overlay) failed validation.

    ``problems`` holds one :class:`kharita.kb.validate.Problem` per finding, each
    naming the file and line.
    """

    def __init__(self, problems: list) -> None:  # list[Problem]; untyped to stay bottom-layer
        self.problems = problems
        lines = "\n".join(str(p) for p in problems[:50])
        more = f"\n... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s) in the knowledge base:\n{lines}{more}")


class WrongSourceError(KharitaError):
    """A file is not what the user said it is (e.g. an ACLED export given as UCDP)."""


class IngestError(KharitaError):
    """A file could not be ingested at all (nothing was written)."""


class StoreError(KharitaError):
    """The event store is missing, locked, or has an unexpected schema."""


class FetchError(KharitaError):
    """A download failed (network, checksum, or server error)."""


class UserInputError(KharitaError):
    """A value the user gave is invalid (a filter, an option, a form field).

    The CLI exits with code 2 and the web answers 422; the message names the field
    and, where there is a fixed set, the valid values.
    """


class NotFound(KharitaError):
    """A requested record (event, entity, page) does not exist; the web answers 404."""


class StoreSchemaError(StoreError):
    """The store was written by another version of kharita (or is not a kharita store).

    The CLI prints one line and exits with code 2; nothing is read or written.
    """


class StaleAttributionError(UserInputError):
    """The store's attributions were made with another knowledge-base version than the
    one loaded now; re-run ``kharita attribute`` (or load the KB they were made with)."""
