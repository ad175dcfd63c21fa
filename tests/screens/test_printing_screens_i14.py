"""Issue 14, item 10 on the screens: the fire roll call is on screen, and says when the
printer is offline; a visitor's V label prints from the Visitors screen (F9)."""

from __future__ import annotations

from models.store.tables import Label, PrintJob
from printing import to_text
from tests.pilot import make_app, quiet, text
from tests.school import NOW
from tests.screens.test_visitor_screens import SIZE, open_visitors, self_sign_in_directly, vmessage


async def test_roll_call_with_the_printer_offline_says_so_and_is_on_screen(school):
    self_sign_in_directly(name="Jane Doe", org="Acme Ltd")
    self_sign_in_directly(name="Sam Adams", org="")
    PrintJob.update(last_failed_at=NOW, last_error="Connection refused by 192.0.2.1:9100.").execute()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_visitors(pilot)
        await pilot.press("f7")
        await quiet(pilot)
        assert type(app.screen).__name__ == "RollCallScreen"
        said = (
            "The printer is offline (Connection refused by 192.0.2.1:9100): use the roll call on screen "
            "(2 visitors on site). The printed copy waits and prints when the printer is back."
        )
        assert text(app, "#roll-call-printer") == said
        assert "sent to the printer" not in said
        assert text(app, "#roll-call-title") == "Fire roll call at 08:30: 2 visitors on site"
        assert text(app, "#roll-call-lines").splitlines() == [  # by surname, as printed
            "[ ] Sam Adams: no organisation, in at 08:30, visiting Mrs Head",
            "[ ] Jane Doe: Acme Ltd, in at 08:30, visiting Mrs Head",
        ]
        assert PrintJob.select().where(PrintJob.kind == "roll_call", PrintJob.status == "pending").count() == 1
        await pilot.press("escape")
        await quiet(pilot)
        assert type(app.screen).__name__ == "VisitorsScreen"
        assert vmessage(app) == said


async def test_f9_prints_the_v_label_of_a_visitors_phone(school):
    self_sign_in_directly(name="Jane Doe", phone="car_or_off")
    signed = self_sign_in_directly(name="Pat Phone", phone="tray")  # at self-service: a phone to hand in
    code = Label.get(Label.device == signed.visit.device_id).code
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_visitors(pilot)
        shown = {b.binding.key: b.binding.description for b in app.screen.active_bindings.values()}
        assert shown.get("f9") == "V label"  # in the footer
        await pilot.press("tab")  # the list: Jane Doe first, no phone
        await pilot.press("f9")
        await quiet(pilot)
        assert vmessage(app) == (
            "Jane Doe has no phone label to print: only a phone the office holds, or is to receive, has one."
        )
        assert PrintJob.select().where(PrintJob.kind == "labels").count() == 0
        await pilot.press("down", "f9")
        await quiet(pilot)
        assert vmessage(app) == (
            f"Printing phone label {code}: stick it on the phone (scan it to receive or return the phone)."
        )
        job = PrintJob.get(PrintJob.kind == "labels")
        assert job.ref == f"vlabel:{signed.visit.id}" and job.status == "pending"


def test_the_v_label_document():
    import datetime as dt

    from printing import visitor_phone_label

    doc = visitor_phone_label(code="V1234566", visitor_name="Pat Phone", badge_number="002", day=dt.date(2026, 11, 12))
    words = " ".join(to_text(doc, 48).split())
    assert "Pat Phone" in words and "Visitor, badge 002" in words and "Thu 12 Nov 2026" in words
    assert "V1234566" in words
