"""``kiosk concerns``: a concern's follow-up with the steps done (the DSL or the headteacher),
and lessons learnt once it is closed (leadership, the DSL, the headteacher): the same use
cases as the safeguarding screen's F and L."""

from __future__ import annotations

import click

from kiosk.actions import admin, safeguarding
from kiosk.actions.safeguarding import ACTIONS, NOT_TICKED, OUTCOMES, REFERRALS
from kiosk.cli._access import acts
from kiosk.cli._common import Env, RecordCommand, RecordNumber, common, parse_date
from models.errors import KioskError


@click.group("concerns")
def concerns_group() -> None:
    """A concern's follow-up and lessons learnt (the numbers are those of the safeguarding feed)."""


NUMBER = RecordNumber("a concern", "the safeguarding screen")


@concerns_group.command("follow-up", cls=RecordCommand)
@click.argument("number", type=NUMBER)
@click.option("--note", required=True, help="What was done, who was told.")
@click.option(
    "--done",
    "done",
    multiple=True,
    type=click.Choice([code for code in ACTIONS if code not in REFERRALS]),
    help="A step done (repeat, each once): "
    + "; ".join(f"{c}: {w}" for c, w in ACTIONS.items() if c not in REFERRALS and c not in NOT_TICKED)
    + ". Parents told: kiosk parents informed --concern N.",
)
@click.option(
    "--lado-day", "lado_day", default=None, help="YYYY-MM-DD: the day an allegation was referred to the LADO."
)
@click.option("--lado-reference", "lado_reference", default=None, help="The LADO's reference (with --lado-day).")
@click.option(
    "--prevent-day",
    "prevent_day",
    default=None,
    help="YYYY-MM-DD: the day a radicalisation concern was referred to Prevent (with --prevent-to).",
)
@click.option(
    "--prevent-to", "prevent_to", default=None, help="To whom, e.g. 'Kent Prevent team' (with --prevent-day)."
)
@click.option(
    "--prevent-reference", "prevent_reference", default=None, help="The Prevent referral's reference, if any."
)
@click.option("--close", "outcome", type=click.Choice(list(OUTCOMES)), default=None, help="Close it with this outcome.")
@common
@acts("follow_up_concerns")
def concerns_follow_up(
    env: Env, who, number, note, done, lado_day, lado_reference, prevent_day, prevent_to, prevent_reference, outcome
) -> None:
    """Record a follow-up of concern NUMBER: a note, the steps done, and (--close) its outcome."""
    twice = sorted({d for d in done if done.count(d) > 1})
    if twice:
        raise KioskError(f"--done {twice[0]} is given twice: give each step once.")
    if (lado_day is None) != (lado_reference is None):
        raise KioskError("Give both --lado-day and --lado-reference, or neither.")
    if (prevent_day is None) != (prevent_to is None) or (prevent_reference is not None and prevent_day is None):
        raise KioskError("Give both --prevent-day and --prevent-to (and --prevent-reference if there is one), or none.")
    day = parse_date(lado_day, "--lado-day") if lado_day else None
    prevent_on = parse_date(prevent_day, "--prevent-day") if prevent_day else None
    env.open()
    lado = (day, lado_reference) if day is not None else None
    prevent = (prevent_on, prevent_to, prevent_reference) if prevent_on is not None else None
    line = safeguarding.follow_up(who, number, note, outcome, admin.now(), lado, tuple(done), prevent)
    click.echo(line)


@concerns_group.command("lessons", cls=RecordCommand)
@click.argument("number", type=NUMBER)
@click.option("--text", "lessons", required=True, help="What was learnt, and what will change.")
@common
@acts("record_lessons")
def concerns_lessons(env: Env, who, number, lessons) -> None:
    """Record lessons learnt on closed concern NUMBER (appended, never edited)."""
    env.open()
    click.echo(safeguarding.record_lessons(who, number, lessons, admin.now()))
