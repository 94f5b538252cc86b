"""Errors as values that say where: file, line or row, field, what was found and what was expected."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["InputError", "OutputError", "Problem", "RuleDataError", "SubsidyError", "YearNotCovered", "format_problem", "library_message",
           "redact_identifiers"]

# An identifier (ID, bank card, phone: 11 or more digits, an ID's final X) in a message is masked:
# an error must not hand back in full what was typed, nor quote it from a library's message.
_DIGITS = re.compile(r"\d{6,}[\dXx]*")


def redact_identifiers(text: str) -> str:
    """``text`` with every run of 11 or more digits shown as its first 3 and last 2 (141*************2X)."""
    def mask(m: re.Match[str]) -> str:
        s = m.group(0)
        return s if len(s) < 11 else s[:3] + "*" * (len(s) - 5) + s[-2:]
    return _DIGITS.sub(mask, text)


def library_message(exc: BaseException) -> str:
    """A library's exception as one line for a user: its first line, at most 200 characters, any
    identifier it quotes from the file masked (a CSV parser quotes the row it could not read)."""
    text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return redact_identifiers(text)


@dataclass(frozen=True)
class Problem:
    """One located problem.

    Attributes:
        source: the file (path as given).
        message: zh and en text, keyed by language.
        line: 1-based line in a YAML/JSON file, if known.
        row: 1-based row in a roster (the spreadsheet's own row number), if any.
        field: dotted field path or column name.
    """

    source: str
    message: dict[str, str]
    line: int | None = None
    row: int | None = None
    field: str | None = None

    def text(self, lang: str = "zh") -> str:
        return format_problem(self, lang)


def format_problem(p: Problem, lang: str = "zh") -> str:
    where = p.source
    if p.line is not None:
        where += f":{p.line}"
    if p.row is not None:
        where += f":{'row ' if lang == 'en' else '第'}{p.row}{'' if lang == 'en' else '行'}"
    fieldpart = f" {p.field}:" if p.field else ""
    return f"{where}:{fieldpart} {p.message.get(lang) or p.message['zh']}"


@dataclass
class SubsidyError(Exception):
    """Base of the library's errors; carries every problem found, not just the first."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(p.text("en") for p in self.problems)

    def text(self, lang: str = "zh") -> str:
        return "\n".join(p.text(lang) for p in self.problems)


class InputError(SubsidyError):
    """The applicant file or roster is wrong (exit code 2)."""


class OutputError(SubsidyError):
    """An output cannot be written, or would overwrite an input (exit code 2)."""


class RuleDataError(SubsidyError):
    """A rule file is wrong (exit code 2)."""


class YearNotCovered(SubsidyError):
    """No rule covers the requested year: an error, never a zero."""
