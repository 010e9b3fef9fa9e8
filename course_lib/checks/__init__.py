"""Worksheet checks: ``check("adam_step", adam_step)`` in a worksheet cell.

The engine is in ``_core`` (judging) and ``_runner`` (calling the student's
function); each worksheet's graded items are registered by its module
``wsNN_topic.py``, all imported here. ``WORKSHEET_ITEMS`` maps a worksheet's
number ("05") to the names of its graded items, in the worksheet's order.
"""

import importlib
import pkgutil

from ._core import (ITEMS, CheckResult, Expected, Mistake, StepCase, StepItem, ValueCase, ValueItem, cases_for,
                    check, judge, register)

WORKSHEET_ITEMS: dict[str, list[str]] = {}

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("ws")):
    _before = set(ITEMS)
    importlib.import_module(f"{__name__}.{_module}")
    WORKSHEET_ITEMS[_module[2:4]] = [name for name in ITEMS if name not in _before]

__all__ = ["check", "CheckResult", "Expected", "ITEMS", "Mistake", "StepItem", "ValueItem", "StepCase", "ValueCase",
           "WORKSHEET_ITEMS", "cases_for", "judge", "register"]
