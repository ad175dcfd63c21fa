"""The class checklist records scans through the scan screens' own lane (ScanLane):
a scan still on its way is said on the counts line ("· 1 saving…"), and F4, which acts
on the result shown, waits for it, as on the release screen. Each test holds the
release back at a gate it opens itself, so the order of events is fixed."""

from __future__ import annotations

from kiosk.screens.scan_base import ScanLane
from kiosk.textual_compat import notices
from models.upkeep.demo import DEMO_PINS
from tests.pilot import make_app, scans_done, settle, text
from tests.screens.test_in_flight_w3 import Gate, entered
from tests.screens.test_release_screens import confiscate, device_of, events, hand_in, open_checklist

SIZE = (110, 32)


async def test_a_scan_on_its_way_is_said_on_the_counts_line_and_f4_waits_for_it(school, monkeypatch):
    hand_in(school, "000001", "000002")
    confiscate(school, "000001")  # Ava's: F4 is offered once its refusal shows
    app = make_app(start="checklist")
    async with app.run_test(size=SIZE) as pilot:
        await open_checklist(pilot, "oak", DEMO_PINS["oak"])
        screen = app.screen
        assert isinstance(screen, ScanLane)
        assert text(app, "#checklist-summary") == "Oak: 1 in a slot · 1 confiscated · 1 not handed in"
        await pilot.press(*school.codes["000001"], "enter")
        await scans_done(pilot, 1)
        await settle(pilot)
        assert "Press F4" in text(app, "#checklist-message")

        gate = Gate(screen.pipeline.operation)
        monkeypatch.setattr(screen.pipeline, "operation", gate)
        await pilot.press(*school.codes["000002"], "enter")  # Ben: on its way, held at the gate
        await entered(gate)
        await pilot.pause()
        assert screen.scans_waiting() == 1
        assert text(app, "#checklist-summary") == "Oak: 1 in a slot · 1 confiscated · 1 not handed in · 1 saving…"
        await pilot.press("f4")  # would act on Ava's refusal, not the result on its way
        await pilot.pause()
        assert type(app.screen).__name__ == "ChecklistScreen"
        assert "still being recorded: press F4 again" in " ".join(notices(app))

        gate.open.set()
        await scans_done(pilot, 2)
        await settle(pilot)
        assert screen.scans_waiting() == 0
        assert text(app, "#checklist-summary") == "Oak: 1 released · 1 confiscated · 1 not handed in"
        assert text(app, "#checklist-message") == "RELEASED: Ben Jones · Oak: released from slot B-02"
    assert [e.device_id for e in events("released_to_pupil")] == [device_of(school, "000002")]
