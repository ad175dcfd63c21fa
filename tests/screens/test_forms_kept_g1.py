"""A user's walk of the staff forms (g1).

- A two-step form whose answer is refused when it is recorded (something recorded meanwhile
  at another desk) opened again only on the phone history's search form; every other one
  (the follow-up of a concern, a new concern, a loan...) closed and lost what was typed. Now
  each opens again exactly as it was, with the refusal in its line at the field to put right.
- One-step staff dialogs (unlock, absent / no phone today...) closed on one Esc whatever was
  typed: now they ask once, as the two-step forms do; an untouched one still closes at once.
- An old error stayed on screen after it was put right: it goes once the field it was about
  changes (and stays while another field is typed in).
- The LADO referral's day said YYYY-MM-DD: it says DD/MM/YYYY, and takes it with / . or -;
  31/02/2026 is said to be no day at all.
- A concern cancelled from Home said nothing: it says "Cancelled: nothing was recorded."
"""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, Input

from kiosk.dialogs.two_step import ASK_ESC
from kiosk.textual_compat import notices
from models.custody import school_devices
from models.errors import ValidationError
from models.safeguarding import concerns
from models.store.tables import Pupil
from models.upkeep.demo import DEMO_PINS
from tests.pilot import drawn, make_app, quiet, sign_in, text, until
from tests.school import NOW

CANCELLED = "Cancelled: nothing was recorded."
FOLLOW_HELP = "Tab: the next field. Space or Enter ticks a step. Esc to cancel."


def name(app) -> str:
    return type(app.screen).__name__


def raised(school, about: str = "pupil"):
    if about == "staff":
        return concerns.raise_concern(school.office, about_kind="staff", staff_id=school.oak.id, what="Texts", now=NOW)
    pupil = Pupil.get(Pupil.admission_no == "000002").id
    return concerns.raise_concern(school.oak, about_kind="pupil", pupil_id=pupil, what="Videos", now=NOW)


async def follow_up_form(pilot) -> None:
    await sign_in(pilot, "head", DEMO_PINS["head"])
    await quiet(pilot)
    await pilot.press("s")
    await until(pilot, lambda: name(pilot.app) == "SafeguardingScreen", 10, "the feed")
    await quiet(pilot)
    await pilot.press("f")
    await until(pilot, lambda: name(pilot.app) == "FollowUpDialog", 10, "the form")
    await quiet(pilot)


@pytest.mark.parametrize("size", [(80, 24), (110, 32)], ids=["80x24", "110x32"])
async def test_a_follow_up_refused_on_confirm_opens_again_with_everything_typed(school, size):
    c = raised(school)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await follow_up_form(pilot)
        await pilot.press(*"Rang mum at 10", "tab", "tab", "space", *["tab"] * 4, "space", "tab", "enter")
        await quiet(pilot)
        assert app.screen.has_class("confirming")
        concerns.follow_up(
            c.id, school.head, note="At the other desk", close=True, outcome="no_further_action", now=NOW
        )
        await pilot.press("enter")  # Confirm: refused, the concern was closed meanwhile
        await quiet(pilot)
        await until(pilot, lambda: name(app) == "FollowUpDialog", 10, "the form again")
        await drawn(pilot)
        assert not app.screen.has_class("confirming")
        assert text(app, "#follow-error") == "This concern is already closed."
        assert str(app.screen_stack[-2].query_one("#sg-message").render()) == "This concern is already closed."
        assert app.screen.query_one("#follow-note").value == "Rang mum at 10"
        assert app.screen.query_one("#follow-act-parents_told", Checkbox).value
        assert app.screen.query_one("#follow-act-ess_advice", Checkbox).value
        assert app.focused.id == "follow-outcome"
        await pilot.press("escape")  # what was typed: asked first
        await quiet(pilot)
        assert name(app) == "FollowUpDialog" and text(app, "#follow-error") == ASK_ESC
        await pilot.press("escape")
        await quiet(pilot)
        assert name(app) == "SafeguardingScreen" and text(app, "#sg-message") == CANCELLED
        assert not app.kept_forms
    assert all("Rang mum" not in (a.note or "") for a in concerns.actions_of(c.id))


async def test_a_follow_up_refused_then_put_right_is_recorded_and_the_form_let_go(school, monkeypatch):
    c = raised(school)
    real = concerns.follow_up
    calls = []

    def refused_once(*args, **kwargs):
        calls.append(kwargs["note"])
        if len(calls) == 1:
            raise ValidationError("Say what was done: the note is too vague.")
        return real(*args, **kwargs)

    monkeypatch.setattr(concerns, "follow_up", refused_once)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await follow_up_form(pilot)
        await pilot.press(*"Rang", "enter")
        await quiet(pilot)
        assert app.screen.has_class("confirming")
        await pilot.press("enter")
        await quiet(pilot)
        await until(pilot, lambda: name(app) == "FollowUpDialog", 10, "the form again")
        assert text(app, "#follow-error") == "Say what was done: the note is too vague."
        assert app.focused.id == "follow-note"
        await pilot.press(*" mum at 10", "enter", "enter")  # put right; Continue, Confirm
        await quiet(pilot)
        await until(pilot, lambda: name(app) == "SafeguardingScreen", 10, "the feed")
        assert text(app, "#sg-message").startswith(f"Follow-up of concern #{c.id} recorded")
        assert not app.kept_forms and not any(
            name == "FollowUpDialog" for name in map(lambda s: type(s).__name__, app.screen_stack)
        )
    assert calls == ["Rang", "Rang mum at 10"]


async def test_a_concern_refused_on_confirm_opens_again_and_one_cancelled_says_so(school, monkeypatch):
    from kiosk.actions import safeguarding

    def refuse(*args, **kwargs):
        raise ValidationError("Concerns cannot be recorded just now.")

    monkeypatch.setattr(safeguarding, "raise_concern", refuse)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "oak", DEMO_PINS["oak"])
        await quiet(pilot)
        await pilot.press("n")
        await until(pilot, lambda: name(app) == "RaiseConcernDialog", 10, "the form")
        await pilot.press("escape")  # untouched: closes at once, and says so
        await quiet(pilot)
        assert name(app) == "HomeScreen"
        assert CANCELLED in notices(app)
        await pilot.press("n")
        await until(pilot, lambda: name(app) == "RaiseConcernDialog", 10, "the form")
        await quiet(pilot)
        await pilot.press("down", "down", "down", "enter")  # a visitor
        await quiet(pilot)
        await pilot.press(*"Sam Visitor", "enter", "down", "enter")
        await quiet(pilot)
        await pilot.press(*"Filmed the hall", "enter")
        await quiet(pilot)
        assert app.screen.has_class("confirming")
        await pilot.press("enter")
        await quiet(pilot)
        await until(pilot, lambda: name(app) == "RaiseConcernDialog", 10, "the form again")
        await drawn(pilot)
        assert not app.screen.has_class("confirming")
        assert text(app, "#concern-error") == "Concerns cannot be recorded just now."
        assert app.screen.query_one("#concern-visitor", Input).value == "Sam Visitor"
        assert app.screen.query_one("#concern-what").value == "Filmed the hall"
        assert app.screen.about() == "visitor" and app.screen.category() == "phone_breach"


async def test_a_loan_refused_on_confirm_opens_again_with_the_borrower_and_note(school):
    for tag in ("SCH-PH-01", "SCH-PH-02"):
        school_devices.add_device(
            school.admin, asset_tag=tag, kind="phone", description="trips", passcode_set=True, now=NOW
        )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await drawn(pilot)
        await pilot.press("d")
        await until(pilot, lambda: name(app) == "SchoolDevicesScreen", 10, "the register")
        await drawn(pilot)
        await pilot.press("l")
        await until(pilot, lambda: name(app) == "LoanDialog", 10, "the loan form")
        await drawn(pilot)
        tag = app.screen.asset_tag
        await pilot.press("down", "enter", "down", "enter", *"Year 6 to Kingswood", "enter", "enter")
        await quiet(pilot)
        assert app.screen.has_class("confirming")
        school_devices.lend(
            school.office, asset_tag=tag, staff_id=school.deputy.id, purpose="trip", due_on=NOW.date(), now=NOW
        )  # at the other desk
        await pilot.press("enter")
        await quiet(pilot)
        await until(pilot, lambda: name(app) == "LoanDialog", 10, "the form again")
        await drawn(pilot)
        assert not app.screen.has_class("confirming")
        refusal = text(app, "#loan-error")
        assert (
            refusal and "\n" not in refusal and refusal != "Choose who borrows it (Down/Up, then Enter). Esc to cancel."
        )
        assert app.screen.borrower is not None
        assert app.screen.query_one("#loan-note", Input).value == "Year 6 to Kingswood"
        await pilot.press("escape", "escape")
        await quiet(pilot)
        assert name(app) == "SchoolDevicesScreen" and text(app, "#school-devices-said") == CANCELLED


# ---------------------------------------------------------------- Esc on one-step dialogs


async def test_unlock_with_a_name_typed_asks_before_esc_throws_it_away(school):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, "admin", DEMO_PINS["admin"])
        await quiet(pilot)
        await pilot.press("a")
        await until(pilot, lambda: name(app) == "UnlockDialog", 10, "the unlock dialog")
        await pilot.press("escape")  # untouched: one Esc
        await quiet(pilot)
        assert name(app) == "HomeScreen"
        await pilot.press("a")
        await until(pilot, lambda: name(app) == "UnlockDialog", 10, "the unlock dialog")
        await pilot.press(*"office")
        await pilot.press("escape")
        await quiet(pilot)
        assert name(app) == "UnlockDialog" and text(app, "#unlock-error") == ASK_ESC
        assert app.screen.query_one("#unlock-user", Input).value == "office"
        await pilot.press(*"2")  # typing on: the next Esc asks again
        await pilot.press("escape")
        await quiet(pilot)
        assert name(app) == "UnlockDialog"
        await pilot.press("escape")
        await quiet(pilot)
        assert name(app) == "HomeScreen"


async def test_absent_or_no_phone_with_a_name_typed_asks_before_esc(school):
    app = make_app()
    async with app.run_test(size=(110, 32)) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await quiet(pilot)
        await pilot.press("h")
        await until(pilot, lambda: name(app) == "HandInScreen", 10, "the hand-in screen")
        await drawn(pilot)
        await pilot.press("f7")
        await until(pilot, lambda: name(app) == "DayMarkDialog", 10, "the dialog")
        await pilot.press(*"Ava")
        await quiet(pilot)
        await pilot.press("escape")
        await quiet(pilot)
        assert name(app) == "DayMarkDialog" and text(app, "#mark-hint") == ASK_ESC
        await pilot.press("escape")
        await quiet(pilot)
        assert name(app) == "HandInScreen"


# ---------------------------------------------------------------- the error line, and the LADO's day


async def test_an_error_goes_once_its_field_changes_and_stays_while_another_is_typed(school):
    raised(school, "staff")
    app = make_app()
    async with app.run_test(size=(110, 32)) as pilot:
        await follow_up_form(pilot)
        assert app.screen.query_one("#follow-lado-day", Input).placeholder == "DD/MM/YYYY"
        await pilot.press("enter")  # no note
        await quiet(pilot)
        assert text(app, "#follow-error") == "Write the follow-up note: it is kept with the concern."
        await pilot.press(*"Rang the LADO")
        await quiet(pilot)
        assert text(app, "#follow-error") == FOLLOW_HELP  # put right: the old error has gone
        app.screen.query_one("#follow-lado-day", Input).focus()
        await pilot.press(*"31/02/2026", "tab", *"LADO/1", "enter")
        await quiet(pilot)
        assert text(app, "#follow-error") == "There is no 31 February 2026."
        assert app.focused.id == "follow-lado-day"
        await pilot.press("tab", "end", *"2")  # another field: the error is not about it
        await quiet(pilot)
        assert text(app, "#follow-error") == "There is no 31 February 2026."
        await pilot.press("shift+tab", *["backspace"] * 10, *"12.11.2026")
        await quiet(pilot)
        assert text(app, "#follow-error") == FOLLOW_HELP
        await pilot.press("tab", "enter")
        await quiet(pilot)
        assert app.screen.has_class("confirming")
        assert "referred to the LADO on 2026-11-12, reference LADO/12" in text(app, "#follow-summary")
