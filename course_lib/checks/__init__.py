"""Worksheet checks: ``check("adam_step", adam_step)`` in a worksheet cell.

The engine is in ``_core``; each worksheet's graded items are registered by
its module ``wsNN_topic.py``, all imported here.
"""

import importlib
import pkgutil

from ._core import ITEMS, CheckResult, Mistake, StepCase, StepItem, ValueCase, ValueItem, check, register

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("ws")):
    importlib.import_module(f"{__name__}.{_module}")

__all__ = ["check", "CheckResult", "ITEMS", "Mistake", "StepItem", "ValueItem", "StepCase", "ValueCase", "register"]
