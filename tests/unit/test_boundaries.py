"""Region boundaries: the GeoJSON loader (every refusal says where, what and what to do, in both
languages) and the map traces. The store is tested in tests/integration/test_boundaries_store.py,
the admin page in tests/app/test_page_boundaries.py."""

from __future__ import annotations

import json

import pytest

from assessment.catalogue import boundaries as bmod
from assessment.catalogue.boundaries import feature_collection, parse_boundaries
from assessment.demo import DEMO_DIR, demo_tree
from assessment.domain.errors import DataFileError
from tests.fixtures import SQUARE
from tests.fixtures import geojson_collection as _collection
from tests.fixtures import geojson_feature as _feature
from tests.fixtures import store_tree as tree


def _refusal(data: bytes, t=None) -> DataFileError:  # type: ignore[no-untyped-def]
    with pytest.raises(DataFileError) as err:
        parse_boundaries(data, "b.geojson", t or tree())
    return err.value


# --- the loader -------------------------------------------------------------------------------------


def test_the_demo_file_covers_the_demo_tree() -> None:
    checked = parse_boundaries(
        (DEMO_DIR / "boundaries.geojson").read_bytes(), "boundaries.geojson", demo_tree()
    )
    assert set(checked.geometries) == {r.code for r in demo_tree()}
    assert checked.missing == () and checked.warnings == () and checked.vertices > 1000


def test_accepted_code_properties_precision_and_closing_rings() -> None:
    open_ring = [[100.123456789, 30.0], [100.2, 30.0], [100.2, 30.2], [100.0, 30.2]]  # not closed
    data = _collection(
        _feature({"adcode": 990101}, {"type": "Polygon", "coordinates": [open_ring]}),  # DataV style
        _feature({"Region_Code": "990102"}),
        _feature({"GB": "990201"}, {"type": "MultiPolygon", "coordinates": [[SQUARE], [SQUARE]]}),
        {
            "type": "Feature",
            "id": "990100",
            "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [SQUARE]},
        },
    )
    checked = parse_boundaries(data, "b.geojson", tree())
    assert set(checked.geometries) == {"990101", "990102", "990201", "990100"}
    ring = checked.geometries["990101"]["coordinates"][0]
    assert ring[0] == [100.12346, 30.0] and ring[-1] == ring[0] and len(ring) == 5
    assert set(checked.missing) == {"990000", "990200", "990103", "990104", "990202"}
    (warning,) = checked.warnings
    assert warning.severity == "warning" and "990000" in warning.message("en")


@pytest.mark.parametrize(
    ("data", "code", "zh", "en"),
    [
        (b"{not json", "boundaries.not_json", "第 1 行", "line 1"),
        ("\ufffe".encode("utf-16"), "boundaries.not_utf8", "UTF-8", "UTF-8"),
        (
            json.dumps({"type": "Feature"}).encode(),
            "boundaries.not_collection",
            "FeatureCollection",
            "'Feature'",
        ),
        (json.dumps([1, 2]).encode(), "boundaries.not_collection", "list", "list"),
        (_collection(), "boundaries.no_features", "没有任何要素", "no features"),
        (
            _collection(_feature({"name": "甲1县"})),
            "boundaries.no_code",
            "第 1 个要素",
            "Feature 1 has no region code",
        ),
        (_collection(_feature({"code": "99-01"})), "boundaries.bad_code", "99-01", "not six digits"),
        (
            _collection(_feature({"code": "110101"})),
            "boundaries.unknown_code",
            "110101",
            "not in the region tree",
        ),
        (
            _collection(_feature({"code": "990101"}), _feature({"code": "990101"})),
            "boundaries.duplicate_code",
            "第 2 个要素",
            "repeats feature 1",
        ),
        (
            _collection(_feature({"code": "990101"}, {"type": "Point", "coordinates": [100.0, 30.0]})),
            "boundaries.bad_geometry",
            "Point",
            "'Point'",
        ),
        (
            _collection(
                _feature(
                    {"code": "990101"}, {"type": "Polygon", "coordinates": [[[500000.0, 3300000.0]] * 5]}
                )
            ),
            "boundaries.bad_coordinates",
            "EPSG:4326",
            "metres",
        ),
        (
            _collection(
                _feature({"code": "990101"}, {"type": "Polygon", "coordinates": [[["a", 1], ["b", 2]]]})
            ),
            "boundaries.bad_coordinates",
            "990101",
            "longitude/latitude",
        ),
        (
            _collection(_feature({"code": "990101"}, {"type": "Polygon", "coordinates": [SQUARE[:3]]})),
            "boundaries.ring_too_short",
            "少于4个点",
            "fewer than 4 points",
        ),
    ],
)
def test_refusals_say_where_what_and_what_to_do(data: bytes, code: str, zh: str, en: str) -> None:
    err = _refusal(data)
    first = err.problems[0]
    assert first.code == code and first.file == "b.geojson"
    assert zh in first.message("zh"), first.message("zh")
    assert en in first.message("en"), first.message("en")


def test_every_bad_feature_is_listed_then_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bmod, "MAX_PROBLEMS", 3)
    err = _refusal(_collection(*[_feature({"code": f"1{i:05d}"}) for i in range(5)]))
    assert [p.code for p in err.problems] == ["boundaries.unknown_code"] * 3 + ["boundaries.more_problems"]
    assert "2" in err.problems[-1].message("en")


def test_too_large_is_refused_before_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bmod, "MAX_BYTES", 100)
    err = _refusal(_collection(*[_feature({"code": "990101"})] * 5))
    assert [p.code for p in err.problems] == ["boundaries.too_large"]
    assert "mapshaper" in err.problems[0].message("en")


def test_feature_collection_follows_the_tree() -> None:
    geo = feature_collection(
        {
            "990102": {"type": "Polygon", "coordinates": [SQUARE]},
            "990000": {"type": "Polygon", "coordinates": [SQUARE]},
        },
        tree(),
    )
    assert [f["id"] for f in geo["features"]] == ["990000", "990102"]
    props = geo["features"][1]["properties"]
    assert props == {
        "code": "990102",
        "name_zh": "甲2县",
        "name_en": "Jia 2",
        "level": "county",
        "parent_code": "990100",
    }


def test_a_national_map_is_a_few_dozen_traces_not_thousands() -> None:
    """2,850 counties with distinct scores: one fill trace per colour step, one hover point each."""
    import pandas as pd

    from ui.charts import choropleth

    n = 2850
    features = [
        {
            "type": "Feature",
            "properties": {"code": f"{i:06d}", "level": "county"},
            "geometry": {"type": "Polygon", "coordinates": [[[x + i % 60, y + i // 60] for x, y in SQUARE]]},
        }
        for i in range(n)
    ]
    frame = pd.DataFrame(
        {
            "region_code": [f"{i:06d}" for i in range(n)],
            "name": [f"County {i}" for i in range(n)],
            "score": [None if i % 97 == 0 else 100.0 * i / n for i in range(n)],
            "status": ["no_data" if i % 97 == 0 else "meets" for i in range(n)],
        }
    )
    fig = choropleth(frame, {"features": features}, score_label="Score", status_labels={"meets": "Meets"})
    fills = [tr for tr in fig.data if tr.fill == "toself"]
    assert 30 <= len(fills) <= 42 and len(fig.data) <= 45
    hover = next(tr for tr in fig.data if tr.mode == "markers" and tr.text is not None)
    assert len(hover.text) == n and hover.text[1].startswith("County 1<br>Score: 0.0")
    assert sum(x is None for tr in fills for x in tr.x) == n  # every county drawn once


def test_a_township_feature_has_a_nine_digit_code() -> None:
    from assessment.catalogue.regions import parse_region_csv
    from tests.fixtures import NATIONAL_CSV

    nation = parse_region_csv(NATIONAL_CSV, filename="nation.csv")
    got = parse_boundaries(
        _collection(_feature({"adcode": 970102001}), _feature({"code": "970102"})), "b.geojson", nation
    )
    assert set(got.geometries) == {"970102001", "970102"}
    assert "970102100" in got.missing  # the other township
    # nine digits of a township the tree lacks: unknown, not a bad code; eight digits: a bad code
    for code, key in (("970102999", "boundaries.unknown_code"), ("97010200", "boundaries.bad_code")):
        with pytest.raises(DataFileError) as err:
            parse_boundaries(_collection(_feature({"code": code})), "b.geojson", nation)
        assert err.value.problems[0].code == key
