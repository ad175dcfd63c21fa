"""Journey: the end-of-day class checklist (issue 14), at 80×24 and 110×32.

The first two Oak pupils with a phone handed it in this morning (`kiosk scan`). The Oak teacher signs in and
opens the checklist: their one class opens at once, with the columns and each phone's
slot readable. One phone is released by scanning its label, the other from the list
(Down to the list, Enter on its row; where the app asks first, naming the pupil and the
slot, Enter answers yes). The ledger then holds both releases."""

from __future__ import annotations

CHECKLIST_KEYS = ("esc Back", "f4 Parent/carer", "f5 Refresh", "f12 Lock")


def summary(in_slot: int, released: int) -> str:
    """The checklist's counts line, as far as this journey changes it."""
    parts = [f"{in_slot} in a slot"] * bool(in_slot) + [f"{released} released"] * bool(released)
    return "Oak: " + " · ".join(parts)


def test_teacher_releases_by_scan_and_from_the_list(start_kiosk, school):
    # The first two Oak pupils on the list with a phone (after 08:35 the demo may have handed theirs in already).
    phones = school.first_phones("Oak", 2)
    school.hand_in(*(code for code, _ in phones if school.state_of(code) == "out"))
    (code1, name1), (code2, name2) = phones
    slot1, slot2 = (school.slot_of(code) for code, _ in phones)
    held = school.in_slots("Oak")
    kiosk = start_kiosk()
    kiosk.sign_in("oak")
    kiosk.press("c")
    kiosk.wait_for("Class checklist: Oak", "Pupil", "Code", "Phone today", timeout=30)
    kiosk.wait_for(f"{name1} {code1} in {slot1}", f"{name2} {code2} in {slot2}")
    kiosk.assert_shows(summary(held, 0), "Scan a label to release it, or Down to the list and Enter on a row")
    kiosk.assert_footer(*CHECKLIST_KEYS, palette=True)

    # By scan: the normal path.
    kiosk.type(f"{code1}\r")
    kiosk.wait_for(f"RELEASED: {name1} · Oak: released from {slot1}")
    # The released row goes below those still to do (issue 14 item 13): the log says it.
    kiosk.wait_for(f"{code1} {name1} Oak RELEASED: {slot1}", summary(held - 1, 1))
    assert school.events(code1)[-1] == "released_to_pupil"

    # From the list: Down to it, then Down to the row, Enter. (The list is read once it
    # has been drawn again without the released phone in a slot: the summary can come first.)
    kiosk.wait_until(
        f"{name1}'s row no longer in a slot",
        lambda: not any(line.strip().startswith(name1) and "in slot" in line for line in kiosk.lines()),
    )
    kiosk.settle()
    rows = [line.strip() for line in kiosk.lines()]
    header = next(i for i, line in enumerate(rows) if line.startswith("Pupil") and "Phone today" in line)
    row = next(i for i, line in enumerate(rows) if line.startswith(name2)) - header - 1
    for key in ("down", *["down"] * row, "enter"):  # at a person's pace: each key once the screen has drawn
        kiosk.press(key)
        kiosk.settle()
    asked = kiosk.wait_any(f"RELEASED: {name2}", f"Release {name2}'s phone from")
    if asked.startswith("Release "):  # the app asks first: the question names the slot
        kiosk.assert_shows(f"Release {name2}'s phone from {slot2}?")
        kiosk.press("enter")
    kiosk.wait_for(f"RELEASED: {name2} · Oak: released from {slot2}")
    kiosk.wait_for(f"{code2} {name2} Oak RELEASED: {slot2}", summary(held - 2, 2))
    kiosk.assert_footer(*CHECKLIST_KEYS, palette=True)
    assert school.events(code2)[-1] == "released_to_pupil"
    assert school.events(code1)[-2:] == school.events(code2)[-2:] == ["handed_in", "released_to_pupil"]
