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
