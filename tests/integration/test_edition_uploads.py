"""Uploads checked against the catalogue of their period: a CN-2023 template for 2024, a CN-2021
template for 2022, and a CN-2021 template sent for 2024 (accepted with a warning)."""

from __future__ import annotations

from pathlib import Path

from assessment.catalogue import load_edition
from assessment.demo import demo_local_standards, demo_tree, synthetic_values
from assessment.domain.editions import EditionSchedule, LocalIndicator, edition_chooser
from assessment.intake.ingest import read_upload
from assessment.intake.template import build_template

SAMPLES = Path(__file__).resolve().parents[2] / "sample_reports"
SCHEDULE = EditionSchedule((load_edition("CN-2021"), load_edition("CN-2023")))
TREE = demo_tree()
CHOOSE = edition_chooser(SCHEDULE, (), TREE)


def test_the_sample_reports_follow_the_edition_of_their_period() -> None:
    for period, edition in ((2022, "CN-2021"), (2023, "CN-2023"), (2024, "CN-2023")):
        path = SAMPLES / f"990102_{period}.xlsx"
        result = read_upload(
            path.read_bytes(), path.name, edition=CHOOSE, tree=TREE, expected_region="990102"
        )
        assert result.ok and result.edition == edition
        assert ("S81.1" in set(result.values["indicator_code"])) == (edition == "CN-2023")
        assert not [p for p in result.problems if p.code.endswith("W_EDITION_NOT_IN_FORCE")]


def test_a_template_of_the_edition_in_force_has_its_new_indicator() -> None:
    edition = CHOOSE(2024, "990102")
    assert edition.id == "CN-2023"
    data = build_template(edition, TREE, "990102", 2024, demo_local_standards(edition), "zh")
    result = read_upload(data, "990102_2024.xlsx", edition=CHOOSE, tree=TREE, expected_region="990102")
    assert result.edition == "CN-2023"
    assert "W_EDITION_NOT_IN_FORCE" not in {p.code.split(".")[-1] for p in result.problems}
    assert "S81.1" in _cells(data) and "S81.1" not in _cells(
        build_template(CHOOSE(2022, "990102"), TREE, "990102", 2022, (), "zh")
    )


def test_an_older_template_is_accepted_with_a_warning_naming_the_new_indicators() -> None:
    # a 2021-edition template for 2024, filled (downloaded before the edition changed)
    old = load_edition("CN-2021")
    data = build_template(
        old, TREE, "990102", 2024, demo_local_standards(old), "zh", values=synthetic_values(old, TREE)
    )
    result = read_upload(
        data,
        "990102_2024.xlsx",
        edition=CHOOSE,
        tree=TREE,
        expected_region="990102",
        expected_period=2024,
    )
    assert result.ok and result.edition == "CN-2021"
    warnings = [p for p in result.problems if p.code.endswith("W_EDITION_NOT_IN_FORCE")]
    assert len(warnings) == 1
    assert "CN-2023" in warnings[0].message_en and "S81.1" in warnings[0].message_en
    assert "S81.1" in warnings[0].message_zh


def test_a_period_before_the_change_takes_the_old_edition_without_warning() -> None:
    path = SAMPLES / "990102_2022.xlsx"
    result = read_upload(path.read_bytes(), path.name, edition=CHOOSE, tree=TREE, expected_region="990102")
    assert result.ok and result.edition == "CN-2021"
    assert not [p for p in result.problems if p.code.endswith("W_EDITION_NOT_IN_FORCE")]


def test_a_local_indicator_appears_in_the_templates_below_its_jurisdiction_only() -> None:
    doctors = LocalIndicator(
        "990100",
        "P99.01",
        "",
        "每千人口执业医师数",
        "Physicians",
        "per_capita",
        "人",
        "higher",
        3.2,
        0.0,
        2023,
    )
    choose = edition_chooser(SCHEDULE, (doctors,), TREE)
    inside = TREE.leaf_codes("990100")[0]
    outside = next(c for c in TREE.leaf_codes("990000") if not TREE.is_within(c, "990100"))
    assert "P99.01" in choose(2024, inside).indicator_by_code
    assert "P99.01" not in choose(2024, outside).indicator_by_code
    std = doctors.as_standard()
    data = build_template(choose(2024, inside), TREE, inside, 2024, (std,), "zh")
    assert "P99.01" in _cells(data)


def _cells(data: bytes) -> str:
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return " ".join(
        str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c
    )
