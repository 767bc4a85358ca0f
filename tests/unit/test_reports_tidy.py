"""Tidy exports (issue 8 item 3): scores, equity and trends as csv (UTF-8 with BOM) and parquet."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.domain.errors import DataFileError
from assessment.reports import EXPORTS, export_frame, safe_text, tidy_export
from tests.fixtures import SCORING_EDITION as EDITION
from tests.fixtures import SCORING_EDITION_ID as EDITION_ID
from tests.fixtures import SCORING_TREE as TREE
from tests.fixtures import full_values


def _values() -> pd.DataFrame:
    return pd.concat([full_values(2023, scale=0.9), full_values(2024)], ignore_index=True)


@pytest.mark.parametrize("what", EXPORTS)
def test_every_export_carries_the_edition(what: str) -> None:
    frame = export_frame(what, _values(), EDITION, TREE)
    assert len(frame) > 0
    assert set(frame["edition"].astype(str)) == {EDITION_ID}
    assert set(frame["period"]) == {2023, 2024}


def test_scores_export_has_one_row_per_region_period_indicator_with_names() -> None:
    frame = export_frame("scores", _values(), EDITION, TREE, jurisdiction="990100", periods=[2024])
    assert len(frame) == 2 * 1 * len(EDITION.indicators)  # two counties under 990100
    assert {"region_name_zh", "region_name_en", "indicator_name_en", "score", "status"} <= set(frame.columns)
    assert set(frame["region_name_en"]) == {"County A1", "County A2"}


def test_equity_export_has_aspects_and_indicators() -> None:
    frame = export_frame("equity", _values(), EDITION, TREE)
    assert set(frame["by"]) == {"aspect", "indicator"}


def test_csv_is_utf8_with_bom_and_reads_back() -> None:
    frame = export_frame("trends", _values(), EDITION, TREE)
    data = tidy_export(frame, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"region_code": str})
    assert list(back.columns) == list(frame.columns)
    assert len(back) == len(frame)
    assert "甲一县" in set(back["region_name_zh"])


def test_parquet_round_trip_keeps_types() -> None:
    frame = export_frame("scores", _values(), EDITION, TREE)
    back = pd.read_parquet(io.BytesIO(tidy_export(frame, "parquet")))
    assert len(back) == len(frame)
    pd.testing.assert_series_equal(back["score"], frame["score"], check_names=False)
    assert back["status"].astype(str).tolist() == frame["status"].astype(str).tolist()


def test_export_does_not_change_its_input() -> None:
    frame = pd.DataFrame({"name": ["=1+1", "ok"], "gap": [-2.5, 1.0]})
    before = frame.copy()
    tidy_export(frame, "csv")
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: tidy_export(pd.DataFrame({"a": [1]}), "xlsx"), "reports.error.bad_format"),
        (lambda: export_frame("costs", _values(), EDITION, TREE), "reports.error.bad_what"),
        (
            lambda: export_frame("scores", _values(), EDITION, TREE, jurisdiction="123456"),
            "reports.error.unknown_region",
        ),
        (
            lambda: export_frame("scores", _values(), EDITION, TREE, periods=[2030]),
            "reports.error.unknown_period",
        ),
        (lambda: export_frame("scores", _values().iloc[0:0], EDITION, TREE), "reports.error.no_periods"),
    ],
)
def test_bad_requests_are_refused(call, code: str) -> None:
    with pytest.raises(DataFileError) as err:
        call()
    assert err.value.problems[0].code == code


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(max_size=20), st.floats(allow_nan=False, allow_infinity=False, width=32)),
        min_size=1,
        max_size=8,
    )
)
def test_csv_text_is_neutralised_and_numbers_survive(rows: list[tuple[str, float]]) -> None:
    frame = pd.DataFrame(rows, columns=["text", "number"])
    data = tidy_export(frame, "csv")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"text": str}, keep_default_na=False)
    assert back["text"].tolist() == [safe_text(t) for t, _ in rows]
    assert back["number"].astype("float64").tolist() == pytest.approx([n for _, n in rows])
