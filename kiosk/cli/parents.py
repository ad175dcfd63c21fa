"""``kiosk parents`` and ``kiosk police``: parents informed of a confiscation, a search or a
concern, what is still waiting for it, and calls to the police (issue 15)."""

from __future__ import annotations

import click

from kiosk.actions import admin
from kiosk.actions import parents as act
from kiosk.cli._access import acts
from kiosk.cli._common import FORMAT, Env, RecordNumber, common, emit
from models.errors import KioskError

HOW = ["phone", "in_person", "letter", "email", "text", "other"]
WAITING_COLUMNS = ["event_id", "kind", "time", "pupil", "class_name", "by"]


@click.group("parents")
def parents_group() -> None:
    """Parents and carers told of confiscations, searches and concerns."""


@parents_group.command("waiting")
@FORMAT
@common
@acts("police", doing="see what is waiting for parents to be told")
def parents_waiting(env: Env, who, fmt: str) -> None:
    """Confiscations and searches of pupils' phones whose parents are not yet recorded as told."""
    env.open(create=False)
    emit([w.as_dict() for w in act.waiting(who)], fmt, WAITING_COLUMNS)


@parents_group.command("informed")
@click.option("--event", "event_id", type=RecordNumber("a confiscation or search", "kiosk parents waiting"))
@click.option("--concern", "concern_id", type=RecordNumber("a concern", "the safeguarding screen"))
@click.option(
    "--contact", "contact_id", type=RecordNumber("a contact", "the pupil's contacts"), help="A listed parent or carer."
)
@click.option("--name", "parent_name", default=None, help="Or the parent's or carer's name, when none listed fits.")
@click.option("--how", type=click.Choice(HOW), required=True)
@click.option("--at", "at_text", required=True, help="When they were told: 'YYYY-MM-DD HH:MM' (school time).")
@click.option("--told-by", "told_by", default=None, help="Who told them, when not you.")
@click.option("--note", default=None)
@click.option(
    "--corrects",
    "corrects_id",
    type=RecordNumber("an entry", "the phone's history"),
    help="The entry this corrects (--note: why).",
)
@common
@acts("parents_informed")
def parents_informed(
    env: Env, who, event_id, concern_id, contact_id, parent_name, how, at_text, told_by, note, corrects_id
) -> None:
    """Record that a parent or carer was told (whoever may read the record's details)."""
    if (event_id is None) == (concern_id is None):
        raise KioskError("Give either --event or --concern.")
    told_at = act.local_time(at_text)
    env.open()
    told = act.ParentsTold(
        told_at=told_at,
        how=how,
        contact_id=contact_id,
        parent_name=parent_name,
        told_by_name=told_by,
        note=note,
        corrects_id=corrects_id,
    )
    click.echo(act.record_informed(who, told, admin.now(), event_id=event_id, concern_id=concern_id))


@click.group("police")
def police_group() -> None:
    """Contacts with the police (101, or 999 in immediate danger)."""


@police_group.command("contact")
@click.option("--phone", "code", default=None, help="The phone's label code.")
@click.option("--concern", "concern_id", type=RecordNumber("a concern", "the safeguarding screen"))
@click.option("--line", type=click.Choice(["101", "999"]), required=True)
@click.option("--reference", required=True, help="The reference or incident number the police gave.")
@click.option("--at", "at_text", required=True, help="When: 'YYYY-MM-DD HH:MM' (school time).")
@click.option("--called-by", "called_by", default=None, help="Who called, when not you.")
@click.option("--note", default=None)
@common
@acts("police", doing="record a contact with the police")
def police_contact(env: Env, who, code, concern_id, line, reference, at_text, called_by, note) -> None:
    """Record a call to the police about a phone and/or a concern (before or without a hand-over)."""
    if code is None and concern_id is None:
        raise KioskError("Give --phone CODE, --concern N, or both.")
    called_at = act.local_time(at_text)
    env.open()
    call = act.PoliceCall(line=line, reference=reference, called_at=called_at, called_by_name=called_by, note=note)
    device_id = act.device_of_code(code) if code is not None else None
    click.echo(act.record_police_contact(who, call, admin.now(), device_id=device_id, concern_id=concern_id))
