"""The fixed columns of every row, read once for both computation paths and the cross-row checks,
and the applicant numbering they all group by."""

from __future__ import annotations

import polars as pl

from ..core.inputforms import INVISIBLE, PLAIN_KEY
from ..pack.loader import YearRules
from ..pack.semantics import word_maps
from .columns import ColumnMap, resolve_rule
from .parse import CLAIMED_SPEC, CLAIMED_WAN_SPEC, claimed_yuan
from .read import Roster

__all__ = ["applicant_ids", "applicants_alone", "base_frame", "claimed_fen", "key_columns", "key_texts", "named_rules", "rows_of_applicants_where_differs", "rule_ids",
           "subject_category_code"]


def base_frame(roster: Roster, cmap: ColumnMap, yr: YearRules) -> pl.DataFrame:
    """The fixed columns of every row, read once for both engines and the cross-row checks.

    Columns: ``row`` (spreadsheet row), ``township``, ``village``, ``name``, ``id_number``
    (upper case), ``subject_raw``/``category_raw``/``rule_raw`` as written and ``subject``/
    ``category``/``rule`` as ids (null when not recognised), ``project``, ``claimed_raw``,
    ``claimed_fen`` (the claimed amount in 分, null when blank or unreadable),
    ``claimed_plain`` (written as plain decimal text, which the vector path reads itself) and
    ``key`` (the applicant: ``id:`` + 身份证号, else ``nv:`` + 姓名 ``|`` 村; name, village, township
    and ID normalised by ``parse.key_text`` — NFKC, invisible characters removed — so that two
    spellings that look the same are one household), ``sheet`` when several sheets were read and
    ``file`` when several files were.
    The rule is resolved by ``columns.resolve_rule``, the reference path's own reading (a rule id
    in capitals is that rule everywhere, in the summaries too).
    """
    fx = cmap.fixed

    def col_or_null(fieldname: str) -> pl.Expr:
        c = fx.get(fieldname)
        return pl.col(c) if c is not None else pl.lit(None, dtype=pl.String)

    subj_map, cat_map, _ = word_maps(yr.vocabulary, yr.rules)
    n, rows = roster.frame.height, roster.rows
    # row numbers rise strictly: from 2 to n + 1 they are every number (no blank row was dropped)
    contiguous = roster.sheet is None and (not rows or (rows[0] == 2 and rows[-1] == n + 1))
    keys = dict(zip(("township", "village", "name", "id_number"), key_columns(roster.frame, [fx.get(f) for f in ("township", "village", "name", "id_number")])))

    def key_or_null(fieldname: str) -> pl.Expr:
        s = keys[fieldname]
        return pl.lit(s) if s is not None else pl.lit(None, dtype=pl.String)

    base = roster.frame.select(
        pl.int_range(2, n + 2, dtype=pl.Int64).alias("row") if contiguous else pl.Series("row", rows, dtype=pl.Int64),
        key_or_null("township").alias("township"),
        key_or_null("village").alias("village"),
        key_or_null("name").alias("name"),
        key_or_null("id_number").str.to_uppercase().alias("id_number"),
        col_or_null("subject").alias("subject_raw"),
        col_or_null("category").alias("category_raw"),
        col_or_null("rule").alias("rule_raw"),
        col_or_null("project").alias("project"),
        col_or_null("claimed").alias("claimed_raw"),
    ).with_columns(
        pl.col("subject_raw").replace_strict(subj_map, default=None).alias("subject"),
        pl.col("category_raw").replace_strict(cat_map, default=None).alias("category"),
        pl.col("rule_raw").replace_strict(rule_ids(roster.frame.get_column(fx["rule"]) if fx.get("rule") else None, yr), default=None,
                                          return_dtype=pl.String).alias("rule"),
        pl.when(pl.col("id_number").is_not_null()).then(pl.lit("id:") + pl.col("id_number"))
        .otherwise(pl.lit("nv:") + pl.col("name").fill_null("") + pl.lit("|") + pl.col("village").fill_null("")).alias("key"),
    )
    fen, plain = claimed_fen(base.get_column("claimed_raw"), cmap.claimed_unit)
    base = base.with_columns(fen.alias("claimed_fen"), plain.alias("claimed_plain"), applicant_ids(base.get_column("key")).alias("aid"))
    if roster.sheet is not None:
        base = base.with_columns(pl.Series("sheet", roster.sheet, dtype=pl.String))
    if roster.file is not None:
        base = base.with_columns(pl.Series("file", roster.file, dtype=pl.String))
    return base


def _key_text(c: pl.Expr) -> pl.Expr:
    """``parse.key_text`` in polars: NFKC, invisible characters removed, blanks made one space
    (Python's blanks, ``str.split()``: the Unicode white space and the separators \\x1c–\\x1f)."""
    return (c.str.normalize("NFKC").str.replace_all(INVISIBLE, "").str.replace_all(r"[\s\x1c-\x1f]+", " ").str.strip_chars()
            .replace("", None))


# a cell that is its own key text (``core.inputforms.PLAIN_KEY``): one scan finds the few cells
# that need the whole normalisation
_PLAIN_KEY = f"^{PLAIN_KEY}$"


def key_texts(cells: pl.Series) -> pl.Series:
    """``parse.key_text`` of every cell (``_key_text``), the normalisation run only on the cells
    that are not plain already (``_PLAIN_KEY``)."""
    odd = (~cells.str.contains(_PLAIN_KEY)).fill_null(False)
    if not odd.any():
        return cells
    at = odd.arg_true()
    fixed = cells.gather(at).to_frame("c").select(_key_text(pl.col("c"))).to_series()
    return cells.scatter(at, fixed)


def key_columns(frame: pl.DataFrame, columns: list[str | None]) -> list[pl.Series | None]:
    """:func:`key_texts` of several columns (None: no such column), the search for cells that are
    not plain made over all of them at once (one polars run, every core); nearly always none is."""
    named = sorted({c for c in columns if c is not None})
    odd = dict(zip(named, frame.select(pl.col(c).str.contains(_PLAIN_KEY).not_().any().alias(f"k{j}") for j, c in enumerate(named)).row(0))) if named else {}
    return [None if c is None else key_texts(frame.get_column(c)) if odd[c] else frame.get_column(c) for c in columns]


def rule_ids(cells: pl.Series | None, yr: YearRules) -> dict[str, str | None]:
    """Each distinct rule cell → the rule it names under ``yr`` (``columns.resolve_rule``; None: unknown)."""
    if cells is None:
        return {}
    return {raw: resolve_rule(yr, raw) for raw in cells.drop_nulls().unique().to_list()}


def named_rules(cells: pl.Series, yr: YearRules) -> pl.Series:
    """The rule each cell names under ``yr`` (:func:`rule_ids`; null: unknown or blank)."""
    return cells.replace_strict(rule_ids(cells, yr), default=None, return_dtype=pl.String)


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


def applicants_alone(aid: pl.Series) -> pl.Series:
    """True where no other entry has the same applicant number (``applicant_ids``: small numbers,
    so one array indexed by them does it, with no hash and no sort). The cross-row limits skip
    those lines: an applicant's one line is limited by nothing but itself."""
    n = len(aid)
    if not n:
        return pl.Series(dtype=pl.Boolean)
    size = int(aid.max()) + 1  # type: ignore[arg-type]
    at = pl.int_range(0, n, dtype=pl.UInt32, eager=True)
    # one of an applicant's entries is written last; every other one of them is not
    overwritten = pl.repeat(0, size, dtype=pl.UInt32, eager=True).scatter(aid, at).gather(aid) != at
    several = pl.repeat(False, size, dtype=pl.Boolean, eager=True).scatter(aid.filter(overwritten), True)
    return ~several.gather(aid)


def rows_of_applicants_where_differs(aid: pl.Series, values: pl.Series) -> pl.Series:
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


def claimed_fen(series: pl.Series, unit: str = CLAIMED_SPEC.unit or "") -> tuple[pl.Series, pl.Series]:
    """(申报金额 in 分, whether written as plain ``123.45`` text): plain text is read in polars,
    exactly (a decimal at scale 2 is an integer of 分; in a column in 万元, a decimal at scale 6),
    anything else through ``parse.claimed_yuan`` (null when blank or unreadable)."""
    if unit == CLAIMED_WAN_SPEC.unit:
        plain = series.str.contains(r"^[0-9]{1,9}(\.[0-9]{1,6})?$").fill_null(False)
        fen = series.str.to_decimal(scale=6).to_physical()  # 万元 × 10^6 = 分
    else:
        plain = series.str.contains(r"^[0-9]{1,13}(\.[0-9]{1,2})?$").fill_null(False)
        fen = series.str.to_decimal(scale=2).to_physical()
    out = pl.select(pl.when(plain).then(fen).otherwise(None).cast(pl.Int64)).to_series().alias("claimed_fen")
    odd = (out.is_null() & series.is_not_null()).arg_true()
    if len(odd):
        read: dict[str, int | None] = {}  # the same odd text (一千, 1,000) is often repeated: read it once
        for r in series.gather(odd).unique().to_list():
            value, msg = claimed_yuan(r, unit)
            read[r] = None if msg is not None or value is None else int(value * 100)
        out = out.scatter(odd, series.gather(odd).replace_strict(read, return_dtype=pl.Int64))
    return out, plain


def subject_category_code(yr: YearRules, subject: str, category: str) -> tuple[pl.Expr, int]:
    """(subject, category) ids in two columns as one exact integer in ``range(width)``, and width.
    A missing or unknown id counts as its own value (0)."""
    subjects = {s.id: k + 1 for k, s in enumerate(yr.vocabulary.subjects)}
    categories = {c.id: k + 1 for k, c in enumerate(yr.vocabulary.categories)}
    code = (pl.col(subject).replace_strict(subjects, default=0, return_dtype=pl.Int64).fill_null(0) * (len(categories) + 1)
            + pl.col(category).replace_strict(categories, default=0, return_dtype=pl.Int64).fill_null(0))
    return code, (len(subjects) + 1) * (len(categories) + 1)
