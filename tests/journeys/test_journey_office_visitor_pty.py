"""Journey: the office signs a visitor in with the checks their type needs, and signs
them out when they scan their slip (issue 14), at 80×24 and 110×32.

A professional (photo ID and DBS assurance required) hands their phone in. The office
opens Visitors (V), F2, types the details, chooses the type (the checks it needs are
named at once), ticks the device rules, ID and DBS with who confirmed it, and confirms
a summary. The list then names the slot and the visitor label of the phone; the slip is
printed with the visit's slip code, and that code scanned into the screen signs them
out and says which slot to give the phone back from."""

from __future__ import annotations

VISITOR, ORG = "Ruth Okoye", "Kent Speech Service"
FULL_HEADER = "Flag Badge Name In at Phone Supervised Organisation Type"
COMPACT_HEADER = "Badge Name / organisation In at / phone Type / supervised"
VISITORS_KEYS = (
    "esc Back",
    "f2 Sign in",
    "f3 Phone",
    "f4 Reprint slip",
    "f5 Refresh",
    "f6 Concern",
    "f7 Roll call",
    "f8 Retry printer",
    "f12 Lock",
)


def test_office_signs_in_a_professional_with_id_and_dbs_checks(start_kiosk, school):
    kiosk = start_kiosk()
    kiosk.sign_in("office")
    kiosk.press("v")
    kiosk.wait_for("on site.", "Printer online.", "Scan a slip to sign out, or a V label for a phone; Down: the list")
    # Eight columns across when they fit; two lines a visitor when not (issue 14: no sideways scrolling).
    kiosk.wait_any(FULL_HEADER, COMPACT_HEADER)
    kiosk.assert_shows("Gary Mills", "Southern Electrical", "Contractor")  # the demo's visitor from an earlier day
    kiosk.assert_footer(*VISITORS_KEYS, palette=True)

    kiosk.press("f2")
    kiosk.wait_for("Sign a visitor in", "Name", "Type 3 letters for returning visitors")
    kiosk.assert_shows("Esc: cancel.", "Continue", "Cancel")  # the way on, from the start
    kiosk.settle()
    kiosk.fill(VISITOR)
    kiosk.fill(ORG)
    kiosk.keys("down", "down")  # the visitor type: the checks it needs are named at once
    kiosk.wait_for("Professional or multi-agency: photo ID seen, DBS assurance confirmed; unsupervised by default.")
    kiosk.keys("enter")
    kiosk.fill("Speech therapy")  # purpose
    kiosk.fill("Miss A Lavelle")  # visiting
    kiosk.fill("")  # car registration: none
    kiosk.wait_for("Handed in: put it in the tray under a visitor label")  # the phone: handed in (the default)
    # Tab to each check box and tick it: the device rules, photo ID, DBS; then who confirmed the DBS.
    for label in ("Read and accepted the device rules", "Photo ID seen", "DBS assurance from their employer"):
        kiosk.keys("tab")
        kiosk.wait_for(label)
        kiosk.keys("space")
    kiosk.keys("tab")
    kiosk.type("Jo Reed, Kent SLT")
    kiosk.wait_for("Jo Reed, Kent SLT")
    kiosk.keys("tab", "tab")  # Supervised left as the type's default (unsupervised); then Continue
    kiosk.wait_for("Continue", "Cancel")
    kiosk.keys("enter")
    kiosk.wait_for(f"Sign in {VISITOR} ({ORG})?")
    kiosk.assert_shows(
        "Type: Professional or multi-agency",
        "Visiting: Miss A Lavelle · Purpose: Speech therapy",
        "Phone: Handed in: put it in the tray under a visitor label",
        "ID seen: yes",
        "DBS assurance confirmed by Jo Reed, Kent SLT",
        "UNSUPERVISED",
        "Sign in",
        "Back",
    )
    kiosk.press("enter")
    kiosk.wait_for(f"Signed in {VISITOR}, badge")
    visit_id, badge, slip_code, device_id, id_seen, dbs, dbs_by, supervised = school.one(
        "SELECT id, badge_number, slip_code, device_id, id_seen, dbs_assured, dbs_confirmed_by, supervised "
        "FROM visit WHERE name = ?",
        VISITOR,
    )
    assert (id_seen, dbs, dbs_by, supervised) == (1, 1, "Jo Reed, Kent SLT", 0)
    label = school.one("SELECT code FROM label WHERE device_id = ? AND revoked_at IS NULL", device_id)[0]
    slot = school.slot_of(label)
    kiosk.wait_for(
        f"Signed in {VISITOR}, badge {badge}; phone received into {slot} (label {label}). The slip is printing."
    )
    kiosk.wait_any("Professional or multi-agency", COMPACT_HEADER)  # the type whole, or the two-line list
    kiosk.assert_shows(f"{badge} {VISITOR}", slot, "unsupervised", ORG, "Professional")
    kiosk.assert_footer(*VISITORS_KEYS, palette=True)
    assert school.events(label) == ["handed_in"]
    kiosk.wait_until(
        "the slip sent to the printer",
        lambda: school.query("SELECT status FROM print_job WHERE ref = ?", f"visit:{visit_id}") == [("sent",)],
    )
    slip = school.one("SELECT data FROM print_job WHERE kind = 'slip' AND ref = ?", f"visit:{visit_id}")[0]
    assert slip_code.encode() in slip and VISITOR.encode() in slip

    kiosk.type(f"{slip_code}\r")  # the visitor leaves: their slip's QR code, scanned
    kiosk.wait_for(f"Signed out {VISITOR}: give back the phone from {slot} (recorded as returned to the visitor).")
    kiosk.assert_footer(*VISITORS_KEYS, palette=True)
    assert school.one("SELECT signed_out_at IS NOT NULL FROM visit WHERE id = ?", visit_id) == (1,)
    assert school.events(label) == ["handed_in", "returned_to_visitor"]
