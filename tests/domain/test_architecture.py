"""models/ and printing/ never import Textual (or the camera stack)."""

import json
import subprocess
import sys

import pytest

from tests.paths import REPO


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def _all_submodules(package: str) -> list[str]:
    root = REPO / package
    return sorted(
        ".".join((package, *p.relative_to(root).with_suffix("").parts)).removesuffix(".__init__")
        for p in root.rglob("*.py")
    )  # every module of every subpackage (models/custody/ledger.py is models.custody.ledger)


@pytest.mark.parametrize("package", ["models", "printing"])
def test_domain_imports_without_textual(package):
    code = "\n".join(f"import {m}" for m in [package, *_all_submodules(package)])
    loaded = _modules_after(code)
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}
    assert "cv2" not in loaded


def test_cli_without_run_does_not_load_textual():
    loaded = _modules_after("import kiosk.cli")
    assert "textual" not in loaded and "cv2" not in loaded and "escpos" not in loaded
