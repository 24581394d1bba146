"""Sensors: presets, swath geometry and the treaty caps of Art. IV para 2."""

from __future__ import annotations

import math

import pytest

from openskies import sensors
from openskies._errors import UnknownCodeError, ValidationError
from openskies.sensors import Sensor


@pytest.mark.parametrize(
    ("name", "height", "half_fov", "side", "kind", "resolution"),
    [
        # heights: nominal, or the An-30B's 8,300 m ceiling less its 300 m margin
        ("optical_low", 3000.0, 40.0, "both", "optical", 3000.0 * 0.30 / 900.0),
        ("optical_high_pan", 8000.0, 60.0, "both", "optical", 8000.0 / (2 * 304.8 * 40)),
        ("ir", 1000.0, 60.0, "both", "ir", 1000.0 * 1e-3),
        ("sar", 6000.0, None, "right", "sar", 3.0),
    ],
)
def test_presets_fly_at_their_operating_height(
    name: str, height: float, half_fov: float | None, side: str, kind: str, resolution: float
) -> None:
    s = sensors.preset(name)
    assert s.height_agl_m == height
    if half_fov is None:
        assert s.width_km == 25.0  # the treaty maximum
        assert s.near_range_km == pytest.approx(height / 1000.0)  # 45 deg from vertical
    else:
        assert s.width_km == pytest.approx(2 * height / 1000 * math.tan(math.radians(half_fov)))
    assert s.side == side
    assert s.kind == kind
    assert s.resolution_m == pytest.approx(resolution)
    assert s.resolution_m >= s.resolution_limit_m
    assert "assumption" in s.note


def test_optical_low_preset_derivation_holds() -> None:
    # treaty.yaml: H = 3 km with an 80 deg field of view gives 2 * 3 * tan(40 deg) = 5.0 km
    assert sensors.swath_from_fov_km(3000.0, 80.0) == pytest.approx(5.03, abs=0.01)
    assert sensors.preset("optical_low").width_km == pytest.approx(
        sensors.swath_from_fov_km(3000.0, 80.0), rel=0.01
    )


def test_swath_from_height_and_field_of_view() -> None:
    s = Sensor("frame", height_agl_m=11_000.0, fov_deg=120.0)
    assert s.width_km == pytest.approx(2 * 11.0 * math.tan(math.radians(60.0)))
    assert s.cross_track_km == pytest.approx((-s.width_km / 2, s.width_km / 2))


def test_one_sided_geometry() -> None:
    right = Sensor("sar", swath_km=20.0, side="right", near_range_km=3.0, kind="sar")
    assert right.cross_track_km == (3.0, 23.0)
    assert right.centre_offset_km == 13.0
    assert right.reach_km == 23.0
    left = Sensor("sar", swath_km=20.0, side="left", near_range_km=3.0, kind="sar")
    assert left.cross_track_km == (-23.0, -3.0)


def test_effective_swath() -> None:
    s = sensors.preset("optical_high_pan")
    assert s.effective_swath_km(0.1) == pytest.approx(0.9 * s.width_km)
    with pytest.raises(ValidationError, match="overlap"):
        s.effective_swath_km(1.0)


def test_min_height_from_calibration() -> None:
    # calibrated at 900 m with 0.15 m measured: 0.30 m is reached at 1800 m
    assert sensors.min_height_m(900.0, 0.15) == pytest.approx(1800.0)
    assert sensors.min_height_m(1000.0, 1.5, kind="sar") == pytest.approx(2000.0)
    s = Sensor("frame", swath_km=2.0, height_agl_m=900.0, resolution_m=0.45)
    assert s.min_height_agl_m == pytest.approx(600.0)


@pytest.mark.parametrize("swath", [0.0, -5.0, float("nan"), float("inf")])
def test_unusable_swath_raises(swath: float) -> None:
    with pytest.raises(ValidationError, match="swath_km"):
        Sensor("bad", swath_km=swath)


def test_optical_cap_50_km_each_side() -> None:
    Sensor("wide", swath_km=100.0)  # 50 km each side: allowed
    with pytest.raises(ValidationError, match=r"50 km each side.*swath_km <= 100"):
        Sensor("too wide", swath_km=100.5)
    with pytest.raises(ValidationError, match="50 km each side"):
        Sensor("oblique", swath_km=40.0, side="right", near_range_km=15.0)


def test_sar_cap_and_one_side() -> None:
    Sensor("sar", swath_km=25.0, side="left", kind="sar")
    with pytest.raises(ValidationError, match="25 km"):
        Sensor("sar", swath_km=26.0, side="left", kind="sar")
    with pytest.raises(ValidationError, match="one side at a time"):
        Sensor("sar", swath_km=20.0, side="both", kind="sar")


@pytest.mark.parametrize(
    ("kind", "res"), [("optical", 0.29), ("video", 0.2), ("ir", 0.49), ("sar", 2.9)]
)
def test_resolution_better_than_the_limit_raises(kind: str, res: float) -> None:
    side = "right" if kind == "sar" else "both"
    with pytest.raises(ValidationError, match="better than the treaty limit"):
        Sensor("x", swath_km=4.0, side=side, kind=kind, resolution_m=res)  # type: ignore[arg-type]


def test_resolution_error_gives_the_minimum_height() -> None:
    with pytest.raises(ValidationError, match="at least 1800 m"):
        Sensor("frame", swath_km=2.0, height_agl_m=900.0, resolution_m=0.15)


def test_unknown_preset_and_kind() -> None:
    with pytest.raises(UnknownCodeError, match="optical_low"):
        sensors.preset("lidar")
    with pytest.raises(ValidationError, match="kind"):
        Sensor("x", swath_km=1.0, kind="lidar")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="near_range_km"):
        Sensor("x", swath_km=1.0, near_range_km=2.0)
