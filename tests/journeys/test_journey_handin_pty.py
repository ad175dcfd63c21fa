"""Journey: the morning hand-in (issue 14), at 80×24 and 110×32.

A burst of three labels scanned back to back (one write, as a keyboard-wedge scanner
sends them): each pupil must be able to read their own slot, in the big panel (the
last) and in the scan log (every one). Then a pupil with an agreed exception: the screen
must say what to do next (give it back, or F6 to hand it in anyway), and F6 does it."""

from __future__ import annotations

HAND_IN_KEYS = ("esc Back", "f5 Camera", "f2 Undo last", "f3 Register code", "f6 Hand in anyway", "f12 Lock")


def open_hand_in(kiosk) -> None:
    kiosk.sign_in("office")
    kiosk.press("h")
    kiosk.wait_for("Morning hand-in", "Scan a label, or type its code and press Enter")


def test_a_burst_of_three_each_shows_its_slot(start_kiosk, school):
    phones = school.phones_out("Oak", 3)
    kiosk = start_kiosk()
    open_hand_in(kiosk)
    kiosk.type("".join(f"{code}\r" for code, _ in phones))
    kiosk.wait_for("3 scans", timeout=30)
    for code, _ in phones:
        assert school.events(code)[-1] == "handed_in"
    slots = [school.slot_of(code) for code, _ in phones]
    assert len(set(slots)) == 3
    last_name = phones[-1][1]
    kiosk.wait_for("HANDED IN", f"{last_name} · Oak", slots[-1])  # the big panel: the last scan
    kiosk.assert_shows("Time", "Code", "Pupil", "Class", "Result")
    for (code, name), slot in zip(phones, slots, strict=True):  # the scan log: every scan, whole
        kiosk.assert_shows(f"{code} {name} Oak HANDED IN: {slot}")
    kiosk.assert_footer(*HAND_IN_KEYS, palette=True)


def test_an_agreed_exception_says_the_next_step_and_f6_hands_it_in(start_kiosk, school):
    code, name = school.excepted_pupil()
    kiosk = start_kiosk()
    open_hand_in(kiosk)
    kiosk.type(f"{code}\r")
    kiosk.wait_for("AGREED EXCEPTION", name, "1 scan")
    before = school.events(code)
    kiosk.assert_shows("The pupil keeps this phone: nothing was recorded.")
    kiosk.assert_shows("Give it back, or press F6 to hand it in anyway.")
    kiosk.assert_footer(*HAND_IN_KEYS, palette=True)
    assert school.events(code) == before

    kiosk.press("f6")
    kiosk.wait_for("HANDED IN", "2 scans")
    slot = school.slot_of(code)
    kiosk.wait_for(slot)
    assert school.events(code) == [*before, "handed_in"]
