"""Issue 16, walk: a PostgreSQL URL that cannot be read (an IPv6 address with no closing
bracket, a port that is not a number) is one plain line, not "Unexpected error
(ValueError)", wherever a URL is taken: --db, KIOSK_DATABASE_URL, and kiosk migrate-to's
target. The line never repeats the URL (it may hold a password)."""

from __future__ import annotations

import pytest

from models.errors import ConfigError
from models.store.db import normalise_url

BAD = [
    "postgresql://kiosk@[::1/x",
    "postgresql://kiosk:s3cret@[::1/x",
    "postgres://kiosk@db.example:port/x",
    "postgresql://kiosk@db.example:99999/x",
]


@pytest.mark.parametrize("url", BAD)
def test_a_url_that_cannot_be_read_is_a_config_error(url):
    with pytest.raises(ConfigError) as caught:
        normalise_url(url)
    assert "s3cret" not in str(caught.value) and "\n" not in str(caught.value)


def test_a_good_ipv6_url_is_read():
    assert normalise_url("postgresql://kiosk@[::1]:5432/x") == "postgresql://kiosk@[::1]:5432/x"


@pytest.mark.parametrize("url", BAD)
def test_every_way_in_is_one_line(url, run, tmp_path, monkeypatch):
    from models.upkeep.opening import open_database
    from tests.school import build

    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    school = tmp_path / "school.sqlite3"
    open_database(str(school))
    build()
    for argv, env in (
        (["--db", url, "report", "uncollected"], {}),
        (["report", "uncollected"], {"KIOSK_DATABASE_URL": url}),
        (["migrate-to", url, "--db", school, "--as", "admin"], {"KIOSK_PIN": "836150"}),
    ):
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        code, out, err = run(*argv)
        for k in env:
            monkeypatch.delenv(k)
        assert code != 0 and "Unexpected" not in err and len(err.strip().splitlines()) == 1, (argv, err)
        assert "s3cret" not in out + err and "postgresql://user@host/dbname" in err, (argv, err)
