"""Issue 15's new-user walk (helper h1), with real keys at 80x24: the DSL's red alert for a
confiscation for suspected nude or semi-nude images; F10 (police call) refused on a phone
held for the DSL to leadership; the concern dialog's title agreeing with its Confirm; a
passcode typed in a loan's note refused in the dialog, losing nothing else typed."""

from __future__ import annotations

import datetime as dt

from kiosk.textual_compat import notices
from models.custody import ledger as custody
from models.custody import school_devices
from models.staff import auth
from models.upkeep.demo import DEMO_PINS
from tests.pilot import drawn, make_app, quiet, school, sign_in, text, until  # noqa: F401 (school: the fixture)
from tests.school import NOW
from tests.screens.test_history_screen import device_of, find, message, open_history, screen_name

SIZE = (80, 24)
ALERT = (
    "A confiscation for suspected nude or semi-nude images: raised and not yet opened. Open Safeguarding (S at Home)."
)


def nude_confiscation(school) -> int:
    dev = device_of(school, "000001")
    custody.confiscate(
        dev,
        school.oak,
        category="nude_images",
        reason="Shared an image",
        policy="OS 11.1",
        now=NOW - dt.timedelta(minutes=5),
    )
    return dev


# ---------------------------------------------------------------- 1. the red alert


async def test_a_nude_images_confiscation_raises_the_dsls_red_alert(school):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])  # the headteacher and the DSL
        await quiet(pilot)
        assert text(app, "#home-alert") == ""
        app.ALERT_EVERY = 0.0
        nude_confiscation(school)  # at a teacher's terminal, on the same database
        await pilot.press("pagedown")  # a key: the idle timer looks again
        await until(pilot, lambda: ALERT in notices(app), 10, "the alert")
        await until(pilot, lambda: "confiscation for suspected nude" in text(app, "#home-alert"), 10, "the line")
        assert text(app, "#home-alert") == (
            "ALERT, not yet opened: a confiscation for suspected nude or semi-nude images. Press S."
        )
        assert "Ava" not in text(app, "#home-alert")  # never the pupil nor the reason


async def test_leadership_gets_no_such_alert(school):
    nude_confiscation(school)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "deputy", DEMO_PINS["deputy"])
        app.ALERT_EVERY = 0.0
        await quiet(pilot)
        await pilot.press("pagedown")
        await quiet(pilot)
        assert ALERT not in notices(app) and text(app, "#home-alert") == ""


# ---------------------------------------------------------------- 3. F10 on a phone held for the DSL


async def test_f10_on_a_phone_held_for_the_dsl_is_refused_to_leadership_in_one_line(school):
    nude_confiscation(school)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "deputy")
        await find(pilot, school.codes["000001"])
        await pilot.press("f10")
        await quiet(pilot)
        assert screen_name(app) == "HistoryScreen"
        assert message(app) == (
            "Held for the DSL: the DSL decides on the police and the parents (online safety 11.1.1): "
            "only the DSL or the headteacher may record a call to the police about it."
        )


async def test_f10_on_a_phone_held_for_the_dsl_opens_for_the_dsl(school):
    nude_confiscation(school)
    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await open_history(pilot, "head")
        await find(pilot, school.codes["000001"])
        await pilot.press("f10")
        await quiet(pilot)
        assert screen_name(app) == "PoliceContactDialog"


# ---------------------------------------------------------------- 4. the concern dialog's title


async def concern_title(pilot, whom: str) -> tuple[str, str]:
    app = pilot.app
    await sign_in(pilot, "oak", DEMO_PINS["oak"])
    await quiet(pilot)
    await pilot.press("n")
    await until(pilot, lambda: type(app.screen).__name__ == "RaiseConcernDialog", 10, "the form")
    await pilot.press("down", "down", "enter")  # a member of staff (the first Down: the first option)
    await quiet(pilot)
    box = app.screen.query_one("#concern-staff-list")
    for _ in range(box.option_count + 1):
        option = box.highlighted_option
        if option is not None and str(option.prompt).lstrip("● ").strip() == whom:
            break
        await pilot.press("down")
        await quiet(pilot)
    await pilot.press("enter")
    await quiet(pilot)
    await pilot.press(*["down"] * 6, "enter")  # staff conduct or allegation
    await pilot.press(*"Shouted at a pupil", "enter")
    await until(pilot, lambda: app.screen.has_class("confirming"), 10, "the summary")
    return text(app, ".dialog-title"), str(app.screen.query_one("#concern-yes").label)


async def test_the_concern_title_names_the_chair_when_the_chair_will_see_it(school):
    auth.create_staff("chair", "Mr C Governor", [auth.CHAIR], DEMO_PINS["chair"], now=NOW)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert await concern_title(pilot, "Head") == (
            "Raise a concern for the chair of governors",
            "Confirm: tell the chair of governors",
        )


async def test_the_concern_title_names_the_dsl_otherwise(school):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert await concern_title(pilot, "Deputy") == ("Raise a concern for the DSL", "Confirm: tell the DSL")


# ---------------------------------------------------------------- 5. no passcode in a loan's note


async def test_a_passcode_in_the_loan_note_is_refused_in_the_dialog_keeping_what_was_typed(school):
    school_devices.add_device(
        school.admin, asset_tag="SCH-PH-01", kind="phone", description="trips phone", passcode_set=True, now=NOW
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await pilot.press("d")
        await drawn(pilot)
        await pilot.press("l")
        await drawn(pilot)
        assert screen_name(app) == "LoanDialog"
        await pilot.press("down", "down", "enter", "down", "enter")  # Beech Teacher; School trip
        await pilot.press(*"Y6 museum, code is 0000", "enter", "enter")
        await drawn(pilot)
        assert screen_name(app) == "LoanDialog" and not app.screen.has_class("confirming")
        assert text(app, "#loan-error") == (
            "The note on the purpose looks like it holds a passcode or PIN: take it out. The register records "
            "only whether a passcode is set, never the passcode (mobile technology policy 4)."
        )
        assert app.screen.query_one("#loan-note").value == "Y6 museum, code is 0000"  # nothing lost
        assert app.focused is app.screen.query_one("#loan-note")
