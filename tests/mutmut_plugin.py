"""A pytest plugin for the code-mutation run only (pyproject.toml ``[tool.mutmut]``).

mutmut forks one worker per mutant from a process that has already run the
tests, and ``load_rules`` is lru_cached: a pack cached in that parent would be
used unchanged by every worker, so no mutant of the loader (rules.py,
yamlio.py) would ever run. Clearing the cache when each worker's session
starts makes the tests load the pack through the mutated code.
"""

from __future__ import annotations

from typing import Any


def pytest_sessionstart(session: Any) -> None:
    from xingxian_subsidy.pack import loader as rules

    cached = getattr(rules, "_load_rules_cached", None)
    if cached is not None and hasattr(cached, "cache_clear"):
        cached.cache_clear()
