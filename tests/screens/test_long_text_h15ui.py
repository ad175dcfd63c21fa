"""Text longer than a field's limit is never cut off silently (issue 15's leftovers): the
box keeps everything typed or pasted, and Continue refuses it in one line of plain English
(the domain's own limit, models.custody.ledger), with the box focused to shorten it."""

from __future__ import annotations

from textual import events

from models.custody import ledger as custody
from models.custody.devices import resolve
from tests.pilot import make_app, quiet, text
from tests.school import NOW
from tests.screens.test_dialog_fit import open_dialog


async def paste(pilot, text_: str) -> None:
    pilot.app.focused.post_message(events.Paste(text_))
    await quiet(pilot)


async def test_a_long_account_of_what_happened_is_kept_and_refused_at_continue(school):
    app = make_app(start="history")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dialog(pilot, school, (80, 24), "f6")
        await pilot.press("down", "enter")  # why: behaviour
        await quiet(pilot)
        long = "Filmed in class. " * 40  # 680 characters
        await paste(pilot, long)
        box = app.screen.query_one("#confiscate-reason")
        assert box.value == long  # nothing cut off
        await pilot.press(*" and more", "enter", "down", "enter")  # the first policy, then Continue
        await quiet(pilot)
        assert box.value == long + " and more"
        await pilot.press("enter")
        await quiet(pilot)
        assert not app.screen.has_class("confirming")
        n = len((long + " and more").strip())
        assert text(app, "#confiscate-error") == (
            f'"What happened" is too long: {n} characters, at most {custody.REASON_LIMIT}.'
        )
        assert app.focused.id == "confiscate-reason"
        box.value = "Filmed in class."
        await pilot.press("tab", "tab", "enter")  # the policy list, Continue
        await quiet(pilot)
        assert app.screen.has_class("confirming")


async def test_the_item_sought_typed_past_its_limit_is_kept_and_refused(school):
    custody.confiscate(
        resolve(school.codes["000002"]).device.id,
        school.deputy,
        category="behaviour",
        reason="Phone out in class",
        policy="MST 6",
        now=NOW,
    )
    app = make_app(start="history")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_dialog(pilot, school, (80, 24), "f7")
        assert type(app.screen).__name__ == "SearchDialog"
        item = app.screen.query_one("#search-item")
        item.focus()
        await quiet(pilot)
        words = "an image of another pupil, " * 8  # 216 characters
        await paste(pilot, words)
        await pilot.press(*"and more")
        await quiet(pilot)
        assert item.value == words + "and more"  # nothing cut off at 200
        # everything else filled in, then Continue
        app.screen.query_one("#search-consent").focus()
        await pilot.press("down", "enter")  # the pupil consented (the first)
        await quiet(pilot)
        for field, value in (
            ("search-witness", "Mrs R Hughes"),
            ("search-grounds", "Reported image"),
            ("search-location", "office"),
        ):
            app.screen.query_one(f"#{field}").value = value
        app.screen.query_one("#search-outcome").focus()
        await pilot.press("down", "enter")  # nothing found (the first)
        await quiet(pilot)
        app.screen.query_one("#search-continue").focus()
        await pilot.press("enter")
        await quiet(pilot)
        assert not app.screen.has_class("confirming")
        n = len(words + "and more")
        assert text(app, "#search-error") == (
            f'"Item sought" is too long: {n} characters, at most {custody.ITEM_LIMIT}.'
        )
        assert app.focused.id == "search-item" and item.value == words + "and more"


async def test_a_long_reason_is_kept_and_refused_until_shortened(school):
    from kiosk.dialogs.reason import ReasonDialog

    got: list[str | None] = []
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(ReasonDialog("Why undo it?"), got.append)
        await quiet(pilot)
        await paste(pilot, "Scanned the wrong phone. " * 10)  # 250 characters
        await pilot.press("enter")
        await quiet(pilot)
        assert type(app.screen).__name__ == "ReasonDialog" and got == []
        assert text(app, "#reason-error") == '"Reason" is too long: 249 characters, at most 200.'
        assert app.focused.value == "Scanned the wrong phone. " * 10
        app.focused.value = "Scanned the wrong phone."
        await pilot.press("enter")
        await quiet(pilot)
        assert got == ["Scanned the wrong phone."]
