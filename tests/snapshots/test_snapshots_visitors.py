"""Snapshot tests of the visitor screens in their main states.

Fixed terminal size, a frozen clock, fixed data (tests/school.py) and no cursor blink.
Update after a deliberate change with
``pytest tests/snapshots/test_snapshots_visitors.py --snapshot-update`` and review the SVGs.
"""

from __future__ import annotations

import pytest

from tests.pilot import drawn, make_app
from tests.school import NOW

SIZE = (110, 32)


@pytest.fixture
def snap_school(sqlite_db):
    from tests.school import build

    return build()


def on_site(*names, at=NOW):
    from models.policy.rules import rules_for
    from models.visitors import visits as visitors
    from tests.pilot import settings

    s = settings()
    for i, name in enumerate(names):
        visitors.sign_in(
            settings=s,
            rules=rules_for(s),
            rules_accepted=True,
            name=name,
            organisation="Acme Ltd",
            visitor_type="parent_carer",
            purpose="Meeting",
            visiting="Mrs Head",
            phone="tray" if i == 0 else "car_or_off",
            now=at,
        )


async def quiet(pilot):
    await drawn(pilot)  # workers done, tables laid out


def self_service(*keys):
    async def run_before(pilot):
        from kiosk.screens.visitor_self import VisitorSelfServiceScreen

        await pilot.app.push_screen(VisitorSelfServiceScreen(reset_after=3600))
        await quiet(pilot)
        for key in keys:
            await pilot.press(key)
            await quiet(pilot)

    return run_before


# The kind of visitor first (issue 14 item 12), then name, organisation, purpose, visiting.
DETAILS = ["enter", *"Jane Doe", "enter", *"Acme Ltd", "enter", *"Meeting", "enter", *"Mrs Head", "enter"]


def office(*keys):
    async def run_before(pilot):
        from kiosk.screens.visitors import VisitorsScreen
        from kiosk.session import SignedIn
        from models.store.tables import Staff

        staff = Staff.get(Staff.username == "office")
        pilot.app.sign_in(SignedIn(staff.id, staff.username, staff.display_name, staff.role_set))
        await quiet(pilot)
        await pilot.app.push_screen(VisitorsScreen(pilot.app.signed_in))
        await quiet(pilot)
        for key in keys:
            await pilot.press(key)
            await quiet(pilot)

    return run_before


@pytest.mark.parametrize(
    "name,keys",
    [
        ("start", []),
        ("details_error", ["enter", "enter", "enter", "enter", "enter", "enter"]),
        ("rules", [*DETAILS, "enter"]),
        ("phone", [*DETAILS, "enter", "enter"]),
        ("done", [*DETAILS, "enter", "enter", "2"]),
        ("done_phone_to_hand_in", [*DETAILS, "enter", "enter", "1"]),
        ("sign_out", ["f2"]),
        ("see_the_office", ["down", "enter"]),  # said as soon as the kind is chosen
    ],
)
def test_self_service(snap_compare, snap_school, name, keys):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=self_service(*keys))


def test_self_service_typing_a_name_shows_no_other_visitor(snap_compare, snap_school):
    on_site("Janet Okafor")
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=self_service(*"Jan"))


def test_visitors_list(snap_compare, snap_school):
    on_site("Jane Doe", "[b]Bob[/b] Builder")
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=office())


def test_visitors_sign_in_dialog(snap_compare, snap_school):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=office("f2", *"Bob", "enter"))


def test_visitors_concern_dialog(snap_compare, snap_school):
    on_site("Jane Doe")
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=office("f6", *"Filming", "enter"))


def test_visitors_left_at_dialog_for_yesterdays_visitor(snap_compare, snap_school):
    import datetime as dt

    on_site("Gary Mills", at=NOW - dt.timedelta(hours=19, minutes=10))  # 13:20 yesterday
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=office("tab", "enter"))


def test_visitors_sign_out_confirmation(snap_compare, snap_school):
    on_site("Jane Doe", "Bob Builder")
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=office("tab", "enter"))


def test_visitors_roll_call(snap_compare, snap_school):
    """F7: the fire roll call, on screen whether or not the printer answers."""
    on_site("Jane Doe", "Bob Builder")
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=office("f7"))
