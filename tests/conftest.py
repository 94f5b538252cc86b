from __future__ import annotations

from pathlib import Path

import pytest
from paths import RULES_DIR

from xingxian_subsidy.pack.loader import load_rules

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def pack():
    return load_rules(RULES_DIR)


@pytest.fixture(scope="session")
def yr(pack):
    return pack.for_year(2024)


def pytest_configure(config):
    """The validated rule packs the suite loads are kept in a cache of its own (``pack.cache``),
    never in the user's: every command the tests run, in this process or a subprocess, uses it."""
    import os
    import tempfile

    if "XINGXIAN_CACHE_DIR" not in os.environ:
        os.environ["XINGXIAN_CACHE_DIR"] = config._xingxian_cache = tempfile.mkdtemp(prefix="xingxian-test-cache-")


def pytest_unconfigure(config):
    import os
    import shutil

    made = getattr(config, "_xingxian_cache", None)
    if made:
        shutil.rmtree(made, ignore_errors=True)
        os.environ.pop("XINGXIAN_CACHE_DIR", None)
