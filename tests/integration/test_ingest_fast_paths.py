"""The fast paths of batch ingest (issue 20, point 4) give exactly what the paths they replace gave.

- the pyarrow CSV reader against pandas' C reader (cells, blank lines, separators, refusals);
- pyarrow's cast of plain decimals against ``pandas.to_numeric``;
- W_MISSING_INDICATORS on a boolean matrix against the groupby loop it replaced (kept here);
- the row counts taken during the safety scan against a second streaming count;
- whole uploads (every corpus case, and larger generated batches with errors of every kind): the
  problems (codes, places, texts) and the values are the same with the fast paths switched off.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import astuple

import numpy as np
import pandas as pd
import pytest

from assessment.domain.errors import Problem, localized_problem
from assessment.intake import cleaning, ingest, safety, upload_problems, upload_tables, validation
from assessment.intake.ingest import read_upload
from assessment.intake.validation import KEYS, MAX_LISTED_CODES, Context, RawTable, key_frame
from assessment.intake.xlsx_reader import cell_flags, open_workbook, sheets
from tests.fixtures import PERIOD, batch_csv, batch_xlsx, good_batch_rows, hostile_xlsx
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
def test_missing_indicators_match_the_groupby(seed: int, standards: tuple) -> None:
    data = batch_csv(_partial_rows(seed))
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
    """Switch every fast path off: the pandas CSV reader, to_numeric, streaming row counts, the
    W_MISSING_INDICATORS groupby, the typed columns of a batch sheet (objects as read), and the
    cell markers of the safety scan (every sheet streamed again for its cell flags)."""
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
