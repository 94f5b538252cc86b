"""Repository self-checks on the rule data: every quoted sentence is verbatim in the published text.

The published texts travel with the pack (``<pack>/sources/``), so the check runs wherever the
pack does. A value an overlay changed is checked against the text of the document it now cites
(an overlay's document sits beside the overlay file); a hypothetical value (``--set``) cites no
text and is not checked.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..core.errors import Problem
from .loader import RulePack, YearRules
from .models import GUIDE_TOPICS
from .rule import walk_conditions

__all__ = ["SOURCES_DIR", "all_quotes", "check_quotes", "default_sources", "normalise"]

_WS = re.compile(r"\s+")
SOURCES_DIR = "sources"  # the published texts, inside the pack folder


def normalise(text: str) -> str:
    """Drop all white space: the gazette extraction left spaces and breaks inside sentences."""
    return _WS.sub("", text).replace("**", "")


def default_sources(pack: RulePack) -> Path | None:
    """The pack's own copy of the published texts (``<pack>/sources``), if it has one."""
    folder = pack.directory / SOURCES_DIR
    return folder if folder.is_dir() else None


def _year_quotes(yr: YearRules, sources: Path) -> list[tuple[Path | None, str, str]]:
    """(the text a quote must be found in, where the quote is, the quote) of every quote of a year;
    the text is None for a document whose quotes are paraphrases (``quotes: paraphrase``: they say
    they are not the text, and are not checked)."""
    out: list[tuple[Path | None, str, str]] = []
    for doc_id, params in yr.parameters.items():
        doc = yr.documents[doc_id]
        for name, p in params.items():
            prov = yr.provenance.get((doc_id, name))
            if prov is not None and prov.hypothetical:
                continue
            path: Path | None = sources / doc.source_file if doc.quotes == "verbatim" else None
            if prov is not None and prov.document in yr.overlay_documents:
                odoc, folder = yr.overlay_documents[prov.document]
                path = (folder or sources) / odoc.source_file
            elif prov is not None and prov.document in yr.documents:
                path = sources / yr.documents[prov.document].source_file
            out.append((path, f"{doc_id}.parameters.{name}", p.quote))
    for rid, rule in yr.rules.items():
        assert rule.document is not None
        path = sources / rule.document.source_file if rule.document.quotes == "verbatim" else None
        out.append((path, rid, rule.quote))
        out += [(path, f"{rid}.{c.id}", c.quote) for c in walk_conditions(rule.conditions)]
        if rule.paid_in_kind is not None:
            out.append((path, f"{rid}.paid_in_kind", rule.paid_in_kind.quote))
    for form in yr.vocabulary.roster.forms:  # the forms a roster's title may name
        doc = yr.documents.get(form.document)
        if doc is not None:
            out.append((sources / doc.source_file if doc.quotes == "verbatim" else None, f"roster.forms.{form.id}", form.quote))
    for rid_, (doc, report) in yr.reports.items():  # the form a report is laid out as
        letter = getattr(report, "letter", None)
        if letter is not None:
            out.append((sources / doc.source_file if doc.quotes == "verbatim" else None, f"reports.{rid_}.letter", letter.quote))
    seen: set[int] = set()
    for rid, guide in yr.guides.items():  # how to apply: one entry may cover several rules
        if id(guide) in seen or rid not in yr.rules:
            continue
        seen.add(id(guide))
        doc = yr.rules[rid].document
        path = sources / doc.source_file if doc is not None and doc.quotes == "verbatim" else None
        for topic in GUIDE_TOPICS:
            out += [(path, f"{rid}.how_to_apply.{topic}.{n}", item.quote) for n, item in enumerate(getattr(guide, topic))]
    return out


def all_quotes(pack: RulePack) -> list[tuple[str | None, str, str]]:
    """(source file, where, quote) for every quote in the pack; the source file is None for a
    document whose quotes are paraphrases."""
    return [(path.name if path is not None else None, where, quote) for yr in pack.years.values()
            for path, where, quote in _year_quotes(yr, Path("."))]


def check_quotes(pack: RulePack, sources: Path | None = None, years: list[YearRules] | None = None) -> list[Problem]:
    """Every quote (parts split at …… ) must occur, white space aside, in its source file.

    Args:
        pack: the rule pack.
        sources: the folder of the published texts (default: the pack's own ``sources/``).
        years: the years to check (default: every year of the pack; give a variant's year to check it).
    """
    sources = Path(sources) if sources is not None else default_sources(pack)
    if sources is None:
        return [Problem(source=str(pack.directory / SOURCES_DIR), message={
            "zh": "找不到政策原文文件夹：请用 --sources 指定", "en": "the published texts are not found: give --sources"})]
    cache: dict[Path, str] = {}
    problems: list[Problem] = []
    for yr in years if years is not None else list(pack.years.values()):
        for path, where, quote in _year_quotes(yr, sources):
            if path is None:
                continue
            if path not in cache:
                try:
                    cache[path] = normalise(path.read_text(encoding="utf-8"))
                except OSError:
                    problems.append(Problem(source=str(path), message={"zh": "找不到政策原文", "en": "policy text not found"}))
                    cache[path] = ""
                    continue
            text = cache[path]
            if not text:
                continue
            for part in quote.split("……"):
                if normalise(part) and normalise(part) not in text:
                    problems.append(Problem(source=str(path), field=where, message={
                        "zh": f"引文未在原文中逐字出现：“{part}”", "en": f"quote is not verbatim in the source: {part!r}"}))
    return problems
