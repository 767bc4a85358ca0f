"""Issue 20 point 1: the shared assessment holds its tables in compact dtypes with the same values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assessment.catalogue import load_edition
from assessment.scoring import analysis
from assessment.scoring.analysis import assess, compact


@pytest.mark.parametrize(
    ("values", "dtype", "expected"),
    [
        ([1, 2, 5], "int64", "int8"),  # quintiles: small codes
        ([0, 63], "int64", "int8"),
        ([0, 64], "int64", "int16"),  # two of them could overflow int8 when added
        ([2020, 2024], "int64", "int16"),  # periods
        ([0, 70_000], "int64", "int32"),
        ([0, 2**40], "int64", "int64"),
        ([1, None, 3], "Int64", "Int8"),  # nullable stays nullable
        ([1, None, 3000], "Int64", "Int16"),
        ([1.5, 2.0], "float64", "float64"),  # floats are never narrowed (values would change)
        ([True, False], "bool", "bool"),
    ],
)
def test_compact_integer_dtypes(values: list, dtype: str, expected: str) -> None:
    col = pd.Series(values, dtype=dtype)
    out = compact(pd.DataFrame({"x": col}))["x"]
    assert str(out.dtype) == expected
    assert out.astype(object).tolist() == col.astype(object).tolist()


def test_compact_text_becomes_categorical_and_keeps_values() -> None:
    frame = pd.DataFrame(
        {"code": pd.array(["a", "b", None, "a"], dtype="string"), "mixed": [1, "x", None, 2]}
    )
    out = compact(frame)
    assert isinstance(out["code"].dtype, pd.CategoricalDtype)
    assert out["code"].astype(object).where(out["code"].notna(), None).tolist() == ["a", "b", None, "a"]
    assert out["mixed"].dtype == object  # not all strings: left alone
    assert frame["code"].dtype == "string"  # the input is not modified


def test_assessment_tables_compact_with_the_same_values(monkeypatch: pytest.MonkeyPatch) -> None:
    from assessment.demo import demo_local_standards, demo_tree, synthetic_values

    edition = load_edition()
    tree = demo_tree()
    values = synthetic_values(edition, tree)
    small = assess(values, edition, tree, demo_local_standards(edition))
    monkeypatch.setattr(analysis, "compact", lambda frame: frame)
    wide = assess(values, edition, tree, demo_local_standards(edition))
    for name in ("scores", "aggregates", "trends", "costs"):
        a, b = getattr(small, name), getattr(wide, name)
        assert a.memory_usage(deep=True).sum() < b.memory_usage(deep=True).sum(), name
        assert list(a.columns) == list(b.columns)
        for col in a.columns:
            left = a[col].astype(object).where(a[col].notna(), None).tolist()
            right = b[col].astype(object).where(b[col].notna(), None).tolist()
            assert len(left) == len(right)
            same = [
                x == y or (isinstance(x, float) and np.isnan(x) and np.isnan(y))
                for x, y in zip(left, right, strict=True)
            ]
            assert all(same), f"{name}.{col}"
