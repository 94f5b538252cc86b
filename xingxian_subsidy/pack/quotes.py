"""Repository self-checks on the rule data: every quoted sentence is verbatim in the published text."""

from __future__ import annotations

import re
from pathlib import Path

from ..core.errors import Problem
from .loader import RulePack
from .rule import walk_conditions

__all__ = ["all_quotes", "check_quotes", "normalise"]

_WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Drop all white space: the gazette extraction left spaces and breaks inside sentences."""
    return _WS.sub("", text).replace("**", "")


def all_quotes(pack: RulePack) -> list[tuple[str | None, str, str]]:
    """(source file, where, quote) for every rule, condition and parameter in the pack; the source
    file is None for a document whose quotes are paraphrases (``quotes: paraphrase``)."""
    out: list[tuple[str | None, str, str]] = []
    for yr in pack.years.values():
        for doc_id, params in yr.parameters.items():
            doc = yr.documents[doc_id]
            src = doc.source_file if doc.quotes == "verbatim" else None
            for name, p in params.items():
                out.append((src, f"{doc_id}.parameters.{name}", p.quote))
        for rid, rule in yr.rules.items():
            assert rule.document is not None
            src = rule.document.source_file if rule.document.quotes == "verbatim" else None
            out.append((src, rid, rule.quote))
            out += [(src, f"{rid}.{c.id}", c.quote) for c in walk_conditions(rule.conditions)]
    return out


def check_quotes(pack: RulePack, sources: Path) -> list[Problem]:
    """Every quote (parts split at …… ) must occur, white space aside, in its source file. The
    quotes of a document marked ``quotes: paraphrase`` are not checked (they say they are not
    the text)."""
    cache: dict[str, str] = {}
    problems: list[Problem] = []
    for source_file, where, quote in all_quotes(pack):
        if source_file is None:
            continue
        path = Path(sources) / source_file
        if source_file not in cache:
            try:
                cache[source_file] = normalise(path.read_text(encoding="utf-8"))
            except OSError:
                problems.append(Problem(source=str(path), message={"zh": "找不到政策原文", "en": "policy text not found"}))
                cache[source_file] = ""
                continue
        text = cache[source_file]
        if not text:
            continue
        for part in quote.split("……"):
            if normalise(part) and normalise(part) not in text:
                problems.append(Problem(source=str(path), field=where, message={
                    "zh": f"引文未在原文中逐字出现：“{part}”", "en": f"quote is not verbatim in the source: {part!r}"}))
    return problems
