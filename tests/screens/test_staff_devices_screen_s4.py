"""The Staff devices held screen (issue 15): a member of staff's own device held for the LADO or
the police, with real keys. The chair of governors holds the headteacher's own device, hands it
to the police and records its return (the demo's head is also the DSL); the chair is offered no
one else's; the head never sees nor acts on their own; a refusal is one line and the form opens
again with everything typed."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, OptionList

from models.custody import ledger, school_devices
from models.staff import auth
from models.store.tables import DeviceState
from models.upkeep.demo import DEMO_PINS
from tests.pilot import drawn, make_app, quiet, sign_in, text, until
from tests.school import NOW, build


@pytest.fixture
def staffed(database):
    school = build()  # the head is the headteacher and the DSL, as in the demo
    school.chair = auth.create_staff("chair", "Mr C Governor", [auth.CHAIR], DEMO_PINS["chair"], now=NOW)
    held = school_devices.hold_staff_device(
        school.head, staff_id=school.oak.id, pending="lado", reason="Policy 11.3", description="Oak's iPhone", now=NOW
    )
    school.oaks = held.device_id
    return school


def rows(app) -> list[tuple[str, ...]]:
    table = app.screen.query_one("#staff-devices", DataTable)
    return [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


def name(app) -> str:
    return type(app.screen).__name__


def picker(app) -> list[str]:
    box = app.screen.query_one("#hold-staff", OptionList)
    return [str(box.get_option_at_index(i).prompt).strip("● ").strip() for i in range(box.option_count)]


async def open_it(pilot, who: str) -> None:
    await sign_in(pilot, who, DEMO_PINS[who])
    await drawn(pilot)
    await pilot.press("o")
    await quiet(pilot)
    await drawn(pilot)
    assert name(pilot.app) == "StaffDevicesScreen"


@pytest.mark.parametrize("size", [(80, 24), (110, 32)], ids=["80x24", "110x32"])
async def test_the_chair_holds_the_heads_device_hands_it_to_the_police_and_records_its_return(staffed, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_it(pilot, "chair")
        assert rows(app) == []  # Oak's device is not the chair's to read about
        await pilot.press("h")
        await quiet(pilot)
        await until(pilot, lambda: name(app) == "HoldDialog", what="the hold form")
        assert picker(app) == ["Head"]  # the chair is offered the headteacher only
        await pilot.press("down", "enter")  # Head
        await pilot.press(*["backspace"] * 5, *"black iPhone", "enter")
        await pilot.press("down", "down", "enter")  # the police
        await pilot.press(*"KCSIE Part 4 allegation", "enter")
        await drawn(pilot)
        assert "Hold Head's device (black iPhone) for the police?" in text(app, "#hold-summary")
        await pilot.press("enter")
        await quiet(pilot)
        await drawn(pilot)
        assert name(app) == "StaffDevicesScreen"
        said = text(app, "#staff-devices-said")
        assert said.startswith("Device ") and "of Head is held for the police: put it in slot C-" in said
        [row] = rows(app)
        assert row[:3] == ("Head", "black iPhone", "police") and row[3].startswith("held in slot C-")
        device = app.screen.rows[0].device_id

        await pilot.press("p")
        await drawn(pilot)
        assert name(app) == "PoliceDialog"
        assert app.screen.dialog_title() == "Hand Head's device to the police"
        await pilot.press(*"PC Ng", "enter", *"4521", "enter", *"K/1", "enter", "enter", "enter")
        await drawn(pilot)
        assert "Record that Head's device was handed to the police?" in text(app, "#police-summary")
        await pilot.press("enter")
        await quiet(pilot)
        await drawn(pilot)
        assert name(app) == "StaffDevicesScreen"
        assert (
            text(app, "#staff-devices-said") == f"Device {device} handed to the police, reference K/1. This is final."
        )
        assert rows(app)[0][3] == "with the police"

        await pilot.press("b")
        await drawn(pilot)
        assert name(app) == "PoliceReturnDialog"
        assert app.screen.query_one("#return-reference", Input).value == "K/1"  # offered
        await pilot.press(*"PC Ng 4521", "enter", "enter", "enter", "enter", *"LADO to decide", "enter")
        await drawn(pilot)
        assert "Record that the police returned Head's device?" in text(app, "#return-summary")
        await pilot.press("enter")
        await quiet(pilot)
        await drawn(pilot)
        assert name(app) == "StaffDevicesScreen"
        said = text(app, "#staff-devices-said")
        assert said.startswith(f"Device {device} is back from the police: hold it in slot C-"), said
        assert rows(app)[0][3].startswith("held in slot C-")
    assert DeviceState.get(DeviceState.device == device).state == ledger.CONFISCATED


async def test_the_head_never_sees_nor_is_offered_their_own_device(staffed):
    heads = school_devices.hold_staff_device(
        staffed.chair, staff_id=staffed.head.id, pending="lado", reason="KCSIE 4", description="Head's phone", now=NOW
    ).device_id
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_it(pilot, "head")
        assert [r[0] for r in rows(app)] == ["Oak Teacher"]  # not their own
        assert heads not in [r.device_id for r in app.screen.rows]
        await pilot.press("h")
        await quiet(pilot)
        await until(pilot, lambda: name(app) == "HoldDialog", what="the hold form")
        assert "Head" not in picker(app) and "Oak Teacher" in picker(app)


async def test_the_chair_is_refused_for_another_persons_device_and_what_was_typed_stays(staffed):
    """Oak's device is not offered to the chair; a device given back at another terminal while
    the chair types is refused in one line, and the form opens again with the decision typed."""
    heads = school_devices.hold_staff_device(
        staffed.chair, staff_id=staffed.head.id, pending="lado", reason="KCSIE 4", description="Head's phone", now=NOW
    ).device_id
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_it(pilot, "chair")
        assert [r[0] for r in rows(app)] == ["Head"]
        await pilot.press("p")  # the police: the chair may, for the head's own
        await drawn(pilot)
        assert name(app) == "PoliceDialog"
        await pilot.press("escape")
        await drawn(pilot)
        await pilot.press("g")
        await drawn(pilot)
        assert name(app) == "GiveBackDialog"
        await pilot.press(*"LADO: no further action", "enter")
        await drawn(pilot)
        school_devices.return_to_staff(staffed.chair, heads, decision="at the other terminal", now=NOW)
        await pilot.press("enter")  # Confirm
        await quiet(pilot)
        await until(pilot, lambda: name(app) == "GiveBackDialog", what="the form again")
        await drawn(pilot)
        error = text(app, "#giveback-error")
        assert error == "This device is not held by the school." and "\n" not in error
        assert app.screen.query_one("#giveback-decision", Input).value == "LADO: no further action"
        await pilot.press("escape")  # the decision typed: Esc asks first (kiosk.dialogs.two_step)
        await drawn(pilot)
        assert name(app) == "GiveBackDialog"
        await pilot.press("escape")
        await drawn(pilot)
        assert name(app) == "StaffDevicesScreen"
        assert text(app, "#staff-devices-said") == "Cancelled: nothing was recorded."
        await pilot.press("h")
        await quiet(pilot)
        await until(pilot, lambda: name(app) == "HoldDialog", what="the hold form")
        assert "Oak Teacher" not in picker(app)
    with pytest.raises(Exception, match="holds only the headteacher's own device"):
        school_devices.return_to_staff(staffed.chair, staffed.oaks, decision="not mine to give", now=NOW)


async def test_home_offers_it_to_the_dsl_head_and_chair_only(staffed):
    app = make_app()
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in(pilot, "deputy", DEMO_PINS["deputy"])
        await drawn(pilot)
        await pilot.press("o")
        await drawn(pilot)
        assert name(app) == "HomeScreen"


async def test_the_hold_form_typed_in_one_burst_keeps_every_key(staffed):
    """A walk in tmux typed the whole form at once: the Enter in the staff list arrived before
    its Down was taken, nobody was chosen, and the rest of the keys went astray."""
    from tests.pilot import burst

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_it(pilot, "chair")
        await pilot.press("h")
        await quiet(pilot)
        await until(pilot, lambda: name(app) == "HoldDialog", what="the hold form")
        await drawn(pilot)
        burst(app, ["down", "enter", *["backspace"] * 5, *"black iPhone", "enter", "down", "down", "enter"])
        burst(app, [*"KCSIE Part 4", "enter"])
        await until(pilot, lambda: "Hold Head's device" in text(app, "#hold-summary"), what="the summary")
        assert "Hold Head's device (black iPhone) for the police?" in text(app, "#hold-summary")


def test_the_summary_names_the_lado_in_capitals():
    """The walk's summary read "Hold Mr T Okoro (Oak)'s device (phone) for the lado?"."""
    from kiosk.dialogs.staff_devices import held_for_words

    assert (held_for_words("lado"), held_for_words("police")) == ("the LADO", "the police")


async def test_a_refused_hold_opens_the_form_again_with_everything_typed(staffed):
    """The owner's account is closed at another terminal while the head types: the domain's
    one line is shown on the form, opened again with whose, what, for whom and why."""
    from textual.widgets import RadioSet

    from models.store.tables import Staff

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_it(pilot, "head")
        await pilot.press("h")
        await quiet(pilot)
        await until(pilot, lambda: name(app) == "HoldDialog", what="the hold form")
        rows_offered = picker(app)
        await pilot.press(*["down"] * (rows_offered.index("Beech Teacher") + 1), "enter")
        await pilot.press(*["backspace"] * 5, *"Android", "enter", "down", "enter", *"11.3 allegation", "enter")
        await drawn(pilot)
        assert "Hold Beech Teacher's device (Android) for the LADO?" in text(app, "#hold-summary")
        Staff.update(active=False).where(Staff.id == staffed.beech_teacher.id).execute()  # at another terminal
        await pilot.press("enter")
        await quiet(pilot)
        await until(pilot, lambda: name(app) == "HoldDialog" and bool(text(app, "#hold-error")), what="the form again")
        await drawn(pilot)
        assert text(app, "#hold-error") == "Choose the member of staff whose device it is."
        values = [app.screen.query_one(f"#hold-{w}", Input).value for w in ("description", "reason")]
        assert values == ["Android", "11.3 allegation"]
        assert app.screen.query_one("#hold-for", RadioSet).pressed_index == 0  # the LADO
        assert app.screen.owner == staffed.beech_teacher.id
