"""Journey: a visitor signs themselves in at the public screen, from the start to the
printed slip, and later signs out by scanning the slip (issue 14), at 80×24 and 110×32.

From the staff sign-in, F2 opens the public screen. A parent or carer types their
details, accepts the device rules and says they will hand their phone in: the screen
gives their badge number, says the slip is printing, that they are supervised and to
hand the phone to the office. The slip (printed to the demo's dummy printer) carries the
visit's slip code; scanned at the public screen, it signs them out."""

from __future__ import annotations

VISITOR = "Sam Taylor"
PUBLIC_KEYS = ("esc Back", "f10 Staff sign-in")


def slip_sent(school, visit_id: int) -> bytes | None:
    rows = school.query("SELECT status, data FROM print_job WHERE kind = 'slip' AND ref = ?", f"visit:{visit_id}")
    return rows[0][1] if rows and rows[0][0] == "sent" else None


def test_a_visitor_signs_in_gets_a_slip_and_signs_out_with_it(start_kiosk, school):
    kiosk = start_kiosk()
    kiosk.wait_for("Staff sign-in", "Visitors: press F2 to sign in or out", timeout=60)
    kiosk.press("f2")
    kiosk.wait_for(
        "Leaving? Scan the QR code on your slip.",
        "Signing in? What kind of visitor are you? Up/Down, then Enter.",
        "Parent or carer",
        "Your name",
    )
    kiosk.assert_footer(*PUBLIC_KEYS, "f2 Signing out", "f5 Start again", palette=False)
    kiosk.press("enter")  # Parent or carer
    for text in (VISITOR, "", "Reading help", "Mrs J Patel", ""):  # name, organisation, purpose, visiting, car
        if text:
            kiosk.type(text)
            kiosk.wait_for(text)
        kiosk.press("enter")
    kiosk.wait_for("Phones and devices: rules for visitors", "Enter: I accept these rules.", "N: I do not accept.")
    kiosk.assert_footer(*PUBLIC_KEYS, "⏎ Go on", "n I do not accept", palette=False)
    kiosk.press("enter")
    kiosk.wait_for("Where is your phone while you are here?", "Press 1, 2 or 3 (or Up/Down and Enter).")
    kiosk.assert_shows(
        "1 I will hand it in at the office (kept in a locked tray, returned when I sign out)",
        "2 It is in my car, or switched off and out of sight",
        "3 I have an exception agreed with the headteacher",
    )
    kiosk.assert_footer(*PUBLIC_KEYS, palette=False)
    kiosk.press("1")
    kiosk.wait_for(f"Welcome, {VISITOR}. You are signed in.")
    visit_id, badge, slip_code, choice, out_at = school.one(
        "SELECT id, badge_number, slip_code, phone_choice, signed_out_at FROM visit WHERE name = ?", VISITOR
    )
    assert (choice, out_at) == ("tray", None)
    kiosk.assert_shows(
        f"Your badge number is {badge}. Your slip is printing.",
        "SUPERVISED: a member of staff will stay with you.",
        "Please hand your phone to the office now: they label it, keep it in a locked tray and give it back when "
        "you leave.",
        "Please wear your slip where it can be seen, and scan it here when you leave.",
        "Press Enter to finish.",
    )
    kiosk.assert_footer(*PUBLIC_KEYS, "⏎ Go on", palette=False)
    # The slip went to the printer (the demo's dummy://demo) with the code to scan on it.
    kiosk.wait_until("the slip sent to the printer", lambda: slip_sent(school, visit_id) is not None)
    assert slip_code.encode() in slip_sent(school, visit_id)

    kiosk.press("enter")  # finished: back to the start for the next visitor
    kiosk.wait_for("Leaving? Scan the QR code on your slip.", "Your name")
    kiosk.type(f"{slip_code}\r")  # later: the slip's QR code, scanned
    kiosk.wait_for(f"Goodbye, {VISITOR}.", "You are signed out. Thank you for visiting.")
    kiosk.assert_shows("Please hand your visitor badge back to the office.")
    kiosk.assert_footer(*PUBLIC_KEYS, palette=False)
    assert school.one("SELECT signed_out_at IS NOT NULL FROM visit WHERE id = ?", visit_id) == (1,)
