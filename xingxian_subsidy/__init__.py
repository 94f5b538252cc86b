"""xingxian-subsidy: compute, explain and audit Xing County's 2024 rural subsidies.

Library first: ``load_rules`` → ``calculate`` / ``calculate_file`` → an ``Award``
whose lines carry their checks, steps, citations and interpretations.
"""

__version__ = "0.1.0"

from .api import calculate, calculate_file, read_applicant  # noqa: E402
from .engine import compute, parse_applicant  # noqa: E402
from .errors import InputError, Problem, RuleDataError, SubsidyError, YearNotCovered  # noqa: E402
from .models import Award, LineItem  # noqa: E402
from .rules import RulePack, YearRules, load_rules  # noqa: E402

__all__ = [
    "Award",
    "InputError",
    "LineItem",
    "Problem",
    "RuleDataError",
    "RulePack",
    "SubsidyError",
    "YearNotCovered",
    "YearRules",
    "__version__",
    "calculate",
    "calculate_file",
    "compute",
    "load_rules",
    "parse_applicant",
    "read_applicant",
]
