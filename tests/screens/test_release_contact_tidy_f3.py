"""End-of-day release, F4 to a parent or carer (walk, f3): tabbing onto Cancel and pressing
Enter closed the dialog with no word (other forms say "Cancelled: nothing was recorded."),
and after the phone was released the scan's "TO CHECK: … BLOCKED" line and its "1 to
check" stayed on the screen, though there was nothing left to check."""

from __future__ import annotations

from kiosk.textual_compat import notices
from tests.pilot import make_app, settle, text
from tests.screens.test_release_screens import confiscate, events, hand_in, open_release, scan


async def test_cancel_says_nothing_was_recorded_and_a_release_clears_what_was_to_check(school):
    hand_in(school, "000001")
    confiscate(school, "000001")
    app = make_app(start="release")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_release(pilot)
        await scan(pilot, school.codes["000001"])
        assert text(app, "#outcome-word") == "BLOCKED"
        assert "1 to check" in text(app, "#counter")
        await pilot.press("f4", "tab", "tab", "tab", "enter")  # the Cancel button
        await settle(pilot)
        assert type(app.screen).__name__ == "ReleaseScreen"
        assert "Cancelled: nothing was recorded." in notices(app)
        await pilot.press("f4", "down", "enter", "space", "tab", "enter")
        await settle(pilot)
        assert len(events("released_to_contact")) == 1
        assert text(app, "#outcome-word") == "RELEASED"
        assert not app.screen.query_one("#scan-error").has_class("shown")
        assert "to check" not in text(app, "#counter")
