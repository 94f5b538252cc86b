"""Audit a roster (奖补名册): read it, recompute every row, check across rows, summarise.

Library only (no CLI, no rich). Stages share one shape:

``read_roster(path)`` → a :class:`Roster` (every cell a ``str`` or ``None``; spreadsheet
row numbers kept, header = row 1) → ``audit(roster, pack)`` → an :class:`AuditReport`
(明细 rows in input order, exactly once each; 问题清单; 汇总 tables; stamp).

Money is Decimal 元 or integer 分, never float: cells are read as text. Every number of
policy comes from the rule data (rates, tiers, caps, the 附件2 task table).

Two paths compute the awards and must agree to the 分 (``tests/test_vector.py``):

* ``engine="reference"``: each row is parsed with ``engine.parse_value``; rows are
  grouped by applicant (身份证号, else 姓名+村, with subject and category) and each group is
  computed by ``engine.compute``, which applies once-per-household limits, exclusive
  groups and shared caps (the 庭院经济 700 元 per household) across the group's rows.
* ``engine="vector"`` (default): ``vector.py`` compiles the rule data into polars
  expressions over integer 分; rows it cannot do (unusual cell text, errors) and their
  applicant groups fall back to the reference engine.

Explanations (the 原因 column) come from the reference engine, only for rows that are not
一致 (or for all rows with ``explain=True``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Collection, Iterable

import polars as pl

from .engine import compute, parse_value, resolve_category, resolve_subject
from .errors import InputError, Problem
from .tableio import FORMULA_START, Roster, read_roster
from .explain import line_summary
from .models import ApplicantFile, ApplicantInfo, Claim, InputSpec, LineItem, Rule, Text, TierTable
from .rules import RulePack, YearRules, load_rules

__all__ = [
    "FIXED_COLUMNS",
    "REQUIRED",
    "STATUSES",
    "Roster",
    "ColumnMap",
    "ParsedRow",
    "AuditReport",
    "read_roster",
    "roster_from_frame",
    "map_columns",
    "parse_rows",
    "reference_results",
    "audit",
    "id_check",
    "mask_id",
    "neutralise",
    "write_report",
    "rule_columns",
]

# The fixed columns and the headers staff write for them (zh first; English accepted).
FIXED_COLUMNS: dict[str, list[str]] = {
    "township": ["乡镇", "township", "乡（镇）", "乡镇名称"],
    "village": ["村", "village", "行政村", "村名"],
    "name": ["姓名", "name", "户主姓名", "申请人", "主体名称"],
    "id_number": ["身份证号", "id_number", "身份证号码", "证件号码"],
    "subject": ["主体类型", "subject"],
    "category": ["农户类型", "category"],
    "rule": ["项目", "rule", "奖补项目"],
    "project": ["项目标签", "project", "project_label"],
    "claimed": ["申报金额", "claimed", "拟发放金额"],
}
FIXED_LABELS = {k: Text(zh=v[0], en=v[1]) for k, v in FIXED_COLUMNS.items()}
REQUIRED = ["name", "subject", "rule", "claimed"]

# Row statuses (zh is the value written; en for --lang en).
STATUSES: dict[str, Text] = {
    "match": Text(zh="一致", en="matches"),
    "over": Text(zh="多报", en="over-claimed"),
    "under": Text(zh="少报", en="under-claimed"),
    "ineligible": Text(zh="不符合条件", en="not eligible"),
    "incomplete": Text(zh="信息不全", en="information missing"),
    "bad_input": Text(zh="输入有误", en="input error"),
}

_CLAIMED_SPEC = InputSpec(name="claimed", label=Text(zh="申报金额", en="amount claimed"), type="money", unit="元")
_PAREN_UNIT = re.compile(r"[(（]([^()（）]*)[)）]$")


def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def norm_header(text: str) -> str:
    """A header as compared: NFKC, no white space, lower case, a trailing ``(unit)`` dropped."""
    from .models import UNITS

    h = unicodedata.normalize("NFKC", str(text)).strip()
    h = re.sub(r"\s+", "", h).lower()
    m = _PAREN_UNIT.search(h)
    if m and (m.group(1) in UNITS or m.group(1) in ("元", "万元", "%")):
        h = h[: m.start()]
    return h


def roster_from_frame(frame: pl.DataFrame, source: str = "<roster>") -> Roster:
    """A roster from a DataFrame already in memory (tests, benchmarks); rows numbered from 2."""
    df = frame.select([pl.col(c).cast(pl.String).str.strip_chars().replace("", None).alias(c) for c in frame.columns])
    digest = hashlib.sha256(df.write_csv().encode()).hexdigest()
    return Roster(source=source, frame=df, rows=list(range(2, df.height + 2)), sha256=digest, file_format="frame")


# ---------------------------------------------------------------- header mapping


@dataclass
class ColumnMap:
    """Which column holds each fixed field, and each rule's inputs."""

    fixed: dict[str, str]  # field -> column header
    inputs: dict[str, dict[str, list[str]]]  # rule id -> input name -> candidate columns
    unused: list[str]  # columns that are neither fixed nor any rule's input


def rule_columns(rule: Rule) -> dict[str, list[str]]:
    """The header texts that name each of a rule's inputs (zh label, name, en label)."""
    return {s.name: [s.label.zh, s.name, s.label.en] for s in rule.inputs}


def map_columns(columns: list[str], yr: YearRules, source: str = "<roster>") -> ColumnMap:
    """Map headers to fields and rule inputs.

    Raises:
        InputError: a required column (姓名, 主体类型, 项目, 申报金额) is missing; the message names it.
    """
    normed = {c: norm_header(c) for c in columns}
    fixed: dict[str, str] = {}
    for fieldname, names in FIXED_COLUMNS.items():
        wanted = [norm_header(n) for n in names]
        for w in wanted:
            hit = next((c for c in columns if normed[c] == w), None)
            if hit is not None:
                fixed[fieldname] = hit
                break
    missing = [f for f in REQUIRED if f not in fixed]
    if missing:
        problems = [
            Problem(source=source, field=FIXED_COLUMNS[f][0], message=_t(
                f"缺少必填列“{FIXED_COLUMNS[f][0]}”（也可写作：{'、'.join(FIXED_COLUMNS[f][1:])}）；表头为：{'、'.join(columns)}",
                f"required column {FIXED_COLUMNS[f][0]!r} (or {FIXED_COLUMNS[f][1]!r}) is missing; the header is: {', '.join(columns)}"))
            for f in missing
        ]
        raise InputError(problems)
    used = set(fixed.values())
    inputs: dict[str, dict[str, list[str]]] = {}
    for rid, rule in yr.rules.items():
        per: dict[str, list[str]] = {}
        for name, texts in rule_columns(rule).items():
            keys = [norm_header(t) for t in texts]
            cols = [c for k in keys for c in columns if normed[c] == k and c not in fixed.values()]
            per[name] = list(dict.fromkeys(cols))
            used.update(cols)
        inputs[rid] = per
    unused = [c for c in columns if c not in used]
    return ColumnMap(fixed=fixed, inputs=inputs, unused=unused)


def resolve_rule(yr: YearRules, raw: str) -> str | None:
    text = raw.strip()
    if text in yr.rules:
        return text
    key = norm_header(text)
    for rid, rule in yr.rules.items():
        if key in (norm_header(rule.name.zh), norm_header(rule.name.en), rid.lower()):
            return rid
    return None


# ---------------------------------------------------------------- row parsing (reference)


@dataclass
class ParsedRow:
    """One roster row parsed the reference way (engine.parse_value for every cell)."""

    index: int
    row: int
    subject: str | None = None
    category: str | None = None
    rule_id: str | None = None
    project: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    claimed: Decimal | None = None
    problems: list[Problem] = field(default_factory=list)
    key: str = ""
    group: tuple = ()
    info: ApplicantInfo | None = None


def applicant_key(id_number: str | None, name: str | None, village: str | None) -> str:
    """身份证号 (upper case) if given, else 姓名 + 村."""
    if id_number:
        return "id:" + id_number.strip().upper()
    return f"nv:{name or ''}|{village or ''}"


def parse_rows(roster: Roster, cmap: ColumnMap, yr: YearRules, indices: Iterable[int] | None = None) -> list[ParsedRow]:
    """Parse rows (all, or the given frame indices) with the reference parser; never stops at a bad row."""
    df = roster.frame
    subj_labels = "、".join(s.label.zh for s in yr.vocabulary.subjects)
    cat_labels = "、".join(c.label.zh for c in yr.vocabulary.categories)
    out: list[ParsedRow] = []
    idx_list = list(range(df.height)) if indices is None else list(indices)
    cols = df.columns
    col_pos = {c: i for i, c in enumerate(cols)}
    fx = cmap.fixed
    subjects: dict[str, str | None] = {}
    categories: dict[str, str | None] = {}
    rules_: dict[str, str | None] = {}
    # parse_value is pure: each distinct (input, text) is parsed once per call
    memo: dict[tuple[int, str], tuple[Any, Any]] = {}

    def parse_cell(spec: InputSpec, raw: str) -> tuple[Any, Any]:
        k = (id(spec), raw)
        hit = memo.get(k)
        if hit is None:
            hit = memo[k] = parse_value(spec, raw)
        return hit

    # one gather of the wanted rows instead of a DataFrame.row call per row
    recs = df.rows() if indices is None else (df[idx_list].rows() if idx_list else [])
    for i, rec in zip(idx_list, recs):

        def cell(fieldname: str) -> str | None:
            col = fx.get(fieldname)
            return rec[col_pos[col]] if col is not None else None

        rownum = roster.rows[i]
        pr = ParsedRow(index=i, row=rownum)

        def problem(col: str | None, zh: str, en: str) -> None:
            pr.problems.append(Problem(source=roster.source, row=rownum, field=col, message=_t(zh, en)))

        name, village = cell("name"), cell("village")
        if not name:
            problem(fx["name"], "姓名（主体名称）为空", "name is blank")
        raw_subject = cell("subject")
        if not raw_subject:
            problem(fx["subject"], f"主体类型为空；可选：{subj_labels}", "subject type is blank")
        else:
            if raw_subject not in subjects:
                subjects[raw_subject] = resolve_subject(yr, raw_subject)
            pr.subject = subjects[raw_subject]
            if pr.subject is None:
                problem(fx["subject"], f"未知主体类型“{raw_subject}”；可选：{subj_labels}",
                        f"unknown subject type {raw_subject!r}; expected one of: {', '.join(s.label.en for s in yr.vocabulary.subjects)}")
        raw_cat = cell("category")
        if raw_cat:
            if raw_cat not in categories:
                categories[raw_cat] = resolve_category(yr, raw_cat)
            pr.category = categories[raw_cat]
            if pr.category is None:
                problem(fx.get("category"), f"未知农户类型“{raw_cat}”；可选：{cat_labels}",
                        f"unknown household category {raw_cat!r}; expected one of: {', '.join(c.label.en for c in yr.vocabulary.categories)}")
        raw_rule = cell("rule")
        if not raw_rule:
            problem(fx["rule"], "项目为空：应填规则编号或奖补项目名称", "rule is blank: give a rule id or name")
        else:
            if raw_rule not in rules_:
                rules_[raw_rule] = resolve_rule(yr, raw_rule)
            pr.rule_id = rules_[raw_rule]
            if pr.rule_id is None:
                problem(fx["rule"], f"未知奖补项目“{raw_rule}”；用 `xingxian-subsidy rules list` 查看",
                        f"unknown rule {raw_rule!r}; see `xingxian-subsidy rules list`")
        pr.project = cell("project")
        raw_claimed = cell("claimed")
        if raw_claimed is not None:
            value, msg = parse_cell(_CLAIMED_SPEC, raw_claimed)
            if msg is not None:
                problem(fx["claimed"], msg.zh, msg.en)
            else:
                pr.claimed = value
        if pr.rule_id is not None:
            rule = yr.rules[pr.rule_id]
            for spec in rule.inputs:
                for col in cmap.inputs[pr.rule_id].get(spec.name, []):
                    raw = rec[col_pos[col]]
                    if raw is None:
                        continue
                    value, msg = parse_cell(spec, raw)
                    if msg is not None:
                        problem(col, msg.zh, msg.en)
                    else:
                        pr.inputs[spec.name] = value
                    break
        idn = cell("id_number")
        pr.key = applicant_key(idn, name, village)
        pr.group = (pr.key, pr.subject, pr.category)
        if pr.subject is not None and name:
            pr.info = ApplicantInfo(name=name, subject=pr.subject, category=pr.category, township=cell("township"),
                                    village=village, id_number=idn)
        out.append(pr)
    return out


@dataclass
class RowResult:
    """A row's recomputed line (before the roster statuses): engine status and amount in 元."""

    line_status: str | None  # awarded / ineligible / excluded / undecided / not_quantified / limited; None on bad input
    amount: Decimal | None
    line: LineItem | None = None


def reference_results(parsed: list[ParsedRow], yr: YearRules, pack: RulePack | None = None) -> dict[int, RowResult]:
    """Compute rows with the reference engine: one ``engine.compute`` per applicant group, claims in row order.

    Returns:
        frame index → RowResult (rows with input problems get ``line_status=None``).
    """
    groups: dict[tuple, list[ParsedRow]] = {}
    out: dict[int, RowResult] = {}
    for pr in parsed:
        if pr.problems or pr.info is None or pr.rule_id is None:
            out[pr.index] = RowResult(None, None)
            continue
        groups.setdefault(pr.group, []).append(pr)
    # an applicant with a single row depends on nothing else: identical single rows share one
    # computation (the engine is pure); the line's text never names the applicant
    single: dict[tuple, LineItem] = {}
    for members in groups.values():
        info = members[0].info
        assert info is not None
        key = None
        if len(members) == 1:
            m = members[0]
            key = (m.rule_id, info.subject, info.category, m.project, tuple(sorted((k, repr(v)) for k, v in m.inputs.items())))
            if key in single:
                line = single[key]
                out[m.index] = RowResult(line.status, line.amount, line)
                continue
        claims = [Claim.model_construct(rule=m.rule_id, project=m.project, inputs=m.inputs) for m in members]
        app = ApplicantFile.model_construct(year=yr.year, applicant=info, claims=claims)
        award = compute(app, yr, pack)
        for m, line in zip(members, award.lines):
            out[m.index] = RowResult(line.status, line.amount, line)
        if key is not None:
            single[key] = award.lines[0]
    return out


# ---------------------------------------------------------------- 身份证号


_ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
_ID_CHECK = "10X98765432"


def id_check(id_number: str) -> tuple[bool, dict[str, str] | None]:
    """GB 11643-1999 citizen ID: 18 characters, a real birth date, ISO 7064 MOD 11-2 check digit.

    Returns:
        (True, None) or (False, message in zh and en).
    """
    s = id_number.strip().upper()
    if not re.fullmatch(r"[0-9]{17}[0-9X]", s):
        return False, _t(f"身份证号格式有误：应为 18 位（前 17 位为数字，末位为数字或 X），得到“{id_number}”",
                         f"ID number: expected 18 characters (17 digits, then a digit or X), got {id_number!r}")
    try:
        dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False, _t(f"身份证号中的出生日期 {s[6:14]} 不存在", f"ID number: birth date {s[6:14]} does not exist")
    expected = _ID_CHECK[sum(int(c) * w for c, w in zip(s[:17], _ID_WEIGHTS)) % 11]
    if s[17] != expected:
        return False, _t(f"身份证号校验位有误：末位应为 {expected}，得到 {s[17]}（GB 11643）",
                         f"ID number check digit is wrong: expected {expected}, got {s[17]} (GB 11643)")
    return True, None


def id_check_expr(col: str) -> pl.Expr:
    """Vectorised id_check: True when valid (format, date, check digit)."""
    s = pl.col(col).str.to_uppercase()
    fmt = s.str.contains(r"^[0-9]{17}[0-9X]$")
    total = pl.sum_horizontal([s.str.slice(i, 1).cast(pl.Int64, strict=False) * w for i, w in enumerate(_ID_WEIGHTS)])
    check = pl.lit(_ID_CHECK).str.slice(total % 11, 1)
    date_ok = s.str.slice(6, 8).str.to_date("%Y%m%d", strict=False).is_not_null()
    return (fmt & date_ok & (check == s.str.slice(17, 1))).fill_null(False)


def _ids_ok(ids: pl.Series) -> pl.Series:
    """``id_check_expr`` over a column, cheaper: the 17 digits as one integer, each distinct
    birth date parsed once."""
    s = ids.str.to_uppercase()
    body = s.str.slice(0, 17).cast(pl.Int64, strict=False)
    total = pl.sum_horizontal([(pl.col("b") // 10 ** (16 - i)) % 10 * w for i, w in enumerate(_ID_WEIGHTS)])
    expected = (total % 11).replace_strict({k: _ID_CHECK[k] for k in range(11)}, return_dtype=pl.String)
    births = s.str.slice(6, 8)
    distinct = births.unique().drop_nulls()
    valid = distinct.filter(distinct.str.to_date("%Y%m%d", strict=False).is_not_null())
    frame = pl.DataFrame({"s": s, "b": body, "birth": births})
    return frame.select(
        (pl.col("s").str.contains(r"^[0-9]{17}[0-9X]$") & pl.col("birth").is_in(valid.implode()).fill_null(False).and_(pl.col("birth").is_not_null())
         & (expected == pl.col("s").str.slice(17, 1))).fill_null(False).alias("id_ok")).to_series()


def mask_id(id_number: str | None) -> str | None:
    """Keep the first 6 and last 4 characters: 142301********1234."""
    if id_number is None:
        return None
    n = len(id_number)
    if n > 10:
        return id_number[:6] + "*" * (n - 10) + id_number[-4:]
    return "*" * n


def mask_expr(col: str) -> pl.Expr:
    """Vectorised mask_id (IDs longer than 64 characters keep at most 54 stars)."""
    c = pl.col(col)
    n = c.str.len_chars()
    stars = pl.lit("*" * 64)
    return (
        pl.when(n > 10)
        .then(c.str.slice(0, 6) + stars.str.slice(0, n - 10) + c.str.slice(-4, 4))
        .otherwise(stars.str.slice(0, n))
    )


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula (= + - @, tab, CR) gets a leading apostrophe."""
    if isinstance(value, str) and value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def neutralise_expr(col: str) -> pl.Expr:
    c = pl.col(col)
    return pl.when(c.str.contains(FORMULA_START)).then(pl.lit("'") + c).otherwise(c).alias(col)


def _formula_columns(df: pl.DataFrame, columns: Collection[str] | None = None) -> set[str]:
    """The text columns of ``df`` (or of ``columns``) with a cell that ``neutralise`` would change."""
    texts = [c for c, t in df.schema.items() if t == pl.String and (columns is None or c in columns)]
    if not texts or not df.height:
        return set()
    flags = df.select([pl.col(c).str.contains(FORMULA_START).any() for c in texts]).row(0)
    return {c for c, f in zip(texts, flags) if f}


# ---------------------------------------------------------------- the fixed columns


def vocab_maps(yr: YearRules) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Words a roster may use → id, for subject types, household categories and rules.

    A subject or category is named by its id, Chinese or English label or an alias; a rule by its
    id or its Chinese or English name (the rule loader refuses a word that names two things).
    """
    subjects = {a: s.id for s in yr.vocabulary.subjects for a in s.names}
    categories = {a: c.id for c in yr.vocabulary.categories for a in c.names}
    rules = {a: rid for rid, r in yr.rules.items() for a in [rid, r.name.zh, r.name.en]}
    return subjects, categories, rules


def base_frame(roster: Roster, cmap: ColumnMap, yr: YearRules) -> pl.DataFrame:
    """The fixed columns of every row, read once for both engines and the cross-row checks.

    Columns: ``row`` (spreadsheet row), ``township``, ``village``, ``name``, ``id_number``
    (upper case), ``subject_raw``/``category_raw``/``rule_raw`` as written and ``subject``/
    ``category``/``rule`` as ids (null when not recognised), ``project``, ``claimed_raw``,
    ``claimed_fen`` (the claimed amount in 分, null when blank or unreadable),
    ``claimed_plain`` (written as plain decimal text, which the vector path reads itself) and
    ``key`` (the applicant: ``id:`` + 身份证号, else ``nv:`` + 姓名 ``|`` 村).
    """
    fx = cmap.fixed

    def col_or_null(fieldname: str) -> pl.Expr:
        c = fx.get(fieldname)
        return pl.col(c) if c is not None else pl.lit(None, dtype=pl.String)

    subj_map, cat_map, rule_map = vocab_maps(yr)
    n, rows = roster.frame.height, roster.rows
    # row numbers rise strictly: from 2 to n + 1 they are every number (no blank row was dropped)
    contiguous = not rows or (rows[0] == 2 and rows[-1] == n + 1)
    base = roster.frame.select(
        pl.int_range(2, n + 2, dtype=pl.Int64).alias("row") if contiguous else pl.Series("row", rows, dtype=pl.Int64),
        col_or_null("township").alias("township"),
        col_or_null("village").alias("village"),
        col_or_null("name").alias("name"),
        col_or_null("id_number").str.to_uppercase().alias("id_number"),
        col_or_null("subject").alias("subject_raw"),
        col_or_null("category").alias("category_raw"),
        col_or_null("rule").alias("rule_raw"),
        col_or_null("project").alias("project"),
        col_or_null("claimed").alias("claimed_raw"),
    ).with_columns(
        pl.col("subject_raw").replace_strict(subj_map, default=None).alias("subject"),
        pl.col("category_raw").replace_strict(cat_map, default=None).alias("category"),
        pl.col("rule_raw").replace_strict(rule_map, default=None).alias("rule"),
        pl.when(pl.col("id_number").is_not_null()).then(pl.lit("id:") + pl.col("id_number"))
        .otherwise(pl.lit("nv:") + pl.col("name").fill_null("") + pl.lit("|") + pl.col("village").fill_null("")).alias("key"),
    )
    fen, plain = _claimed_fen(base.get_column("claimed_raw"))
    return base.with_columns(fen.alias("claimed_fen"), plain.alias("claimed_plain"), applicant_ids(base.get_column("key")).alias("aid"))


def _key_hash(key: pl.Series) -> pl.Series:
    return key.hash(0x5EED)


def applicant_ids(key: pl.Series) -> pl.Series:
    """One integer per distinct applicant key (exact; the numbers carry no meaning).

    The keys are sorted by a hash and numbered by runs of equal keys; if two keys share a hash
    (their rows could interleave) they are sorted by the key itself too
    (tests/test_roster.py forces that).
    """
    n = len(key)
    if not n:
        return pl.Series([], dtype=pl.UInt32)
    h = _key_hash(key)
    order = h.arg_sort()
    k, hs = key.gather(order), h.gather(order)
    new = k.ne_missing(k.shift(1)).fill_null(True)
    if (new & (hs == hs.shift(1)).fill_null(False)).any():
        order = pl.DataFrame({"h": h, "k": key}).select(pl.arg_sort_by("h", "k")).to_series()
        k = key.gather(order)
        new = k.ne_missing(k.shift(1)).fill_null(True)
    ids = new.cast(pl.UInt32).cum_sum() - 1
    return pl.Series("aid", [0], dtype=pl.UInt32).extend_constant(0, n - 1).scatter(order, ids)


def _rows_of_applicants_where_differs(aid: pl.Series, values: pl.Series) -> pl.Series:
    """Indices (ascending) of the rows of every applicant whose ``values`` are not all the same.

    Exact, with no sort: an applicant's values differ exactly when some row's value differs
    from the value on the applicant's first row.
    """
    if not len(aid):
        return pl.Series([], dtype=pl.UInt32)
    first = aid.is_first_distinct()
    size = int(aid.max()) + 1
    first_value = pl.repeat(None, size, dtype=values.dtype, eager=True).scatter(aid.filter(first), values.filter(first))
    differs = values.ne_missing(first_value.gather(aid))
    bad = pl.repeat(False, size, dtype=pl.Boolean, eager=True).scatter(aid.filter(differs), True)
    return bad.gather(aid).arg_true()


def _id_checks(b: pl.DataFrame, yr: YearRules) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The cross-row checks that make a row an input error, on ``base_frame``: a household's
    身份证号 that is not valid, and one 身份证号 under two names (the audit builds the messages)."""
    # an applicant with an ID is that ID: its first row's ID is checked for all its rows
    aid = b.get_column("aid")
    first = aid.is_first_distinct()
    ok_first = _ids_ok(b.get_column("id_number").filter(first))
    ok_by_aid = pl.repeat(False, len(aid) and int(aid.max()) + 1, dtype=pl.Boolean, eager=True).scatter(aid.filter(first), ok_first)
    idx_bad = b.select("id_number", "subject", ok_by_aid.gather(aid).alias("id_ok")).with_row_index("i").filter(
        pl.col("id_number").is_not_null() & ~pl.col("id_ok") & (pl.col("subject").is_null() | (pl.col("subject") == "household"))
    )
    # the same 身份证号 under two names (among rows with both)
    named = b.select(pl.int_range(0, pl.len(), dtype=pl.UInt32).alias("i"), "aid", "id_number", "name", "row").filter(
        pl.col("id_number").is_not_null() & pl.col("name").is_not_null())
    dup = named.gather(_rows_of_applicants_where_differs(named.get_column("aid"), named.get_column("name"))).select("i", "id_number", "name", "row")
    return idx_bad, dup


def _cross_notes(b: pl.DataFrame, yr: YearRules) -> tuple[pl.DataFrame | None, pl.DataFrame]:
    """The cross-row checks that only add a note, on ``base_frame``: a once-per-household subsidy
    claimed again, and an applicant whose subject or category differs between rows."""
    once = {rid: r.once_per_applicant for rid, r in yr.rules.items() if r.once_per_applicant}
    tw = None
    if once:
        tw = (b.select("row", "rule", "aid").with_row_index("i").filter(pl.col("rule").is_in(list(once)))
              .with_columns(pl.col("rule").replace_strict(once, default=None).alias("once_group"))
              .filter(pl.struct("aid", "once_group").is_duplicated())
              .with_columns(pl.col("row").first().over(["aid", "once_group"]).alias("first_row")))
    from .vector import subject_category_code

    code = b.select(subject_category_code(yr, "subject", "category")[0]).to_series()
    inc_i = _rows_of_applicants_where_differs(b.get_column("aid"), code)
    incons = b.select(pl.int_range(0, pl.len(), dtype=pl.UInt32).alias("i"), "row").gather(inc_i)
    return tw, incons


# ---------------------------------------------------------------- the audit


@dataclass
class AuditReport:
    """The audit: detail rows (input order), problems, summaries and the reproducibility stamp.

    Amounts in ``rows`` are integer 分 (columns ``claimed_fen``, ``award_fen``, ``diff_fen``).
    """

    rows: pl.DataFrame
    issues: pl.DataFrame
    summaries: dict[str, pl.DataFrame]
    stamp: dict[str, Any]
    texts: list[str]
    lang: str = "zh"
    # columns of ``rows`` known to hold no cell a spreadsheet would run as a formula (the writers
    # need not look at them again)
    formula_free: frozenset[str] = frozenset()
    status_counts: dict[str, int] = field(default_factory=dict)  # rows of each status (match, over, …)

    @property
    def all_match(self) -> bool:
        return bool((self.rows.get_column("status") == "match").all())


def _fen(amount: Decimal | None) -> int | None:
    return None if amount is None else int(amount * 100)


def audit(
    roster: Roster | Path | str,
    pack: RulePack | None = None,
    *,
    year: int = 2024,
    lang: str = "zh",
    engine: str = "vector",
    explain: bool = False,
    explain_limit: int | None = 1000,
    progress: Callable[[str, int, int], None] | None = None,
) -> AuditReport:
    """Recompute a roster, compare with the claimed amounts, check across rows and summarise.

    Args:
        roster: a Roster or a path to read.
        pack: the rule pack (default: the bundled one).
        year: the year whose rules apply.
        lang: "zh" or "en" for reasons and messages.
        engine: "vector" (polars, falling back per applicant group) or "reference".
        explain: give every row a reason from the reference engine, not only problem rows.
        explain_limit: at most this many problem rows (the first, in input order) get the
            reference engine's explanation; the others get a shorter reason (status and
            amounts). ``None``, or ``explain=True``, explains every row that needs it.
        progress: called as ``progress(stage, done, total)``.

    Returns:
        The AuditReport; its rows are the roster's rows, in order, exactly once.

    Raises:
        InputError: unreadable file or missing required column (file and column named).
    """
    pack = pack or load_rules()
    yr = pack.for_year(year)
    if not isinstance(roster, Roster):
        roster = read_roster(roster)
    tick = progress or (lambda stage, done, total: None)
    cmap = map_columns(roster.frame.columns, yr, roster.source)
    n = roster.frame.height
    tick("read", n, n)

    # the fixed columns, resolved once for both engines and the checks
    base = base_frame(roster, cmap, yr)
    # the cross-row checks need only these: they run in a thread (polars releases the GIL) beside
    # the computation, whose Python parts would leave a core idle
    from concurrent.futures import ThreadPoolExecutor

    cross_pool = ThreadPoolExecutor(max_workers=1)
    id_fut = cross_pool.submit(_id_checks, base, yr)
    # 1. per-row award, status before the roster comparison (kept as polars Series: no per-row Python objects)
    lines: dict[int, LineItem] = {}
    problems_by_row: dict[int, list[Problem]] = {}
    # The rows of every applicant with a row the vector path did not do ("fallback groups") count
    # as explained by the reference engine: they are not counted against --explain-limit, and the
    # stamp counts their lines. The engine itself runs only where it is needed: for rows the vector
    # path left (input errors, applicants it cannot do), and for the problem rows of the other
    # fallback-group applicants (their reasons); tests/test_vector.py proves both paths equal.
    fallback_group: set[int]
    already_parsed: dict[int, ParsedRow] = {}  # rows the vector path read with the reference parser
    if engine == "vector":
        from .vector import compute_vector

        vec = compute_vector(roster, cmap, yr, base, parsed=already_parsed)
        status_s = vec.get_column("line_status").alias("line_status")
        fen_s = vec.get_column("award_fen").alias("award_fen")
        fallback = status_s.is_null().arg_true().to_list()
        fallback_group = set(vec.get_column("fallback_group").arg_true().to_list())
        known_tier = vec.get_column("tier")
    else:
        status_s = pl.repeat(None, n, dtype=pl.String, eager=True).alias("line_status")
        fen_s = pl.repeat(None, n, dtype=pl.Int64, eager=True).alias("award_fen")
        fallback = list(range(n))
        fallback_group = set(fallback)
        known_tier = pl.repeat(None, n, dtype=pl.String, eager=True)
    n_problem_rows = 0
    tick("compute", 0, max(len(fallback), 1))
    if fallback:
        fresh = iter(parse_rows(roster, cmap, yr, [i for i in fallback if i not in already_parsed]))
        parsed = [already_parsed[i] if i in already_parsed else next(fresh) for i in fallback]
        # a fallback row's whole applicant group goes to the reference engine (cross-row limits)
        n_problem_rows = sum(1 for p in parsed if p.problems)
        res = _reference_in_chunks(parsed, yr, pack, tick)
        idx = sorted(res)
        if idx:
            status_s = status_s.scatter(idx, pl.Series([res[i].line_status for i in idx], dtype=pl.String))
            fen_s = fen_s.scatter(idx, pl.Series([_fen(res[i].amount) for i in idx], dtype=pl.Int64))
        for i, r in res.items():
            if r.line is not None:
                lines[i] = r.line
        for p in parsed:
            if p.problems:
                problems_by_row[p.index] = p.problems
    tick("compute", max(len(fallback), 1), max(len(fallback), 1))

    df = roster.frame
    fx = cmap.fixed
    base = base.with_columns(status_s, fen_s)
    # no amount is recomputed for a line that is undecided or that the document does not quantify
    base = base.with_columns(
        pl.when(pl.col("line_status").is_in(["undecided", "not_quantified"])).then(None).otherwise(pl.col("award_fen")).alias("award_fen"))
    # 2. cross-row checks (started beside the computation, above)
    idx_bad, dup = id_fut.result()
    # what only adds notes, and which input columns hold a cell to neutralise when written (for the
    # writers), in the same thread while the statuses, summaries and reasons are made
    notes_fut = cross_pool.submit(_cross_notes, base, yr)
    formula_fut = cross_pool.submit(_formula_columns, roster.frame) if roster.formula_columns is None else None

    bad_rows: dict[int, list[dict[str, str]]] = {}
    id_col = fx.get("id_number") or "身份证号"
    for i, idn in zip(idx_bad.get_column("i").to_list(), idx_bad.get_column("id_number").to_list()):
        ok, msg = id_check(idn)
        if not ok and msg:
            bad_rows.setdefault(i, []).append({"column": id_col, "kind": "id", **msg})
    if dup.height:
        names_by_id: dict[str, list[tuple[str, int]]] = {}
        for idn, name, row in dup.select("id_number", "name", "row").iter_rows():
            lst = names_by_id.setdefault(idn, [])
            if name not in [x[0] for x in lst]:
                lst.append((name, row))
        for i, idn in zip(dup.get_column("i").to_list(), dup.get_column("id_number").to_list()):
            others = names_by_id[idn]
            zh = "、".join(f"{nm}（第{r}行）" for nm, r in others)
            en = ", ".join(f"{nm} (row {r})" for nm, r in others)
            bad_rows.setdefault(i, []).append({"column": id_col, "kind": "dup_id",
                                              "zh": f"同一身份证号 {mask_id(idn)} 对应不同姓名：{zh}",
                                              "en": f"the same ID number {mask_id(idn)} appears under different names: {en}"})
    # 3. statuses
    st = base.with_columns(
        pl.when(pl.col("line_status").is_null()).then(pl.lit("bad_input"))
        .when(pl.col("line_status").is_in(["ineligible", "excluded"])).then(pl.lit("ineligible"))
        .when(pl.col("line_status").is_in(["undecided", "not_quantified"])).then(pl.lit("incomplete"))
        .when(pl.col("claimed_fen").is_null()).then(pl.lit("incomplete"))
        .when(pl.col("claimed_fen") == pl.col("award_fen")).then(pl.lit("match"))
        .when(pl.col("claimed_fen") > pl.col("award_fen")).then(pl.lit("over"))
        .otherwise(pl.lit("under")).alias("status")
    )
    # a row whose claimed amount could not be read is bad input whatever its award
    bad_claimed = pl.col("claimed_raw").is_not_null() & pl.col("claimed_fen").is_null()
    if bad_rows:
        bad_claimed = bad_claimed | pl.int_range(0, pl.len(), dtype=pl.Int64).is_in(pl.Series(list(bad_rows), dtype=pl.Int64).implode())
    st = st.with_columns(pl.when(bad_claimed).then(pl.lit("bad_input")).otherwise(pl.col("status")).alias("status"))
    st = st.with_columns(
        pl.when(pl.col("award_fen").is_not_null() & pl.col("claimed_fen").is_not_null())
        .then(pl.col("claimed_fen") - pl.col("award_fen")).otherwise(None).alias("diff_fen")
    )

    # 4. reasons: reference engine for problem rows (or all with explain)
    if explain:
        want = list(range(n))
    else:
        want = st.select(pl.arg_where(pl.col("status") != "match")).to_series().to_list()
    # problem rows of fallback-group applicants the vector path did itself: the reference engine,
    # on the whole applicant, for their reasons
    done_fallback = fallback_group.difference(fallback)
    aids = st.get_column("aid")

    def rows_of_applicants(rows: list[int]) -> list[int]:
        """Every row (index) of the applicants of these rows."""
        wanted = aids.gather(rows).unique()
        return aids.is_in(wanted.implode()).arg_true().to_list()

    jobs: list[tuple[str, list[int]]] = []  # rows for the reference engine, read and run below
    need = [i for i in want if i in done_fallback]
    if need:
        jobs.append(("need", [i for i in rows_of_applicants(need) if i in done_fallback]))
    n_lines = len(fallback_group) - n_problem_rows  # a fallback-group row has a line unless it has an input error
    missing_rows = [i for i in want if i not in fallback_group]
    unexplained = 0
    if not explain and explain_limit is not None and len(missing_rows) > explain_limit:
        unexplained = len(missing_rows) - explain_limit
        missing_rows = missing_rows[:explain_limit]
    if missing_rows:
        jobs.append(("explain", [i for i in rows_of_applicants(missing_rows) if i not in fallback_group]))

    def run_jobs() -> list[tuple[str, list[ParsedRow], dict[int, RowResult]]]:
        out = []
        for kind, rows in jobs:
            parsed = parse_rows(roster, cmap, yr, rows)
            out.append((kind, parsed, _reference_in_chunks(parsed, yr, pack, tick, stage="explain")))
        return out

    # The reference parser and engine (pure Python) run in a thread while polars, which releases
    # the GIL, places the tiers and builds the summaries (neither depends on the reasons).
    pool = None
    if jobs:
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(max_workers=1)
        fut = pool.submit(run_jobs)
    try:
        # tier of each courtyard-type row (tier_table rules), from the rule data
        tier_s = _tiers(roster, cmap, yr, st, known_tier)
        summaries, texts, status_counts = _summaries(st.with_columns(tier_s), yr, lang)
    finally:
        job_results = fut.result() if pool is not None else []
        if pool is not None:
            pool.shutdown()
    for _, parsed, _ in job_results:
        for p in parsed:
            if p.problems:
                problems_by_row[p.index] = p.problems
    for kind, _, res in job_results:
        for i, r in res.items():
            if r.line is not None:
                lines[i] = r.line
                if kind == "explain":
                    n_lines += 1
    wanted = st.select("status", "claimed_fen", "award_fen", "row").gather(want) if want else st.select("status", "claimed_fen", "award_fen", "row").clear()
    status_w = wanted.get_column("status").to_list()
    claimed_w = wanted.get_column("claimed_fen").to_list()
    award_w = wanted.get_column("award_fen").to_list()
    rows_w = wanted.get_column("row").to_list()
    reasons_w: list[str] = []
    for i, s, c, a in zip(want, status_w, claimed_w, award_w):
        parts: list[str] = []
        for p in problems_by_row.get(i, []):
            parts.append(f"{p.field}：{p.message[lang]}" if lang == "zh" else f"{p.field}: {p.message[lang]}")
        for b in bad_rows.get(i, []):
            parts.append(b[lang])
        line = lines.get(i)
        if line is not None:
            if s in ("over", "under"):
                parts.append((f"申报 {_yuan(c)} 元，核定 {_yuan(a)} 元，{'多报' if s == 'over' else '少报'} {_yuan(abs(c - a))} 元：" if lang == "zh"
                              else f"claimed {_yuan(c)}, recomputed {_yuan(a)}, {'over' if s == 'over' else 'under'} by {_yuan(abs(c - a))}: ")
                             + line_summary(line, lang))
            elif s == "incomplete" and line.status in ("awarded", "limited") and c is None:
                parts.append((f"未填申报金额；核定 {_yuan(a)} 元：" if lang == "zh" else f"no amount claimed; recomputed {_yuan(a)}: ")
                             + line_summary(line, lang))
            elif s == "incomplete" and line.status == "not_quantified":
                parts.append("文件未规定金额或比例，无法核算，金额须由县级另行确定并附依据" if lang == "zh"
                             else "the document gives no figure: the amount cannot be recomputed and needs the county's own decision")
            else:
                parts.append(line_summary(line, lang))
        if line is None and not parts:
            word = STATUSES[s].get(lang)
            if s in ("over", "under"):
                parts.append(f"申报 {_yuan(c)} 元，核定 {_yuan(a)} 元，{word} {_yuan(abs(c - a))} 元" if lang == "zh"
                             else f"claimed {_yuan(c)}, recomputed {_yuan(a)}, {word} by {_yuan(abs(c - a))}")
            elif s == "ineligible":
                parts.append(f"不符合条件，核定 {_yuan(a)} 元" if lang == "zh" else f"not eligible, recomputed {_yuan(a)}")
            else:
                parts.append(word)
            if unexplained:
                parts.append(f"逐条原因只列出前 {explain_limit} 个问题行，用 --explain 查看全部" if lang == "zh"
                             else f"itemised reasons are given for the first {explain_limit} problem rows; use --explain for all")
        reasons_w.append(("；" if lang == "zh" else "; ").join(x for x in parts if x))
    reason_s = pl.repeat(None, n, dtype=pl.String, eager=True).alias("reason")
    if want:
        reason_s = reason_s.scatter(want, pl.Series(reasons_w, dtype=pl.String))
    st = st.with_columns(reason_s)

    # problem list: every non-一致 row with its reason (row, column), then cross-row notes
    prob: list[dict[str, Any]] = []
    for i, s, c, row, reason in zip(want, status_w, claimed_w, rows_w, reasons_w):
        if s == "match":
            continue
        if problems_by_row.get(i):
            for p in problems_by_row[i]:
                prob.append({"row": row, "_i": i, "column": p.field, "kind": "bad_input", "zh": p.message["zh"], "en": p.message["en"]})
        for b in bad_rows.get(i, []):
            prob.append({"row": row, "_i": i, "column": b["column"], "kind": "bad_input", "zh": b["zh"], "en": b["en"]})
        if not problems_by_row.get(i) and not bad_rows.get(i):
            col = fx["claimed"] if s in ("over", "under") or c is None else None
            prob.append({"row": row, "_i": i, "column": col, "kind": s, "zh": reason if lang == "zh" else None, "en": reason if lang == "en" else None})
    # cross-row notes, as frames (a province roster can hold many): row, _i, column, kind, zh, en
    tw, incons = notes_fut.result()
    notes: list[pl.DataFrame] = []
    if tw is not None:
        rule_zh = {rid: r.name.zh for rid, r in yr.rules.items()}
        rule_en = {rid: r.name.en for rid, r in yr.rules.items()}
        notes.append(tw.filter(pl.col("row") != pl.col("first_row")).select(
            "row", pl.col("i").cast(pl.Int64).alias("_i"), pl.lit(fx.get("rule"), dtype=pl.String).alias("column"), pl.lit("cross").alias("kind"),
            pl.format("同一户重复申报“每户限一次”的项目（{}）：首次见第{}行", pl.col("rule").replace_strict(rule_zh), "first_row").alias("zh"),
            pl.format("a once-per-household subsidy ({}) is claimed again; first on row {}", pl.col("rule").replace_strict(rule_en), "first_row").alias("en")))
    notes.append(incons.select(
        "row", pl.col("i").cast(pl.Int64).alias("_i"), pl.lit(fx.get("category") or fx.get("subject"), dtype=pl.String).alias("column"), pl.lit("cross").alias("kind"),
        pl.lit("同一申请人在不同行填写的主体类型或农户类型不一致：跨行上限按各自填写分别核算，请核实").alias("zh"),
        pl.lit("this applicant's subject or category differs between rows; cross-row limits were applied per combination; please check").alias("en")))
    # the problem list in row order: a row's own problems first, then the cross-row notes
    note_schema = {"row": pl.Int64, "_i": pl.Int64, "column": pl.String, "kind": pl.String, "zh": pl.String, "en": pl.String}
    own = pl.DataFrame({k: [d.get(k) for d in prob] for k in note_schema}, schema=note_schema)
    allp = pl.concat([own, *[nt.cast(note_schema) for nt in notes]]).with_row_index("_seq").sort("row", "_seq")
    at = st.select("status", "name", "id_number").gather(allp.get_column("_i"))
    message = pl.col(lang)
    message = pl.when(message.is_null() | (message == "")).then(pl.col("zh").fill_null("")).otherwise(message)
    issues_df = pl.concat([allp.select("row", "column", "kind"), at.select("status", "name", "id_number"),
                           allp.select(message.alias("message"))], how="horizontal")

    st = st.with_columns(tier_s)
    stamp = {
        "tool": "xingxian-subsidy",
        "rule_pack": pack.label,
        "year": year,
        "sources": [f"{d.number} {d.title}（{d.gazette} 第{d.gazette_page}页）" for d in yr.documents.values()],
        "input_file": roster.source,
        "input_sha256": roster.sha256,
        "input_format": roster.file_format,
        "rows": n,
        "engine": engine,
        "generated_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "unused_columns": cmap.unused,
        "rows_explained_by_engine": n_lines,
        "problem_rows_without_itemised_reason": unexplained,
        "rounding": "每个奖补项目金额四舍五入（ROUND_HALF_UP）到 0.01 元，只取整一次" if lang == "zh" else "each line rounded once to 0.01 yuan, ROUND_HALF_UP",
    }
    keep = ["row", "township", "village", "name", "id_number", "subject_raw", "category_raw", "rule", "rule_raw", "project",
            "claimed_fen", "award_fen", "diff_fen", "status", "reason", "line_status", "tier", "key"]
    rows_out = st.select(keep).with_columns(
        pl.col("rule").replace_strict({rid: r.name.get(lang) for rid, r in yr.rules.items()}, default=None).alias("rule_name"))
    quantities = df.select([pl.col(c) for c in df.columns if c not in fx.values()])
    rows_out = pl.concat([rows_out, quantities.rename({c: f"q:{c}" for c in quantities.columns})], how="horizontal")
    formulas = formula_fut.result() if formula_fut is not None else roster.formula_columns
    cross_pool.shutdown()
    sources = {"township": fx.get("township"), "village": fx.get("village"), "name": fx.get("name"), "id_number": fx.get("id_number"),
               "subject_raw": fx.get("subject"), "category_raw": fx.get("category"), "rule_raw": fx.get("rule"), "project": fx.get("project"),
               **{f"q:{c}": c for c in quantities.columns}}
    # and the columns written in the audit's own words (rule ids and names, status words)
    own_words = {"rule": list(yr.rules), "rule_name": [r.name.get(lang) for r in yr.rules.values()], "status": [v.get(lang) for v in STATUSES.values()]}
    formula_free = frozenset([*(out for out, src in sources.items() if src not in formulas),
                              *(c for c, words in own_words.items() if all(neutralise(w) == w for w in words))])
    return AuditReport(rows=rows_out, issues=issues_df, summaries=summaries, stamp=stamp, texts=texts, lang=lang, formula_free=formula_free,
                       status_counts=status_counts)


def _reference_in_chunks(parsed: list[ParsedRow], yr: YearRules, pack: RulePack, tick: Callable, stage: str = "compute") -> dict[int, RowResult]:
    """reference_results, chunked by applicant group so that progress can be shown."""
    by_group: dict[tuple, list[ParsedRow]] = {}
    for p in parsed:
        by_group.setdefault(p.group, []).append(p)
    groups = list(by_group.values())
    out: dict[int, RowResult] = {}
    total = len(parsed)
    done = 0
    step = 2000
    for start in range(0, len(groups), step):
        chunk = [p for g in groups[start:start + step] for p in g]
        out.update(reference_results(chunk, yr, pack))
        done += len(chunk)
        tick(stage, done, total)
    return out




def _claimed_fen(series: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(申报金额 in 分, whether written as plain ``123.45`` text): plain text is read in polars,
    exactly (a decimal at scale 2 is an integer of 分), anything else through
    ``engine.parse_value`` (null when blank or unreadable)."""
    plain = series.str.contains(r"^[0-9]{1,13}(\.[0-9]{1,2})?$").fill_null(False)
    fen = series.str.to_decimal(scale=2).to_physical()
    out = pl.select(pl.when(plain).then(fen).otherwise(None).cast(pl.Int64)).to_series().alias("claimed_fen")
    odd = (out.is_null() & series.is_not_null()).arg_true()
    if len(odd):
        read: dict[str, int | None] = {}  # the same odd text (一千, 1,000) is often repeated: read it once
        for r in series.gather(odd).unique().to_list():
            value, msg = parse_value(_CLAIMED_SPEC, r)
            read[r] = None if msg is not None else int(value * 100)
        out = out.scatter(odd, series.gather(odd).replace_strict(read, return_dtype=pl.Int64))
    return out, plain


def _yuan(fen: int | None) -> str:
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def fen_to_text(fen: int | None) -> str | None:
    """Exact decimal text of an amount in 分 (no separators): 123456 → "1234.56"."""
    if fen is None:
        return None
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def tier_of(yr: YearRules, rule: Rule, value: Decimal) -> str | None:
    """The label (一档…) of the tier of a tier_table rule that ``value`` lies in, or None."""
    f = rule.formula
    assert isinstance(f, TierTable)
    for tier in f.tiers:
        lo = yr.param(rule, tier.lower).value if tier.lower else None
        hi = yr.param(rule, tier.upper).value if tier.upper else None
        if lo is not None and (value < lo or (value == lo and not tier.lower_inclusive)):
            continue
        if hi is not None and (value > hi or (value == hi and not tier.upper_inclusive)):
            continue
        return tier.label.zh
    return None


def _tiers(roster: Roster, cmap: ColumnMap, yr: YearRules, st: pl.DataFrame, known: pl.Series) -> pl.Series:
    """Tier label (一档…) of paid rows of tier_table rules, from the rule data's bounds.

    ``known`` holds the tiers the vectorised path placed; the paid rows it did not place
    (rows the reference engine computed) are placed here, their cell read by ``engine.parse_value``.
    """
    paid = st.get_column("line_status").is_in(["awarded", "limited"]).fill_null(False)
    out = pl.select(pl.when(paid).then(known)).to_series().alias("tier")
    tier_rules = {rid: rule for rid, rule in yr.rules.items() if isinstance(rule.formula, TierTable)}
    todo = (paid & out.is_null() & st.get_column("rule").is_in(list(tier_rules)).fill_null(False)).arg_true()
    if not len(todo):
        return out
    df = roster.frame
    at, labels = [], []
    for i, rid in zip(todo.to_list(), st.get_column("rule").gather(todo).to_list()):
        rule = tier_rules[rid]
        spec = rule.input_spec(rule.formula.input)
        cols = cmap.inputs[rid].get(rule.formula.input, [])
        text = next((t for t in (df.get_column(c)[i] for c in cols) if t is not None), None)
        if spec is None or text is None:
            continue
        v, msg = parse_value(spec, text)
        label = tier_of(yr, rule, v) if v is not None and msg is None else None
        if label is not None:
            at.append(i)
            labels.append(label)
    return out.scatter(at, pl.Series(labels, dtype=pl.String)) if at else out


# ---------------------------------------------------------------- summaries


def _wan(fen: int) -> str:
    """分 → 万元, exact (6 decimals, trailing zeros kept to 4)."""
    d = Decimal(fen) / Decimal(1000000)
    text = f"{d:.6f}".rstrip("0")
    if "." in text and len(text.split(".")[1]) < 4:
        text = f"{d:.4f}"
    return text


def _summaries(st: pl.DataFrame, yr: YearRules, lang: str) -> tuple[dict[str, pl.DataFrame], list[str], dict[str, int]]:
    """The signed summaries, the 附件7 request texts and the number of rows of each status."""
    unknown = "（未填）" if lang == "zh" else "(blank)"
    s = st.lazy().select("township", "village", "rule", "rule_raw", "status", "claimed_fen", "award_fen", "diff_fen", "aid", "tier").with_columns(
        pl.col("township").fill_null(unknown), pl.col("village").fill_null(unknown),
        pl.col("rule").fill_null(pl.col("rule_raw")).fill_null(unknown))
    tier_rules = [rid for rid, r in yr.rules.items() if isinstance(r.formula, TierTable)]
    cy = s.filter(pl.col("rule").is_in(tier_rules))
    toilet_tables = [(doc_id, tname, table) for doc_id, tables in yr.tasks.items() for tname, table in tables.items() if table.rules]
    # every table of the summaries in one polars run (shared scans, both cores); the totals by
    # township, village, subsidy and status are sums, so one pass over the rows groups them by all
    # four and the tables add those groups up (groups kept in the order the rows first show them)
    queries = [
        s.group_by(["township", "village", "rule", "status"], maintain_order=True).agg(
            pl.len().alias("rows"), pl.col("claimed_fen").sum(), pl.col("award_fen").sum(), pl.col("diff_fen").sum()),
        cy.group_by("township").agg(pl.col("aid").n_unique()),
        cy.filter((pl.col("award_fen") > 0) & pl.col("tier").is_not_null()).group_by(["township", "tier"]).agg(pl.col("aid").n_unique(), pl.col("award_fen").sum()),
        cy.select(pl.col("township").unique(maintain_order=True)),
    ]
    for _, _, table in toilet_tables:
        tl = s.filter(pl.col("rule").is_in(table.rules))
        queries += [
            tl.select(pl.col("township").unique(maintain_order=True)),
            tl.filter(pl.col("award_fen") > 0).group_by(["township", "rule"]).agg(pl.col("aid").n_unique()),
            tl.group_by("township").agg(pl.len(), pl.col("award_fen").sum()),
        ]
    results = pl.collect_all(queries)
    groups = results[0]
    agg = [
        pl.col("rows").sum().cast(pl.UInt32).alias("rows"),
        pl.col("rows").filter(pl.col("status") == "match").sum().cast(pl.UInt32).alias("match_rows"),
        pl.col("rows").filter(pl.col("status") != "match").sum().cast(pl.UInt32).alias("problem_rows"),
        pl.col("claimed_fen").sum(), pl.col("award_fen").sum(), pl.col("diff_fen").sum(),
    ]
    by_town = groups.group_by("township", maintain_order=True).agg(agg)
    by_village = groups.group_by(["township", "village"], maintain_order=True).agg(agg)
    by_rule_raw = groups.group_by("rule", maintain_order=True).agg(agg)
    total_raw = groups.select(agg)
    status_counts = {st_: c for st_, c in groups.group_by("status").agg(pl.col("rows").sum()).iter_rows()}
    cy_applied, cy_by_tier, cy_towns = results[1:4]
    toilet_results = [results[4 + 3 * k: 7 + 3 * k] for k in range(len(toilet_tables))]
    names = {rid: r.name.get(lang) for rid, r in yr.rules.items()}
    by_rule = by_rule_raw.with_columns(
        pl.col("rule").replace_strict(names, default=None).alias("rule_name")).select(["rule", "rule_name", *[a.meta.output_name() for a in agg]])
    total = total_raw.with_columns(pl.lit("合计" if lang == "zh" else "total").alias("township")).select(by_town.columns)
    by_town = pl.concat([by_town, total])
    summaries = {"by_township": by_town, "by_village": by_village, "by_rule": by_rule}

    # 庭院经济: 附件7 layout per township (tier_table rules)
    texts: list[str] = []
    tier_labels: list[str] = []
    for rid in tier_rules:
        f = yr.rules[rid].formula
        assert isinstance(f, TierTable)
        tier_labels += [t.label.zh for t in f.tiers if t.label.zh not in tier_labels]
    cy_rows = []
    applied = dict(cy_applied.iter_rows())
    by_tier = {(t, lb): (h, f) for t, lb, h, f in cy_by_tier.iter_rows()}
    for town in cy_towns.get_column("township").to_list():
        row: dict[str, Any] = {"township": town, "households": applied[town]}
        paid_total = 0
        for label in tier_labels:
            h, fen = by_tier.get((town, label), (0, 0))
            row[f"{label}_households"] = h
            row[f"{label}_wan"] = _wan(int(fen))
            paid_total += int(fen)
        row["total_wan"] = _wan(paid_total)
        cy_rows.append(row)
        if lang == "zh":
            parts = "；".join(f"符合{lb}奖补政策{row[f'{lb}_households']}户，需奖补资金{row[f'{lb}_wan']}万元" for lb in tier_labels)
            texts.append(f"{town}：我乡（镇）2024年申请发展特色庭院经济农户共{row['households']}户。根据预期绩效目标和阶梯式奖补档次，其中：{parts}。共需庭院经济奖补资金{row['total_wan']}万元。")
        else:
            parts = "; ".join(f"{lb}: {row[f'{lb}_households']} households, {row[f'{lb}_wan']} 万元" for lb in tier_labels)
            texts.append(f"{town}: {row['households']} households applied for courtyard-economy awards in 2024. {parts}. Total {row['total_wan']} 万元.")
    summaries["courtyard_tiers"] = pl.DataFrame(cy_rows) if cy_rows else pl.DataFrame({"township": []}, schema={"township": pl.String})

    # 户厕: count by model (rule) against each township's 2024 task (rule data: tasks)
    toilet_rows = []
    for (_doc_id, _tname, table), (tl_towns, tl_done, tl_per_town) in zip(toilet_tables, toilet_results):
        towns = list(table.values) + [t for t in tl_towns.get_column("township").to_list() if t not in table.values]
        done_by = {(t, r): k for t, r, k in tl_done.iter_rows()}
        per_town = {t: (n_rows, f) for t, n_rows, f in tl_per_town.iter_rows()}
        for town in towns:
            row = {"township": town, "task": table.values.get(town)}
            done_total = 0
            for rid in table.rules:
                k = done_by.get((town, rid), 0)
                row[yr.rules[rid].name.get(lang)] = k
                done_total += k
            n_rows, fen = per_town.get(town, (0, 0))
            row["claimed_rows"] = n_rows
            row["completed"] = done_total
            task = table.values.get(town)
            row["completion"] = f"{Decimal(done_total * 100) / Decimal(task):.1f}%" if task else None
            row["award_fen"] = int(fen or 0)
            toilet_rows.append(row)
        tot = {"township": "合计" if lang == "zh" else "total", "task": table.total}
        for rid in table.rules:
            nm = yr.rules[rid].name.get(lang)
            tot[nm] = sum(r[nm] for r in toilet_rows)
        tot["claimed_rows"] = sum(r["claimed_rows"] for r in toilet_rows)
        tot["completed"] = sum(r["completed"] for r in toilet_rows)
        tot["completion"] = f"{Decimal(tot['completed'] * 100) / Decimal(table.total):.1f}%"
        tot["award_fen"] = sum(r["award_fen"] for r in toilet_rows)
        toilet_rows.append(tot)
    summaries["toilet_tasks"] = pl.DataFrame(toilet_rows) if toilet_rows else pl.DataFrame({"township": []}, schema={"township": pl.String})
    return summaries, texts, status_counts


# ---------------------------------------------------------------- writing

COLUMN_TITLES: dict[str, Text] = {
    "row": Text(zh="行号", en="row"),
    "township": Text(zh="乡镇", en="township"),
    "village": Text(zh="村", en="village"),
    "name": Text(zh="姓名", en="name"),
    "id_number": Text(zh="身份证号", en="id_number"),
    "subject_raw": Text(zh="主体类型", en="subject"),
    "category_raw": Text(zh="农户类型", en="category"),
    "rule": Text(zh="规则编号", en="rule"),
    "rule_name": Text(zh="奖补项目", en="rule name"),
    "rule_raw": Text(zh="项目（原填）", en="rule as written"),
    "project": Text(zh="项目标签", en="project"),
    "claimed": Text(zh="申报金额（元）", en="claimed (yuan)"),
    "award": Text(zh="核定金额（元）", en="recomputed (yuan)"),
    "diff": Text(zh="差额（申报−核定，元）", en="difference (claimed − recomputed)"),
    "status": Text(zh="状态", en="status"),
    "reason": Text(zh="原因", en="reason"),
    "column": Text(zh="列", en="column"),
    "kind": Text(zh="类别", en="kind"),
    "message": Text(zh="说明", en="message"),
    "rows": Text(zh="行数", en="rows"),
    "match_rows": Text(zh="一致行数", en="rows matching"),
    "problem_rows": Text(zh="问题行数", en="rows with problems"),
    "claimed_fen": Text(zh="申报金额合计（元）", en="claimed total (yuan)"),
    "award_fen": Text(zh="核定金额合计（元）", en="recomputed total (yuan)"),
    "diff_fen": Text(zh="差额合计（元）", en="difference total (yuan)"),
    "households": Text(zh="申请户数", en="households applying"),
    "total_wan": Text(zh="共需奖补资金（万元）", en="total (万元)"),
    "task": Text(zh="2024年任务（户）", en="2024 task (households)"),
    "claimed_rows": Text(zh="申报行数", en="rows claimed"),
    "completed": Text(zh="核定完成户数", en="households completed (paid)"),
    "completion": Text(zh="完成率", en="completion"),
}
KIND_TITLES = {
    "bad_input": Text(zh="输入有误", en="input error"),
    "cross": Text(zh="跨行核查", en="cross-row check"),
    **STATUSES,
}


def detail_table(report: AuditReport, show_id: bool = False) -> pl.DataFrame:
    """明细: one row per input row, in input order; amounts as exact decimal text in 元."""
    lang = report.lang
    r = report.rows
    status_map = {k: v.get(lang) for k, v in STATUSES.items()}
    cols = [
        pl.col("row"), pl.col("township"), pl.col("village"), pl.col("name"),
        (pl.col("id_number") if show_id else mask_expr("id_number")).alias("id_number"),
        pl.col("subject_raw"), pl.col("category_raw"), pl.col("rule"), pl.col("rule_name"), pl.col("project"),
    ]
    q = [c for c in r.columns if c.startswith("q:")]
    out = r.select(
        *cols,
        pl.col("claimed_fen").alias("claimed"), pl.col("award_fen").alias("award"), pl.col("diff_fen").alias("diff"),
        pl.col("status").replace_strict(status_map).alias("status"), pl.col("reason"), *q,
    )
    return out.rename(_detail_titles(out.columns, lang))


def _detail_titles(columns: list[str], lang: str) -> dict[str, str]:
    """detail_table's column titles: a known column's title, a quantity column's own header."""
    rename = {c: COLUMN_TITLES[c].get(lang) for c in columns if c in COLUMN_TITLES}
    rename.update({c: c[2:] for c in columns if c.startswith("q:")})
    return rename


def _issue_table(report: AuditReport, show_id: bool) -> pl.DataFrame:
    lang = report.lang
    kinds = {k: v.get(lang) for k, v in KIND_TITLES.items()}
    t = report.issues.select(
        pl.col("row"), pl.col("column"), pl.col("kind").replace_strict(kinds, default=pl.col("kind")).alias("kind"),
        pl.col("name"), (pl.col("id_number") if show_id else mask_expr("id_number")).alias("id_number"), pl.col("message"))
    return t.rename({c: COLUMN_TITLES[c].get(lang) for c in t.columns if c in COLUMN_TITLES})


_MONEY_COLS = {"claimed", "award", "diff", "claimed_fen", "award_fen", "diff_fen"}


def _summary_tables(report: AuditReport) -> list[tuple[str, pl.DataFrame]]:
    lang = report.lang
    titles = {
        "by_township": Text(zh="按乡镇汇总", en="By township"),
        "by_village": Text(zh="按村汇总", en="By village"),
        "by_rule": Text(zh="按奖补项目汇总", en="By subsidy"),
        "courtyard_tiers": Text(zh="庭院经济阶梯式奖补分档汇总（附件7《所需奖补资金的申请报告》口径，万元）",
                                en="Courtyard economy by tier (as in 附件7's request, 万元)"),
        "toilet_tasks": Text(zh="户厕改造按模式统计与2024年任务对比（兴政办发〔2024〕8号附件2）",
                             en="Toilets by model against the 2024 task (兴政办发〔2024〕8号 附件2)"),
    }
    out = []
    for key, df in report.summaries.items():
        if df.height == 0:
            continue
        rename = {}
        for c in df.columns:
            if c in COLUMN_TITLES:
                rename[c] = COLUMN_TITLES[c].get(lang)
            elif c.endswith("_households"):
                rename[c] = c[: -len("_households")] + ("户数" if lang == "zh" else " households")
            elif c.endswith("_wan"):
                rename[c] = c[: -len("_wan")] + ("奖补资金（万元）" if lang == "zh" else " (万元)")
        if key == "by_rule":
            rename["rule"] = COLUMN_TITLES["rule"].get(lang)
            rename["rule_name"] = COLUMN_TITLES["rule_name"].get(lang)
        out.append((titles[key].get(lang), df.rename(rename)))
    return out


def write_report(report: AuditReport, out: Path | str, *, show_id: bool = False) -> list[Path]:
    """Write the report by suffix: .xlsx (明细/问题清单/汇总/说明), .csv (+ sidecars) or .json.

    Text cells that a spreadsheet would run as formulas are neutralised (leading ').
    身份证号 are masked unless ``show_id``.

    Returns:
        The files written.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    detail = detail_table(report, show_id)
    issues = _issue_table(report, show_id)
    summaries = _summary_tables(report)
    if suffix == ".json":
        data = {
            "stamp": report.stamp,
            "rows": _json_rows(detail),
            "issues": issues.to_dicts(),
            "summaries": {title: _json_rows(df) for title, df in summaries},
            "courtyard_request_text": report.texts,
        }
        out.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return [out]
    if suffix == ".csv":
        written = []
        titles = _detail_titles(list(report.formula_free), report.lang)
        for path, df, clean in ((out, detail, {titles.get(c, c) for c in report.formula_free}), (out.with_name(out.stem + ".issues.csv"), issues, set())):
            _write_csv(df, path, clean)
            written.append(path)
        summ_path = out.with_name(out.stem + ".summary.csv")
        with summ_path.open("w", encoding="utf-8-sig", newline="") as fh:
            for title, df in summaries:
                fh.write(_csv_text([title]) + "\n")
                fh.write(_money_text(df).pipe(_neutralised).write_csv())
                fh.write("\n")
        written.append(summ_path)
        stamp_path = out.with_name(out.stem + ".stamp.json")
        stamp_path.write_text(json.dumps(report.stamp, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(stamp_path)
        return written
    if suffix in (".xlsx", ""):
        _write_xlsx(report, out, detail, issues, summaries)
        return [out]
    raise InputError([Problem(source=str(out), message=_t(f"不支持的输出类型“{suffix}”；应为 .xlsx、.csv 或 .json",
                                                          f"unsupported output type {suffix!r}; expected .xlsx, .csv or .json"))])


def _csv_text(values: list[str]) -> str:
    return ",".join('"' + v.replace('"', '""') + '"' if ("," in v or '"' in v) else v for v in (neutralise(x) for x in values))


def _money_cols(df: pl.DataFrame) -> list[str]:
    names = {COLUMN_TITLES[c].zh for c in _MONEY_COLS if c in COLUMN_TITLES} | {COLUMN_TITLES[c].en for c in _MONEY_COLS if c in COLUMN_TITLES}
    return [c for c in df.columns if c in names or c in _MONEY_COLS]


def _money_text(df: pl.DataFrame) -> pl.DataFrame:
    """Money columns (分) → exact decimal text in 元."""
    exprs = _money_text_exprs(df)
    return df.with_columns(exprs) if exprs else df


def _money_text_exprs(df: pl.DataFrame) -> list[pl.Expr]:
    exprs = []
    for c in _money_cols(df):
        v = pl.col(c)
        a = v.abs()
        exprs.append(pl.when(v.is_null()).then(None).otherwise(
            pl.when(v < 0).then(pl.lit("-")).otherwise(pl.lit("")) + (a // 100).cast(pl.String) + pl.lit(".")
            + (a % 100).cast(pl.String).str.pad_start(2, "0")).alias(c))
    return exprs


def _neutralised(df: pl.DataFrame) -> pl.DataFrame:
    money = set(_money_cols(df))
    return df.with_columns([neutralise_expr(c) for c, t in df.schema.items() if t == pl.String and c not in money])


def _write_csv(df: pl.DataFrame, path: Path, clean: Collection[str] = ()) -> None:
    """Write ``df`` as UTF-8 CSV with a BOM (Excel's cue): money columns (分) as exact decimal 元,
    text cells that would run as formulas neutralised. ``clean`` names columns already known to
    hold no such cell."""
    # one pass (money and neutralised text cells are disjoint columns), written straight to the
    # file after the BOM: no 200 MB Python string in between
    # a text column with no cell to neutralise is written as it is (checking is cheaper than rewriting)
    money = _money_cols(df)
    formulas = _formula_columns(df, [c for c in df.columns if c not in money and c not in clean])
    # 分 as a decimal at scale 2 (exact: an integer times 0.01), which polars writes with its two places
    cents = pl.lit(Decimal("0.01"), dtype=pl.Decimal(38, 2))
    text = df.lazy().with_columns([(pl.col(c).cast(pl.Decimal(38, 0)) * cents).alias(c) for c in money]
                                  + [neutralise_expr(c) for c in df.columns if c in formulas]).collect()
    with path.open("wb") as fh:
        fh.write(b"\xef\xbb\xbf")
        text.write_csv(fh)


def _json_rows(df: pl.DataFrame) -> list[dict[str, Any]]:
    return _money_text(df).to_dicts()


def _write_xlsx(report: AuditReport, out: Path, detail: pl.DataFrame, issues: pl.DataFrame, summaries: list[tuple[str, pl.DataFrame]]) -> None:
    import xlsxwriter

    lang = report.lang
    wb = xlsxwriter.Workbook(str(out), {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
    money = wb.add_format({"num_format": "#,##0.00"})
    bold = wb.add_format({"bold": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    status_fmt = {
        STATUSES["match"].get(lang): wb.add_format({"font_color": "#006100", "bg_color": "#C6EFCE"}),
        STATUSES["over"].get(lang): wb.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE"}),
        STATUSES["under"].get(lang): wb.add_format({"font_color": "#9C5700", "bg_color": "#FFEB9C"}),
        STATUSES["bad_input"].get(lang): wb.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE", "bold": True}),
    }

    def write_table(ws, df: pl.DataFrame, first_row: int, widths: dict[str, int] | None = None) -> int:
        money_cols = set(_money_cols(df))
        for j, c in enumerate(df.columns):
            ws.write_string(first_row, j, str(neutralise(c)), head)
        status_col = COLUMN_TITLES["status"].get(lang)
        for i, rec in enumerate(df.iter_rows(), start=first_row + 1):
            for j, (c, v) in enumerate(zip(df.columns, rec)):
                if v is None:
                    continue
                if c in money_cols:
                    # the cell's number is the double nearest the exact amount in 分/100; to 2 decimals it reads back exactly
                    ws.write_number(i, j, int(v) / 100, money)
                elif isinstance(v, bool):
                    ws.write_string(i, j, "是" if v else "否")
                elif isinstance(v, int):
                    ws.write_number(i, j, v)
                elif c == status_col and v in status_fmt:
                    ws.write_string(i, j, v, status_fmt[v])
                else:
                    ws.write_string(i, j, str(neutralise(str(v))))
        return first_row + df.height + 1

    sheet_names = {"detail": "明细" if lang == "zh" else "detail", "issues": "问题清单" if lang == "zh" else "issues",
                   "summary": "汇总" if lang == "zh" else "summary", "about": "说明" if lang == "zh" else "about"}
    ws = wb.add_worksheet(sheet_names["detail"])
    ws.freeze_panes(1, 0)
    ws.set_row(0, 30)
    widths = {"行号": 6, "row": 6, "原因": 60, "reason": 60, "身份证号": 20, "奖补项目": 26, "规则编号": 30}
    for j, c in enumerate(detail.columns):
        ws.set_column(j, j, widths.get(c, 14))
    write_table(ws, detail, 0)
    if detail.height:
        ws.autofilter(0, 0, detail.height, detail.width - 1)

    ws = wb.add_worksheet(sheet_names["issues"])
    ws.freeze_panes(1, 0)
    for j, c in enumerate(issues.columns):
        ws.set_column(j, j, 80 if c in ("说明", "message") else 14)
    write_table(ws, issues, 0)

    ws = wb.add_worksheet(sheet_names["summary"])
    ws.freeze_panes(1, 0)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 30, 14)
    r = 0
    for title, df in summaries:
        ws.write_string(r, 0, title, bold)
        r = write_table(ws, df, r + 1) + 1
    if report.texts:
        ws.write_string(r, 0, "附件7 申请报告填报文字" if lang == "zh" else "附件7 request text", bold)
        for text in report.texts:
            r += 1
            ws.write_string(r, 0, neutralise(text))
        r += 2

    ws = wb.add_worksheet(sheet_names["about"])
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 100)
    s = report.stamp
    lines = [
        ("工具" if lang == "zh" else "tool", s["tool"]),
        ("规则包" if lang == "zh" else "rule pack", s["rule_pack"]),
        ("年度" if lang == "zh" else "year", str(s["year"])),
        ("输入文件" if lang == "zh" else "input file", s["input_file"]),
        ("输入文件 SHA-256" if lang == "zh" else "input SHA-256", s["input_sha256"]),
        ("行数" if lang == "zh" else "rows", str(s["rows"])),
        ("计算路径" if lang == "zh" else "engine", s["engine"]),
        ("生成时间（UTC）" if lang == "zh" else "generated (UTC)", s["generated_at"]),
        ("取整规则" if lang == "zh" else "rounding", s["rounding"]),
    ] + [("依据文件" if lang == "zh" else "source", src) for src in s["sources"]]
    if s.get("unused_columns"):
        lines.append(("未识别的列" if lang == "zh" else "columns not used", "、".join(s["unused_columns"])))
    for i, (k, v) in enumerate(lines):
        ws.write_string(i, 0, k, bold)
        ws.write_string(i, 1, str(neutralise(v)), wrap)
    wb.close()
