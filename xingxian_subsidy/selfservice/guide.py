"""How to apply for what was claimed: what to bring, where to go, the steps, the 公示 and the
payment, from the rule data (``how_to_apply`` of each document, every item with its quote).

A topic the text is silent on is kept, as “文件未写明”: the applicant learns that the document
says nothing, rather than being told a step nobody wrote. No I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.text import Text
from ..pack.loader import YearRules
from ..pack.models import GUIDE_TOPICS, Document, GuideItem, HowToApply

__all__ = ["SILENT", "TOPIC_TITLES", "Guide", "guide_data", "guides_for", "item_citation"]

TOPIC_TITLES = {
    "materials": Text(zh="要带的材料", en="What to bring"),
    "where": Text(zh="到哪里办、谁负责", en="Where to go, who is responsible"),
    "steps": Text(zh="办理步骤", en="Steps"),
    "publicity": Text(zh="公示", en="Public notice"),
    "payment": Text(zh="什么时候发、怎么发", en="When and how it is paid"),
}
SILENT = Text(zh="文件未写明", en="the document does not say")


@dataclass(frozen=True)
class Guide:
    """How to apply for one or more claimed rules that share one entry of the rule data.

    Attributes:
        rule_ids: the claimed rules it covers, in claim order.
        names: their names.
        document: the document it comes from.
        topics: (topic id, title, items) in GUIDE_TOPICS order; no items = the text is silent.
    """

    rule_ids: tuple[str, ...]
    names: tuple[Text, ...]
    document: Document
    topics: tuple[tuple[str, Text, tuple[GuideItem, ...]], ...]


def item_citation(doc: Document, item: GuideItem) -> Text:
    """Where an item is written: document number, section and the quoted sentence."""
    return Text(zh=f"{doc.number} {item.section}“{item.quote}”", en=f"{doc.number} {item.section}: “{item.quote}”")


def guides_for(yr: YearRules, rule_ids: list[str]) -> list[Guide]:
    """The how-to-apply of the given rules, one Guide per entry of the rule data (two claims of
    one entry share it), in the order of the rules given. Rules without an entry are skipped."""
    entries: dict[int, tuple[HowToApply, list[str]]] = {}
    for rid in rule_ids:
        entry = yr.guides.get(rid)
        if entry is None or rid not in yr.rules:
            continue
        _, ids = entries.setdefault(id(entry), (entry, []))
        if rid not in ids:
            ids.append(rid)
    out = []
    for entry, ids in entries.values():
        doc = yr.rules[ids[0]].document
        assert doc is not None
        topics = tuple((t, TOPIC_TITLES[t], tuple(getattr(entry, t))) for t in GUIDE_TOPICS)
        out.append(Guide(rule_ids=tuple(ids), names=tuple(yr.rules[r].name for r in ids), document=doc, topics=topics))
    return out


def guide_data(g: Guide) -> dict[str, Any]:
    """JSON-ready form (for the web API): each item in plain words with its citation."""
    return {
        "rule_ids": list(g.rule_ids),
        "names": [n.model_dump() for n in g.names],
        "document": {"number": g.document.number, "title": g.document.title},
        "topics": [
            {"id": t, "title": title.model_dump(), "silent": not items, "silent_text": SILENT.model_dump() if not items else None,
             "items": [{"text": i.text.model_dump(), "citation": item_citation(g.document, i).model_dump()} for i in items]}
            for t, title, items in g.topics
        ],
    }
