"""xingxian-subsidy: compute, explain and audit Xing County's 2024 rural subsidies.

Library first: ``load_rules`` → ``calculate`` / ``calculate_file`` → an ``Award``
whose lines carry their checks, steps, citations and interpretations.

Names are imported lazily (PEP 562) so that ``xingxian-subsidy --help`` does not
pay for pydantic and the engine.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Award": "models",
    "LineItem": "models",
    "InputError": "errors",
    "Problem": "errors",
    "RuleDataError": "errors",
    "SubsidyError": "errors",
    "YearNotCovered": "errors",
    "RulePack": "rules",
    "YearRules": "rules",
    "load_rules": "rules",
    "compute": "engine",
    "parse_applicant": "engine",
    "calculate": "api",
    "calculate_file": "api",
    "read_applicant": "api",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'xingxian_subsidy' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
