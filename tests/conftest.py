"""Shared pytest set-up.

A notebook's cells share one kernel, so under pytest-xdist every cell of a
notebook must run on the same worker: they are put in one xdist group per
notebook (``make test`` runs ``--dist loadgroup``). Everything else is spread
over the workers one test at a time.
"""

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.xdist_group(name=str(item.path)))
