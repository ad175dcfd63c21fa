"""Every package of the app is in pyproject's package list: a plain (not editable) install
ships only the packages listed there, and one left out is an ImportError on the school's PC."""

from __future__ import annotations

import tomllib

from tests.paths import REPO


def test_every_package_is_listed_for_setuptools():
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(REPO).parts)
        for top in ("kiosk", "models", "printing")
        for init in (REPO / top).rglob("__init__.py")
    }
    assert found - listed == set(), "add these to [tool.setuptools] packages"
