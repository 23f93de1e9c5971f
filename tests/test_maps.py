"""Maps: governorate boundaries and names, totals by governorate, and labels that never overlap.

Placement is checked on hand-made boxes and on the drawn figures themselves
(every text's box as matplotlib renders it); names against the official lists
of governorates written out here, not read from the data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.analysis import maps
from sim.analysis.governorates import (Governorate, area_governorates, attacks_by_governorate, load_governorates,
                                       outline_segments, shared_segments)
from sim.analysis.labels import candidate_boxes, overlapping_pairs, overlaps, place_labels, renderer_of
from sim.geography import load_geography

# Iraq's 19 governorates (Halabja split from Sulaymaniyah, recognised in 2025) and Syria's 14.
IRAQ_GOVERNORATES = {"Anbar", "Babil", "Baghdad", "Basra", "Dhi Qar", "Diyala", "Duhok", "Erbil", "Halabja",
                     "Karbala", "Kirkuk", "Maysan", "Muthanna", "Najaf", "Nineveh", "Qadisiyah", "Salah al-Din",
                     "Sulaymaniyah", "Wasit"}
SYRIA_GOVERNORATES = {"Aleppo", "Damascus", "Daraa", "Deir ez-Zor", "Hama", "Hasakah", "Homs", "Idlib", "Latakia",
                      "Quneitra", "Raqqa", "Rif Dimashq", "Suwayda", "Tartus"}
# Extremes of each country's territory (degrees), widened by 0.1.
IRAQ_EXTENT = (38.7, 48.75, 28.95, 37.5)
SYRIA_EXTENT = (35.6, 42.5, 32.2, 37.4)


# ----- label placement on hand-made boxes --------------------------------------------------------
def test_crowded_labels_are_all_placed_without_overlap():
    anchors = np.array([[200.0 + k, 200.0 + 0.5 * k] for k in range(12)])     # twelve points almost on one
    sizes = np.tile([60.0, 14.0], (12, 1))
    obstacle = np.array([[190.0, 190.0, 215.0, 210.0]])
    boxes, rings = place_labels(anchors, sizes, obstacle, np.array([0, 0, 400, 400]), clearance=3, step=8, rings=20)
    assert (rings >= 0).all()
    assert overlapping_pairs(boxes) == []
    assert not any(overlaps(b, obstacle)[0] for b in boxes)
    assert (boxes[:, :2] >= 0).all() and (boxes[:, 2:] <= 400).all()
    np.testing.assert_allclose(boxes[:, 2:] - boxes[:, :2], sizes)


def test_a_label_with_no_free_spot_is_left_off_not_drawn_over_another():
    anchors = np.array([[30.0, 15.0], [30.0, 15.0]])
    sizes = np.array([[50.0, 20.0], [50.0, 20.0]])
    boxes, rings = place_labels(anchors, sizes, np.zeros((0, 4)), np.array([0, 0, 60, 30]),
                                clearance=0, step=5, rings=4, centred=True)
    assert rings[0] == 0 and rings[1] == -1
    assert np.isnan(boxes[1]).all() and overlapping_pairs(boxes) == []


def _with_leaders(anchors, boxes, rings, leader_from):
    """Each placed label's box grown to take in its point where it has a leader line."""
    out = boxes.copy()
    led = rings >= leader_from
    out[led, :2] = np.minimum(out[led, :2], anchors[led])
    out[led, 2:] = np.maximum(out[led, 2:], anchors[led])
    return out


def test_no_leader_line_runs_into_another_label():
    """Labels pushed off their points get leader lines; the rectangle from a label to its point meets no
    other label or leader. Without the rule, this crowded layout has such crossings."""
    rng = np.random.default_rng(0)
    anchors, sizes = rng.uniform(150, 250, (12, 2)), np.tile([40.0, 12.0], (12, 1))
    bounds = np.array([0, 0, 400, 400])
    kwargs = {"clearance": 2, "step": 6, "rings": 15}
    boxes, rings = place_labels(anchors, sizes, np.zeros((0, 4)), bounds, leader_from=1, **kwargs)
    assert (rings >= 0).sum() >= 8
    assert overlapping_pairs(_with_leaders(anchors, boxes, rings, 1)) == []
    plain, plain_rings = place_labels(anchors, sizes, np.zeros((0, 4)), bounds, **kwargs)
    assert (plain_rings >= 1).any()
    assert overlapping_pairs(_with_leaders(anchors, plain, plain_rings, 1)) != []


def test_the_first_spot_tried_is_beside_the_point_on_its_right():
    box = candidate_boxes(np.array([100.0, 50.0]), np.array([40.0, 10.0]), 5.0, 8.0, 3)[0]
    np.testing.assert_allclose(box, [105.0, 45.0, 145.0, 55.0])


def test_placement_depends_only_on_its_inputs():
    rng = np.random.default_rng(7)
    anchors, sizes = rng.uniform(50, 350, (30, 2)), rng.uniform(10, 60, (30, 2))
    first = place_labels(anchors, sizes, np.zeros((0, 4)), np.array([0, 0, 400, 400]), clearance=2, step=6, rings=10)
    again = place_labels(anchors, sizes, np.zeros((0, 4)), np.array([0, 0, 400, 400]), clearance=2, step=6, rings=10)
    np.testing.assert_array_equal(first[0], again[0])
    assert overlapping_pairs(first[0]) == []


# ----- boundaries and names ----------------------------------------------------------------------
def test_every_governorate_maps_to_a_current_name_and_only_halabja_is_missing():
    govs = load_governorates()
    iraq = {g.name for g in govs if g.country == "iraq"}
    syria = {g.name for g in govs if g.country == "syria"}
    assert iraq == IRAQ_GOVERNORATES - {"Halabja"}
    assert syria == SYRIA_GOVERNORATES
    old = {g.natural_earth_name: g.name for g in govs}
    assert old["At-Ta'mim"] == "Kirkuk" and old["Ninawa"] == "Nineveh" and old["Dayr Az Zawr"] == "Deir ez-Zor"


def test_polygons_load_and_lie_within_each_countrys_extent():
    govs = load_governorates()
    assert sum(g.country == "iraq" for g in govs) == 18 and sum(g.country == "syria" for g in govs) == 15
    for g in govs:
        west, east, south, north = IRAQ_EXTENT if g.country == "iraq" else SYRIA_EXTENT
        points = np.vstack(g.rings)
        assert len(g.rings[0]) >= 4 and np.array_equal(g.rings[0][0], g.rings[0][-1]), g.name
        assert (points[:, 0] >= west).all() and (points[:, 0] <= east).all(), g.name
        assert (points[:, 1] >= south).all() and (points[:, 1] <= north).all(), g.name


def test_every_area_of_operation_has_a_governorate_of_its_own_country():
    geo = load_geography()
    named = area_governorates()
    assert set(named) == set(geo.area_ids)
    for area, in_iraq in zip(geo.area_ids, geo.in_iraq, strict=True):
        assert named[area] in (IRAQ_GOVERNORATES if in_iraq else SYRIA_GOVERNORATES), area
    assert named["kirkuk"] == "Kirkuk" and named["northeast_syria"] == "Hasakah"


def square(x: float, y: float) -> Governorate:
    ring = np.array([[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]], dtype=float)
    return Governorate(f"{x},{y}", "", "test", (ring,), x + 0.5, y + 0.5)


def test_outline_of_two_neighbours_leaves_out_their_common_edge_and_two_countries_share_their_border():
    left, right, far = square(0, 0), square(1, 0), square(2, 0)
    outline = outline_segments([left, right])
    assert len(outline) == 6
    common = {(1.0, 0.0), (1.0, 1.0)}
    assert not any({tuple(s[0]), tuple(s[1])} == common for s in outline)
    border = shared_segments(outline, outline_segments([far]))
    assert len(border) == 1 and {tuple(border[0][0]), tuple(border[0][1])} == {(2.0, 0.0), (2.0, 1.0)}


def test_the_iraq_syria_border_runs_from_the_jordanian_to_the_turkish_tripoint():
    border = maps.borders()["iraq_syria"].reshape(-1, 2)
    # Tripoints: Jordan–Iraq–Syria near 33.37N 38.79E; Turkey–Iraq–Syria near 37.08N 42.36E.
    assert border[:, 1].min() == pytest.approx(33.37, abs=0.05) and border[:, 1].max() == pytest.approx(37.1, abs=0.1)
    assert 38.7 < border[:, 0].min() and border[:, 0].max() < 42.5
    length_deg = np.hypot(*np.diff(maps.borders()["iraq_syria"], axis=1)[:, 0].T).sum()
    assert 5.0 < length_deg < 7.5            # about 600 km of border


# ----- totals by governorate ----------------------------------------------------------------------
def test_attacks_by_governorate_add_up_the_areas_of_each():
    by_area = {"a": {"attacks_per_month": 1.5}, "b": {"attacks_per_month": 0.25}, "c": {"attacks_per_month": 2.0}}
    totals = attacks_by_governorate(by_area, {"a": "Kirkuk", "b": "Diyala", "c": "Kirkuk"})
    assert totals == {"Diyala": 0.25, "Kirkuk": 3.5}
    with pytest.raises(ValueError, match="areas without a governorate: d"):
        attacks_by_governorate({**by_area, "d": {"attacks_per_month": 1.0}}, {"a": "Kirkuk", "b": "Diyala",
                                                                                "c": "Kirkuk"})


def test_attacks_by_governorate_sum_to_the_attacks_by_area_for_the_shipped_areas():
    geo = load_geography()
    rates = np.random.default_rng(3).uniform(0, 2, geo.n_areas)
    by_area = {a: {"attacks_per_month": float(r)} for a, r, i in zip(geo.area_ids, rates, geo.in_iraq, strict=True)
               if i}
    totals = attacks_by_governorate(by_area, area_governorates())
    assert sum(totals.values()) == pytest.approx(sum(v["attacks_per_month"] for v in by_area.values()), rel=1e-12)
    assert set(totals) <= IRAQ_GOVERNORATES


# ----- the drawn maps -----------------------------------------------------------------------------
def drawn_label_boxes(fig) -> tuple[list[str], np.ndarray]:
    """The text and box, as rendered, of every label drawn inside the map panels."""
    renderer = renderer_of(fig)
    fig.canvas.draw()
    texts, boxes = [], []
    for ax in fig.axes:
        for t in ax.texts:
            if t.get_text() and t.get_visible():
                patch = t.get_bbox_patch()
                texts.append(t.get_text())
                boxes.append((patch or t).get_window_extent(renderer).extents)
    return texts, np.array(boxes).reshape(-1, 4)


@pytest.fixture(scope="module")
def by_area():
    geo = load_geography()
    rates = np.linspace(0.05, 1.6, int(geo.in_iraq.sum()))
    return {a: {"attacks_per_month": float(r)} for a, r in zip(np.array(geo.area_ids)[geo.in_iraq], rates,
                                                                 strict=True)}


def test_attack_map_labels_every_area_and_base_without_overlap(by_area):
    geo = load_geography()
    texts, boxes = drawn_label_boxes(maps.attack_map(by_area, geo, "test"))
    assert overlapping_pairs(boxes) == []
    firsts = [t.split("\n")[0] for t in texts]
    for name in geo.area_names:
        assert maps.short_name(name) in firsts, name
    for base in ("Ain al-Asad", "Victoria", "Erbil", "Harir"):
        assert base in firsts
    assert f"Kirkuk\n{by_area['kirkuk']['attacks_per_month']:.2f} a month" in texts


def test_choropleth_prints_each_governorates_total_without_overlap(by_area):
    geo = load_geography()
    fig = maps.governorate_choropleth(by_area, geo, area_governorates(), "test")
    texts, boxes = drawn_label_boxes(fig)
    assert overlapping_pairs(boxes) == []
    kirkuk = sum(by_area[a]["attacks_per_month"] for a in ("kirkuk", "wadi_al_shay", "wadi_zghaytun"))
    assert f"Kirkuk\n{kirkuk:.2f} a month" in texts
    assert "Basra" in texts                         # named, though the model has no area there
    assert fig.axes[0].get_xlabel() == "longitude (degrees east)"


def test_the_model_never_reads_the_boundaries():
    """Polygons are for drawing: nothing under sim/model imports analysis code, opens the boundary data or
    reads an area's governorate."""
    import ast

    for path in sorted((Path(__file__).resolve().parents[1] / "sim" / "model").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not any(m.startswith(("sim.analysis", "matplotlib")) for m in imported), path.name
        strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        assert not any(s == "governorate" or "boundaries" in s or "geojson" in s for s in strings), path.name
