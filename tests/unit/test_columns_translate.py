"""``ui.columns.grid_translate``: a frozen Styler's render dict for Streamlit, built directly instead of
by pandas' ``Styler._translate``, must give Streamlit exactly what pandas' gives (issue 20 point 2).

Each case marshals the same table twice with Streamlit's own ``marshall_styler``: once a Styler
:func:`ui.columns.styled` froze (the fast path) and once a plain one (pandas' ``_translate``); the
protos must be equal byte for byte."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from streamlit.elements.lib.pandas_styler_utils import marshall_styler
from streamlit.proto.ArrowData_pb2 import ArrowData

from ui import columns


def _frame(n: int = 40) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(7)
    score = rng.uniform(0, 100, n).round(3)
    score[::7] = np.nan
    statuses = np.array(["below_floor", "meets_standard", "no_data", "below_standard", "unknown_code"])
    status = statuses[np.arange(n) % len(statuses)]
    shown = pd.DataFrame(
        {
            "name": [f"县{i}" if i % 9 else None for i in range(n)],
            "score": score,
            "rank": pd.array([i if i % 5 else None for i in range(n)], dtype="Int64"),
            "count": np.arange(n, dtype=np.int16),
            "status": pd.Categorical(np.where(np.arange(n) % 11 == 3, None, status)),
            "flag": np.arange(n) % 2 == 0,
            "change": (rng.normal(0, 3, n)).astype("float32"),
            "note": pd.Series(["", "下降", "↑"] * (n // 3) + [""] * (n % 3), dtype="str"),
        },
        index=pd.RangeIndex(100, 100 + n),
    )
    codes = pd.Series(status, index=shown.index)
    return shown, codes


def _proto(styler) -> bytes:  # type: ignore[no-untyped-def]
    styler.set_uuid("fixed")
    proto = ArrowData()
    marshall_styler(proto, styler, "default")
    return proto.SerializeToString()


@pytest.mark.parametrize("n", [0, 1, 40, 333])
def test_the_fast_render_dict_marshals_exactly_as_pandas_one(n: int) -> None:
    shown, codes = _frame(n)
    fast = columns.styled(shown, codes, frozen=True)
    slow = columns.styled(shown, codes)
    fast._compute()
    assert columns.grid_translate(fast) is not None  # the fast path is the one compared
    assert _proto(fast) == _proto(slow)


def test_without_status_codes_too() -> None:
    shown, _ = _frame()
    assert _proto(columns.styled(shown, None, frozen=True)) == _proto(columns.styled(shown, None))


def test_a_changed_value_shows() -> None:
    shown, codes = _frame()
    before = _proto(columns.styled(shown, codes, frozen=True))
    changed = shown.copy()
    changed.iloc[5, 1] = 12.5
    assert _proto(columns.styled(changed, codes, frozen=True)) != before


def test_anything_else_falls_back_to_pandas() -> None:
    shown, codes = _frame()
    hidden = columns.styled(shown, codes).hide(["flag"], axis="columns")
    hidden._compute()
    assert columns.grid_translate(hidden) is None
    other = columns.styled(shown, codes).format("{:.1f}", subset=["score"])
    other._compute()
    assert columns.grid_translate(other) is None
    frozen_hidden = columns.freeze(columns.styled(shown, codes).hide(["flag"], axis="columns"))
    assert _proto(frozen_hidden) == _proto(columns.styled(shown, codes).hide(["flag"], axis="columns"))
