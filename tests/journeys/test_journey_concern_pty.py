"""Journey: a teacher raises a concern for the DSL, and the DSL follows it up (issue 14),
at 80×24 and 110×32.

The Oak teacher signs in, presses N at Home, chooses a pupil by name, the kind of
concern and what happened, and confirms: the screen says the DSL will see it. They
lock the kiosk (F12). The headteacher (the DSL) signs in, opens Safeguarding (S): the
new concern is at the top of the feed, marked NEW; F opens the follow-up, a note is
confirmed and the concern stays open. The ledger holds the concern, who raised it and
the DSL's follow-up."""

from __future__ import annotations

WHAT = "Upset at break after messages in a group chat"
NOTE = "Spoke to the pupil and a parent"
SAFEGUARDING_KEYS = (
    "esc Back",
    "f Follow up",
    "l Lessons learnt",
    "n New concern",
    "c Class",
    "k Kind",
    "d Dates",
    "f5 Refresh",
    "f12 Lock",
)


def test_teacher_raises_a_concern_and_the_dsl_follows_it_up(start_kiosk, school):
    ((_, pupil),) = school.phones_out("Oak", 1)
    kiosk = start_kiosk()
    kiosk.sign_in("oak")
    kiosk.assert_footer("n Raise a concern", "l Sign out", "f12 Lock", palette=True)
    kiosk.keys("n")
    kiosk.wait_for("Raise a concern for the DSL", "Who it is about", "A pupil", "A member of staff", "A visitor")
    kiosk.assert_shows("Choose who it is about (Down/Up, then Enter). Esc to cancel.", "Continue", "Cancel")
    kiosk.keys("down", "enter")  # a pupil (the first Down lands on the first option)
    kiosk.wait_for("Pupil: type part of the name, then Down/Up and Enter")
    kiosk.type(pupil)
    kiosk.wait_for(f"{pupil} · Oak", "Down/Up to choose, Enter to pick.")
    kiosk.keys("enter")
    kiosk.assert_shows("Kind of concern", "Bullying or cyberbullying")  # the list that now has the focus
    kiosk.keys("down", "down", "enter")  # bullying or cyberbullying
    kiosk.assert_shows("What happened (facts: when, where, what was seen or said)")
    kiosk.type(WHAT)
    kiosk.assert_shows(WHAT)  # typed into the field that has the focus, and seen there
    kiosk.keys("enter")
    kiosk.wait_for("Raise this concern?")
    kiosk.assert_shows(f"About: {pupil} · Oak", "(pupil)", "Kind: bullying or cyberbullying", f"What happened: {WHAT}")
    kiosk.assert_shows("Confirm: tell the DSL", "Back")
    kiosk.keys("enter")
    concern_id, status, raised_by = school.one(
        "SELECT c.id, c.status, s.username FROM concern c JOIN staff s ON s.id = c.raised_by_id WHERE c.what = ?", WHAT
    )
    assert (status, raised_by) == ("open", "oak")
    kiosk.wait_for(f"Concern #{concern_id} about {pupil} raised: the DSL will see it.")

    kiosk.lock()
    kiosk.sign_in("head")
    kiosk.keys("s")
    kiosk.wait_for("Safeguarding", "Concerns not yet seen:", "When", "Kind", "About", "Class", "Status")
    kiosk.assert_shows(f"bullying {pupil} Oak NEW, open")
    kiosk.assert_footer(*SAFEGUARDING_KEYS, palette=True)
    kiosk.keys("f")
    kiosk.wait_for("Follow up a concern", f"Concern #{concern_id} about {pupil}: {WHAT}")
    kiosk.assert_shows("Follow-up note (what was done, who was told)", "What now", "Keep the concern open")
    kiosk.assert_shows("Tab: the next field. Space or Enter ticks a step. Esc to cancel.", "Continue", "Cancel")
    kiosk.fill(NOTE)
    kiosk.wait_for("Record this follow-up?", NOTE, "The concern stays open.", "Confirm follow-up")
    kiosk.keys("enter")
    kiosk.wait_for(f"Follow-up of concern #{concern_id} recorded; the concern is open.")
    kiosk.assert_shows(f"bullying {pupil} Oak open")
    kiosk.assert_footer(*SAFEGUARDING_KEYS, palette=True)
    status, note, by, seen = school.one(
        "SELECT c.status, c.follow_up_note, s.username, c.seen_at IS NOT NULL FROM concern c "
        "JOIN staff s ON s.id = c.followed_up_by_id WHERE c.id = ?",
        concern_id,
    )
    assert (status, by, seen) == ("open", "head", 1) and note.endswith(NOTE)
