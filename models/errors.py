"""Errors a person may see.

Every rule the domain enforces raises a :class:`KioskError` whose ``str()`` is one
plain-English line, fit to show on the reception screen or print from the CLI.
``outcome`` is the short result word used by the headless scanner
(``OK``/``DUPLICATE``/``UNKNOWN``/``INVALID``/``REVOKED``/``BLOCKED``).
"""

from __future__ import annotations

from enum import StrEnum


class ScanOutcome(StrEnum):
    """What became of one scanned code: the word the scanner's log and ``kiosk scan`` print."""

    OK = "OK"
    DUPLICATE = "DUPLICATE"  # already done: nothing new recorded
    EXCEPTION = "EXCEPTION"  # the pupil keeps the phone under an agreed exception
    UNKNOWN = "UNKNOWN"  # a well-formed code no label carries
    INVALID = "INVALID"  # not a label code
    REVOKED = "REVOKED"  # a label that was replaced
    BLOCKED = "BLOCKED"  # a rule refused it
    NOT_PUPIL = "NOT_PUPIL"  # a visitor's slip or phone label
    NOT_HANDED_IN = "NOT_HANDED_IN"  # a release of a phone not handed in today: nothing recorded


class KioskError(Exception):
    """Base class: a refusal with a one-line message, never a crash."""

    outcome: ScanOutcome = ScanOutcome.BLOCKED

    def __init__(self, message: str, *, device_id: int | None = None, owner: str = "", class_name: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.device_id = device_id  # the phone concerned, when there is one
        self.owner = owner  # whose it is, and their class, for a scan's row in the log
        self.class_name = class_name

    def __str__(self) -> str:
        return self.message


class InvalidCode(KioskError):
    """The text is not a well-formed label code (bad shape or check character)."""

    outcome = ScanOutcome.INVALID


class UnknownCode(KioskError):
    """A well-formed code that no label carries."""

    outcome = ScanOutcome.UNKNOWN


class RevokedCode(KioskError):
    """A label that was revoked; the message names its replacement."""

    outcome = ScanOutcome.REVOKED

    def __init__(self, message: str, replaced_by: str | None = None) -> None:
        super().__init__(message)
        self.replaced_by = replaced_by


class RuleViolation(KioskError):
    """The custody rules forbid this action on this phone now."""

    outcome = ScanOutcome.BLOCKED


class PermissionDenied(KioskError):
    """The signed-in member of staff's role may not do this."""

    outcome = ScanOutcome.BLOCKED


class AuthError(KioskError):
    """Wrong username or PIN, or a locked account."""


class TrayFull(KioskError):
    """No free slot where the rules would put the phone."""

    outcome = ScanOutcome.BLOCKED


class NotFound(KioskError):
    """A pupil, member of staff, contact or record that does not exist."""


class ValidationError(KioskError):
    """Bad input in a form or on the command line."""


class ConfigError(KioskError):
    """The configuration file or a setting is wrong."""


class StorageError(KioskError):
    """The database could not be written (disk full, read-only, locked too long)."""


class SiteUnavailable(StorageError):
    """A trust's site this connection cannot open: no such site, its tables gone, or a
    database role that may not use it. Its message names the site and says nothing changed."""


class DatabaseBusy(StorageError):
    """Another terminal held the write lock past the busy timeout: nothing was saved, and
    trying again is safe (:func:`models.store.db.retrying` does, a few times)."""
