"""Issue 16: a school of the trust changes its name (an academy conversion, a merger's new
name). The trust's admin renames it at site 1; the registry's row and every report take
the new name, the audit log says who renamed it and from what, and `kiosk audit verify`
still finds a name edited outside the kiosk."""

from __future__ import annotations

import pytest

from models import trust
from models.errors import PermissionDenied, ValidationError
from models.store.tables import AuditEntry
from tests.conftest import NOW
from tests.domain.test_trust_sites_i16s import trust_db  # noqa: F401 (a fixture)


def _names():
    return [(s.code, s.name) for s in trust.all_sites()]


def test_a_school_is_renamed_with_its_audit_entry_and_verify_agrees(trust_db):  # noqa: F811
    url, school = trust_db
    trust.add_site("elm", "Elm Primary", actor=school.admin, now=NOW, first_name="Oak Primary")
    renamed = trust.rename_site("elm", "Elm CE Academy", actor=school.admin, now=NOW)
    assert (renamed.code, renamed.name) == ("elm", "Elm CE Academy")
    assert _names() == [("", "Oak Primary"), ("elm", "Elm CE Academy")]
    last = AuditEntry.select().order_by(AuditEntry.seq.desc()).first()
    assert last.action == "trust.site_renamed" and "Elm Primary" in last.details and "Elm CE Academy" in last.details
    assert trust.registry_problems() == []
    trust.rename_site("", "Oak Academy", actor=school.admin, now=NOW)  # site 1 too
    assert _names()[0] == ("", "Oak Academy")
    assert trust.registry_problems() == []
    from models.store.db import db

    db.execute_sql("UPDATE trust.site SET name = 'Elm Primary' WHERE code = 'elm'")  # back, outside the kiosk
    assert any("elm" in p for p in trust.registry_problems())


def test_a_rename_is_refused_in_one_line_and_changes_nothing(trust_db):  # noqa: F811
    url, school = trust_db
    trust.add_site("elm", "Elm Primary", actor=school.admin, now=NOW, first_name="Oak Primary")
    trust.add_site("ash", "Ash Primary", actor=school.admin, now=NOW)
    before = (_names(), AuditEntry.select().count())
    for code, name, words in [
        ("fir", "Fir Primary", "no school with the code 'fir'"),
        ("elm", "ash primary", "already a school called"),
        ("elm", "", "school's name"),
        ("elm", "Elm\nPrimary", "school's name"),
        ("elm", "Elm Primary", "already called"),
    ]:
        with pytest.raises(ValidationError, match=words) as err:
            trust.rename_site(code, name, actor=school.admin, now=NOW)
        assert "\n" not in str(err.value)
    with pytest.raises(PermissionDenied):
        trust.rename_site("elm", "Elm Academy", actor=school.office, now=NOW)
    assert (_names(), AuditEntry.select().count()) == before
