"""A line's status words and its one-sentence summary, in both languages: the engine's own
account of a line, used by the renderers and by the audit's reasons."""

from __future__ import annotations

from .models import Check, LineItem

__all__ = ["STATUS", "check_text", "line_summary"]

STATUS = {
    "awarded": {"zh": "予以奖补", "en": "awarded"},
    "ineligible": {"zh": "不符合条件", "en": "not eligible"},
    "excluded": {"zh": "不予补贴（排除情形）", "en": "excluded"},
    "undecided": {"zh": "待补充信息", "en": "needs information"},
    "not_quantified": {"zh": "文件未量化", "en": "not quantified by the document"},
    "limited": {"zh": "受限计 0 元", "en": "limited to 0"},
}

REQUIRED = {"zh": "要求", "en": "required"}


def check_text(check: Check, lang: str) -> str:
    """A check as a line of text: ✓ label：value（要求 ≥ threshold）."""
    mark = {True: "✓", False: "✗", None: "?"}[check.passed]
    text = f"{mark} {check.label.get(lang)}"
    if check.value is not None or check.threshold is not None:
        value = check.value_i18n.get(lang) if check.value_i18n else check.value
        threshold = check.threshold_i18n.get(lang) if check.threshold_i18n else check.threshold
        if value is None:
            value = "（未填）" if lang == "zh" else "(not given)"
        text += f"：{value}" if lang == "zh" else f": {value}"
        if threshold is not None:
            text += f"（{REQUIRED[lang]} {_op(check.op)} {threshold}）" if lang == "zh" else f" ({REQUIRED[lang]} {_op(check.op)} {threshold})"
    return text


def _op(op: str | None) -> str:
    return {"ge": "≥", "gt": ">", "le": "≤", "lt": "<", "is_true": "=", "is_false": "=", "between": "∈", "in": "∈"}.get(op or "", "")


def line_summary(line: LineItem, lang: str = "zh") -> str:
    """One sentence on why a line is what it is (used by renderers and the audit)."""
    if line.status == "undecided":
        names = "、".join(m.label.get(lang) for m in line.missing) if lang == "zh" else ", ".join(m.label.get(lang) for m in line.missing)
        if names:
            return f"需补充：{names}" if lang == "zh" else f"needs: {names}"
        # nothing of its own is missing: it waits on another claim (a tier on the household's total)
        return line.steps[-1].text.get(lang) if line.steps else STATUS["undecided"][lang]
    if line.status in ("ineligible", "excluded"):
        failed = [c for c in line.checks if c.passed is False]
        if failed:
            parts = []
            for c in failed:
                if c.id == "subject":
                    parts.append(("主体不符：" if lang == "zh" else "subject not eligible: ") + c.label.get(lang))
                else:
                    parts.append(check_text(c, lang).lstrip("✗ "))
            return ("未满足：" if lang == "zh" else "not met: ") + ("；" if lang == "zh" else "; ").join(parts)
        for s in line.steps:
            return s.text.get(lang)
    if line.status == "limited":
        for s in reversed(line.steps):
            return s.text.get(lang)
    if line.status == "not_quantified":
        return STATUS["not_quantified"][lang]
    return line.steps[-1].text.get(lang) if line.steps else ""
