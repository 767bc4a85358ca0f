"""Make the CN-2023 catalogue CSVs and the CN-2021 -> CN-2023 crosswalk from CN-2021 plus the changes below.

The 2023 edition of the National Basic Public Service Standards (国家基本公共服务标准（2023年版）) was
not obtained as text. What is known is the release of August 2023 (reference notes
``national_standard_2023.md`` and ``national_standard_2023_changes.csv``): 1 new item, 3 raised
standards, 2 wider eligibilities, 41 rewordings (2 named), 10 new lead departments (1 named), nothing
removed. So CN-2023 is CN-2021 with the rows the release names edited as the tables below say, one
new item (S81) with one indicator, and three new source tags. Every other row is copied unchanged.
No new official figure is written: a floor that the release says was raised is left empty.

Written here (UTF-8 without BOM, ``\\n`` line ends, csv.writer quoting, like CN-2021):

- ``assessment/catalogue/editions/CN-2023/{aspects,categories,items,indicators,sources}.csv``
- ``assessment/catalogue/editions/crosswalks/CN-2021_CN-2023.csv``

``edition.toml``, ``SOURCES.md`` and ``crosswalks/README.md`` are written by hand. Each run writes
byte-identical files; ``--check`` exits 1 when a file would change.

    .venv/bin/python scripts/make_edition_2023.py          # rewrite the files
    .venv/bin/python scripts/make_edition_2023.py --check  # exit 1 if a file is stale
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EDITIONS = ROOT / "assessment" / "catalogue" / "editions"
FROM_ID, TO_ID = "CN-2021", "CN-2023"
CROSSWALK = Path("crosswalks") / f"{FROM_ID}_{TO_ID}.csv"
COPIED = ("aspects.csv", "categories.csv")
CROSSWALK_COLUMNS = ("level", "from_code", "to_code", "change", "confirmed", "note_zh", "note_en", "source")
CHANGES = ("unchanged", "reworded", "standard_changed", "new", "removed")

RELEASE = "NS23-R1"  # the Xinhua report of the NDRC release, 2023-08-09 (all change types)
LEADS = "NS23-R2"  # the NDRC release repost naming the lead-department change
BACKGROUND = "NS23-BG"  # national_standard_2023.md: the folic-acid programme and indicator

NEW_SOURCES = [
    {
        "tag": RELEASE,
        "document": "national_standard_2023_changes.csv",
        "title": "Xinhua report (2023-08-09) of the NDRC release on the 2023 edition, as printed in the "
        "2023-08-10 issue at paper.gdzjdaily.com.cn: 1 new item, 3 higher standards, 2 wider "
        "eligibilities, 41 rewordings, 10 new lead departments, named examples",
        "url": "http://paper.gdzjdaily.com.cn/html/2023-08/10/content_10744_8138485.htm",
    },
    {
        "tag": LEADS,
        "document": "national_standard_2023_changes.csv",
        "title": "NDRC release on the 2023 edition (repost; also NS-S19, IC-S13): 10 items with a new "
        "lead department, 健康教育与健康素养促进 named",
        "url": "https://plc-module.cn/gongsixinwen/3659.html",
    },
    {
        "tag": BACKGROUND,
        "document": "national_standard_2023.md",
        "title": "Background of the new item: free folic acid for rural women from 3 months before to "
        "3 months into pregnancy (programme since 2009); take-up rate as candidate indicator, no "
        "national floor found",
        "url": "",
    },
]

RAISED_ZH = "2023年版提高了本项标准；新标准数值未能取得（unconfirmed）"
WIDER_ZH = "（2023年版扩大了服务对象范围；具体范围未能取得）"
REWORDED_ZH = "（2023年版修订了本项表述；新表述未能取得，本行沿用2021年版表述）"
WIDER_DENOMINATOR_ZH = "（分母按2023年版扩大后的服务对象范围认定）"
WIDER_DENOMINATOR_EN = " (denominator: identified under the 2023 edition's wider eligibility)"

# code -> {column: (the CN-2021 cell expected, the CN-2023 cell)}. "{old}" in the new cell stands
# for the CN-2021 cell; an expected cell of None is not checked. The generator stops when a CN-2021
# cell differs from the one expected, so that a later change to CN-2021 is reviewed here.
Edits = dict[str, dict[str, tuple[str | None, str]]]


def _tag(old: str, tag: str) -> tuple[str, str]:
    """Append source ``tag`` to a source cell that reads ``old`` in CN-2021."""
    return (old, "{old};" + tag)


ITEM_EDITS: Edits = {
    # 孕产妇健康服务, 生育保险: reworded (named in the release); the new wording was not obtained.
    "S02": {"content_zh": (None, "{old}" + REWORDED_ZH), "source": _tag("NS-S2;NS-S23", RELEASE)},
    "S04": {"content_zh": (None, "{old}" + REWORDED_ZH), "source": _tag("NS-S2;NS-S23", RELEASE)},
    # 义务教育阶段免除学杂费: higher standard (the per-pupil public-funding benchmark).
    "S11": {
        "standard_zh": ("免除学杂费；按生均公用经费基准定额保障学校运转", "{old}。" + RAISED_ZH),
        "source": _tag("NS-S2;NS-S10;NS-S19", RELEASE),
    },
    # 农村义务教育学生营养膳食补助 (its 2021 name: 贫困地区学生营养膳食补助): higher standard.
    "S14": {
        "name_zh": ("贫困地区学生营养膳食补助", "农村义务教育学生营养膳食补助"),
        "name_en": (
            "Nutritious-meal subsidy for students in poor areas",
            "Nutritious-meal subsidy for rural compulsory-education students",
        ),
        "standard_zh": (
            "每生每天4元（2021年4月文本）；2021年秋季起5元",
            RAISED_ZH + "（2021年版：2021年4月文本为每生每天4元，2021年秋季起5元）",
        ),
        "source": _tag("NS-S2;NS-S10;NS-S19", RELEASE),
    },
    # 健康教育与健康素养促进: new lead department (named); the new lead was not obtained.
    "S32": {
        "lead_department_zh": (
            "国家卫生健康委",
            "2023年版调整了牵头负责单位；新牵头单位未能取得（unconfirmed；2021年版为国家卫生健康委）",
        ),
        "source": _tag("NS-S2", LEADS),
    },
    # 计划生育家庭特别扶助: higher standard (the national minimum monthly payment).
    "S46": {
        "standard_zh": ("按月发放特别扶助金，不低于国家确定的最低标准", "{old}。" + RAISED_ZH),
        "source": _tag("NS-S2;NS-S19", RELEASE),
    },
    # 农村危房改造, 特殊群体集中供养: wider eligibility (the 2021 cells carry the reference's note).
    "S53": {
        "served_population_zh": (
            "农村低收入群体等重点对象（2023版扩大了对象范围）",
            "农村低收入群体等重点对象" + WIDER_ZH,
        ),
        "source": _tag("NS-S11", RELEASE),
    },
    "S71": {
        "served_population_zh": (
            "老年、残疾或未满16周岁的烈士遗属、因公牺牲军人遗属、病故军人遗属等（2023版扩大了范围）",
            "老年、残疾或未满16周岁的烈士遗属、因公牺牲军人遗属、病故军人遗属等" + WIDER_ZH,
        ),
        "source": _tag("NS-S7;NS-S8", RELEASE),
    },
}

_NO_FLOOR = ("no", "no")  # floor_confirmed stays no (the loader refuses yes without a floor)

INDICATOR_EDITS: Edits = {
    # The amounts of the raised standards: the 2021 figure lies below the new floor, so it is not
    # the 2023 floor, and the new figure was not obtained. The optimum keeps the 2021 figure as a
    # reference point only (SOURCES.md section 4).
    "S11.2": {"national_floor": ("650", ""), "floor_confirmed": _NO_FLOOR, "source": _tag("IC-B", RELEASE)},
    "S11.3": {"national_floor": ("850", ""), "floor_confirmed": _NO_FLOOR, "source": _tag("IC-B", RELEASE)},
    "S14.2": {
        "national_floor": ("5", ""),
        "floor_confirmed": _NO_FLOOR,
        "source": _tag("IC-B;IC-S13", RELEASE),
    },
    # A yes/no test against the national minimum: the floor (1 = yes) stands, the minimum rose.
    "S46.2": {
        "definition_zh": (None, "{old}（国家最低标准为2023年版提高后的标准；新标准数值未能取得）"),
        "definition_en": (
            None,
            "{old} (the national minimum is the one raised by the 2023 edition; its figure was not obtained)",
        ),
        "source": _tag("IC-B;IC-S13", RELEASE),
    },
    # Wider eligibility: the denominator now counts the wider served population.
    "S53.1": {
        "definition_zh": (None, "{old}" + WIDER_DENOMINATOR_ZH),
        "definition_en": (None, "{old}" + WIDER_DENOMINATOR_EN),
        "source": _tag("IC-S1", RELEASE),
    },
    "S71.1": {
        "definition_zh": (None, "{old}" + WIDER_DENOMINATOR_ZH),
        "definition_en": (None, "{old}" + WIDER_DENOMINATOR_EN),
        "source": _tag("IC-B", RELEASE),
    },
}

NEW_ITEMS = [
    {
        "no": "81",
        "code": "S81",
        "category_code": "C01",
        "name_zh": "增补叶酸预防神经管缺陷服务",
        "name_en": "Folic acid supplements to prevent neural tube defects",
        "served_population_zh": "农村计划怀孕妇女（孕前3个月至孕早期3个月）",
        "content_zh": "为农村计划怀孕妇女免费增补叶酸，预防神经管缺陷"
        "（据2009年起实施的项目背景；2023年版条文未能取得）",
        "standard_zh": "参考资料未载明全国统一的量化标准",
        "expenditure_zh": "2023年版支出责任表述未能取得（unconfirmed）",
        "central_share": "0.5",
        "lead_department_zh": "国家卫生健康委（reconstructed：按同类妇幼健康项目推定，2023年版条文未能取得）",
        "verified": "yes",
        "source": f"{RELEASE};{BACKGROUND}",
    },
]

NEW_INDICATORS = [
    {
        "code": "S81.1",
        "item_code": "S81",
        "name_zh": "增补叶酸服用率",
        "name_en": "Folic-acid take-up rate among target women",
        "definition_zh": "当年服用增补叶酸的农村目标妇女数 ÷ 当年农村目标妇女数（计划怀孕及孕早期妇女）× 100",
        "definition_en": "Rural target women (planning a pregnancy or in early pregnancy) who took the "
        "folic-acid supplement in the year ÷ rural target women in the year × 100",
        "kind": "rate",
        "unit": "%",
        "direction": "higher",
        "national_floor": "",
        "floor_confirmed": "no",
        "optimum": "100",
        "lower_bound": "50",
        "weight": "1",
        "unit_cost": "",
        "source": BACKGROUND,
    },
]

# -- the crosswalk: code -> (change, confirmed, note_zh, note_en, source) -------------------------

Change = tuple[str, str, str, str, str]

UNNAMED_ITEM: Change = (
    "unchanged",
    "no",
    "2023年版发布稿称41项修订了服务内容、标准或支出责任表述，10项调整了牵头负责单位，"
    "但未列出全部项目；本项未被点名，可能已修订。CN-2023沿用2021年版本行。",
    "The 2023 release says 41 items were reworded (content, standard or expenditure) and 10 got a new "
    "lead department, but does not list which; this item is not named, so it may have been reworded. "
    "CN-2023 carries the 2021 row.",
    RELEASE,
)
UNNAMED_INDICATOR: Change = (
    "unchanged",
    "no",
    "所属服务项目未被2023年版发布稿点名（发布稿未列出41项表述修订的全部项目，该项可能已修订）；"
    "指标定义、全国底线和评分区间沿用2021年版。",
    "The release does not name this indicator's item (it does not list which 41 items were reworded, "
    "so the item may have been); definition, national floor and scoring bounds are carried over from "
    "CN-2021.",
    RELEASE,
)
VACCINATION_ZH = "另：一条无出处（无网址）的检索摘要称预防接种也调整了牵头负责单位，未能证实。"
VACCINATION_EN = (
    " Also: an unattributed search excerpt (no URL) names 预防接种 among the lead-department "
    "changes; not confirmed."
)
WIDER_ITEM_ZH = (
    "2023年版扩大了服务对象范围（具体范围未能取得）：服务人群即指标分母扩大，前后数值不可直接比较。"
)
WIDER_ITEM_EN = (
    "The 2023 edition widened who is served (the new scope was not obtained): the served population, "
    "hence the denominator, widened, so figures before and after are not like for like."
)
REWORDED_ITEM_ZH = (
    "2023年版发布稿点名修订了本项的服务内容、标准或支出责任表述；新表述未能取得，CN-2023沿用2021年版表述。"
)
REWORDED_ITEM_EN = (
    "The release names this item as reworded (content, standard or expenditure); the new wording was "
    "not obtained, so CN-2023 carries the 2021 wording."
)
REWORDED_IND_ZH = (
    "所属服务项目被点名修订表述（修订内容未知）；指标沿用2021年版。"
    "若新表述改变了服务内容，需按正式文本复核定义。"
)
REWORDED_IND_EN = (
    "The release names this indicator's item as reworded, without saying how; the indicator is "
    "carried over from CN-2021. If the new wording changed the service content, check the definition "
    "against the official text."
)
WIDER_IND_ZH = "2023年版扩大了服务对象范围：分母扩大，前后数值不可直接比较；全国底线（100%）沿用2021年版。"
WIDER_IND_EN = (
    "The 2023 edition widened who is served: the denominator widened, so figures before and after are "
    "not like for like; the national floor (100%) is carried over."
)


def _raised_floor(figure: str, what_zh: str, what_en: str) -> Change:
    """A crosswalk row for an amount indicator whose floor the 2023 edition raised."""
    return (
        "standard_changed",
        "yes",
        f"2023年版提高了{what_zh}；2021年数值{figure}低于新标准，不再作为底线；"
        "新数值未能取得，底线留空（未确认）。",
        f"The 2023 edition raised {what_en}; the 2021 figure ({figure}) is below the new standard, so it "
        "is no longer the floor; the new figure was not obtained, so the floor is empty (unconfirmed).",
        RELEASE,
    )


ITEM_CHANGES: dict[str, Change] = {
    "S02": ("reworded", "yes", REWORDED_ITEM_ZH, REWORDED_ITEM_EN, RELEASE),
    "S04": ("reworded", "yes", REWORDED_ITEM_ZH, REWORDED_ITEM_EN, RELEASE),
    "S05": ("unchanged", "no", UNNAMED_ITEM[2] + VACCINATION_ZH, UNNAMED_ITEM[3] + VACCINATION_EN, RELEASE),
    "S11": (
        "standard_changed",
        "yes",
        "2023年版提高了本项标准（生均公用经费基准定额）；新标准数值未能取得。"
        "S11.2、S11.3不再以2021年数值为底线。",
        "The 2023 edition raised this item's standard (the per-pupil public-funding benchmark); the new "
        "figures were not obtained. S11.2 and S11.3 no longer carry the 2021 figures as floors.",
        RELEASE,
    ),
    "S14": (
        "standard_changed",
        "yes",
        "2023年版提高了本项标准，并将项目名称由“贫困地区学生营养膳食补助”改为“农村义务教育学生营养膳食补助”；"
        "新标准数值未能取得，S14.2不再以2021年数值为底线。",
        "The 2023 edition raised this item's standard and renamed it (贫困地区学生营养膳食补助 -> "
        "农村义务教育学生营养膳食补助); the new figure was not obtained, so S14.2 no longer carries the "
        "2021 figure as its floor.",
        RELEASE,
    ),
    "S32": (
        "reworded",
        "yes",
        "2023年版发布稿点名调整了本项的牵头负责单位；新牵头单位未能取得，CN-2023注明为未知。",
        "The release names this item as getting a new lead department; the new lead was not obtained, "
        "so CN-2023 marks it unknown.",
        LEADS,
    ),
    "S46": (
        "standard_changed",
        "yes",
        "2023年版提高了本项标准（特别扶助金国家最低标准）；新标准数值未能取得。",
        "The 2023 edition raised this item's standard (the national minimum special-assistance "
        "payment); the new figure was not obtained.",
        RELEASE,
    ),
    "S53": ("standard_changed", "yes", WIDER_ITEM_ZH, WIDER_ITEM_EN, RELEASE),
    "S71": ("standard_changed", "yes", WIDER_ITEM_ZH, WIDER_ITEM_EN, RELEASE),
    "S81": (
        "new",
        "yes",
        "2023年版新增服务项目（幼有所育）；CN-2023列入优孕优生服务（C01），编号S81。",
        "New item of the 2023 edition (幼有所育); CN-2023 places it in 优孕优生服务 (C01) as S81.",
        f"{RELEASE};{BACKGROUND}",
    ),
}

INDICATOR_CHANGES: dict[str, Change] = {
    "S02.1": ("reworded", "yes", REWORDED_IND_ZH, REWORDED_IND_EN, RELEASE),
    "S04.1": ("reworded", "yes", REWORDED_IND_ZH, REWORDED_IND_EN, RELEASE),
    "S05.1": (
        "unchanged",
        "no",
        UNNAMED_INDICATOR[2] + VACCINATION_ZH,
        UNNAMED_INDICATOR[3] + VACCINATION_EN,
        RELEASE,
    ),
    "S11.1": (
        "reworded",
        "yes",
        "所属项目提高了生均公用经费标准；巩固率底线（96%）来自“十四五”公共服务规划，与经费标准无关，沿用2021年版。",
        "The item's funding standard was raised; the retention-rate floor (96%) comes from the 14th FYP "
        "public-service plan, not from the funding amount, and is carried over.",
        RELEASE,
    ),
    "S11.2": _raised_floor("650", "生均公用经费基准定额", "the per-pupil public-funding benchmark"),
    "S11.3": _raised_floor("850", "生均公用经费基准定额", "the per-pupil public-funding benchmark"),
    "S14.1": (
        "reworded",
        "yes",
        "所属项目提高了补助标准并更名；覆盖率与补助金额无关，沿用2021年版（2021年版亦无全国底线）。",
        "The item's subsidy standard was raised and the item renamed; the coverage rate does not depend "
        "on the amount and is carried over (it had no national floor in 2021 either).",
        RELEASE,
    ),
    "S14.2": (
        "standard_changed",
        "yes",
        "2023年版提高了营养膳食补助标准，新数值未能取得，底线留空（未确认）。2021年版文本为每生每天4元，"
        "CN-2021按2021年秋季起的5元计；若2023年版的提高即为4元提至5元，则5元仍是底线，但未能证实。",
        "The 2023 edition raised the meal subsidy; the new figure was not obtained, so the floor is empty "
        "(unconfirmed). The 2021 text had 4 CNY per pupil per school day and CN-2021 uses the 5 CNY paid "
        "from autumn 2021; if the 2023 raise is that 4 -> 5 CNY, 5 is still the floor, but this is not "
        "confirmed.",
        RELEASE,
    ),
    "S32.1": (
        "reworded",
        "yes",
        "所属项目调整了牵头负责单位；指标不受影响，沿用2021年版，前后数值可比。",
        "The item got a new lead department; the indicator does not depend on it and is carried over, "
        "so figures are comparable.",
        LEADS,
    ),
    "S46.1": (
        "reworded",
        "yes",
        "所属项目提高了特别扶助金标准；发放率底线（100%）与金额无关，沿用2021年版。",
        "The item's payment standard was raised; the payment-rate floor (100%) does not depend on the "
        "amount and is carried over.",
        RELEASE,
    ),
    "S46.2": (
        "standard_changed",
        "yes",
        "比较对象（国家最低标准）已由2023年版提高，新数值未能取得；底线（是=1）不变，但前后“是”的含义不同。",
        "The national minimum this test compares against was raised by the 2023 edition (figure not "
        "obtained); the floor (yes = 1) stands, but a yes before and after does not mean the same.",
        RELEASE,
    ),
    "S53.1": ("standard_changed", "yes", WIDER_IND_ZH, WIDER_IND_EN, RELEASE),
    "S53.2": (
        "standard_changed",
        "yes",
        "2023年版扩大了服务对象范围：年度改造任务按扩大后的对象下达，前后数值不可直接比较；全国底线（100%）沿用2021年版。",
        "The 2023 edition widened who is served: the yearly tasks are set for the wider group, so "
        "figures before and after are not like for like; the national floor (100%) is carried over.",
        RELEASE,
    ),
    "S71.1": ("standard_changed", "yes", WIDER_IND_ZH, WIDER_IND_EN, RELEASE),
    "S81.1": (
        "new",
        "yes",
        "新增项目的新指标；未找到全国底线。",
        "New indicator of the new item; no national floor was found.",
        BACKGROUND,
    ),
}


# -- reading and writing ------------------------------------------------------------------------


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows of a catalogue CSV file."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def csv_text(header: list[str] | tuple[str, ...], rows: list[dict[str, str]]) -> str:
    """CSV text in the catalogue's style: csv.writer default quoting, ``\\n`` line ends."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([row[c] for c in header] for row in rows)
    return buf.getvalue()


def apply_edits(rows: list[dict[str, str]], edits: Edits, what: str) -> list[dict[str, str]]:
    """A copy of ``rows`` with ``edits`` applied; refuses an edit of a code or cell not as expected."""
    by_code = {row["code"]: row for row in rows}
    missing = sorted(set(edits) - set(by_code))
    if missing:
        raise SystemExit(f"{what}: no such code in {FROM_ID}: {', '.join(missing)}")
    out = []
    for row in rows:
        new = dict(row)
        for column, (expected, cell) in edits.get(row["code"], {}).items():
            old = row[column]
            if expected is not None and old != expected:
                raise SystemExit(
                    f"{what} {row['code']}.{column}: {FROM_ID} has {old!r}, expected {expected!r}"
                )
            new[column] = cell.replace("{old}", old)
        out.append(new)
    return out


def crosswalk_rows(
    old_items: list[str], new_items: list[str], old_inds: list[str], new_inds: list[str]
) -> list[dict[str, str]]:
    """One row per item and per indicator of either edition (same code = same item or indicator)."""
    rows = []
    for level, old, new, changes, unnamed in (
        ("item", old_items, new_items, ITEM_CHANGES, UNNAMED_ITEM),
        ("indicator", old_inds, new_inds, INDICATOR_CHANGES, UNNAMED_INDICATOR),
    ):
        unknown = sorted(set(changes) - set(old) - set(new))
        if unknown:
            raise SystemExit(f"crosswalk: no such {level} code: {', '.join(unknown)}")
        kept = set(new)
        for code in old:
            change = changes.get(code, unnamed) if code in kept else changes[code]
            rows.append((level, code, code if code in kept else "", *change))
        for code in new:
            if code not in set(old):
                change = changes[code]
                rows.append((level, "", code, *change))
    for row in rows:
        if row[3] not in CHANGES:
            raise SystemExit(f"crosswalk: bad change {row[3]!r} for {row[1] or row[2]}")
        if (row[3] == "new") != (row[1] == "") or (row[3] == "removed") != (row[2] == ""):
            raise SystemExit(f"crosswalk: {row[3]} row {row[1] or row[2]} has the wrong codes")
    return [dict(zip(CROSSWALK_COLUMNS, row, strict=True)) for row in rows]


def build(editions: Path = EDITIONS) -> dict[Path, str]:
    """Path (relative to ``editions``) -> text of every generated file."""
    src, dst = editions / FROM_ID, Path(TO_ID)
    files: dict[Path, str] = {}
    for name in COPIED:
        files[dst / name] = csv_text(*read_csv(src / name))
    item_header, items = read_csv(src / "items.csv")
    ind_header, indicators = read_csv(src / "indicators.csv")
    src_header, sources = read_csv(src / "sources.csv")
    new_items = apply_edits(items, ITEM_EDITS, "items.csv") + NEW_ITEMS
    new_inds = apply_edits(indicators, INDICATOR_EDITS, "indicators.csv") + NEW_INDICATORS
    files[dst / "items.csv"] = csv_text(item_header, new_items)
    files[dst / "indicators.csv"] = csv_text(ind_header, new_inds)
    files[dst / "sources.csv"] = csv_text(src_header, sources + NEW_SOURCES)
    cross = crosswalk_rows(
        [r["code"] for r in items],
        [r["code"] for r in new_items],
        [r["code"] for r in indicators],
        [r["code"] for r in new_inds],
    )
    files[CROSSWALK] = csv_text(CROSSWALK_COLUMNS, cross)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a file differs from a rebuild")
    parser.add_argument("--editions", type=Path, default=EDITIONS, help="the editions folder")
    args = parser.parse_args(argv)
    files = build(args.editions)
    if args.check:
        stale = [
            rel
            for rel, text in files.items()
            if not (args.editions / rel).is_file()
            or (args.editions / rel).read_bytes() != text.encode("utf-8")
        ]
        for rel in stale:
            print(f"{args.editions / rel} is stale: rerun {Path(__file__).name}")
        return 1 if stale else 0
    for rel, text in files.items():
        path = args.editions / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    print(f"wrote {len(files)} files under {args.editions}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
