"""``kiosk policies``: the school's policies, their review dates (reviewed at least annually:
mobile technology policy 8, online safety policy 3) and staff's acknowledgements of them
(social media policy 4)."""

from __future__ import annotations

import click

from kiosk.actions import admin, governance
from kiosk.cli._access import acts, open_command
from kiosk.cli._common import FORMAT, Env, common, emit, parse_date


@click.group("policies")
def policies_group() -> None:
    """The school's policies: review dates and staff's acknowledgements."""


LIST_COLUMNS = ["key", "name", "version", "approved_on", "next_review_on", "status", "staff_acknowledge"]


@open_command("read-only report")
@policies_group.command("list")
@FORMAT
@common
def policies_list(env: Env, fmt: str) -> None:
    """List the policies (and the device rules file): version, approval, next review."""
    env.open(create=False)
    emit([r.as_dict() for r in governance.policies_list(env.settings, admin.now())], fmt, LIST_COLUMNS)


@policies_group.command("add")
@click.argument("key")
@click.option("--name", required=True, help="The policy's full name.")
@click.option("--version", "version", required=True, help="Its current version, e.g. 2026-09.")
@click.option("--approved", "approved_text", required=True, help="YYYY-MM-DD: when this version was approved.")
@click.option("--next-review", "review_text", required=True, help="YYYY-MM-DD: within a year of the approval.")
@click.option("--no-acknowledgement", "no_ack", is_flag=True, help="Staff are not asked to acknowledge it.")
@common
@acts("manage_policies")
def policies_add(env: Env, who, key, name, version, approved_text, review_text, no_ack: bool) -> None:
    """Put a policy on the register (KEY: a short name such as online-safety)."""
    approved_on = parse_date(approved_text, "--approved")
    next_review_on = parse_date(review_text, "--next-review")
    assert approved_on is not None and next_review_on is not None  # (both required)
    env.open()
    row = governance.add_policy(
        who,
        key=key,
        name=name,
        version=version,
        approved_on=approved_on,
        next_review_on=next_review_on,
        staff_acknowledge=not no_ack,
        now=admin.now(),
    )
    click.echo(f"{row.name} ({row.key}) added: version {row.version}, next review {row.next_review_on}.")


@policies_group.command("reviewed")
@click.argument("key")
@click.option("--version", "version", required=True, help="The version now approved (the same, or a new one).")
@click.option("--approved", "approved_text", required=True, help="YYYY-MM-DD: when it was approved.")
@click.option("--next-review", "review_text", required=True, help="YYYY-MM-DD: within a year of the approval.")
@common
@acts("manage_policies")
def policies_reviewed(env: Env, who, key, version, approved_text, review_text) -> None:
    """Record that a policy was reviewed: its version, approval date and next review."""
    approved_on = parse_date(approved_text, "--approved")
    next_review_on = parse_date(review_text, "--next-review")
    assert approved_on is not None and next_review_on is not None  # (both required)
    env.open()
    row = governance.policy_reviewed(
        who, key, version=version, approved_on=approved_on, next_review_on=next_review_on, now=admin.now()
    )
    click.echo(
        f"{row.name} reviewed: version {row.version}, approved {row.approved_on}, next review {row.next_review_on}."
    )


def _ack_permission(options: dict) -> str:
    return "file_policy_paperwork" if options.get("how") == "paper" else "acknowledge_policy"


@policies_group.command("acknowledge")
@click.argument("key")
@click.option(
    "--how",
    type=click.Choice(["kiosk", "paper"]),
    default="kiosk",
    show_default=True,
    help="kiosk: you acknowledge it yourself now; paper: a signed copy, recorded for someone.",
)
@click.option("--staff", "staff_username", default=None, help="With --how paper: whose signed copy (username).")
@click.option("--on", "on_text", default=None, help="YYYY-MM-DD: with --how paper, the day it was signed.")
@common
@acts(_ack_permission)
def policies_acknowledge(env: Env, who, key, how: str, staff_username, on_text) -> None:
    """Record that a member of staff has read a policy (at induction, then yearly)."""
    on = parse_date(on_text, "--on")
    env.open()
    click.echo(governance.acknowledge(who, key, staff_username=staff_username, how=how, on=on, now=admin.now()))


@policies_group.command("overdue")
@FORMAT
@common
@acts("manage_policies")
def policies_overdue(env: Env, who, fmt: str) -> None:
    """Staff with no acknowledgement of a policy's current version, or none in the last 12 months."""
    env.open(create=False)
    emit(governance.overdue(who, admin.now()), fmt, ["staff", "username", "policy", "why"])
