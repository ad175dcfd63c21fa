"""Walk fixes (w2): a returned visitor's phone still opens its history read-only, and the
history footer offers only the actions the domain would take."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.session import SignedIn
from models.custody import ledger as custody
from models.custody.devices import resolve
from models.errors import RevokedCode
from models.store.tables import Staff
from models.visitors import visits as visitors
from tests.domain.test_visitors import settings  # noqa: F401 - fixture
from tests.domain.test_visitors import sign_in as visitor_sign_in
from tests.pilot import make_app, quiet, text
from tests.school import NOW

SIZES = [(80, 24), (110, 32)]
LATER = NOW + dt.timedelta(hours=2)


async def open_history(pilot, username: str) -> None:
    staff = Staff.get(Staff.username == username)
    pilot.app.sign_in(SignedIn(staff.id, staff.username, staff.display_name, staff.role_set))
    await quiet(pilot)
    assert type(pilot.app.screen).__name__ == "HistoryScreen"


async def find(pilot, code: str) -> None:
    await pilot.press(*code, "enter")
    await quiet(pilot)


def offered(app) -> set[str]:
    return {k for k in ("f2", "f4", "f6", "f7", "f8") if k in app.screen.active_bindings}


def returned_visitor_phone(school, settings) -> str:
    r = visitor_sign_in(settings, name="Dave Collins", phone="tray")
    visitors.phone_action(code=r.phone_label, actor=school.office, now=NOW)
    visitors.sign_out(slip_code=r.slip_code, actor=school.office, now=LATER)
    return r.phone_label


def test_a_returned_visitors_label_says_it_went_back_to_the_visitor(school, settings):
    code = returned_visitor_phone(school, settings)
    with pytest.raises(RevokedCode) as err:
        resolve(code)
    assert "returned to the visitor" in str(err.value)
    assert "register the phone again" not in str(err.value)


@pytest.mark.parametrize("size", SIZES)
async def test_a_returned_visitors_phone_opens_its_history_read_only(school, settings, size):
    code = returned_visitor_phone(school, settings)
    app = make_app(start="history")
    async with app.run_test(size=size) as pilot:
        await open_history(pilot, "head")
        await find(pilot, code)
        assert "Dave Collins (visitor)" in text(app, "#history-pupil")
        chain = text(app, "#history-chain")
        assert "handed in, slot C-01" in chain and "returned to the visitor" in chain
        assert "returned to the visitor" in text(app, "#history-message")
        assert "register the phone again" not in text(app, "#history-message")
        assert offered(app) == set()  # read-only: no action keys


@pytest.mark.parametrize("size", SIZES)
async def test_footer_offers_only_actions_the_domain_would_take(school, settings, size):
    earlier = NOW - dt.timedelta(minutes=10)
    code = school.codes["000001"]
    dev = resolve(code).device.id
    custody.hand_in(code, school.office, now=earlier)
    custody.confiscate(
        dev, school.deputy, category="behaviour", reason="Suspected illegal image", policy="MST 6", now=earlier
    )
    app = make_app(start="history")
    async with app.run_test(size=size) as pilot:
        await open_history(pilot, "head")
        await find(pilot, code)
        assert "f6" not in offered(app)  # already confiscated
        assert {"f4", "f7", "f8"} <= offered(app)
        await pilot.press("f6")  # pressed anyway: says why
        assert text(app, "#history-message") == "This phone is already confiscated."
    custody.hand_to_police(dev, school.head, officer="PC Ng, number 4521", force_reference="K/1", now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=size) as pilot:
        await open_history(pilot, "head")
        await find(pilot, code)
        assert offered(app) == {"f8"}  # with the police: only its return (F8)


async def test_release_to_parent_is_not_offered_on_a_visitors_phone(school, settings):
    r = visitor_sign_in(settings, name="Dave Collins", phone="tray")
    visitors.phone_action(code=r.phone_label, actor=school.office, now=NOW)
    app = make_app(start="history")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_history(pilot, "head")
        await find(pilot, r.phone_label)
        assert "Dave Collins (visitor)" in text(app, "#history-pupil")
        assert "f4" not in offered(app)
