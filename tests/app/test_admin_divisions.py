"""The administration page offers a tree from the national division list (issue 13 item 2)."""

from __future__ import annotations

import io

import pandas as pd

from assessment.domain.i18n import t
from tests.app.test_empty_database import _clean, empty_db, open_page  # noqa: F401 (fixture)


def test_an_empty_database_offers_the_nation_or_a_province_to_start_from(empty_db: str) -> None:  # noqa: F811
    at = open_page("admin", "admin.py", "zh")
    _clean(at)
    pick = at.selectbox(key="admin_division_from")
    assert pick.options[0].startswith("100000") and len(pick.options) == 32
    assert any(o.startswith("440000 广东省") for o in pick.options)
    assert t("divisions.start_title", "zh") in [e.label for e in at.expander]


def test_the_offered_file_is_the_division_tree_of_the_choice() -> None:
    from assessment.catalogue.divisions import division_tree_csv

    frame = pd.read_csv(io.BytesIO(division_tree_csv("440000")), dtype=str, keep_default_na=False)
    assert frame.iloc[0]["code"] == "440000" and (frame["population"] == "").all()
