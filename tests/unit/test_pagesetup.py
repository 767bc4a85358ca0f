"""How a report sheet prints on A4 (issue 18 point 4): assessment/reports/pagesetup.py."""

from __future__ import annotations

from itertools import pairwise

import pytest

from assessment.reports.pagesetup import MIN_PRINT_PT, column_points, plan_page, printable_width


@pytest.mark.parametrize(
    ("widths", "font", "landscape", "fit"),
    [
        ([22, 76], 11, False, True),  # the cover: one portrait page wide at 100 %
        ([30, 30, 30, 30], 11, True, True),  # too wide for portrait, fits landscape at 100 %
        ([12] * 14, 11, True, True),  # shrunk a little: text stays above 8 pt
        ([10, 18, 16] + [13] * 16, 11, True, False),  # a wide aspect sheet: paged, not shrunk to 5 pt
        ([12] * 14, 8, True, False),  # 8 pt text cannot be shrunk at all
    ],
)
def test_fit_to_width_only_at_8_pt_or_more(
    widths: list[float], font: float, landscape: bool, fit: bool
) -> None:
    plan = plan_page(widths, smallest_font=font, repeat_cols=3)
    assert (plan.landscape, plan.fit_width) == (landscape, fit)
    assert plan.scale * font >= MIN_PRINT_PT
    total = sum(column_points(w) for w in widths)
    if fit:
        assert total * plan.scale <= printable_width(plan.landscape) + 0.5
    else:
        assert total * plan.scale > printable_width(True)


def test_paged_sheets_break_where_each_page_fits_and_repeat_the_first_columns() -> None:
    widths = [10, 18, 16] + [13] * 16
    plan = plan_page(widths, smallest_font=11, repeat_cols=3)
    assert plan.repeat_cols == 3 and plan.breaks
    page = printable_width(True) / plan.scale
    repeated = sum(column_points(w) for w in widths[:3])
    bounds = [3, *plan.breaks, len(widths)]
    for start, end in pairwise(bounds):
        used = repeated + sum(column_points(w) for w in widths[start:end])
        assert used <= page
        if end < len(widths):  # and the next column would not have fitted
            assert used + column_points(widths[end]) > page


def test_repeated_columns_never_fill_the_page() -> None:
    plan = plan_page([80, 80, 20, 20, 20], smallest_font=11, repeat_cols=2)
    assert not plan.fit_width and plan.repeat_cols == 0
