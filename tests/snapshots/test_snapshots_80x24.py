"""Every snapshot of tests/snapshots/test_snapshots*.py again at 80x24 (issue 14): a
reception PC's text console is the smallest size every screen must serve in full.

The tests are the same functions, run with their module's SIZE set to 80x24; their
snapshots are kept apart, under __snapshots__/test_snapshots_80x24/. Update after a
deliberate change with ``pytest tests/snapshots/test_snapshots_80x24.py --snapshot-update``
and read the SVGs (``tests/svg_text.py``)."""

from __future__ import annotations

import functools
import inspect
from types import ModuleType

from _pytest.fixtures import FixtureFunctionDefinition

from tests.snapshots import test_snapshots, test_snapshots_safeguarding, test_snapshots_visitors

CONSOLE = (80, 24)


def _at_console(module: ModuleType, fn):
    @functools.wraps(fn)
    def test(*args, **kwargs):
        size = module.SIZE
        module.SIZE = CONSOLE  # read by the test when it calls snap_compare; one test at a time per process
        try:
            return fn(*args, **kwargs)
        finally:
            module.SIZE = size

    return test


def _twins() -> dict[str, object]:
    out: dict[str, object] = {}
    for module in (test_snapshots, test_snapshots_visitors, test_snapshots_safeguarding):
        for name, fn in vars(module).items():
            if name.startswith("test_") and inspect.isfunction(fn) and "terminal_size=SIZE" in inspect.getsource(fn):
                assert name not in out, f"two snapshot tests named {name}"
                out[name] = _at_console(module, fn)
    return out


globals().update(_twins())


def _fixtures() -> dict[str, object]:
    """The modules' fixtures, by name (snap_school is the same in two of them)."""
    out: dict[str, object] = {}
    for module in (test_snapshots_visitors, test_snapshots_safeguarding, test_snapshots):
        for name, value in vars(module).items():
            if isinstance(value, FixtureFunctionDefinition):
                out[name] = value
    return out


globals().update(_fixtures())
