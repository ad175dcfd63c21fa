"""helper-38's walk (after the actions layer): a key pressed while earlier work is still
on its way acted on the wrong pupil. Each test holds that work back on purpose (a gate
the test opens), so the order of events is fixed, not left to the machine's speed."""

from __future__ import annotations

import asyncio
import threading

import pytest

from kiosk.dialogs.reason import ReasonDialog
from kiosk.textual_compat import notices
from models.custody import ledger as custody
from models.store.tables import CustodyEvent
from models.upkeep.demo import DEMO_PINS
from tests.pilot import drawn, make_app, settle, sign_in, text
from tests.screens.test_scan_screens_i11 import scan, scans_done

SIZE = (110, 32)


class Gate:
    """Holds a domain call in its worker thread until the test opens it (bounded)."""

    def __init__(self, real):
        self.real = real
        self.open = threading.Event()
        self.entered = threading.Event()

    def __call__(self, *args, **kwargs):
        self.entered.set()
        assert self.open.wait(timeout=30), "the test never opened the gate"
        return self.real(*args, **kwargs)


async def until_text(pilot, selector: str, start: str) -> None:
    """Pause until the widget's text starts with ``start`` (bounded), without waiting for workers."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not text(pilot.app, selector).startswith(start):
        assert loop.time() < deadline, f"{selector} never showed {start!r}: {text(pilot.app, selector)!r}"
        await pilot.pause()


async def entered(gate: Gate) -> None:
    assert await asyncio.wait_for(asyncio.to_thread(gate.entered.wait, 30), 35), "the held call never started"


@pytest.mark.both_engines
async def test_f2_while_a_scan_is_still_being_recorded_waits_instead_of_undoing_the_one_before(school, monkeypatch):
    """Ava's phone handed in; Ben's scanned and F2 pressed at once: F2 undid Ava's."""
    app = make_app(start="hand-in")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await scan(pilot, school.codes["000001"])  # Ava, recorded
        gate = Gate(app.screen.pipeline.operation)
        monkeypatch.setattr(app.screen.pipeline, "operation", gate)
        await pilot.press(*school.codes["000002"], "enter")  # Ben: on its way, held at the gate
        await entered(gate)
        await pilot.press("f2")
        await pilot.pause()
        assert text(app, "#counter") == "1 scan · 1 saving…"  # helper-38: it showed nothing while held back
        assert not isinstance(app.screen, ReasonDialog)  # nothing offered to undo yet
        assert "still being recorded" in " ".join(notices(app))
        gate.open.set()
        await scans_done(pilot, 2)
        await drawn(pilot)
        assert text(app, "#counter") == "2 scans"
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        assert "Ben Jones" in app.screen.detail  # the scan just made, not the one before


@pytest.mark.both_engines
async def test_enter_in_the_name_search_never_opens_a_pupil_from_an_older_list(school, monkeypatch):
    """'en' listed Ella Green first, then Ben Jones; ' J' typed on and Enter at once opened
    Ella Green, the older list's highlighted pupil (helper-38: 'rosie', ' harr' opened Rosie Davies)."""
    from kiosk.actions import custody as act

    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await pilot.press("f5", *"en")
        await settle(pilot)  # the list for "en": Ella Green (highlighted), Ben Jones
        gate = Gate(act.find_by_name)
        monkeypatch.setattr(act, "find_by_name", gate)
        await pilot.press("space", "J", "enter")
        await entered(gate)
        await pilot.pause()  # not settle(): it would wait for the held search
        assert "Ella" not in text(app, "#history-pupil")  # the old list's highlighted pupil was not opened
        gate.open.set()
        await settle(pilot)
        assert text(app, "#history-pupil").startswith("Ben Jones")  # the one match for what was typed


@pytest.mark.both_engines
async def test_an_action_still_recording_keeps_the_screen_busy_and_its_answer_names_its_phone(school, monkeypatch):
    """Confiscating Ava's phone, the head looked up Dan's meanwhile: F6 opened for Dan at
    once, and the answer about Ava's phone appeared under Dan's record."""
    from kiosk.actions import custody as act
    from kiosk.actions.custody import Confiscation

    app = make_app(start="history")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await pilot.press(*school.codes["000001"], "enter")
        await settle(pilot)
        assert text(app, "#history-pupil").startswith("Ava Patel")
        gate = Gate(act.confiscate)
        monkeypatch.setattr(act, "confiscate", gate)
        view = app.screen.view
        app.screen.answered(
            "confiscate", view, Confiscation("Filming in class", "Online safety policy 9.3", "behaviour")
        )
        await entered(gate)
        await pilot.press(*school.codes["000004"], "enter")  # Dan, looked up meanwhile
        await until_text(pilot, "#history-pupil", "Dan Brown")  # not settle(): it would wait for the held action
        await pilot.press("f6")
        await pilot.pause()
        assert type(app.screen).__name__ == "HistoryScreen"  # not offered while Ava's is recorded
        assert "Still recording" in text(app, "#history-message")
        gate.open.set()
        await settle(pilot)
        message = text(app, "#history-message")
        assert message.startswith("Ava Patel's phone: ") or "Ava Patel" in message, message
        assert text(app, "#history-pupil").startswith("Dan Brown")
    assert CustodyEvent.select().where(CustodyEvent.kind == custody.CONFISCATED_EV).count() == 1


@pytest.mark.both_engines
async def test_enter_in_the_register_dialog_never_takes_a_pupil_from_an_older_list(school, monkeypatch):
    """The same race in F3's pupil search: the label must go to the pupil typed, not to
    the one highlighted in the list for what was typed before."""
    from kiosk.dialogs import register
    from kiosk.dialogs.register import RegisterDialog
    from models.custody.codes import make_code
    from models.custody.devices import resolve

    unknown = make_code("K", 777777)
    app = make_app(start="hand-in")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "office", DEMO_PINS["office"])
        await scan(pilot, unknown)
        await pilot.press("f3", *"en")
        await settle(pilot)  # Ella Green (highlighted), Ben Jones
        gate = Gate(register.pupils_named)
        monkeypatch.setattr(register, "pupils_named", gate)
        await pilot.press("space", "J", "enter")
        await entered(gate)
        await pilot.pause()
        assert isinstance(app.screen, RegisterDialog)  # not taken from the older list
        gate.open.set()
        await settle(pilot)
        await pilot.press("enter")
        await scans_done(pilot, 2)
    assert resolve(unknown).owner == "Ben Jones"


async def test_a_role_that_may_not_register_phones_is_not_offered_f3(school):
    """helper-38: as the head, F3 opened the search and refused only after a pupil was chosen."""
    from models.custody.codes import make_code

    app = make_app(start="hand-in")
    async with app.run_test(size=SIZE) as pilot:
        await sign_in(pilot, "head", DEMO_PINS["head"])
        await scan(pilot, make_code("K", 777777))
        assert "f3" not in app.screen.active_bindings
        assert text(app, "#outcome-message").endswith("Ask the office to register it to the pupil.")
        await pilot.press("f3")
        await pilot.pause()
        assert type(app.screen).__name__ == "HandInScreen"
