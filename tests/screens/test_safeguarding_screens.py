"""Pilot tests of the exceptions, safeguarding (DSL) and compliance screens and their
dialogs: real key presses, a frozen clock, no sleeps. Every flow, bad input and role check.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from kiosk.session import SignedIn
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.policy import agreed as ex
from models.safeguarding import concerns
from models.school.people import contacts_of
from models.store.tables import AgreedException, Concern, PrintJob, Pupil, Staff
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, quiet, sign_in, text
from tests.school import NOW

SIZE = (110, 40)
TODAY = NOW.date()


async def open_screen(pilot, username: str, screen_cls, pin: str | None = None) -> None:
    """Sign in (typing the PIN when given) and open the screen as the lead's home key will."""
    if pin is not None:
        await sign_in(pilot, username, pin)
    else:
        staff = Staff.get(Staff.username == username)
        pilot.app.sign_in(SignedIn(staff.id, staff.username, staff.display_name, staff.role_set))
        await quiet(pilot)
    await pilot.app.push_screen(screen_cls(pilot.app.signed_in))
    await quiet(pilot)
    assert type(pilot.app.screen) is screen_cls


def screen_name(app) -> str:
    return type(app.screen).__name__


def pupil(adno: str) -> Pupil:
    return Pupil.get(Pupil.admission_no == adno)


def pupil_exception(school, adno="000001", signed=True, **kw) -> AgreedException:
    p = pupil(adno)
    args = dict(
        subject_kind="pupil",
        kind="medical_monitoring",
        medical_category="monitoring_device",
        allowed="Read the glucose monitor app",
        where="Medical room",
        agreed_on=TODAY,
        starts_on=TODAY,
        review_on=TODAY + dt.timedelta(days=7),
        ends_on=TODAY + dt.timedelta(days=60),
        pupil_id=p.id,
        sanction="Exception withdrawn",
        agreed_with_contact_id=contacts_of(p.id)[0].id,
        conditions=["Phone on silent"],
        now=NOW,
    )
    args.update(kw)
    exc = ex.record(school.head, **args)
    if signed:
        exc = ex.mark_signed_copy(exc.id, school.office, now=NOW)
    return exc


def visitor_exception(school, **kw) -> AgreedException:
    args = dict(
        subject_kind="visitor",
        kind="emergency_use",
        allowed="Take calls from the care home",
        where="Reception only",
        agreed_on=TODAY,
        starts_on=TODAY,
        review_on=TODAY + dt.timedelta(days=30),
        ends_on=TODAY + dt.timedelta(days=90),
        visitor_name="Grace Hopper",
        organisation="Navy",
        now=NOW,
    )
    args.update(kw)
    return ex.record(school.head, **args)


def msg(app, selector="#exceptions-message") -> str:
    return text(app, selector)


# ================================================================ exceptions


async def test_head_records_a_pupil_medical_exception_with_every_field_by_keys(school):
    from kiosk.screens.exceptions import ExceptionsScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "head", ExceptionsScreen, pin=DEMO_PINS["head"])
        assert "No exceptions to show." in text(app, "#exceptions-detail")
        await pilot.press("n")
        await quiet(pilot)
        assert screen_name(app) == "ExceptionFormDialog"
        await pilot.press("down", "enter")  # a pupil (the first Down: the first)
        await pilot.pause()
        assert app.focused.id == "exc-pupil-find"
        await pilot.press(*"Ava")
        await quiet(pilot)
        await pilot.press("enter")  # pick Ava Patel
        await quiet(pilot)
        assert text(app, "#exc-pupil-chosen") == "Chosen: Ava Patel · Oak · 000001"
        assert app.focused.id == "exc-kind"
        await pilot.press("down", "enter")  # medical monitoring: the category list appears
        await pilot.pause()
        assert app.focused.id == "exc-medical"
        await pilot.press("down", "enter")  # reads a medical sensor
        await pilot.pause()
        assert app.focused.id == "exc-allowed"
        await pilot.press(*"Read the glucose app", "enter", *"Medical room", "enter")
        await pilot.press(*"On silent; kept in the bag", "enter", *"Exception withdrawn", "enter")
        assert app.focused.id == "exc-contact-list"
        await pilot.press("down", "down", "enter")  # Raj Patel (Father)
        assert app.focused.id == "exc-agreed-on"
        await pilot.press("enter", "enter", *"2026-12-01", "enter", *"18/12/2026", "enter")
        summary = text(app, "#exc-summary")
        assert "For: Ava Patel · Oak · 000001 (pupil)" in summary
        assert "Kind: medical monitoring: reads a medical sensor, pump or monitor" in summary
        assert "Conditions: On silent; kept in the bag" in summary
        assert "Agreed with: Raj Patel (Father), on 2026-11-12" in summary
        assert "From 2026-11-12 until 2026-12-18 (inclusive), review on 2026-12-01" in summary
        assert AgreedException.select().count() == 0  # nothing until confirmed
        await pilot.press("enter")
        await quiet(pilot)
        assert screen_name(app) == "ExceptionsScreen"
        exc = AgreedException.get()
        assert msg(app).startswith(f"Exception #{exc.id} for Ava Patel recorded.")
        assert (exc.kind, exc.medical_category, exc.allowed, exc.location, exc.conditions, exc.sanction) == (
            "medical_monitoring",
            "monitoring_device",
            "Read the glucose app",
            "Medical room",
            "On silent\nkept in the bag",
            "Exception withdrawn",
        )
        assert exc.agreed_with_contact.name == "Raj Patel"
        assert (exc.agreed_on, exc.starts_on, exc.review_on, exc.ends_on) == (
            TODAY,
            TODAY,
            dt.date(2026, 12, 1),
            dt.date(2026, 12, 18),
        )
        detail = text(app, "#exceptions-detail")
        assert "Status: awaiting signed copy" in detail and "Signed copy: not back yet" in detail


async def test_form_refuses_bad_input_before_the_summary(school):
    from kiosk.dialogs.exception_form import ExceptionFormDialog
    from kiosk.screens.exceptions import ExceptionsScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "head", ExceptionsScreen)
        await pilot.press("n")
        await quiet(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExceptionFormDialog)
        dialog.action_continue()
        await pilot.pause()
        assert text(app, "#exc-error") == "Choose who the exception is for."
        await pilot.press("down", "down", "down", "enter")  # a visitor
        await pilot.pause()
        assert app.focused.id == "exc-visitor"
        await pilot.press("tab", *"Navy", "tab")  # organisation, but no name
        dialog.action_continue()
        await pilot.pause()
        assert text(app, "#exc-error") == "Give the visitor's name."
        assert app.focused.id == "exc-visitor"
        await pilot.press(*"[bold]Grace[/bold]", "tab", "tab")
        assert app.focused.id == "exc-kind"
        await pilot.press("down", "down", "enter")  # young carer: pupils only
        await pilot.pause()
        dialog.action_continue()
        await pilot.pause()
        assert text(app, "#exc-error") == "A young carer exception cannot be for a visitor."
        await pilot.press("down", "down", "down", "enter")  # remote learning: pupils and staff only
        await pilot.pause()
        dialog.action_continue()
        await pilot.pause()
        assert (
            text(app, "#exc-error") == "A remote learning on a personal device (risk assessed) exception cannot be "
            "for a visitor."
        )
        await pilot.press("up", "up", "enter")  # emergency use
        await pilot.pause()
        assert app.focused.id == "exc-allowed"
        await pilot.press("enter")
        dialog.action_continue()
        await pilot.pause()
        assert text(app, "#exc-error") == "Give the description of what is allowed."
        await pilot.press(*"Calls", "enter", *"Reception", "enter", "enter", "enter")
        assert app.focused.id == "exc-agreed-on"
        await pilot.press("enter", "enter", *"tomorrow", "enter", "enter")
        assert text(app, "#exc-error") == "Give the review date as DD/MM/YYYY, e.g. 12/11/2026."
        assert app.focused.id == "exc-review"
        await pilot.press(*["backspace"] * 8, *"2027-02-01", "tab", *"2027-01-01", "enter")
        assert text(app, "#exc-error") == "The review date must fall between the start and end dates."
        await pilot.press("tab", "end", *["backspace"] * 10, *"2026-11-01", "enter")
        assert text(app, "#exc-error") == "The end date is before the start date."
        await pilot.press("end", *["backspace"] * 10, *"2027-03-01", "enter")
        summary = text(app, "#exc-summary")
        assert "For: [bold]Grace[/bold] (Navy) (visitor)" in summary  # shown, never obeyed
        await pilot.press("escape")  # back to the form
        assert text(app, "#exc-error") == "Nothing recorded yet. Change anything (Shift+Tab), then Continue."
        await pilot.press("escape")  # something was typed: asks once (f3)
        assert text(app, "#exc-error") == "Press Esc again to throw away what you typed, or carry on."
        await pilot.press("escape")  # cancel
        await quiet(pilot)
        assert msg(app) == "Cancelled: nothing was recorded."
    assert AgreedException.select().count() == 0


async def test_remote_learning_needs_a_risk_assessment_reference_and_staff_pick(school):
    from kiosk.screens.exceptions import ExceptionsScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "head", ExceptionsScreen)
        await pilot.press("n")
        await quiet(pilot)
        await pilot.press("down", "down", "enter")  # a member of staff
        await pilot.pause()
        assert app.focused.id == "exc-staff-list"
        await pilot.press("down", "down", "down", "enter")  # Beech Teacher, Deputy, Head, ... sorted: pick the 3rd
        await pilot.pause()
        staff_name = app.screen.staff[1]
        assert app.focused.id == "exc-kind"
        await pilot.press(*["down"] * 5, "enter")  # remote learning
        await pilot.pause()
        await pilot.press(*"Teach from home", "enter", *"Home", "enter", "enter", "enter")
        await pilot.press("enter", "enter", *"2026-12-01", "enter", *"2026-12-18", "enter")
        assert app.focused.id == "exc-risk"
        await pilot.press("enter")
        assert text(app, "#exc-error") == "Give the risk assessment reference."
        await pilot.press(*"RA-7", "enter")
        assert "Risk assessment: RA-7" in text(app, "#exc-summary")
        await pilot.press("enter")
        await quiet(pilot)
        exc = AgreedException.get()
        assert (exc.subject_kind, exc.staff.display_name, exc.kind, exc.risk_assessment_ref) == (
            "staff",
            staff_name,
            "remote_learning",
            "RA-7",
        )
        assert "active" in text(app, "#exceptions-detail")


async def test_a_domain_refusal_is_shown_as_its_one_line(school):
    from kiosk.actions.agreed import ExceptionForm, record_exception
    from kiosk.screens.exceptions import ExceptionsScreen

    first = visitor_exception(school)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "head", ExceptionsScreen)
        form = ExceptionForm(
            subject_kind="visitor",
            kind="emergency_use",
            allowed="x",
            where="y",
            agreed_on=TODAY,
            starts_on=TODAY,
            review_on=TODAY,
            ends_on=TODAY,
            visitor_name="grace  HOPPER",
        )
        app.screen.record(record_exception, form)
        await quiet(pilot)
        assert msg(app) == (
            f"Grace Hopper (Navy) already has a emergency use exception from {first.starts_on} to "
            f"{first.ends_on}: revoke it first or choose dates that do not overlap."
        )
    assert AgreedException.select().count() == 1


@pytest.mark.both_engines
async def test_head_revokes_with_a_reason_and_the_record_is_kept(school):
    from kiosk.screens.exceptions import ExceptionsScreen

    exc = pupil_exception(school)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "head", ExceptionsScreen)
        await pilot.press("x")
        assert screen_name(app) == "ReasonDialog"
        await pilot.press("enter")
        assert text(app, "#reason-error") == "Give a reason: it is kept with the record."
        await pilot.press(*"No longer needed", "enter")
        await quiet(pilot)
        assert msg(app) == f"Exception #{exc.id} for Ava Patel revoked. The record is kept."
        row = AgreedException.get_by_id(exc.id)
        assert (row.revoke_reason, row.revoked_by_id) == ("No longer needed", school.head.id)
        assert "Revoked 2026-11-12 08:30 by Head: No longer needed" in text(app, "#exceptions-detail")
        await pilot.press("x")
        assert msg(app) == "This exception was already revoked."
        await pilot.press("f", "f", "f", "f", "f", "f")  # the "revoked" filter
        assert text(app, "#exceptions-filter").startswith("Showing: revoked (1 of 1)")
        await pilot.press("f")
        assert text(app, "#exceptions-filter").startswith("Showing: all (1 of 1)")


async def test_head_records_a_review_and_the_exception_is_no_longer_due(school):
    from kiosk.screens.exceptions import ExceptionsScreen

    ago = dt.timedelta(days=10)  # recorded earlier: review in 7 days is due (not on the day it is made)
    exc = pupil_exception(school, agreed_on=TODAY - ago, starts_on=TODAY - ago, now=NOW - ago)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "head", ExceptionsScreen)
        assert "review due" in text(app, "#exceptions-detail")
        await pilot.press("v")
        assert screen_name(app) == "ReviewDialog"
        assert app.screen.query_one("#review-date").value == f"{TODAY + dt.timedelta(weeks=6):%d/%m/%Y}"
        await pilot.press(*["backspace"] * 10, *"12/01/27", "enter")
        assert (
            text(app, "#review-error") == f"Give the date as DD/MM/YYYY, e.g. {TODAY + dt.timedelta(weeks=6):%d/%m/%Y}."
        )
        await pilot.press(*["backspace"] * 10, *TODAY.isoformat(), "enter")
        ends = (TODAY + dt.timedelta(days=60)).isoformat()
        assert (
            text(app, "#review-error") == f"The next review must be after today and no later than the end date, {ends}."
        )
        await pilot.press("escape", "escape")  # a date typed: Esc asks first (kiosk.dialogs.two_step)
        await quiet(pilot)
        assert msg(app) == "Cancelled: nothing was recorded."
        assert AgreedException.get_by_id(exc.id).review_on == TODAY + dt.timedelta(days=7)
        await pilot.press("v", *["backspace"] * 10, *"2026-12-10", "enter")
        await quiet(pilot)
        assert msg(app) == f"Review of exception #{exc.id} for Ava Patel recorded: next review 2026-12-10."
        assert AgreedException.get_by_id(exc.id).review_on == dt.date(2026, 12, 10)
        assert "review due" not in text(app, "#exceptions-detail")
        assert "review 2026-12-10" in text(app, "#exceptions-detail")


async def test_office_files_the_signed_copy_and_prints_the_agreement_but_cannot_record(school):
    from kiosk.screens.exceptions import ExceptionsScreen

    exc = pupil_exception(school, signed=False)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "office", ExceptionsScreen, pin=DEMO_PINS["office"])
        offered = set(app.screen.active_bindings)
        assert {"s", "p"} <= offered and not {"n", "x", "v"} & offered
        await pilot.press("n", "x")
        assert screen_name(app) == "ExceptionsScreen"
        app.screen.action_new()  # forced: refused with the rule's words
        assert msg(app) == "Office (office staff) may not record exceptions."
        assert "awaiting signed copy" in text(app, "#exceptions-detail")
        await pilot.press("s")
        assert msg(app) == f"Press S again to record that the signed copy of #{exc.id} for Ava Patel is back."
        assert AgreedException.get_by_id(exc.id).signed_copy_at is None
        await pilot.press("s")
        await quiet(pilot)
        assert msg(app) == f"Signed copy of exception #{exc.id} for Ava Patel recorded as back."
        assert AgreedException.get_by_id(exc.id).signed_copy_by_id == school.office.id
        assert "Status: active" in text(app, "#exceptions-detail")
        await pilot.press("s")
        assert msg(app) == "The signed copy of this exception is already recorded."
        await pilot.press("p")
        await quiet(pilot)
        assert msg(app) == f"The agreement for exception #{exc.id} is printing: have it signed and bring the copy back."
        job = PrintJob.get()
        assert (job.ref, job.status, job.kind) == (f"exception:{exc.id}", "pending", "other")
        assert b"Ava Patel" in bytes(job.data)


async def test_leadership_and_dsl_see_exceptions_read_only(school):
    from kiosk.actions.agreed import revoke
    from kiosk.screens.exceptions import ExceptionsScreen

    exc = visitor_exception(school)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "deputy", ExceptionsScreen)
        assert not {"n", "x", "v", "s", "p"} & set(app.screen.active_bindings)
        assert msg(app) == "Read only: the headteacher records and revokes exceptions."
        assert "For: Grace Hopper (Navy) (visitor)" in text(app, "#exceptions-detail")
        await pilot.press("n", "x", "s", "p")
        assert screen_name(app) == "ExceptionsScreen"
        app.screen.record(revoke, exc.id, "forced")  # past the screen: refused
        await quiet(pilot)
        assert msg(app) == "Deputy (leadership) may not record exceptions."
    assert AgreedException.get_by_id(exc.id).revoked_at is None


async def test_a_teacher_cannot_see_exceptions(school):
    from kiosk.screens.exceptions import ExceptionsScreen

    visitor_exception(school)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "oak", ExceptionsScreen)
        assert msg(app) == "Oak Teacher (teacher) may not see phone exceptions."
        assert "Grace" not in text(app, "#exceptions-detail")


# ================================================================ safeguarding


def seed_feed(school):
    dev = resolve(school.codes["000001"]).device.id
    custody.hand_in(school.codes["000001"], school.office, now=NOW - dt.timedelta(minutes=20))
    custody.confiscate(
        dev, school.deputy, category="behaviour", reason="Filming", policy="MST 6", now=NOW - dt.timedelta(minutes=10)
    )
    concern = concerns.raise_concern(
        school.oak,
        about_kind="pupil",
        pupil_id=pupil("000002").id,
        what="Seen [bold]texting[/bold] in class",
        now=NOW - dt.timedelta(minutes=5),
    )
    old = concerns.raise_concern(
        school.office,
        about_kind="visitor",
        name="Sam Visitor",
        category="visitor_device",
        what="Photographed pupils",
        now=NOW - dt.timedelta(days=40),
    )
    return dev, concern, old


@pytest.mark.both_engines
async def test_dsl_feed_opens_a_concern_marks_it_seen_and_follows_it_up(school):
    from kiosk.screens.safeguarding import SafeguardingScreen

    dev, concern, old = seed_feed(school)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "head", SafeguardingScreen, pin=DEMO_PINS["head"])
        assert text(app, "#sg-counts").startswith("Concerns not yet seen: 2 · open: 2.   Showing 2 from 13/10/2026")
        table = app.screen.query_one("#sg-feed")
        assert [str(c) for c in table.get_row_at(0)][:5] == [
            "2026-11-12 08:25",
            "phone breach",
            "Ben Jones",
            "Oak",
            "NEW, open",
        ]
        assert str(table.get_row_at(0)[5]) == "Seen [bold]texting[/bold] in class"
        assert text(app, "#sg-detail") == (
            "2026-11-12 08:25 · concern: breach of the phone policy · Ben Jones (Oak)"
            " · by Oak Teacher\nSeen [bold]texting[/bold] in class"
        )
        await pilot.press("enter")
        await quiet(pilot)
        assert screen_name(app) == "EntryHistoryDialog"
        lines = app.screen.history_text.splitlines()
        assert lines[0].endswith("raised by Oak Teacher: Seen [bold]texting[/bold] in class")
        assert lines[1:] == ["2026-11-12 08:30  seen by Head", "open"]
        assert Concern.get_by_id(concern.id).seen_by_id == school.head.id
        await pilot.press("escape")
        await quiet(pilot)
        assert text(app, "#sg-counts").startswith("Concerns not yet seen: 1 · open: 2.")
        await pilot.press("f")
        assert screen_name(app) == "FollowUpDialog"
        await pilot.press("enter")
        assert text(app, "#follow-error") == "Write the follow-up note: it is kept with the concern."
        await pilot.press(*"Spoke to Ben and his mother", "enter")
        assert "The concern stays open." in text(app, "#follow-summary")  # a note alone never closes it
        await pilot.press("escape")  # back to the form (on Continue), to close it deliberately
        assert app.focused.id == "follow-continue"
        await pilot.press(*["shift+tab"] * 6, "enter", "down", "enter")  # back past the steps done to What now
        await pilot.pause()
        assert app.focused.id == "follow-outcome"
        await pilot.press(*["tab"] * 6, "enter")  # past the five steps done to Continue
        assert "The concern will be CLOSED: No further action." in text(app, "#follow-summary")
        await pilot.press("enter")
        await quiet(pilot)
        assert msg(app, "#sg-message") == f"Follow-up of concern #{concern.id} recorded; the concern is closed."
        row = Concern.get_by_id(concern.id)
        assert row.status == "closed" and row.follow_up_note.endswith(
            "Head: Spoke to Ben and his mother (closed: no further action)"
        )
        await pilot.press("f")
        assert msg(app, "#sg-message") == "This concern is already closed."
        await pilot.press("down", "f")  # the confiscation: not a concern
        assert msg(app, "#sg-message") == "Choose a concern in the list first: only concerns are followed up."


async def test_follow_up_can_keep_the_concern_open(school):
    from kiosk.screens.safeguarding import SafeguardingScreen

    _, concern, _ = seed_feed(school)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "head", SafeguardingScreen)
        await pilot.press("f", *"Waiting for the parents", "enter")  # note, Enter: the summary
        assert "The concern stays open." in text(app, "#follow-summary")
        await pilot.press("escape", "escape")  # back to the form; a note was typed: asks once (f3)
        assert text(app, "#follow-error") == "Press Esc again to throw away what you typed, or carry on."
        await pilot.press("escape")
        await quiet(pilot)
        assert msg(app, "#sg-message") == "Cancelled: nothing was recorded."
        assert Concern.get_by_id(concern.id).follow_up_note is None
        await pilot.press("f", *"Waiting for the parents", "enter")
        await pilot.press("enter")
        await quiet(pilot)
        assert Concern.get_by_id(concern.id).status == "open"


@pytest.mark.both_engines
async def test_a_confiscation_opens_the_phones_chain_of_custody(school):
    from kiosk.screens.safeguarding import SafeguardingScreen

    dev, _, _ = seed_feed(school)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "head", SafeguardingScreen)
        await pilot.press("down", "enter")
        await quiet(pilot)
        assert text(app, ".dialog-title") == f"Chain of custody of Ava Patel's phone (device {dev})"
        lines = app.screen.history_text.splitlines()
        assert len(lines) == 2 and "handed in" in lines[0] and "confiscated (behaviour; MST 6): Filming" in lines[1]
        await pilot.press("enter")
        assert screen_name(app) == "SafeguardingScreen"


async def test_feed_filters_by_kind_class_and_dates(school):
    from kiosk.screens.safeguarding import SafeguardingScreen

    seed_feed(school)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "head", SafeguardingScreen)
        table = app.screen.query_one("#sg-feed")
        await pilot.press("k", "k")  # confiscations
        await quiet(pilot)
        assert text(app, "#sg-filter-text") == "Class: all (C) · Kind: confiscation (K)"
        assert table.row_count == 1 and str(table.get_row_at(0)[1]) == "confiscation"
        await pilot.press("k")  # searches: none
        await quiet(pilot)
        assert table.row_count == 0
        assert msg(app, "#sg-message") == "Nothing in this range with these filters."
        from kiosk.screens.safeguarding import KIND_FILTERS

        await pilot.press(*["k"] * (len(KIND_FILTERS) - 3))  # round to all kinds
        await quiet(pilot)
        assert text(app, "#sg-filter-text") == "Class: all (C) · Kind: all kinds (K)"
        assert msg(app, "#sg-message") == ""
        await pilot.press("c")  # Beech
        await quiet(pilot)
        assert text(app, "#sg-filter-text").startswith("Class: Beech (C)") and table.row_count == 0
        await pilot.press("c")  # Oak
        await quiet(pilot)
        assert table.row_count == 2
        await pilot.press("c")  # all
        await pilot.press("d")
        assert app.focused.id == "sg-from"
        await pilot.press(*["backspace"] * 10, *"2026-10-01", "enter")
        assert app.focused.id == "sg-to"
        await pilot.press("enter")  # the end date as it is: back to the feed
        await quiet(pilot)
        assert app.focused.id == "sg-feed"
        assert table.row_count == 3  # the visitor concern of 40 days ago
        assert str(table.get_row_at(2)[2]) == "Sam Visitor"
        await pilot.press("d", *["backspace"] * 10, *"2026/10/01", "enter")
        assert msg(app, "#sg-message") == "Give the start date as DD/MM/YYYY."
        await pilot.press(*["backspace"] * 10, *"2026-12-01", "enter")
        assert msg(app, "#sg-message") == "The end date is before the start date."
        assert app.focused.id == "sg-to"


async def test_the_feed_fits_the_screen_and_shows_the_highlighted_entry_whole(school):
    from kiosk.screens.safeguarding import SafeguardingScreen

    seed_feed(school)
    long_what = "Seen on the school field at lunchtime showing other pupils a video on a phone " * 3
    concerns.raise_concern(
        school.oak, about_kind="pupil", pupil_id=pupil("000003").id, what=long_what, now=NOW - dt.timedelta(minutes=1)
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "head", SafeguardingScreen)
        table = app.screen.query_one("#sg-feed")
        assert table.row_count == 3
        assert table.virtual_size.width <= table.scrollable_content_region.width  # no sideways scrolling
        what = str(table.get_row_at(0)[5])
        assert what.endswith("…") and long_what.startswith(what[:-1])
        detail = text(app, "#sg-detail").splitlines()[1]  # under the table: the whole text (issue 14 walk)
        assert detail == " ".join(long_what.split()) and len(detail) > len(what)
        await pilot.press("down")
        assert text(app, "#sg-detail").splitlines()[1] == "Seen [bold]texting[/bold] in class"
        await pilot.resize_terminal(160, 40)
        await quiet(pilot)
        assert table.virtual_size.width <= table.scrollable_content_region.width
        assert len(str(table.get_row_at(0)[5])) > len(what)  # a wider screen shows more of "What"
        assert table.cursor_row == 1  # the highlighted entry is kept


async def test_office_and_teacher_cannot_see_the_feed(school):
    """Only the concerns they raised, as they raised them (f1s6): the office's is older than the
    range shown; the teacher's is listed, and no confiscation, search or anyone else's concern."""
    from kiosk.screens.safeguarding import SafeguardingScreen

    _, concern, _ = seed_feed(school)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "office", SafeguardingScreen)
        assert msg(app, "#sg-message") == "Nothing in this range with these filters."
        assert msg(app, "#sg-counts").startswith("Your concerns, as you raised them.")
        assert app.screen.query_one("#sg-feed").row_count == 0
        assert "f" not in app.screen.active_bindings
        app.screen.say("")
        app.screen.open_history(concern.id, None)  # past the screen (no row to select): refused
        await quiet(pilot)
        assert msg(app, "#sg-message") == "Office (office staff) may not see safeguarding concerns."
        assert Concern.get_by_id(concern.id).seen_at is None
        await pilot.press("escape", "l")
        await quiet(pilot)
        await open_screen(pilot, "oak", SafeguardingScreen)
        assert msg(app, "#sg-message") == ""
        assert [e.concern_id for e in app.screen.entries] == [concern.id]  # hers; not the confiscation


async def test_any_staff_raises_a_concern_about_a_pupil_staff_or_visitor(school):
    from kiosk.actions.safeguarding import raise_concern
    from kiosk.dialogs.concern import RaiseConcernDialog
    from kiosk.screens.history import HistoryScreen  # a screen a teacher can open

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "oak", HistoryScreen)
        results = []
        app.push_screen(RaiseConcernDialog(), results.append)
        await quiet(pilot)
        await pilot.press("tab", "tab")  # to Continue with nothing chosen
        app.screen.action_continue()
        await pilot.pause()
        assert text(app, "#concern-error") == "Choose who the concern is about."
        await pilot.press("down", "enter")  # a pupil
        await pilot.pause()
        await pilot.press(*"Dan")
        await quiet(pilot)
        await pilot.press("enter")
        assert text(app, "#concern-pupil-chosen") == "Chosen: Dan Brown · Beech · 000004"
        assert app.focused.id == "concern-category"
        await pilot.press("down", "down", "enter")  # bullying or cyberbullying
        await pilot.pause()
        assert app.focused.id == "concern-what"
        await pilot.press("enter")
        assert text(app, "#concern-error") == "Say what happened."
        await pilot.press(*"Shared a [red]video[/red]", "enter")
        assert "About: Dan Brown · Beech · 000004 (pupil)" in text(app, "#concern-summary")
        await pilot.press("enter")
        await quiet(pilot)
        form = results[0]
        assert (form.about_kind, form.category, form.what) == ("pupil", "bullying", "Shared a [red]video[/red]")
        assert raise_concern(app.signed_in, form, NOW).startswith("Concern #")
        c = Concern.get()
        assert (c.pupil.admission_no, c.raised_by_id, c.seen_at) == ("000004", school.oak.id, None)

        app.push_screen(RaiseConcernDialog(), results.append)
        await quiet(pilot)
        await pilot.press("down", "down", "down", "enter")  # a visitor
        await pilot.pause()
        assert app.focused.id == "concern-visitor"
        await pilot.press("enter", "down", "enter")  # no name yet; breach of the phone policy
        await pilot.pause()
        await pilot.press(*"Took photos", "enter")
        assert text(app, "#concern-error") == "Give the visitor's name."
        assert app.focused.id == "concern-visitor"
        await pilot.press(*"Sam Visitor", "enter", "down", "down", "enter")  # nude or semi-nude images
        await pilot.pause()
        assert app.focused.id == "concern-what"
        await pilot.press("enter", "enter")
        await quiet(pilot)
        assert (results[1].about_kind, results[1].name, results[1].category) == (
            "visitor",
            "Sam Visitor",
            "nude_images",
        )

        app.push_screen(RaiseConcernDialog(), results.append)
        await quiet(pilot)
        await pilot.press("down", "down", "enter")  # staff
        await pilot.pause()
        assert app.focused.id == "concern-staff-list"
        await pilot.press("down", "enter")  # the first, alphabetically: Admin
        await pilot.press("down", "enter", *"Used a phone in class", "enter", "enter")
        await quiet(pilot)
        assert (results[2].about_kind, results[2].staff_id) == ("staff", school.admin.id)


async def test_a_new_concern_from_the_dsl_feed_is_listed_and_not_new_to_her(school):
    from kiosk.screens.safeguarding import SafeguardingScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "head", SafeguardingScreen)
        assert msg(app, "#sg-message") == "Nothing in this range with these filters."
        await pilot.press("n")
        await quiet(pilot)
        await pilot.press("down", "enter", *"Ella")
        await quiet(pilot)
        await pilot.press("enter", "down", "enter")
        await pilot.pause()
        await pilot.press(*"Phone seen at lunch", "enter", "enter")
        await quiet(pilot)
        assert msg(app, "#sg-message").endswith("about Ella Green raised: the DSL will see it.")
        # listed at once, and seen by whoever raised it: not NEW to her (g3; it is to the other readers)
        assert text(app, "#sg-counts").startswith("Concerns not yet seen: 0 · open: 1.   Showing 1")
        assert str(app.screen.query_one("#sg-feed").get_row_at(0)[4]) == "open"


# ================================================================ compliance


def seed_term(school):
    """Hand-ins over three weeks (the small school's phones were registered before)."""
    days = [d for d in (TODAY - dt.timedelta(days=n) for n in range(21, 0, -1)) if d.weekday() < 5]
    for i, day in enumerate(days):
        at = dt.datetime.combine(day, dt.time(8, 30))
        for adno in ["000001", "000002", "000003", "000004", "000005"][: i % 5 + 1]:
            custody.hand_in(school.codes[adno], school.office, now=at)
            custody.release(school.codes[adno], school.office, now=at + dt.timedelta(hours=7))
    custody.hand_in(school.codes["000001"], school.office, now=NOW)
    return days


def test_bar_chart_draws_rates_as_eighth_blocks():
    from kiosk.screens.compliance import bar_chart
    from models.reports.compliance import DayTotal

    rows = [
        DayTotal(dt.date(2026, 11, d), handed_in=0, expected=0, exceptions=0, rate=r)
        for d, r in ((10, 100.0), (11, 50.0), (12, None), (13, 0.0))
    ]
    assert bar_chart(rows, height=2) == [
        "100% │██" + " " * 9,  # 50 % of 16 steps fills only the bottom row
        "  0% │██ ██ ··   ",  # no one expected on the 12th: a dotted base, not 0 %
        "     └───────────",
        "      10 11 12 13",
    ]
    tall = bar_chart(
        [dataclasses.replace(rows[1], rate=56.25)], height=8
    )  # 36 of 64 steps: 4 full rows and half of one
    assert [line[6:] for line in tall[:8]] == ["  ", "  ", "  ", "▄▄", "██", "██", "██", "██"]
    assert [line[:4] for line in tall[:8]] == ["100%", "    ", "    ", "    ", " 50%", "    ", "    ", "  0%"]


@pytest.mark.both_engines
async def test_compliance_shows_todays_rates_chart_uncollected_and_visitors(school):
    from kiosk.screens.compliance import ComplianceScreen
    from models.policy.rules import load_rules
    from models.visitors import visits as visitors

    school_days = seed_term(school)
    pupil_exception(school, adno="000002")
    settings = make_app().services.settings
    visitors.sign_in(
        settings=settings,
        rules=load_rules(),
        rules_accepted=True,
        name="Jo [b]Bloggs[/b]",
        organisation="",
        visitor_type="parent_carer",
        purpose="Meeting",
        visiting="Mrs Smith",
        phone="car_or_off",
        now=NOW - dt.timedelta(minutes=15),
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "office", ComplianceScreen, pin=DEMO_PINS["office"])
        assert text(app, "#comp-summary") == (
            "Today, Thursday 12 November 2026: 1 of 4 phones brought in were handed in (25.0%). Not expected: "
            "0 absent, 0 with no phone today, 1 with an agreed exception."
        )
        table = app.screen.query_one("#comp-classes")
        assert [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)] == [
            ["Beech", "0", "2", "0.0%", "0", "0", "0", "0"],  # exception, absent, no phone, breaches
            ["Oak", "1", "2", "50.0%", "1", "0", "0", "0"],
        ]
        n = len(school_days) + 1
        assert text(app, "#comp-chart-title").startswith(f"Hand-in rate, last {n} school days ({school_days[0]}")
        chart = text(app, "#comp-chart").splitlines()
        assert len(chart) == 10 and chart[-1].split() == [f"{d.day:02d}" for d in school_days] + ["12"]
        assert text(app, "#comp-uncollected") == "Phones not collected: 1 (0 confiscated): B-01 Ava Patel."
        assert text(app, "#comp-visitors") == "Visitors not signed out: 1: Jo [b]Bloggs[/b] in since 2026-11-12 08:15."


async def test_teacher_cannot_see_the_compliance_report(school):
    from kiosk.screens.compliance import ComplianceScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_screen(pilot, "oak", ComplianceScreen)
        assert text(app, "#comp-summary") == "Oak Teacher (teacher) may not see reports."
        assert app.screen.query_one("#comp-classes").row_count == 0
