"""``kiosk relationships``: staff's pre-existing relationships with pupils and families,
discussed with the DSL (mobile technology policy 5; social media policy 4.2). The DSL or
the headteacher records, reviews, ends and lists them."""

from __future__ import annotations

import click

from kiosk.actions import admin, governance
from kiosk.cli._access import acts
from kiosk.cli._common import FORMAT, Env, RecordCommand, RecordNumber, common, emit, parse_date
from models.errors import KioskError


@click.group("relationships")
def relationships_group() -> None:
    """Staff's pre-existing relationships with pupils or families (the DSL or the headteacher)."""


LIST_COLUMNS = ["id", "staff", "with", "nature", "described", "discussed_on", "review_on", "status", "reviews"]
NUMBER = RecordNumber("a relationship", "kiosk relationships list")


@relationships_group.command("add")
@click.option("--staff", "staff_username", required=True, help="The member of staff: username.")
@click.option("--pupil", "admission_no", default=None, help="The pupil: admission number.")
@click.option("--family", default=None, help="Or the family or parent, named as text.")
@click.option("--nature", type=click.Choice(["relative", "neighbour", "family_friend", "other"]), required=True)
@click.option("--described", required=True, help="The relationship in a line, e.g. 'aunt' or 'lives next door'.")
@click.option("--advice", required=True, help="The DSL's advice.")
@click.option("--discussed-on", "discussed_text", required=True, help="YYYY-MM-DD: when it was discussed with the DSL.")
@click.option("--review", "review_text", required=True, help="YYYY-MM-DD: the next review (within a year).")
@common
@acts("record_relationship")
def relationships_add(
    env: Env, who, staff_username, admission_no, family, nature, described, advice, discussed_text, review_text
) -> None:
    """Record a pre-existing relationship discussed with the DSL."""
    if bool(admission_no) == bool(family):
        raise KioskError("Give either --pupil or --family, not both.")
    discussed_on = parse_date(discussed_text, "--discussed-on")
    review_on = parse_date(review_text, "--review")
    assert discussed_on is not None and review_on is not None  # (both required)
    env.open()
    row = governance.record_relationship(
        who,
        staff_username=staff_username,
        nature=nature,
        described=described,
        dsl_advice=advice,
        discussed_on=discussed_on,
        review_on=review_on,
        admission_no=admission_no,
        family=family,
        now=admin.now(),
    )
    click.echo(f"Relationship {row.id} recorded: {row.staff} with {row.with_whom}. Next review {row.review_on}.")


@relationships_group.command("review", cls=RecordCommand)
@click.argument("relationship_id", type=NUMBER)
@click.option("--note", required=True, help="What the review found.")
@click.option("--next", "next_text", required=True, metavar="YYYY-MM-DD", help="The next review date.")
@common
@acts("record_relationship")
def relationships_review(env: Env, who, relationship_id: int, note: str, next_text: str) -> None:
    """Record a review of a relationship and its next review date."""
    next_review_on = parse_date(next_text, "--next")
    assert next_review_on is not None  # (required)
    env.open()
    row = governance.review_relationship(
        who, relationship_id, note=note, next_review_on=next_review_on, now=admin.now()
    )
    click.echo(f"Relationship {row.id} ({row.staff} with {row.with_whom}) reviewed: next review {row.review_on}.")


@relationships_group.command("end", cls=RecordCommand)
@click.argument("relationship_id", type=NUMBER)
@click.option("--reason", required=True)
@common
@acts("record_relationship")
def relationships_end(env: Env, who, relationship_id: int, reason: str) -> None:
    """End a relationship on the register (e.g. the pupil left). The record is kept."""
    env.open()
    row = governance.end_relationship(who, relationship_id, reason=reason, now=admin.now())
    click.echo(f"Relationship {row.id} ({row.staff} with {row.with_whom}) ended. The record is kept.")


@relationships_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include ended relationships.")
@click.option("--advice", "with_advice", is_flag=True, help="Show the DSL's advice too.")
@FORMAT
@common
@acts("record_relationship", doing="see the register of staff relationships")
def relationships_list(env: Env, who, show_all: bool, with_advice: bool, fmt: str) -> None:
    """List the register: who, with whom, review date, status."""
    env.open(create=False)
    rows = [r.as_dict() for r in governance.relationships_list(who, admin.now(), include_ended=show_all)]
    emit(rows, fmt, [*LIST_COLUMNS, "advice"] if with_advice else LIST_COLUMNS)
