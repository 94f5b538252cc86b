"""An audit's cost stays linear in the rows when one applicant has very many (issue 15, goal 2):
the messages naming an applicant's other rows list a few and count the rest, the reference
engine does not explain an applicant past its budget, and the "did you mean" search runs once
per distinct cell."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from xingxian_subsidy.audit.checks import LISTED
from xingxian_subsidy.audit.pipeline import audit
from xingxian_subsidy.audit.reasons import EXPLAIN_ROWS
from xingxian_subsidy.pack.semantics import _near_miss, near_miss

ROOT = Path(__file__).resolve().parent.parent
EX_CSV = ROOT / "examples" / "roster_蔡家崖乡_2024.csv"
GIVEN = "明丽华建秀英志国海春玉金文德新永淑红"


def _roster(tmp_path: Path, n: int, *, claimed: str = "300", towns: int = 1, names: bool = True) -> Path:
    """n copies of the example's first row (a 庭院经济 row paying 300 元), one 身份证号 under n names
    (or under its one name)."""
    with EX_CSV.open(encoding="utf-8-sig", newline="") as f:
        header, first, *_ = list(csv.reader(f))
    path = tmp_path / "one_id.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for i in range(n):
            row = list(first)
            if names:
                row[header.index("姓名")] = "王" + GIVEN[i % len(GIVEN)] + GIVEN[i // len(GIVEN)]
            row[header.index("申报金额")] = claimed
            row[header.index("乡镇")] = ["蔡家崖乡", "康宁镇"][i % towns]
            w.writerow(row)
    return path


def _messages(rep, kind_word: str) -> list[str]:
    return [m for m in rep.issues.get_column("message").to_list() if kind_word in m]


def test_one_id_under_many_names_lists_a_few_and_counts_them(pack, tmp_path):
    n = LISTED + 15
    rep = audit(_roster(tmp_path, n), pack, readings=False)
    msgs = _messages(rep, "对应不同姓名")
    assert len(msgs) == n  # every row is named
    assert all(m.count("（第") == LISTED and m.endswith(f"等 {n} 个姓名") for m in msgs)


def test_one_id_under_a_few_names_lists_them_all(pack, tmp_path):
    rep = audit(_roster(tmp_path, 3), pack, readings=False)
    msgs = _messages(rep, "对应不同姓名")
    assert len(msgs) == 3 and all(m.count("（第") == 3 and "等" not in m for m in msgs)


def test_one_household_in_two_townships_lists_a_few_rows(pack, tmp_path):
    n = LISTED + 4
    rep = audit(_roster(tmp_path, n, towns=2), pack, readings=False, lang="en")
    msgs = _messages(rep, "different townships")
    assert len(msgs) == n
    assert all(m.count("行") == LISTED and f"and {n - LISTED} more rows" in m for m in msgs)  # places as 第5行


@pytest.mark.parametrize("limit, explained", [(1, False), (3, True)])
def test_an_applicant_past_the_budget_is_not_explained_by_the_engine(pack, tmp_path, limit, explained):
    n = 2 * EXPLAIN_ROWS  # one applicant, every row over-claimed: budget EXPLAIN_ROWS × limit rows
    rep = audit(_roster(tmp_path, n, claimed="999", names=False), pack, readings=False, explain_limit=limit)
    assert set(rep.rows.get_column("status").to_list()) == {"over"}
    stamp = rep.stamp
    if explained:
        assert stamp["rows_explained_by_engine"] == n
        assert stamp["problem_rows_without_itemised_reason"] == n - limit
    else:
        assert stamp["rows_explained_by_engine"] == 0
        assert stamp["problem_rows_without_itemised_reason"] == n
        assert all(r.startswith("申报 999.00 元，核定 ") and r.endswith("逐条原因只列出前 1 个问题行，用 --explain 查看全部")
                   for r in rep.rows.get_column("reason").to_list())  # the short reason


def test_near_miss_is_searched_once_per_cell():
    _near_miss.cache_clear()
    words = ["三格式", "双瓮式", "水冲式"]
    assert near_miss("三各式", words) == "三格式" == near_miss("三各式", iter(words))
    assert near_miss("完全不同", words) is None
    info = _near_miss.cache_info()
    assert (info.hits, info.misses) == (1, 2)


@pytest.mark.parametrize("limit, explained", [(1, False), (3, True)])
def test_an_applicant_with_an_unreadable_row_past_the_budget_is_not_explained(pack, tmp_path, limit, explained):
    """An applicant with an unreadable row is explained whole by the reference engine, within the budget."""
    n = 2 * EXPLAIN_ROWS
    path = _roster(tmp_path, n, claimed="999", names=False)
    text = path.read_text(encoding="utf-8").splitlines()
    text[1] = text[1].replace(",999,", ",一千,", 1)  # the first row's claimed amount cannot be read
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    rep = audit(path, pack, readings=False, explain_limit=limit)
    statuses = rep.rows.get_column("status").to_list()
    assert statuses[0] == "bad_input" and "match" not in statuses  # the others wait on it (a tier on the total)
    assert rep.stamp["rows_explained_by_engine"] == (n - 1 if explained else 0)
    assert rep.stamp["problem_rows_without_itemised_reason"] == (0 if explained else n - 1)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_row_with_two_messages_across_rows_gives_both_in_order(pack, tmp_path, lang):
    """An invalid 身份证号 written under two names: each of its rows carries both messages, the
    invalid number's first (the passes' order), in its reason and in the problem list; a row with
    one message, that one alone."""
    path = _roster(tmp_path, 3)
    with path.open(encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    j = header.index("身份证号")
    rows[0][j] = rows[1][j] = rows[0][j][:-1] + ("0" if rows[0][j][-1] != "0" else "1")  # a wrong check digit, two rows
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    invalid, dup = ("校验位有误", "对应不同姓名") if lang == "zh" else ("check digit", "different names")
    sep = "；" if lang == "zh" else "; "
    for limit in (0, 1000):  # the messages alone (no row explained), and before the engine's explanation
        rep = audit(path, pack, lang=lang, readings=False, explain_limit=limit)
        reasons = rep.rows.get_column("reason").to_list()
        for r in reasons[:2]:
            parts = r.split(sep)
            assert invalid in parts[0] and dup in parts[1] and (len(parts) == 2 if limit == 0 else len(parts) > 2), r
        assert reasons[2] is None, "the third row's number is valid and its own: it matches"
        messages = rep.issues.filter(rep.issues.get_column("row") <= 3).get_column("message").to_list()
        assert [invalid in m for m in messages] == [True, False, True, False] and [dup in m for m in messages] == [False, True, False, True]
