"""Who may run a command.

Every command is either open to the kiosk's own OS account (reports, verify:
:func:`open_command`) or acts for a member of staff (:func:`acts`: ``--as USERNAME`` and
their PIN, checked against the same permission as the screens, and that person is the
audit actor). tests/cli/test_cli_auth.py walks the command tree: a command with neither is a
failing test.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

import click

from kiosk.cli._common import Env, anchor_after
from models.errors import KioskError

ACCESS = "kiosk_access"  # attribute on a command's callback: ("open", why) or ("acts", action)


def open_command(why: str) -> Callable[[click.Command], click.Command]:
    """Mark a command (above its ``@….command``) as open to the kiosk's OS account without --as, and say why."""

    def mark(command: click.Command) -> click.Command:
        setattr(command.callback, ACCESS, ("open", why))
        return command

    return mark


def _has_terminal() -> bool:
    """Whether this process has a terminal to ask on (stdin may carry codes, so not stdin)."""
    try:
        os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
    except OSError:
        return False
    return True


def tty_pin(prompt: str, *, confirm: bool = False) -> str | None:
    """A PIN typed (not echoed) on the terminal; None when there is no terminal."""
    import getpass

    if not _has_terminal():
        return None
    try:
        pin = getpass.getpass(prompt)  # reads and prompts on /dev/tty itself
        if confirm and getpass.getpass("Again: ") != pin:
            raise KioskError("The two PINs differ: nothing was changed.")
    except EOFError:
        raise KioskError("No PIN was typed. Nothing was changed.") from None
    return pin


def acts(
    action: str | Callable[[dict[str, Any]], str],
    *,
    open_when: Callable[[dict[str, Any]], bool] | None = None,
    doing: str | None = None,
    own: Callable[[dict[str, Any]], str] | None = None,
) -> Callable[[Callable], Callable]:
    """Add --as USERNAME: the member of staff acting, signed in with their PIN, who must
    be allowed ``action`` (a ``models.staff.auth.PERMISSIONS`` key, or a function of the
    command's options). The command gets them as ``who``: a :class:`kiosk.session.SignedIn`,
    as the screens have, to give to the use cases (``kiosk.actions``).

    ``open_when(options)``: without --as the command runs with ``who=None`` (purge
    --dry-run; the first admin). Use inside :func:`common` (``@common`` above ``@acts``).
    ``doing``: what the command does, in a refusal, when the permission's words do not
    say it ("export a subject access request" needs someone who may purge, export or erase records).
    ``own(options)``: the username the command acts on; anyone may do it to their own
    account (their new PIN), whatever ``action`` says.
    A refusal after a right PIN is audited (``auth.refused``): who tried what.
    """
    words = action if isinstance(action, str) else "do this"

    def decorate(fn: Callable) -> Callable:
        @click.option(
            "--as",
            "as_user",
            default=None,
            metavar="USERNAME",
            help="Who is acting (a member of staff). The PIN comes from $KIOSK_PIN or is asked for.",
        )
        @functools.wraps(fn)
        def wrapper(env: Env, as_user: str | None, **kwargs: Any) -> Any:
            from models.errors import PermissionDenied
            from models.staff.auth import ACTION_WORDS, authenticate, require

            wanted = action if isinstance(action, str) else action(kwargs)
            if as_user is None:
                if open_when is not None and open_when(kwargs):
                    return fn(env, who=None, **kwargs)
                raise PermissionDenied(
                    f"Say who you are with --as USERNAME (a member of staff who may "
                    f"{ACTION_WORDS[wanted]}); the PIN comes from $KIOSK_PIN or is asked for."
                )
            pin = _read_pin(as_user)  # before the database is opened: no PIN, nothing written
            env.open(create=False)  # whoever acts is in it already: a mistyped --db makes nothing
            from models.store.db import commits

            signing_in = commits()
            try:
                who = authenticate(as_user, pin)
            except KioskError:
                if commits() != signing_in:  # the wrong PIN is in the log: anchored like any record
                    anchor_after(env, None, quiet=True)
                raise
            try:
                if own is None or (own(kwargs) or "").strip().lower() != who.username:
                    require(who, wanted)
            except PermissionDenied as refused:
                _audit_refused(who, wanted)
                anchor_after(env, who, quiet=True)  # the refusal is in the log: anchored like any record
                if doing:
                    from models.staff.auth import who_text

                    raise PermissionDenied(
                        f"{who_text(who)} may not {doing}: that needs someone who may {ACTION_WORDS[wanted]}."
                    ) from None
                raise refused from None
            from kiosk.session import SignedIn

            before, signed_in = signing_in, commits()
            try:
                result = fn(env, who=SignedIn.of(who), **kwargs)  # the use cases take the person signed in
            except BaseException:
                # The sign-in is in the log: anchored, as a refusal is. A job that wrote part of
                # its work and stopped (a purge on a failing disk) is not anchored until it
                # finishes, and a missing anchors file is not started afresh here (`audit
                # restored` refuses exactly that).
                if signed_in != before and commits() == signed_in and env.anchors_path().exists():
                    anchor_after(env, who, quiet=True)
                raise
            if commits() != before:  # it wrote records: anchor them (not a job that stopped part way)
                anchor_after(env, who)
            return result

        setattr(wrapper, ACCESS, ("acts", words))
        return wrapper

    return decorate


def _audit_refused(who: Any, action: str) -> None:
    """Record that a member of staff, signed in, was refused a command (what they tried)."""
    from models.audit import chain as audit
    from models.audit.tx import write_tx
    from models.clock import utcnow

    ctx = click.get_current_context(silent=True)
    command = ctx.command_path if ctx is not None else "kiosk"
    with write_tx():
        audit.append(who, "auth.refused", "staff", who.id, {"command": command[:80], "needs": action}, utcnow())


def _read_pin(username: str) -> str:
    """The PIN of the person in --as: $KIOSK_PIN, or asked for (hidden) on the terminal."""
    pin = os.environ.get("KIOSK_PIN")
    if pin is None:
        pin = tty_pin(f"PIN for {username}: ")
        if pin is None:
            raise KioskError("No PIN: set KIOSK_PIN or run from a terminal. Nothing was changed.")
    if not pin.strip():
        raise KioskError("No PIN: KIOSK_PIN is empty. Nothing was changed.")
    return pin
