"""Journey: a member of staff signs in (issue 14), at 80×24 and 110×32.

A wrong PIN first: the sign-in says so and keeps the username; the right PIN then opens
Home, which names who is signed in, every task and its key, and today's summary."""

from __future__ import annotations

from models.upkeep.demo import DEMO_PINS

HOME_MENU = (
    "H Morning hand-in",
    "R End-of-day release",
    "C Class checklist",
    "P Phone history and safeguarding",
    "U Phones not collected",
    "V Visitors: sign in and out, who is on site",
    "E Exceptions agreed with the headteacher",
    "K Compliance at a glance",
    "N Raise a concern for the DSL",
)


def test_office_signs_in_after_a_wrong_pin(start_kiosk, school):
    kiosk = start_kiosk()
    kiosk.wait_for("Mereworth Community Primary School", "Staff sign-in", "Username", "PIN", timeout=60)
    kiosk.wait_for("Visitors: press F2 to sign in or out")
    kiosk.assert_footer("esc Clear", "f2 Visitors: sign in or out", palette=False)

    kiosk.type("office")
    kiosk.wait_for("office")
    kiosk.press("enter")
    kiosk.type("000000")
    kiosk.press("enter")
    kiosk.wait_for("Wrong username or PIN.")
    kiosk.assert_footer("esc Clear", "f2 Visitors: sign in or out", palette=False)

    kiosk.type(DEMO_PINS["office"])
    kiosk.press("enter")
    kiosk.wait_for("Home", "Signed in: Mrs J Patel (office)", *HOME_MENU)
    kiosk.wait_for("Today:", "registered phones handed in", "Visitors on site:")
    kiosk.assert_footer("n Raise a concern", "l Sign out", "f12 Lock", palette=True)

    office = school.one("SELECT id FROM staff WHERE username = 'office'")[0]
    assert school.query("SELECT staff_id, streak_over FROM auth_failure") == [(office, 1)]
    assert school.query(
        "SELECT actor, entity_id FROM audit_entry WHERE action = 'auth.login' AND entity = 'staff' "
        "ORDER BY seq DESC LIMIT 1"
    )[0][1] == str(office)
