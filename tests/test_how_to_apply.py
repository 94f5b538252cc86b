"""How to apply, as rule data: every rule covered once, every item quoted verbatim, a silent topic
said to be silent, and the loader refusing what would mislead."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from xingxian_subsidy.core.errors import RuleDataError
from xingxian_subsidy.pack.loader import load_rules
from xingxian_subsidy.pack.models import GUIDE_TOPICS
from xingxian_subsidy.pack.quotes import check_quotes
from xingxian_subsidy.render.award import guides_markdown
from xingxian_subsidy.selfservice.guide import SILENT, guide_data, guides_for

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT.parent / "shared" / "policy"
COURTYARD_FILE = "xzbf-2024-12_courtyard-economy.yaml"


def _copy(tmp_path) -> Path:
    copy = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", copy)
    return copy


def _edit(copy: Path, old: str, new: str) -> None:
    path = copy / "2024" / COURTYARD_FILE
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _problems(copy: Path) -> str:
    with pytest.raises(RuleDataError) as exc:
        load_rules(copy)
    return exc.value.text("en")


def test_every_rule_has_how_to_apply(yr):
    assert set(yr.guides) == set(yr.rules)
    for rid, guide in yr.guides.items():
        assert rid in guide.rules


def test_a_rule_without_an_entry_is_refused(tmp_path):
    copy = _copy(tmp_path)
    _edit(copy, "  - rules: [xzbf12.s5.courtyard_leading_entity]\n", "  - rules: [xzbf12.s3.pilot_village]\n")
    text = _problems(copy)
    assert "xzbf12.s5.courtyard_leading_entity has no how_to_apply entry" in text
    assert "xzbf12.s3.pilot_village has two how_to_apply entries" in text


def test_an_unknown_rule_is_refused(tmp_path):
    copy = _copy(tmp_path)
    _edit(copy, "  - rules: [xzbf12.s5.courtyard_leading_entity]\n", "  - rules: [xzbf12.s5.courtyard_leading_entity, xzbf12.s9.nope]\n")
    assert "xzbf12.s9.nope, not in this document" in _problems(copy)


def test_a_missing_topic_is_refused(tmp_path):
    copy = _copy(tmp_path)
    _edit(copy, "  - rules: [xzbf12.s5.courtyard_leading_entity]\n    materials: []\n", "  - rules: [xzbf12.s5.courtyard_leading_entity]\n")
    assert "how_to_apply.2.materials: invalid rule data: Field required" in _problems(copy)  # silence is an empty list


@pytest.mark.skipif(not (POLICY / "README.md").exists(), reason=f"policy texts not found at {POLICY}")
def test_an_altered_guide_quote_is_caught(tmp_path):
    copy = _copy(tmp_path)
    _edit(copy, 'quote: "乡镇根据验收结果，采取“一卡通”方式，及时将奖补资金发放到户。"', 'quote: "乡镇根据验收结果，采取“现金”方式，及时将奖补资金发放到户。"')
    problems = check_quotes(load_rules(copy), POLICY)
    assert [p.field for p in problems] == ["xzbf12.s5.courtyard_tiered.how_to_apply.payment.0"]


def test_the_courtyard_guide_says_what_the_text_says(yr):
    (g,) = guides_for(yr, ["xzbf12.s5.courtyard_tiered"])
    topics = {t: items for t, _, items in g.topics}
    assert [t for t, _, _ in g.topics] == list(GUIDE_TOPICS)
    assert any("附件5" in i.text.zh for i in topics["materials"])
    assert any("“一卡通”" in i.text.zh for i in topics["payment"])
    assert any("10 天" in i.text.zh for i in topics["publicity"])
    assert any("村委会" in i.text.zh for i in topics["where"])


def test_silent_topics_are_said_to_be_silent(yr):
    (g,) = guides_for(yr, ["xzbf8.s5-4.three_cell_or_double_urn"])
    data = guide_data(g)
    silent = {t["id"] for t in data["topics"] if t["silent"]}
    assert silent == {"materials", "publicity"}
    assert all(t["silent_text"] == SILENT.model_dump() for t in data["topics"] if t["silent"])
    md = guides_markdown([g], "zh")
    assert "**要带的材料**：文件未写明" in md and "**公示**：文件未写明" in md
    assert "复验结果作为拨付补助资金的依据" in md  # each item with its citation


def test_rules_sharing_an_entry_share_one_guide(yr):
    guides = guides_for(yr, ["xzf5.s3-3.cattle_shed", "xzf5.s3-3.sheep_shed", "xzbf12.s5.courtyard_tiered", "xzf5.s3-3.cattle_shed"])
    assert [g.rule_ids for g in guides] == [("xzf5.s3-3.cattle_shed", "xzf5.s3-3.sheep_shed"), ("xzbf12.s5.courtyard_tiered",)]
    assert guides_for(yr, ["no.such.rule"]) == []


def test_in_kind_payment_is_said(yr):
    (g,) = guides_for(yr, ["xzf5.s3-1.green_base_inkind"])
    payment = dict((t, items) for t, _, items in g.topics)["payment"]
    assert any("实物" in i.text.zh or "不是现金" in i.text.zh for i in payment)
