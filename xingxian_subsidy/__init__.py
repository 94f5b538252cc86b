"""xingxian-subsidy: compute, explain and audit rural-revitalisation subsidies from a rule pack
(bundled: Xing County's 2024 policies).

Library first: ``load_rules`` → ``calculate`` / ``calculate_file`` → an ``Award``
whose lines carry their checks, steps, citations and interpretations; ``audit`` recomputes a
roster and ``write_report`` writes what it found. The layers are described in
docs/architecture.md.

Names are imported lazily (PEP 562) so that ``xingxian-subsidy --help`` does not
pay for pydantic and the engine.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Award": "engine.models",
    "LineItem": "engine.models",
    "InputError": "core.errors",
    "Problem": "core.errors",
    "RuleDataError": "core.errors",
    "SubsidyError": "core.errors",
    "YearNotCovered": "core.errors",
    "RulePack": "pack.loader",
    "YearRules": "pack.loader",
    "load_rules": "pack.loader",
    "compute": "engine.compute",
    "parse_applicant": "engine.applicant",
    "read_applicant": "engine.applicant",
    "calculate": "engine.calculate",
    "calculate_file": "engine.calculate",
    "AuditReport": "audit.report",
    "audit": "audit.pipeline",
    "read_roster": "audit.read",
    "write_report": "audit.writers",
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
