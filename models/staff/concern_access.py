"""Who sees a safeguarding concern: the one rule, for every path that lists, counts, reads or
acts on a concern (``models.safeguarding.concerns``: the feed, seen marks, follow-up, closing,
lessons learnt) and for the subject access export (``models.records.duties``: a concern the
person exporting may not see is withheld from the export).

* Leadership, the DSL and the headteacher (``read_concerns``) see concerns (issue 15:
  "search and concern details are for leadership, the DSL and the headteacher"; mobile
  technology policy 9: leadership debriefs and records lessons learnt).
* Nobody sees an allegation about themself (KCSIE Part 4).
* An allegation about the headteacher goes to the chair of governors, and to the DSL when the
  DSL is not a headteacher; never to a headteacher, nor to leadership.
* Whoever raised a concern reads it back as they recorded it (issue 15: "and the teacher who
  recorded them"): the subject, the category, what they wrote, when, and whether it is open or
  closed; never the DSL's follow-ups, referrals, outcome or lessons unless :func:`sees` gives
  them the whole concern (:func:`may_read_as_raised`), and never an allegation about themself.

Here, below both, so that the records duties (which may not import the safeguarding area: the
two are siblings) ask the very same rule.
"""

from __future__ import annotations

from models.staff.auth import CHAIR, DSL, HEADTEACHER, may
from models.store.tables import Concern, Staff

ABOUT_STAFF = "staff"  # Concern.about_kind of an allegation (models.safeguarding.concerns.ABOUT_STAFF)
THE_DSL, THE_CHAIR = "the DSL", "the chair of governors"


def head_ids() -> set[int]:
    """The staff who are headteachers (a concern about one of them is for the chair)."""
    return {s.id for s in Staff.select(Staff.id, Staff.roles) if HEADTEACHER in s.role_set}


def about_a_head(c: Concern, heads: set[int]) -> bool:
    """An allegation about a headteacher (``heads``: :func:`head_ids`)."""
    return c.about_kind == ABOUT_STAFF and c.staff_id in heads


def sees(reader: Staff, c: Concern, heads: set[int]) -> bool:
    """Whether ``reader`` may list, count, read and act on the concern ``c`` (``heads``:
    :func:`head_ids`, read once by the caller)."""
    roles = reader.role_set
    if c.about_kind == ABOUT_STAFF and c.staff_id == reader.id:
        return False  # nobody reads an allegation about themself
    if about_a_head(c, heads):
        # About the headteacher: the chair of governors, and the DSL when not a headteacher.
        return HEADTEACHER not in roles and bool(roles & {CHAIR, DSL})
    return may(reader, "read_concerns")  # leadership, the DSL, the headteacher


def raised_it(reader: Staff, c: Concern) -> bool:
    """Whether ``reader`` raised ``c`` and it is not an allegation about them (KCSIE Part 4)."""
    return c.raised_by_id == reader.id and not (c.about_kind == ABOUT_STAFF and c.staff_id == reader.id)


def reads_as_raised(reader: Staff, c: Concern, heads: set[int]) -> bool:
    """Whether ``reader`` reads ``c`` only as they raised it: they raised it and may not see it
    whole (``heads``: :func:`head_ids`)."""
    return raised_it(reader, c) and not sees(reader, c, heads)


def may_read_as_raised(reader: Staff, c: Concern) -> bool:
    """:func:`reads_as_raised`, reading the headteachers itself."""
    return reads_as_raised(reader, c, head_ids())


def may_see_concern(reader: Staff, c: Concern) -> bool:
    """Whether ``reader`` may list, count, read and follow up the concern ``c``."""
    return sees(reader, c, head_ids())


def reviewer(c: Concern, heads: set[int]) -> str:
    """Who reviews the concern ``c`` for a disclosure (a subject access export that withheld it):
    the chair of governors for an allegation about the headteacher, else the DSL."""
    return THE_CHAIR if about_a_head(c, heads) else THE_DSL
