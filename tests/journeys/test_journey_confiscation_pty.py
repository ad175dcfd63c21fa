"""Journey: a confiscation, then a search of the confiscated phone (issue 14), at 80×24
and 110×32.

An Oak phone was handed in this morning (`kiosk scan`). The deputy head signs in, opens
Phone history (P) and scans its label: the phone, where it is and its chain of custody.
F6 confiscates it (what confiscating means is said before anything is typed; why, from a
list, then what happened; a summary to confirm); F7 then records a search with the pupil's
consent, a witness, the grounds, the item sought and where (issue 15). The screen says where to keep the phone, the chain shows both entries, and the
ledger holds them with the same details."""

from __future__ import annotations

HISTORY_KEYS = ("esc Back", "f2 Undo latest", "f4 Release to parent", "f8 Police", "f12 Lock")
REASON, WITNESS, GROUNDS = "Used in class to film", "Mr D Green", "Reported filming in class"
ITEM, PLACE = "a film of another pupil", "the deputy's office"
POLICY = "Mobile technology policy 3 (not used in class)"


def test_deputy_confiscates_a_phone_and_records_a_search(start_kiosk, school):
    ((code, name),) = school.phones_out("Oak", 1)
    school.hand_in(code)
    slot = school.slot_of(code)
    kiosk = start_kiosk()
    kiosk.sign_in("deputy")
    kiosk.press("p")
    kiosk.wait_for("Phone history and safeguarding", "Find a phone first")
    kiosk.settle()
    kiosk.type(f"{code}\r")
    kiosk.wait_for(f"{name} · Oak", f"phone {code}", f"Now: In the tray, {slot}", "Chain of custody (oldest first)")
    kiosk.assert_shows(f"handed in, {slot} (by Mrs J Patel (office))")
    kiosk.assert_footer(*HISTORY_KEYS, "f6 Confiscate", palette=True)

    kiosk.keys("f6")
    kiosk.wait_for(f"Confiscate {name}'s phone")
    kiosk.assert_shows(
        f"This phone is in {slot}. Confiscating it keeps it in the office until a listed parent or carer collects "
        f"it: it will not go back to {name} at the end of the day.",
        "Why (required)",
        "Behaviour",
        "Enter to go on, Esc to cancel.",
        "Continue",
        "Cancel",
    )
    kiosk.keys("down")  # why: no default, the first is chosen with Down
    kiosk.keys("enter")  # why: behaviour
    kiosk.wait_for("Type what happened, then Enter.", "What happened (required)")
    kiosk.fill(REASON)
    kiosk.wait_for("Down/Up and Enter to choose the policy.", "Policy breached", POLICY)
    kiosk.keys("down")  # policy: no default either, the first is chosen with Down
    kiosk.keys("enter")  # the first policy
    kiosk.keys("enter")  # Continue
    kiosk.wait_for(f"Confiscate {name}'s phone?")
    kiosk.assert_shows(
        "Why: behaviour", f"What happened: {REASON}", f"Policy: {POLICY}", "Confirm confiscation", "Back"
    )
    kiosk.keys("enter")
    kiosk.wait_for(f"Confiscated {name}'s phone: keep it in {slot}.", f"Now: Confiscated, {slot}")
    kiosk.assert_shows(f"confiscated (behaviour; {POLICY}): {REASON}; held in {slot} (by Mrs R Hughes (deputy head))")
    kiosk.assert_footer(*HISTORY_KEYS, "f7 Search", palette=True)
    assert school.events(code)[-2:] == ["handed_in", "confiscated"]

    kiosk.keys("f7")
    kiosk.wait_for(f"Record a search of {name}'s phone", "Consent given by", f"The pupil, {name}")
    kiosk.assert_shows(
        "Record only that the phone was searched, why, and what was done. Nothing from the phone's contents is "
        "recorded here: do not type any messages, images, names or numbers found on it.",
        "Enter to go on, Esc to cancel.",
    )
    kiosk.keys("down", "enter")  # consent: the pupil (none chosen until Down)
    kiosk.wait_for("Witness (someone other than Mrs R Hughes)")
    kiosk.fill(WITNESS)
    kiosk.fill(GROUNDS)
    kiosk.fill(ITEM)
    kiosk.fill(PLACE)
    kiosk.wait_for("When it happened: day DD/MM/YYYY, time HH:MM (empty: now)")
    kiosk.keys("enter", "enter")  # no day or time: now
    kiosk.keys("enter")  # no one else present
    kiosk.wait_for('Found (its kind, not content; none: empty and "nothing found")')
    kiosk.keys("enter")  # nothing found
    kiosk.wait_for("Nothing found", "Kept by the school for the DSL")  # (the label above may scroll off at 80x24)
    kiosk.keys("down", "enter")  # outcome: nothing found
    kiosk.wait_for("Follow-up (optional)")
    kiosk.keys("enter")  # no follow-up: Continue (parents informed is its own record, F3)
    kiosk.wait_for(f"Record this search of {name}'s phone?")
    kiosk.assert_shows(
        "Searched by: Mrs R Hughes (deputy head)",
        f"Consent: the pupil, {name}",
        f"Witness: {WITNESS}",
        f"Where: {PLACE}",
        f"Grounds: {GROUNDS}",
        f"Item sought: {ITEM}",
        "Found: nothing",
        "Outcome: nothing found",
        "Parents informed: not yet; F3 on the phone's history records it.",
        "Nothing from the phone's contents is recorded.",
        "Confirm search record",
    )
    kiosk.keys("enter")
    kiosk.wait_for(f"Recorded the search of {name}'s phone.", f"Now: Confiscated, {slot}")
    kiosk.assert_shows(
        f"searched, consent pupil, witness {WITNESS}; grounds: {GROUNDS}; outcome: nothing found; parents not yet "
        f"informed; in {PLACE}; looking for: {ITEM} (by Mrs R Hughes (deputy head))"
    )
    kiosk.assert_footer(*HISTORY_KEYS, "f7 Search", palette=True)
    searched = school.query(
        "SELECT e.kind, e.reason, e.policy, e.consent_by, e.witness, e.grounds, e.outcome, s.username "
        "FROM custody_event e JOIN label l ON l.device_id = e.device_id JOIN staff s ON s.id = e.actor_id "
        "WHERE l.code = ? ORDER BY e.id DESC LIMIT 2",
        code,
    )
    assert searched == [
        ("searched", None, None, "pupil", WITNESS, GROUNDS, "nothing_found", "deputy"),
        ("confiscated", REASON, POLICY, None, None, None, None, "deputy"),
    ]
    assert school.one(
        "SELECT s.state FROM device_state s JOIN label l ON l.device_id = s.device_id WHERE l.code = ?", code
    ) == ("confiscated",)
