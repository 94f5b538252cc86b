"""Write examples/xiji-piancheng-2025/roster_偏城乡_2025.csv: a roster consistent with the totals
偏城乡's 2025 courtyard-economy 公示 published (2025-09-04).

Run: .venv/bin/python tools/make_xiji_roster.py

The notice publishes aggregates only, never its roster: 16 行政村, 295 监测对象户, 832325 元; 养殖业
207 户 712325 元 (牛 416 头, 羊 1103 只, 鸡 947 只 + 鸭 55 只 + 鹅 33 只, 鸽 125 羽, 蜜蜂 107 箱);
种植业 234 户 120000 元 (微菜园 234 户, 微果园 6 户). This roster is made up to fit them exactly,
household by household, within every cap of the notice (牛 ≤ 3 头, 羊 ≤ 10 只, 鸡鸭鹅 ≤ 50 只,
鸽 ≤ 50 羽, 蜂 ≤ 5 箱, ≤ 5000 元 a household): the counts are allocated as below, so that the money
follows (count × rate), no household goes over 5000 元 (some reach it exactly), and the households
of each group add up:

* 60 households keep 3 head of cattle and 10 sheep (5000 元, nothing else);
* 79 keep cattle only (78 × 3 head, 1 × 2), 19 of them also poultry (18 × 50 birds, 1 × 35);
* 51 keep sheep only (50 × 10, 1 × 3), 10 of them also bees (9 × 5 hives, 1 × 2);
* 17 keep something else only: 12 bees (5 hives each), 3 pigeons (50, 50, 25), 2 poultry (50 each);
* 88 only plant;
so 207 keep livestock; every one of them but the 60 and one pigeon keeper (146) has a vegetable
plot, as do the 88 (234 plots); 6 of the 88 also a fruit plot. Ducks and geese are in five of
the poultry households (20 + 20 + 15 ducks, 20 + 13 geese), the rest chickens.

Names and villages are made up (马某001…, 第01村…); there are no 身份证号: an applicant is its
name and village. Each row claims exactly what the notice's rates give, so the audit of this
roster must find every row 一致 and reproduce the published totals (tests/test_xiji_example.py).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "examples" / "xiji-piancheng-2025" / "roster_偏城乡_2025.csv"

# the rates of the notice, as the pack states them (examples/xiji-piancheng-2025): used here only to
# write the claimed amount of each row; the audit recomputes it from the pack
RATE = {"cattle": 1000, "sheep": 200, "chicken": 30, "duck": 30, "goose": 30, "pigeon": 15, "bee": 400, "veg": 500, "fruit": 500}
RULE = {"cattle": "肉牛养殖奖补", "sheep": "肉羊养殖奖补", "chicken": "养鸡奖补", "duck": "养鸭奖补", "goose": "养鹅奖补",
        "pigeon": "肉鸽养殖奖补", "bee": "中华蜜蜂养殖奖补", "veg": "微菜园奖补", "fruit": "微果园奖补"}
COLUMN = {"cattle": "肉牛存栏（头）", "sheep": "肉羊存栏（只）", "chicken": "养鸡（只）", "duck": "养鸭（只）", "goose": "养鹅（只）",
          "pigeon": "肉鸽（羽）", "bee": "中华蜜蜂（箱）", "veg": "微菜园面积（m²）", "fruit": "微果园新栽（棵）"}
HEAD = ["乡镇", "行政村", "户主姓名", "主体类型", "农户类型", "项目", "补贴资金（元）", *COLUMN.values(),
        "每箱蜂脾（脾）", "当年新增", "已享受肉牛扩群补栏项目", "属庭院经济示范村"]
SURNAMES = "马李王杨张苏田何"
KINDS = ["脱贫不稳定户"] * 6 + ["边缘易致贫户"] * 3 + ["突发严重困难户"]


def households() -> list[list[tuple[str, int]]]:
    """Each household's items: (kind, count) — count of head, birds, hives; 1 for a plot."""
    out: list[list[tuple[str, int]]] = []
    out += [[("cattle", 3), ("sheep", 10)] for _ in range(60)]
    cattle_only = [[("cattle", 3)] for _ in range(78)] + [[("cattle", 2)]]
    sheep_only = [[("sheep", 10)] for _ in range(50)] + [[("sheep", 3)]]
    others = [[("bee", 5)] for _ in range(12)] + [[("pigeon", 50)], [("pigeon", 50)], [("pigeon", 25)]] + [[], []]
    # poultry: 21 households, 20 × 50 birds and 1 × 35; ducks and geese in five of them
    birds = [[("duck", 20), ("chicken", 30)], [("duck", 20), ("chicken", 30)], [("duck", 15), ("chicken", 35)],
             [("goose", 20), ("chicken", 30)], [("goose", 13), ("chicken", 37)]]
    birds += [[("chicken", 50)] for _ in range(15)] + [[("chicken", 35)]]
    others[15] += birds[0]
    others[16] += birds[1]
    for k, flock in enumerate(birds[2:]):
        cattle_only[k] += flock
    for k in range(9):
        sheep_only[k].append(("bee", 5))
    sheep_only[9].append(("bee", 2))
    livestock_only = cattle_only + sheep_only + others
    for k, items in enumerate(livestock_only):
        if k != len(cattle_only) + len(sheep_only) + 14:  # one pigeon keeper (25 birds) has no vegetable plot
            items.append(("veg", 1))
    out += livestock_only
    planting = [[("veg", 1)] for _ in range(88)]
    for k in range(6):
        planting[k].append(("fruit", 1))
    out += planting
    return out


def main() -> None:
    rng = random.Random(2025_09_04)
    homes = households()
    assert len(homes) == 295
    villages = [f"第{k:02d}村" for k in range(1, 17)]
    placed = [villages[k % 16] for k in range(len(homes))]  # every village has households
    rng.shuffle(placed)
    order = sorted(range(len(homes)), key=lambda h: (placed[h], h))
    rows = []
    for n, h in enumerate(order, 1):
        name = f"{SURNAMES[h % len(SURNAMES)]}某{n:03d}"
        kind = rng.choice(KINDS)
        for item, count in homes[h]:
            rec = dict.fromkeys(HEAD, "")
            rec.update({"乡镇": "偏城乡", "行政村": placed[h], "户主姓名": name, "主体类型": "农户", "农户类型": kind,
                        "项目": RULE[item], "属庭院经济示范村": "否"})
            if item == "veg":
                rec[COLUMN[item]] = str(rng.choice([20, 20, 25, 30, 36, 40, 50, 60]))
                rec["补贴资金（元）"] = str(RATE[item])
            elif item == "fruit":
                rec[COLUMN[item]] = str(rng.choice([20, 22, 25, 30, 40]))
                rec["补贴资金（元）"] = str(RATE[item])
            else:
                rec[COLUMN[item]] = str(count)
                rec["补贴资金（元）"] = str(RATE[item] * count)
            if item == "bee":
                rec.update({"每箱蜂脾（脾）": str(rng.choice([4, 4, 5, 6, 8])), "当年新增": "是"})
            if item == "cattle":
                rec["已享受肉牛扩群补栏项目"] = "否"
            rows.append(rec)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=HEAD)
        writer.writeheader()
        writer.writerows(rows)
    print(f"{OUT.relative_to(ROOT)}: {len(rows)} rows, {len(homes)} households, {sum(int(r['补贴资金（元）']) for r in rows)} 元")


if __name__ == "__main__":
    main()
