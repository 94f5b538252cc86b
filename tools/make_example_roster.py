"""Write examples/roster_蔡家崖乡_2024.xlsx and .csv: a 蔡家崖乡 roster with deliberate mistakes.

Run: .venv/bin/python tools/make_example_roster.py
The rows mix 庭院经济 (xzbf12), 户厕 (xzbf8) and a few industry subsidies (xzf5); the
comments say which mistake each row carries, so the audit report can be checked by eye.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]


def make_id(rng: random.Random, valid: bool = True) -> str:
    body = f"141123{rng.randint(1950, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11]
    if not valid:
        check = "10X98765432"[("10X98765432".index(check) + 1) % 11]
    return body + check


HEAD = ["乡镇", "村", "姓名", "身份证号", "主体类型", "农户类型", "项目", "项目标签", "申报金额",
        "通过发展庭院经济当年户增收", "庭院经济类型", "验收合格（含县级抽验）", "符合用地要求", "成活率/存活率",
        "在庭院范围内发展", "当年新实施项目", "乱搭乱建影响村容村貌或造成环境污染", "能带动农户增收（非自产自销自赏）",
        "乡镇自验合格", "县农业农村局复验通过", "被抽中复验",
        "大豆种植面积（不含复合种植）", "建设成本", "新建养殖场手续合规合法", "基础母羊存栏", "新建圈舍面积",
        "用地类型", "药材生长年限", "本片种植面积", "占用基本农田", "符合土地利用规划和用途管控要求"]


def main() -> None:
    rng = random.Random(20240522)
    villages = ["碾子", "南沟", "石岭则", "弓家山", "蔡家崖"]
    surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    given = ["建国", "秀英", "桂兰", "玉兰", "志强", "海龙", "俊杰", "淑珍", "春梅", "永红", "国华", "金花", "明亮", "小燕", "文斌", "丽娟", "红霞", "德胜", "新民", "爱莲"]
    names = iter(f"{s}{g}" for s, g in zip(surnames, given * 2))
    rows: list[dict[str, str]] = []

    def person(category: str = "一般户") -> dict[str, str]:
        return {"乡镇": "蔡家崖乡", "村": rng.choice(villages), "姓名": next(names), "身份证号": make_id(rng), "主体类型": "农户", "农户类型": category}

    def courtyard(p, income, claimed, kind="特色种植", survival="90", **over):
        r = {**p, "项目": "庭院经济阶梯式奖补", "申报金额": claimed, "通过发展庭院经济当年户增收": income, "庭院经济类型": kind,
             "验收合格（含县级抽验）": "是", "符合用地要求": "是", "成活率/存活率": survival, "在庭院范围内发展": "是",
             "当年新实施项目": "是", "乱搭乱建影响村容村貌或造成环境污染": "否", "能带动农户增收（非自产自销自赏）": "是"}
        r.update(over)
        rows.append(r)

    # 庭院经济 — tiers at and around their bounds (附件3: 包括 1500/2000/2500/3000 元)
    courtyard(person(), "1000", "300")                       # 一档 lower bound: 一致
    courtyard(person(), "1500", "300")                       # 1500 is still 一档: 一致
    courtyard(person("脱贫户"), "1500.01", "400")             # just over: 二档 一致
    courtyard(person(), "2000", "500")                       # 多报: 2000 is 二档 (400)
    courtyard(person(), "2500", "500")                       # 三档 一致
    courtyard(person("边缘易致贫户"), "2800", "600", kind="特色养殖", survival="72")  # livestock ≥ 70%: 一致
    courtyard(person(), "3000", "600")                       # 四档 一致
    courtyard(person(), "3000.01", "700")                    # 五档 一致
    courtyard(person(), "5200", "700", kind="休闲旅游", survival="")  # 五档 一致 (survival not needed)
    courtyard(person(), "999", "300")                        # below 一档: 不符合条件
    courtyard(person(), "2600", "600", survival="78")        # planting survival 78% < 80%: 不符合条件
    courtyard(person(), "1800", "400", **{"当年新实施项目": "否"})  # not new this year: 不符合条件
    courtyard(person(), "2200", "500", **{"验收合格（含县级抽验）": ""})  # acceptance blank: 信息不全
    courtyard(person(), "2,600元", "600")                    # thousands separator and unit: read, 一致
    courtyard(person(), "二千", "400")                        # not a number: 输入有误
    twice = person()
    courtyard(twice, "1200", "300")                          # household with two projects …
    courtyard(twice, "2600", "600", kind="特色加工")          # … capped at 700 in total: 多报 (400 allowed)
    courtyard(person(), "1600", "")                          # claimed amount blank: 信息不全
    p = person()
    p["农户类型"] = "贫困户"
    courtyard(p, "1600", "400")                              # unknown category: 输入有误
    courtyard(person(), "3500", "650")                       # 少报 (700 due)

    # 户厕 — 附件2 task for 蔡家崖乡 is 310 households
    def toilet(p, model, claimed, self_ok="是", county_ok="是", label="", sampled=""):
        rule = "户厕改造补助（室内水冲式）" if model == "indoor" else "户厕改造补助（三格式、双瓮式）"
        rows.append({**p, "项目": rule, "项目标签": label, "申报金额": claimed, "乡镇自验合格": self_ok, "县农业农村局复验通过": county_ok,
                     "被抽中复验": sampled})

    for _ in range(5):
        toilet(person(), "three", "5000")                    # 一致
    toilet(person(), "indoor", "2000")                       # 一致
    toilet(person(), "indoor", "2000")                       # 一致
    toilet(person(), "indoor", "5000")                       # 多报: indoor flush is 2000
    toilet(person(), "three", "5000", county_ok="否", sampled="是")  # sampled and failed the county re-inspection: 不符合条件
    again = person()
    toilet(again, "three", "5000")
    toilet(again, "indoor", "2000")                          # second toilet for one household: limited to 0, 多报
    bad = person()
    bad["身份证号"] = make_id(rng, valid=False)
    toilet(bad, "three", "5000")                             # ID check digit wrong: 输入有误
    shared = person()
    toilet(shared, "three", "5000")
    other = person()
    other["身份证号"] = shared["身份证号"]
    toilet(other, "indoor", "2000", label="=HYPERLINK(\"http://example.com\")")  # same ID, two names; formula text neutralised

    # industry (兴政发〔2024〕5号)
    rows.append({"乡镇": "蔡家崖乡", "村": "碾子", "姓名": "兴县碾子种植专业合作社", "主体类型": "合作社", "项目": "大豆种植奖补",
                 "申报金额": "36150", "大豆种植面积（不含复合种植）": "120.5"})           # 120.5 亩 × 300: 一致
    rows.append({**person("脱贫不稳定户"), "项目": "设施蔬菜项目建设补贴", "申报金额": "6500", "建设成本": "10000"})  # 三类户 65%: 一致
    rows.append({**person("突发严重困难户"), "项目": "标准化肉羊养殖场圈舍奖补", "申报金额": "60000", "新建养殖场手续合规合法": "是",
                 "基础母羊存栏": "120", "新建圈舍面积": "320"})                          # 320 × 150 × 1.25 = 60000: 一致
    rows.append({"乡镇": "蔡家崖乡", "村": "南沟", "姓名": "南沟中药材合作社", "主体类型": "合作社", "项目": "中药材种植补贴",
                 "申报金额": "31500", "用地类型": "一般耕地", "药材生长年限": "多年生", "本片种植面积": "45",
                 "占用基本农田": "否", "符合土地利用规划和用途管控要求": "是"})             # 45 亩 < 50: 不符合条件
    rows.append({"乡镇": "蔡家崖乡", "村": "蔡家崖", "姓名": "蔡家崖个体养殖", "主体类型": "个体户", "项目": "标准化肉羊养殖场圈舍奖补",
                 "申报金额": "45000", "新建养殖场手续合规合法": "是", "基础母羊存栏": "100", "新建圈舍面积": "300"})  # unknown subject: 输入有误

    out = ROOT / "examples"
    path_csv = out / "roster_蔡家崖乡_2024.csv"
    with path_csv.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=HEAD)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in HEAD})
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(out / "roster_蔡家崖乡_2024.xlsx"), {"strings_to_formulas": False})
    ws = wb.add_worksheet("名册")
    for j, h in enumerate(HEAD):
        ws.write_string(0, j, h)
    for i, r in enumerate(rows, start=1):
        for j, h in enumerate(HEAD):
            v = r.get(h, "")
            if not v:
                continue
            if h in ("申报金额", "建设成本", "新建圈舍面积", "基础母羊存栏", "本片种植面积") and v.replace(".", "", 1).isdigit():
                ws.write_number(i, j, int(v) if v.isdigit() else float(v))  # as staff type them: numeric cells
            else:
                ws.write_string(i, j, v)
    wb.close()
    print(f"{len(rows)} rows → {path_csv} and .xlsx")


if __name__ == "__main__":
    main()
