"""Values as staff write them: a spelling the rule pack knows is read as the word it stands for,
with a note on the row (三隔 and 3格 are 三格式, 双翁 is 双瓮式, 种植 is 特色种植); a category cell
that names a group (监测户, 三类户) is read as the group wherever the row's subsidy pays the group's
members alike. What is not known stays as written: the row is then 输入有误, and its message names
the nearest word (did you mean).

The spellings are data (``roster.yaml``: ``values``), compared by ``pack.semantics.spelling_key``;
the frame handed on holds the words they stand for, so both computation paths read them the same
way, and the report shows the cells as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import polars as pl

from ..pack.loader import YearRules
from ..pack.semantics import distinguishes, resolve_category, resolve_rule, resolve_subject, spelling_key
from .columns import ColumnMap

__all__ = ["Spelt", "group_categories", "read_as_label", "respell"]


@dataclass
class Spelt:
    """A roster's frame with its spellings read.

    Attributes:
        frame: the frame, each known spelling replaced by the word it stands for.
        notes: per row, the notes of what was read differently (zh and en; null where nothing was).
        originals: each column changed → its cells as written (for the report).
        read_as: what was read how, for the report's stamp: column, as written, read as, rows.
    """

    frame: pl.DataFrame
    notes: list[tuple[pl.Series, pl.Series]] = field(default_factory=list)
    originals: dict[str, pl.Series] = field(default_factory=dict)
    read_as: list[dict[str, object]] = field(default_factory=list)

    def note_column(self, lang: str) -> pl.Series | None:
        """Each row's notes (null where none) in ``lang``, or None when nothing was read differently."""
        if not self.notes:
            return None
        k = 0 if lang == "zh" else 1
        out = pl.select(pl.concat_str([n[k] for n in self.notes], separator="；" if lang == "zh" else "; ", ignore_nulls=True)).to_series()
        return pl.select(pl.when(out.str.len_bytes() > 0).then(out)).to_series().alias("notes")


def _known_words(kind: str, yr: YearRules, choices: dict[str, str] | None) -> Callable[[str], str | None]:
    """The reading of a cell as written (its canonical word when it is already a known word)."""
    if kind == "rule":
        return lambda v: resolve_rule(yr.rules, v)
    if kind == "subject":
        return lambda v: resolve_subject(yr.vocabulary, v)
    if kind == "category":
        return lambda v: resolve_category(yr.vocabulary, v)
    assert choices is not None
    return lambda v: choices.get(v)


def read_as_label(kind: str, word: str, yr: YearRules, lang: str) -> str:
    """The word a spelling stands for, as a reader knows it: a rule's name for a rule id."""
    if kind == "rule" and word in yr.rules:
        return yr.rules[word].name.get(lang)
    return word


def respell(frame: pl.DataFrame, cmap: ColumnMap, yr: YearRules, kinds: tuple[str, ...] = ("rule", "subject", "category", "choice"),
            spelt: Spelt | None = None) -> Spelt:
    """Read the spellings of the rule, subject and category columns and of each choice input's
    column (``kinds`` chooses which), adding to ``spelt`` when given."""
    out = spelt or Spelt(frame=frame)
    values = yr.vocabulary.roster.values
    targets: list[tuple[str, str, dict[str, str], dict[str, str] | None]] = []  # column, kind, spellings, choices
    for kind in ("rule", "subject", "category"):
        col = cmap.fixed.get(kind)
        if kind in kinds and col is not None and col in out.frame.columns:
            targets.append((col, kind, values.get(kind, {}), None))
    if "choice" in kinds:
        seen: set[str] = set()
        for rid, per in cmap.inputs.items():
            rule = yr.rules[rid]
            for name, cols in per.items():
                spec = rule.input_spec(name)
                if spec is None or spec.type != "choice":
                    continue
                words = {w: c.value for c in spec.choices for w in (c.value, c.label.zh, c.label.en)}
                for col in cols:
                    if col not in seen:
                        seen.add(col)
                        targets.append((col, name, values.get(name, {}), words))
    df = out.frame
    for col, kind, spellings, choices in targets:
        known = _known_words("choice" if choices is not None else kind, yr, choices)
        by_key = {spelling_key(k): v for k, v in spellings.items()}
        if choices is not None:
            by_key.update({spelling_key(w): v for w, v in choices.items()})
        mapping: dict[str, str] = {}
        notes: dict[str, tuple[str, str]] = {}
        cells = df.get_column(col)
        for v in cells.drop_nulls().unique(maintain_order=True).to_list():
            if known(v) is not None:
                continue
            word = by_key.get(spelling_key(v))
            if word is None:
                continue
            mapping[v] = word
            zh, en = read_as_label(kind, word, yr, "zh"), read_as_label(kind, word, yr, "en")
            notes[v] = (f"{col}“{v}”按“{zh}”读", f"{col} {v!r} read as {en!r}")
        if not mapping:
            continue
        out.originals.setdefault(col, cells)
        out.notes.append((cells.replace_strict({v: n[0] for v, n in notes.items()}, default=None, return_dtype=pl.String),
                          cells.replace_strict({v: n[1] for v, n in notes.items()}, default=None, return_dtype=pl.String)))
        counts = dict(cells.filter(cells.is_in(list(mapping))).value_counts().iter_rows())
        out.read_as += [{"column": col, "written": v, "read_as": read_as_label(kind, w, yr, "zh"), "rows": int(counts.get(v, 0))} for v, w in mapping.items()]
        df = df.with_columns(cells.replace(mapping).alias(col))
    out.frame = df
    return out


def group_categories(spelt: Spelt, cmap: ColumnMap, yr: YearRules) -> Spelt:
    """A category cell naming a group (监测户, 三类户 — or a spelling of one) is read as the group's
    first member on the rows whose subsidy pays every member alike (``semantics.distinguishes``),
    with a note; on the other rows it stays as written (输入有误: the subsidy needs the category)."""
    cat, rule_col = cmap.fixed.get("category"), cmap.fixed.get("rule")
    groups = yr.vocabulary.groups
    if cat is None or cat not in spelt.frame.columns or not groups:
        return spelt
    df = spelt.frame
    cells = df.get_column(cat)
    named = [v for v in cells.drop_nulls().unique(maintain_order=True).to_list() if v in groups]
    if not named:
        return spelt
    rules = df.get_column(rule_col) if rule_col is not None and rule_col in df.columns else pl.repeat(None, df.height, dtype=pl.String, eager=True)
    rule_ids = {r: resolve_rule(yr.rules, r) for r in rules.drop_nulls().unique().to_list()}
    rid = rules.replace_strict(rule_ids, default=None, return_dtype=pl.String)
    new = cells
    originals = spelt.originals.get(cat, cells)
    for g in named:
        members = groups[g]
        alike = [r for r, rule in yr.rules.items() if not distinguishes(rule, members, yr.vocabulary)]
        first = next(c for c in yr.vocabulary.categories if c.id == members[0])
        mask = (cells == g) & rid.is_in(alike)
        if not mask.any():
            continue
        new = pl.select(pl.when(mask).then(pl.lit(first.label.zh)).otherwise(new)).to_series().alias(cat)
        label = yr.vocabulary.group_label(g)
        member_zh = "、".join(c.label.zh for c in yr.vocabulary.categories if c.id in members)
        written = [w for w in originals.filter(mask).unique(maintain_order=True).to_list() if w is not None]
        zh = pl.format(f"{cat}“{{}}”是一组农户类型（{label.zh}：{member_zh}）：本项目对组内各类型的条件和金额相同，按组核算", pl.lit(originals))
        en = pl.format(f"{cat} '{{}}' names a group of categories ({label.en}): this subsidy treats its members alike, so it is computed for the group",
                       pl.lit(originals))
        spelt.notes.append((pl.select(pl.when(pl.lit(mask)).then(zh)).to_series(), pl.select(pl.when(pl.lit(mask)).then(en)).to_series()))
        for w in written:
            spelt.read_as.append({"column": cat, "written": w, "read_as": f"{g}（{member_zh}）", "rows": int((mask & (originals == w)).sum())})
    spelt.originals.setdefault(cat, cells)
    spelt.frame = df.with_columns(new.alias(cat))
    return spelt
