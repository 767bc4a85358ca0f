"""The fast paths of batch ingest (issue 20, point 4) give exactly what the paths they replace gave.

- the pyarrow CSV reader against pandas' C reader (cells, blank lines, separators, refusals);
- pyarrow's cast of plain decimals against ``pandas.to_numeric``, and the byte check of plain
  decimals against the regex it replaced;
- the factorisation of a column of one value, the look-ups of categoricals by their codes and the
  duplicate keys from them, the filler columns built from one buffer, against what they replaced;
- the plausibility warnings without peer statistics, without local standards and with bunching
  counted on the values at their standard only, against the code they replaced (kept here);
- W_MISSING_INDICATORS on a boolean matrix against the groupby loop it replaced (kept here);
- the row counts taken during the safety scan against a second streaming count;
- whole uploads (every corpus case, and larger generated batches with errors of every kind): the
  problems (codes, places, texts) and the values are the same with the fast paths switched off.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import astuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pac
import pytest

from assessment.domain.errors import Problem, localized_problem
from assessment.intake import (
    cleaning,
    ingest,
    peer_stats,
    plausibility,
    safety,
    upload_problems,
    upload_tables,
    validation,
)
from assessment.intake.ingest import read_upload
from assessment.intake.validation import KEYS, MAX_LISTED_CODES, Context, RawTable, key_frame
from assessment.intake.xlsx_reader import cell_flags, open_workbook, sheets
from tests.fixtures import (
    PERIOD,
    batch_csv,
    batch_xlsx,
    good_batch_rows,
    good_values,
    hostile_xlsx,
    template_edition,
)
from tests.fixtures import TEMPLATE_EDITION as EDITION
from tests.fixtures import TEMPLATE_STANDARDS as STANDARDS
from tests.fixtures import TEMPLATE_TREE as TREE
from tests.integration import test_ingest_corpus as corpus

# ---- the CSV reader ---------------------------------------------------------------------------

CSV_CASES = [  # (bytes, read by pyarrow?)
    (b"a,b\n1,2\n", True),
    (b"a,b\r\n1,2\r\n", True),
    (b"a,b\r1,2\r", True),
    (b"a,b\n  1 , 2 \n", True),
    (b"a,b\n1,2", True),
    (b"a,b\n,\n", True),
    (b"a,b\nNA,null\n", True),
    (b"a,b,\n1,2,\n", True),
    ("a,b\n中文,２\n".encode(), True),
    (b"\xef\xbb\xbfa,b\n1,2\n", True),
    (b"a,b\n1,2\n\n", True),
    (b"a,b\n\n1,2\n", True),
    (b"#a,b\n1,2\n", True),
    (b"a;b\n1;2\n", True),
    (b"a\tb\n1\t2\n", True),
    (b'a,b\n"x,y",2\n', False),  # any quote: pandas reads it
    (b'a,b\n1,"2\n', False),  # a quote left open: pandas refuses it, pyarrow would not
    (b"a,b\n1\n", False),  # a short row: pandas pads it
    (b"a,b\n1,2,3\n", False),  # a long row: pandas refuses it with its line
    (b"a,b\n  \n1,2\n", False),
    (b"", False),
]


@pytest.mark.parametrize(("data", "fast"), CSV_CASES, ids=[repr(c[0])[:40] for c in CSV_CASES])
def test_csv_reader_matches_pandas(data: bytes, fast: bool) -> None:
    text = data.decode("utf-8-sig")
    reference = upload_tables.pandas_csv_frame(text)
    arrow = upload_tables._arrow_csv_frame(data, upload_tables._separator(text))
    assert (arrow is not None) == fast
    found = upload_tables.read_csv_frame(data)
    if isinstance(reference, str):
        assert found == reference
    else:
        pd.testing.assert_frame_equal(found, reference)
        if arrow is not None:
            pd.testing.assert_frame_equal(arrow, reference)


# ---- plain decimals ---------------------------------------------------------------------------

NUMBER_CASES = [  # (cells, read by pyarrow?)
    (["1", "2.5", "", None, "-0", "007", "123456789012345.123456789012345"], True),
    (["", ""], True),
    ([repr(float(x)) for x in np.random.default_rng(3).uniform(1, 1e6, 2000)], True),
    ([f"{x:.2f}" for x in np.random.default_rng(4).uniform(0, 1e4, 2000)], True),
    (["1", "1e5"], False),  # to_numeric reads it: the pandas path decides
    (["1", "+3"], False),
    (["1", " 5"], False),
    (["1", "1,000"], False),
    (["1", "abc"], False),
    (["1", "inf"], False),
    (["1", "1234567890123456"], False),  # integer part past 15 digits
]


@pytest.mark.parametrize(("cells", "fast"), NUMBER_CASES, ids=[str(c[0][:3]) for c in NUMBER_CASES])
def test_plain_decimals_match_to_numeric(cells: list[str | None], fast: bool) -> None:
    col = pd.Series(cells, dtype="str")
    reference = cleaning._pandas_plain_numbers(col)
    arrow = cleaning._arrow_plain_numbers(col)
    assert (arrow is not None) == fast
    if arrow is not None:
        assert reference is not None
        for mine, theirs in zip(astuple(arrow), astuple(reference), strict=True):
            np.testing.assert_array_equal(mine.to_numpy(), theirs.to_numpy())
            if mine.dtype == "float64":  # bit for bit, -0.0 included
                assert (mine.to_numpy().view("int64") == theirs.to_numpy().view("int64")).all()


def _random_cells(rng: np.random.Generator) -> list[str]:
    """Cells near the edge of a plain decimal: signs, points, 14 to 17 digits, other bytes."""
    digits = list("0123456789")
    other = [*digits, ".", "-", "+", "e", " ", "a", "中", "\n"]
    cells = []
    for _ in range(int(rng.integers(1, 8))):
        pick = rng.random()
        if pick < 0.6:
            whole = "".join(rng.choice(digits, int(rng.integers(0, 9))))
            frac = "." + "".join(rng.choice(digits, int(rng.integers(0, 9)))) if rng.random() < 0.6 else ""
            cells.append(("-" if rng.random() < 0.3 else "") + whole + frac)
        else:
            size = int(rng.choice([0, 1, 2, 3, 4, 5, 14, 15, 16, 17]))
            cells.append("".join(rng.choice([*digits, ".", "-"] if pick < 0.8 else other, size)))
    return cells


def test_byte_check_of_plain_decimals_matches_the_regex() -> None:
    """``_all_plain`` (numpy over the bytes and offsets) against ``match_substring_regex`` of
    ``_ARROW_PLAIN``, on chunked, sliced, string and large_string arrays."""
    rng = np.random.default_rng(11)
    verdicts = {True: 0, False: 0}
    for trial in range(3000):
        cells = _random_cells(rng)
        kind = pa.large_string() if trial % 2 else pa.string()
        half = len(cells) // 2
        chunked = pa.chunked_array([pa.array(cells[:half], kind), pa.array(cells[half:], kind)], kind)
        sliced = pa.chunked_array([pa.array(["x", *cells], kind).slice(1)])
        text = pac.if_else(pac.equal(chunked, ""), pa.scalar(None, pa.string()), chunked)
        expected = pac.all(pac.match_substring_regex(text, cleaning._ARROW_PLAIN)).as_py() is not False
        verdicts[expected] += 1
        for arr in (chunked, sliced):
            assert cleaning._all_plain(arr, text) == expected, cells
    assert min(verdicts.values()) > 500  # both verdicts well represented


@pytest.mark.parametrize(
    "cells", [["2024"] * 5, [""] * 3, ["a"], ["a", "b", "a"], ["a", None], [None, None], []]
)
def test_a_column_of_one_value_factorizes_as_pandas(cells: list[str | None]) -> None:
    col = pd.Series(cells, dtype="str")
    codes, uniques = cleaning._factorize(col, False)
    ref_codes, ref_uniques = pd.factorize(col, use_na_sentinel=False)
    np.testing.assert_array_equal(codes, ref_codes)
    pd.testing.assert_index_equal(uniques, ref_uniques)


def test_categorical_lookups_match_the_object_lookup() -> None:
    rng = np.random.default_rng(5)
    values = pd.Series(rng.choice(["a", "b", "c", "zz", None], 500), dtype=object)
    col = pd.Series(pd.Categorical(values, categories=["zz", "c", "b", "a", "unused"]))
    numbers = pd.Series({"a": 1.5, "b": np.nan, "c": 0.0})
    for default, dtype in ((np.nan, "float64"), (2.0, "float64"), (False, "bool"), (True, "bool"), (0, None)):
        mine = cleaning.lookup(col, numbers, default, dtype=dtype)
        pd.testing.assert_series_equal(mine, _lookup_reference(values, numbers, default, dtype=dtype))


def test_duplicate_keys_from_codes_match_the_factorized_keys() -> None:
    rng = np.random.default_rng(9)
    n = 2000
    df = pd.DataFrame(
        {
            "region_code": pd.Categorical(rng.choice(["r1", "r2", "r3", None], n)),
            "period": pd.array(rng.choice([2023, 2024, None], n), dtype="Int64"),
            "indicator_code": pd.Categorical(rng.choice(["S01", "S02", "", None], n)),
        }
    )
    mine, theirs = validation._key_id(df), _key_id_reference(df)
    np.testing.assert_array_equal(pd.factorize(mine)[0], pd.factorize(theirs)[0])  # the same partition


@pytest.mark.parametrize("text", ["", "990101", "中文", "2024"])
@pytest.mark.parametrize("n", [0, 1, 7])
def test_filler_columns_match_numpy_full(text: str, n: int) -> None:
    pd.testing.assert_series_equal(upload_tables._constant(text, n), _constant_reference(text, n))


@pytest.mark.parametrize(
    "cells",
    [
        ["801001", "990101", "1", "123456789012345"],
        ["0801", "801001"],
        ["1234567890123456"],
        ["12", None],
        ["12", 12.0],
        ["１２"],
        [" 12"],
        ["12.0"],
        ["-12"],
        ["abc"],
    ],
)
def test_plain_region_codes_are_cleaned_as_before(monkeypatch: pytest.MonkeyPatch, cells: list) -> None:
    col = pd.Series(cells * 3, dtype=object)
    fast = cleaning.clean_region(col)
    monkeypatch.setattr(cleaning, "_PLAIN_CODE", _NEVER)
    pd.testing.assert_series_equal(fast, cleaning.clean_region(col))


def test_categorical_isin_matches_pandas() -> None:
    rng = np.random.default_rng(2)
    col = pd.Series(pd.Categorical(rng.choice(["a", "b", "c", None], 300), categories=["c", "b", "a", "x"]))
    for values in (["a", "x"], ["zz"], [], ["b", None], [np.nan]):
        np.testing.assert_array_equal(validation._isin(col, values), col.isin(values).to_numpy())
        plain = col.astype(object)
        np.testing.assert_array_equal(validation._isin(plain, values), plain.isin(values).to_numpy())


@pytest.mark.parametrize("values", [[2024] * 4, [2024, 2023, 2024], [], [7]])
def test_sorted_ints_match_pandas(values: list[int]) -> None:
    arr = np.array(values, dtype="int64")
    codes, uniques = validation._sorted_ints(arr)
    ref_codes, ref_uniques = pd.factorize(arr, sort=True)
    np.testing.assert_array_equal(codes, ref_codes)
    np.testing.assert_array_equal(uniques, ref_uniques)
    assert codes.dtype == ref_codes.dtype and uniques.dtype == ref_uniques.dtype


@pytest.mark.parametrize(
    "values", [[2024, 2024], [2024, None], [None, None], [2023, 2024], [], [2024.0, 2024.0]]
)
def test_one_period_matches_nunique(values: list) -> None:
    period = pd.Series(pd.array(values, dtype="Int64"))
    assert plausibility._one_period(period) == (pd.Series(pd.unique(period)).nunique(dropna=False) <= 1)


@pytest.mark.parametrize(
    "cells",
    [
        [
            "2024",
            "2024年",
            " 2023 ",
            "abc",
            "",
            None,
            2024.0,
            2024.5,
            "1989",
            "2100",
            "２０２２",
            True,
            "2024年度",
        ],
        ["2024"] * 4,
        [],
    ],
)
@pytest.mark.parametrize("text", [False, True])
def test_periods_are_cleaned_as_before(cells: list, text: bool) -> None:
    col = pd.Series(cells, dtype=object)
    col = col[col.map(lambda v: isinstance(v, str))].astype("str") if text else col
    for mine, theirs in zip(cleaning.clean_period(col), _clean_period_reference(col), strict=True):
        pd.testing.assert_series_equal(mine, theirs)


def test_indicator_frames_are_kept_per_edition_and_stay_apart() -> None:
    other = template_edition("T-other")
    for edition in (EDITION, other, EDITION):
        ctx = Context(edition, TREE, pd.DataFrame(), "x.csv")
        pd.testing.assert_frame_equal(ctx.indicators, edition.indicator_frame().set_index("indicator_code"))
        ctx.indicators["mine"] = 1.0  # a column set on one check is not seen by the next
    assert "mine" not in Context(EDITION, TREE, pd.DataFrame(), "x.csv").indicators


# ---- the code the fast paths replaced, verbatim ------------------------------------------------


def _clean_period_reference(col: pd.Series, bools: bool = True) -> tuple[pd.Series, pd.Series]:
    codes, uniques = cleaning._factorize(col, bools)
    text = cleaning._clean_text_unique(pd.Series(uniques, dtype=object)).str.replace(
        r"\s*年度?$", "", regex=True
    )
    nums = cleaning.parse_numbers(text).values
    ok = nums.notna() & (nums % 1 == 0) & nums.between(*cleaning.PERIOD_RANGE)
    bad = (~ok & (text != "")).to_numpy(dtype=bool)
    period = pd.array(nums.where(ok).to_numpy(dtype="float64")[codes], dtype="Float64").astype("Int64")
    return pd.Series(period, index=col.index), pd.Series(bad[codes], index=col.index)


_NEVER = re.compile(r"(?!)")  # a pattern that matches nothing: the fast path is never taken


def _one_period_reference(period: pd.Series) -> bool:
    return bool(pd.Series(pd.unique(period)).nunique(dropna=False) <= 1)


def _lookup_reference(
    col: pd.Series, mapping: dict | pd.Series, default: object = np.nan, dtype: str | None = None
) -> pd.Series:
    codes, uniques = pd.factorize(col)
    found = pd.Series(uniques, dtype=object).map(mapping).to_numpy(dtype=object)
    values = np.append(found, np.array([default], dtype=object))
    if dtype == "bool":
        values = np.where(pd.isna(values), False, values).astype(bool)
    elif dtype is not None:
        values = values.astype(dtype)
    return pd.Series(values[codes], index=col.index, dtype=dtype or object)


def _lookup_as_before(
    col: pd.Series,
    mapping: dict | pd.Series,
    default: object = np.nan,
    categorical: bool = False,
    dtype: str | None = None,
) -> pd.Series:
    if categorical:
        return cleaning.lookup(col, mapping, default, categorical=True, dtype=dtype)
    return _lookup_reference(col, mapping, default, dtype)


def _key_id_reference(df: pd.DataFrame) -> np.ndarray:
    gid = np.zeros(len(df), dtype="int64")
    for col in ("region_code", "period", "indicator_code"):
        codes, uniques = pd.factorize(df[col], use_na_sentinel=False)
        gid = gid * (len(uniques) + 1) + codes
    return gid


def _constant_reference(text: str, n: int) -> pd.Series:
    return pd.Series(np.full(n, text, dtype=object))


def _peer_frame_reference(cur: pd.DataFrame, peers: object, ctx: Context) -> pd.DataFrame:
    if callable(peers):
        stats = peers(sorted(plausibility._regions(cur)), sorted(plausibility._periods(cur)))
    elif peers is None:
        stats = peer_stats.empty()
    else:
        stats = peers
    if not len(stats):
        cols = [c for c in stats.columns if c not in KEYS]
        return pd.DataFrame(np.full((len(cur), len(cols)), np.nan), columns=cols, index=cur.index)
    keys = key_frame(cur)
    stats = key_frame(stats, KEYS).join(stats.drop(columns=KEYS)).drop_duplicates(KEYS)
    merged = keys.merge(stats, how="left", on=KEYS)
    return merged.set_axis(cur.index)


def _standard_reference(cur: pd.DataFrame, ctx: Context) -> pd.Series:
    ind = ctx.indicators
    floor = cleaning.lookup(cur["indicator_code"], ind["national_floor"], dtype="float64")
    higher = (
        cleaning.lookup(cur["indicator_code"], ind["direction"] == "higher", True).fillna(True).astype(bool)
    )
    if len(ctx.binding):
        b = ctx.binding[["region_code", "period", "indicator_code", "local_standard"]]
        b = key_frame(b).assign(local_standard=b["local_standard"].astype("float64")).drop_duplicates(KEYS)
        local = key_frame(cur).merge(b, how="left", on=KEYS)["local_standard"].to_numpy()
    else:
        local = np.full(len(cur), np.nan)
    local = pd.Series(local, index=cur.index, dtype="float64")
    stricter = np.where(higher, np.fmax(floor, local), np.fmin(floor, local))
    return pd.Series(stricter, index=cur.index, dtype="float64")


def _bunched_reference(cur: pd.DataFrame, exact: pd.Series) -> tuple[np.ndarray, pd.Series]:
    count = exact.groupby(plausibility._group_id([cur["region_code"], cur["period"]]), sort=False).transform(
        "sum"
    )
    return (exact & (count >= plausibility.BUNCH_MIN)).to_numpy(dtype=bool), count


# ---- W_MISSING_INDICATORS ---------------------------------------------------------------------


def _lacking_reference(df: pd.DataFrame, raw: RawTable, ctx: Context) -> list[Problem]:
    """The groupby implementation the matrix one replaced (issue 20.4), verbatim."""
    ok = ~df["region_blank"] & df["period"].notna()
    ok &= df["region_code"].isin([r.code for r in ctx.tree]).to_numpy()
    if not ok.any():
        return []
    rows = df.loc[ok]
    groups = key_frame(rows, ["region_code", "period"]).assign(_row=rows["row"].to_numpy())
    first = groups.groupby(["region_code", "period"], as_index=False, sort=True)["_row"].min()
    given = ~(rows["value_blank"] & rows["numerator_blank"] & rows["denominator_blank"])
    have = key_frame(rows.loc[given]).drop_duplicates().assign(_have=True)
    need = validation._needed(first[["region_code", "period"]], ctx, required_only=False)
    need = need.merge(have, how="left", on=KEYS)
    missing = need.loc[need["_have"].isna()]
    if not len(missing):
        return []
    order = {code: i for i, code in enumerate(ctx.indicators.index)}
    aspect_of = ctx.indicators["aspect_code"]
    aspects = {a.code: a for a in ctx.edition.aspects}
    letter = raw.letters.get("region_code", "")
    first_row = {(r, int(p)): int(n) for r, p, n in first.itertuples(index=False)}
    out: list[Problem] = []
    for (region, period), grp in missing.groupby(["region_code", "period"], sort=True):
        codes = sorted(grp["indicator_code"], key=lambda c: order.get(c, len(order)))
        listed = ", ".join(codes[:MAX_LISTED_CODES]) + (" …" if len(codes) > MAX_LISTED_CODES else "")
        in_aspects = [aspects[a] for a in dict.fromkeys(aspect_of.reindex(codes)) if a in aspects]
        row = first_row[(region, int(period))]
        fill = {
            "region": str(region),
            "period": str(period),
            "count": len(codes),
            "total": len(order),
            "required": int(grp["_required"].sum()),
            "codes": listed,
        }
        out.append(
            localized_problem(
                "W_MISSING_INDICATORS",
                {"found": str(region), **fill},
                key="ingest.W_MISSING_INDICATORS",
                per_lang={
                    "zh": {"aspects": "、".join(a.name_zh for a in in_aspects)},
                    "en": {"aspects": ", ".join(a.name_en for a in in_aspects)},
                },
                file=ctx.filename,
                sheet=raw.sheet,
                cell=f"{letter}{row}" if letter else "",
                row=row,
                column="region_code",
                value=str(region),
                severity="warning",
            )
        )
    return out


def _partial_rows(seed: int) -> list[list[object]]:
    """Every county of the test tree over two periods, about a third of the cells dropped or
    blanked, rows shuffled, an unknown region and a blank period among them."""
    rng = np.random.default_rng(seed)
    regions = tuple(r.code for r in TREE if r.level == "county")
    rows = [r for p in (PERIOD - 1, PERIOD) for r in good_batch_rows(regions, p)]
    rows = [r for r in rows if rng.random() > 0.3]
    for r in rows:
        if rng.random() < 0.1:
            r[3:6] = [None, None, None]
    rows.append(["991234", PERIOD, "S01.2", 80, None, None, ""])
    rows.append([rows[0][0], "", "S01.2", 80, None, None, ""])
    return [rows[i] for i in rng.permutation(len(rows))]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("standards", [(), STANDARDS], ids=["no local standards", "local standards"])
@pytest.mark.parametrize("periods", [2, 1])
def test_missing_indicators_match_the_groupby(seed: int, standards: tuple, periods: int) -> None:
    rows = _partial_rows(seed)
    data = batch_csv(rows if periods == 2 else [r for r in rows if r[1] != PERIOD - 1])
    raw, problems = upload_tables.batch_csv_table(data, "p.csv")
    assert raw is not None and not problems
    binding = ingest._binding(standards, TREE, EDITION, [PERIOD - 1, PERIOD])
    ctx = Context(EDITION, TREE, binding, "p.csv")
    df = validation._prepare(raw, ctx)
    found = validation._lacking(df, raw, ctx)
    assert found, "the case must lack something"
    assert found == _lacking_reference(df, raw, ctx)


@pytest.mark.parametrize("listed", [1, 2, 3, 5])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_missing_indicators_beyond_the_listed_are_counted_as_before(
    monkeypatch: pytest.MonkeyPatch, listed: int, fmt: str
) -> None:
    """Only the W_MISSING_INDICATORS warnings the report lists are built; the report (with its
    "and N more" lines of every code) is the one the full list, capped, gave."""
    monkeypatch.setenv("ASSESSMENT_PARSE_ISOLATE", "0")
    monkeypatch.setattr(upload_problems, "MAX_PER_CODE", listed)
    rows = _bad_batch(listed)
    data = batch_csv(rows) if fmt == "csv" else batch_xlsx(rows)
    kwargs = {"edition": EDITION, "tree": TREE, "local_standards": STANDARDS}
    fast = read_upload(data, f"b.{fmt}", **kwargs)
    lacking = [p for p in fast.problems if p.code == "W_MISSING_INDICATORS"]
    assert len(lacking) == listed + 1, "the case must lack more than the listed"  # + the count line
    monkeypatch.setattr(validation, "_lacking", _lacking_reference)  # builds every warning
    assert _outcome(fast) == _outcome(read_upload(data, f"b.{fmt}", **kwargs))


# ---- row counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("max_rows", [1, 5, 100, 2_999, 3_000, 3_001, 10_000])
def test_row_counts_of_the_scan_match_a_second_count(max_rows: int) -> None:
    data = hostile_xlsx(3_000)
    inspection = safety.inspect_upload(data, "h.xlsx", 20 * 1024 * 1024, max_rows=10**9)
    assert inspection.kind == "xlsx" and inspection.row_counts
    expected = safety.count_rows(data, "h.xlsx", max_rows)
    assert safety.count_rows(data, "h.xlsx", max_rows, inspection.row_counts) == expected
    assert (expected is None) == (max_rows >= sum(sum(n) for _, n in inspection.row_counts))


def _flagged_batch(formula: bool, percent: bool, boolean: bool, styled: bool) -> bytes:
    """A batch sheet with (or without) a formula without a saved result, a number in a percent
    format, a TRUE cell and cells in another (non-percent) style."""
    from openpyxl import Workbook, load_workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    ws.append(["region_code", "period", "indicator_code", "value", "numerator", "denominator", "note"])
    for r in good_batch_rows():
        ws.append(r)
    if formula:
        ws["D3"] = "=1+1"
    if percent:
        ws["D4"].number_format = "0.0%"
    if boolean:
        ws["D5"] = True
    if styled:
        ws["D6"].number_format = "0.00"
    buf = io.BytesIO()
    wb.save(buf)
    load_workbook(io.BytesIO(buf.getvalue()))  # a well-formed workbook
    return buf.getvalue()


FLAG_CASES = [(f, p, b, s) for f in (0, 1) for p in (0, 1) for b in (0, 1) for s in (0, 1)]


@pytest.mark.parametrize("case", FLAG_CASES, ids=[f"f{f}p{p}b{b}s{s}" for f, p, b, s in FLAG_CASES])
def test_cell_flags_with_the_scan_markers_match_a_second_scan(case: tuple[int, ...]) -> None:
    data = _flagged_batch(*map(bool, case))
    inspection = safety.inspect_upload(data, "f.xlsx", 20 * 1024 * 1024)
    assert inspection.kind == "xlsx" and inspection.cell_markers
    markers = dict(inspection.cell_markers)
    assert cell_flags(data, "data", markers) == cell_flags(data, "data")
    if not any(case):
        assert markers["xl/worksheets/sheet1.xml"] <= {b' s="'}


def test_cell_markers_are_what_cell_flags_looks_for() -> None:
    from assessment.intake import xlsx_reader

    wanted = {*xlsx_reader._FORMULA_MARKERS, xlsx_reader._BOOL_MARKER, xlsx_reader._STYLED}
    assert wanted == set(safety.CELL_MARKERS)


@pytest.mark.parametrize("case", [c for c in corpus.CASES], ids=[c.id for c in corpus.CASES])
def test_cell_flags_of_the_corpus_match_a_second_scan(case: corpus.Case) -> None:
    data = case.build()
    inspection = safety.inspect_upload(data, case.filename, 20 * 1024 * 1024, max_rows=10**9)
    if inspection.kind != "xlsx" or not inspection.cell_markers:
        pytest.skip("not an accepted xlsx")
    markers = dict(inspection.cell_markers)
    wb = open_workbook(data)
    try:
        names = [s.name for s in sheets(wb)]
    finally:
        wb.close()
    for name in names:
        assert cell_flags(data, name, markers) == cell_flags(data, name)


# ---- whole uploads ----------------------------------------------------------------------------


def _slow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Switch every fast path off: the pandas CSV reader, to_numeric (and the regex before the
    pyarrow cast), streaming row counts, the W_MISSING_INDICATORS groupby, the typed columns of a
    batch sheet (objects as read), the cell markers of the safety scan (every sheet streamed again
    for its cell flags), the factorisation of one-value columns, the look-ups and duplicate keys
    by categorical codes, the filler columns, and the plausibility shortcuts (a block of NaN peer
    statistics, the standard computed with no local standard, bunching counted on every row, the
    one-period checks, the plain region codes, the look-ups of categories)."""
    monkeypatch.setattr(upload_tables, "_arrow_csv_frame", lambda data, sep: None)
    monkeypatch.setattr(cleaning, "_arrow_plain_numbers", lambda col: None)
    monkeypatch.setattr(
        ingest,
        "count_rows",
        lambda data, filename, max_rows, counted=(): safety.count_rows(data, filename, max_rows),
    )
    monkeypatch.setattr(validation, "_lacking", _lacking_reference)
    monkeypatch.setattr(upload_tables, "typed_columns", lambda frame: frame)
    monkeypatch.setattr(upload_tables, "_batch_frame", lambda grid, start, cols: None)
    monkeypatch.setattr(upload_tables, "cell_flags", lambda data, name, markers=None: cell_flags(data, name))
    monkeypatch.setattr(cleaning, "_chunk_plain", lambda chunk: None)  # the regex decides
    monkeypatch.setattr(cleaning, "_one_value", lambda col: None)
    monkeypatch.setattr(upload_tables, "_constant", _constant_reference)
    monkeypatch.setattr(validation, "lookup", _lookup_as_before)
    monkeypatch.setattr(plausibility, "lookup", _lookup_as_before)
    monkeypatch.setattr(validation, "_key_id", _key_id_reference)
    monkeypatch.setattr(validation, "_isin", lambda col, values: col.isin(values).to_numpy())
    monkeypatch.setattr(validation, "_sorted_ints", lambda values: pd.factorize(values, sort=True))
    monkeypatch.setattr(cleaning, "_PLAIN_CODE", _NEVER)
    monkeypatch.setattr(plausibility, "_one_period", _one_period_reference)
    monkeypatch.setattr(plausibility, "_nothing_to_compare", lambda cur, history, peers: False)
    monkeypatch.setattr(plausibility, "_peer_frame", _peer_frame_reference)
    monkeypatch.setattr(plausibility, "_standard", _standard_reference)
    monkeypatch.setattr(plausibility, "_bunched", _bunched_reference)


def _outcome(result: ingest.UploadResult) -> tuple:
    return (result.ok, result.kind, result.region_code, result.period, [astuple(p) for p in result.problems])


def _bad_batch(seed: int) -> list[list[object]]:
    rng = np.random.default_rng(seed)
    rows = _partial_rows(seed)
    edits = {
        0: "abc",
        1: "-5",
        2: " 1,234.5 ",
        3: "95%",
        4: "1e3",
        5: 0.5,
        6: "150",
        7: "",
    }
    for k, i in enumerate(rng.choice(len(rows), len(edits), replace=False)):
        rows[i][3] = edits[k]
    rows.append(list(rows[2]))  # a duplicate
    return rows


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_uploads_are_reported_as_before(monkeypatch: pytest.MonkeyPatch, seed: int, fmt: str) -> None:
    monkeypatch.setenv("ASSESSMENT_PARSE_ISOLATE", "0")  # the patched functions live in this process
    rows = _bad_batch(seed)
    data = batch_csv(rows) if fmt == "csv" else batch_xlsx(rows)
    kwargs = {"edition": EDITION, "tree": TREE, "local_standards": STANDARDS}
    fast = read_upload(data, f"b.{fmt}", **kwargs)
    scoped = read_upload(data, f"b.{fmt}", expected_region="990100", expected_period=PERIOD, **kwargs)
    _slow(monkeypatch)
    assert _outcome(fast) == _outcome(read_upload(data, f"b.{fmt}", **kwargs))
    again = read_upload(data, f"b.{fmt}", expected_region="990100", expected_period=PERIOD, **kwargs)
    assert _outcome(scoped) == _outcome(again)
    assert {"E_NOT_NUMBER", "E_DUPLICATE_INDICATOR", "W_MISSING_INDICATORS"} <= {
        p.code for p in fast.problems
    }


def _warned_batch(seed: int) -> tuple[list[list[object]], pd.DataFrame]:
    """Rows of every county with values at their floors (bunching), rates typed as fractions and
    big moves on the counties' previous period (the history returned with them)."""
    rng = np.random.default_rng(seed)
    regions = tuple(r.code for r in TREE if r.level == "county")
    rows = good_batch_rows(regions)
    for row in rows:
        if row[2] in ("S02.1", "S02.2", "S03.1") and (row[0] in regions[:2] or rng.random() < 0.5):
            row[3] = {"S02.1": 1.0, "S02.2": 500.0, "S03.1": 4.5}[row[2]]
        if row[2] == "S01.2" and (row[0] == regions[0] or rng.random() < 0.3):
            row[3] = 0.85
    history = pd.concat(
        [good_values(r, PERIOD - 1, S02_1=(float(rng.choice([3.0, 30.0])), None, None, "")) for r in regions],
        ignore_index=True,
    )
    return rows, history


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("source", ["history", "peer statistics", "none"])
def test_warnings_are_reported_as_before(
    monkeypatch: pytest.MonkeyPatch, seed: int, fmt: str, source: str
) -> None:
    monkeypatch.setenv("ASSESSMENT_PARSE_ISOLATE", "0")
    rows, history = _warned_batch(seed)
    data = batch_csv(rows) if fmt == "csv" else batch_xlsx(rows)
    kwargs: dict[str, object] = {"edition": EDITION, "tree": TREE}
    if source != "none":
        kwargs["history"] = history
    if source == "peer statistics":
        regions = [r.code for r in TREE if r.level == "county"]
        kwargs["peers"] = peer_stats.peer_statistics(history, TREE, regions, [PERIOD, PERIOD - 1])
    for standards in ((), STANDARDS):
        fast = read_upload(data, f"w.{fmt}", local_standards=standards, **kwargs)
        with monkeypatch.context() as patched:
            _slow(patched)
            slow = read_upload(data, f"w.{fmt}", local_standards=standards, **kwargs)
        assert _outcome(fast) == _outcome(slow)
        pd.testing.assert_frame_equal(fast.values, slow.values)
        codes = {p.code for p in fast.problems}
        assert {"W_BUNCHED_AT_STANDARD", "W_RATE_AS_FRACTION"} <= codes
        assert ("W_IMPLAUSIBLE_CHANGE" in codes) == (source != "none")


@pytest.mark.parametrize(("make", "name"), [(batch_csv, "g.csv"), (batch_xlsx, "g.xlsx")])
def test_good_batch_values_are_the_same(
    monkeypatch: pytest.MonkeyPatch, make: Callable[..., bytes], name: str
) -> None:
    monkeypatch.setenv("ASSESSMENT_PARSE_ISOLATE", "0")
    regions = tuple(r.code for r in TREE if r.level == "county")
    data = make(good_batch_rows(regions))
    fast = read_upload(data, name, edition=EDITION, tree=TREE)
    _slow(monkeypatch)
    slow = read_upload(data, name, edition=EDITION, tree=TREE)
    assert fast.ok and len(fast.values) == len(slow.values) > 0
    pd.testing.assert_frame_equal(fast.values, slow.values)
    assert _outcome(fast) == _outcome(slow)


@pytest.mark.parametrize("case", corpus.CASES, ids=[c.id for c in corpus.CASES])
def test_corpus_is_reported_as_before(monkeypatch: pytest.MonkeyPatch, case: corpus.Case) -> None:
    monkeypatch.setenv("ASSESSMENT_PARSE_ISOLATE", "0")
    if case.kwargs.get("limits") is not None:
        pytest.skip("a parse limit case runs in a child process, where the patches do not reach")
    fast = corpus._read(case)
    _slow(monkeypatch)
    slow = corpus._read(case)
    assert _outcome(fast) == _outcome(slow)
    pd.testing.assert_frame_equal(fast.values, slow.values)


def test_the_csv_fast_path_is_taken_on_a_plain_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guards the comparisons above against comparing the slow path with itself."""
    calls: list[int] = []
    real = upload_tables._arrow_csv_frame

    def spy(data: bytes, sep: str) -> pd.DataFrame | None:
        out = real(data, sep)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(upload_tables, "_arrow_csv_frame", spy)
    raw, _ = upload_tables.batch_csv_table(batch_csv(good_batch_rows()), "g.csv")
    assert calls == [True] and raw is not None
    assert isinstance(raw.frame["value"].dtype, pd.StringDtype)
    assert cleaning._arrow_plain_numbers(pd.Series(["1.5", ""], dtype="str")) is not None


def test_the_typed_columns_are_taken_on_a_plain_xlsx_batch() -> None:
    """Guards the xlsx comparisons above against comparing the object columns with themselves."""
    data = batch_xlsx(_bad_batch(0))
    wb = open_workbook(data)
    try:
        raw, _ = upload_tables.batch_xlsx_table(wb, data, "b.xlsx")
    finally:
        wb.close()
    assert raw is not None
    dtypes = raw.frame.dtypes
    assert isinstance(dtypes["region_code"], pd.StringDtype) and dtypes["numerator"] == "float64"
    assert dtypes["value"] == np.dtype(object)  # "abc" and numbers in one column: left as read
    mixed = pd.DataFrame({"a": pd.Series([1.5, True], dtype=object), "b": pd.Series([2.0, ""], dtype=object)})
    typed = upload_tables.typed_columns(mixed)
    assert typed["a"].dtype == object and typed["b"].dtype == "float64" and np.isnan(typed["b"].iat[1])


@pytest.mark.parametrize("categorical", [False, True])
def test_typed_lookups_match_the_object_lookup(categorical: bool) -> None:
    rng = np.random.default_rng(3)
    col = pd.Series(rng.choice(["a", "b", "c", "zz", None], 500), dtype="category" if categorical else object)
    numbers = pd.Series({"a": 1.5, "b": np.nan, "c": 0.0})
    flags = {"a": True, "b": False, "c": np.nan}
    for default in (np.nan, 2.0):
        expected = cleaning.lookup(col, numbers, default).astype("float64")
        pd.testing.assert_series_equal(cleaning.lookup(col, numbers, default, dtype="float64"), expected)
    for default in (False, True):
        expected = cleaning.lookup(col, flags, default).fillna(False).astype(bool)
        pd.testing.assert_series_equal(cleaning.lookup(col, flags, default, dtype="bool"), expected)


@pytest.mark.parametrize(
    "grid",
    [
        [["h1", "h2"], [1.5, "x"], ["", True]],
        [["h1", "h2"], [1.5, "x"], ["", True, 3.0]],  # ragged: pandas pads
        [["h1", "h2"], [None, "2024"], [3, 2.5]],
        [["h1", "h2"]],
        [["h1"], []],
    ],
)
def test_object_frame_matches_pandas(grid: list[list[object]]) -> None:
    expected = pd.DataFrame(grid[1:], dtype=object)
    pd.testing.assert_frame_equal(upload_tables._object_frame(grid, 1), expected)
