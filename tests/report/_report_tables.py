"""Synthetic study tables shaped like the output contract of issues 14 and 15.

``metrics.csv`` (scenario, entry_point, icao, name, sensor, budget_km, month, metric, value),
``break_even.csv`` (scenario, sensor, metric, break_even_km, low_km, high_km, month) and
``sensitivity.csv`` (assumption, setting, scenario, sensor, metric, value, baseline, flips).

The numbers follow simple closed forms so a test can say what the answer must be:
flights from Minsk = ceil(work_km / (budget - overhead_km)), Kubinka a fixed count, and the
break-even is computed here on the grid from those forms (independently of the code under test).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

INC, CAND, HOME = "UUMB", "UMMS", "EPWA"
NAMES = {INC: "Kubinka", CAND: "Minsk National", HOME: "Warszawa-Okecie"}
GRID_KM = tuple(float(b) for b in range(500, 5501, 500))
KUBINKA_KM = 5500.0
QUOTA_PER_YEAR = 3.0


def _flights(work_km: float, budget_km: float, overhead_km: float) -> float:
    usable = budget_km - overhead_km
    return float(math.ceil(work_km / usable)) if usable > 0 else math.nan


def make_tables(
    *,
    kubinka_flights: float = 3.0,
    work_km: float = 9000.0,
    overhead_km: float = 800.0,
    names: dict[str, str] | None = None,
    sensors: tuple[str, ...] = ("optical_high_pan", "optical_low"),
    months: tuple[int | None, ...] = (None, 3, 6, 9, 12),
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Metrics, break-even and sensitivity tables (see the module docstring)."""
    nm = {**NAMES, **(names or {})}
    rows = []

    def add(scen, ep, icao, sensor, budget, month, metric, value):
        rows.append(
            {
                "scenario": scen,
                "entry_point": ep,
                "icao": icao,
                "name": nm[icao],
                "sensor": sensor,
                "budget_km": budget,
                "month": month,
                "metric": metric,
                "value": value,
            }
        )

    for k, sensor in enumerate(sensors):
        factor = 1.0 + 2.0 * k  # the narrow sensor needs three times the work
        for month in months:
            dark = month == 12
            mfac = 1.0 if month in (None, 6) else 1.2
            kub = kubinka_flights * factor * mfac
            cases = [("status_quo", INC, INC, KUBINKA_KM), ("poe_only", CAND, INC, KUBINKA_KM)]
            cases += [
                (s, CAND, CAND, b)
                for s in ("added_osa", "replacement", "single_state")
                for b in GRID_KM
            ]
            for scen, ep, icao, budget in cases:
                if icao == INC:
                    up = float(math.ceil(kub))
                else:
                    up = _flights(work_km * factor * mfac, budget, overhead_km)
                    if scen == "added_osa":
                        up = min(up, float(math.ceil(kub))) if np.isfinite(up) else math.ceil(kub)
                lo = max(1.0, up - 1.0) if np.isfinite(up) else math.nan
                frac = min(1.0, budget / 11000.0) if icao == CAND else 0.42
                if dark:
                    up = lo = frac = math.nan
                for metric, value in (
                    ("flights_100pct", up),
                    ("flights_lower_bound", lo),
                    ("best_flight_fraction", frac),
                    ("imageable", 0.0 if dark else 1.0),
                    ("observer_quota_flights_per_year", QUOTA_PER_YEAR),
                    ("years_of_observer_quota_100pct", up / QUOTA_PER_YEAR),
                ):
                    add(scen, ep, icao, sensor, budget, month, metric, value)
                ok = 1.0 if (scen != "replacement" or budget >= 4000) and budget >= 1500 else 0.0
                add(scen, ep, icao, sensor, budget, month, "annex_e_ok", ok)
                if month is None:
                    ferry = 2 * (1060.0 if ep == INC else 480.0)
                    add(scen, ep, icao, sensor, budget, month, f"ferry_km_{HOME}", ferry)
                    add(scen, ep, icao, sensor, budget, month, f"ferry_hours_{HOME}", ferry / 500)
    metrics = pd.DataFrame(rows)
    return metrics, break_even_of(metrics), sensitivity_of(metrics)


def grid_break_even(metrics, scenario, sensor, metric, month=None, better="lower"):
    """(break_even_km or NaN, low_km, high_km) on the grid, computed from the rows."""
    m = metrics[(metrics["sensor"] == sensor) & (metrics["metric"] == metric)]
    m = m[m["month"].isna()] if month is None else m[m["month"] == month]
    ref = float(m.loc[m["scenario"] == "status_quo", "value"].iloc[0])
    g = m[m["scenario"] == scenario].sort_values("budget_km")
    prev = math.nan
    for b, v in zip(g["budget_km"], g["value"], strict=True):
        good = np.isfinite(v) and (v <= ref if better == "lower" else v >= ref)
        if good:
            lo = prev if np.isfinite(prev) else b
            return float(b), float(lo), float(b)
        prev = b
    return math.nan, float(g["budget_km"].max()), math.nan


def break_even_of(metrics: pd.DataFrame) -> pd.DataFrame:
    out = []
    months = metrics["month"].drop_duplicates().tolist()
    for sensor in metrics["sensor"].unique():
        for month in months:
            month = None if pd.isna(month) else month
            for scen in ("added_osa", "replacement", "single_state"):
                for metric, better in (
                    ("flights_100pct", "lower"),
                    ("best_flight_fraction", "higher"),
                    ("years_of_observer_quota_100pct", "lower"),
                ):
                    be, lo, hi = grid_break_even(metrics, scen, sensor, metric, month, better)
                    out.append(
                        {
                            "scenario": scen,
                            "sensor": sensor,
                            "metric": metric,
                            "break_even_km": be,
                            "low_km": lo,
                            "high_km": hi,
                            "month": month,
                        }
                    )
    return pd.DataFrame(out)


def sensitivity_of(metrics: pd.DataFrame) -> pd.DataFrame:
    """Break-even of ``replacement`` under swath, overlap and turn margin (made-up shifts)."""
    out = []
    be = break_even_of(metrics)
    for sensor in metrics["sensor"].unique():
        b = be[
            (be["scenario"] == "replacement")
            & (be["sensor"] == sensor)
            & (be["metric"] == "flights_100pct")
            & be["month"].isna()
        ]
        base = float(b["break_even_km"].iloc[0])
        for assumption, settings in (
            ("swath width", (("-20 %", 2000.0, 0), ("+20 %", -500.0, 0))),
            ("lane overlap", (("0 %", 0.0, 0), ("20 %", 500.0, 0))),
            ("turn margin", (("0 %", -100.0, 0), ("5 %", 200.0, 0))),
        ):
            for setting, shift, _ in settings:
                value = base + shift if np.isfinite(base) else math.nan
                flips = int(np.isfinite(value) and value > max(metrics["budget_km"]))
                if flips:
                    value = math.nan
                out.append(
                    {
                        "assumption": assumption,
                        "setting": setting,
                        "scenario": "replacement",
                        "sensor": sensor,
                        "metric": "break_even_km",
                        "value": value,
                        "baseline": base,
                        "flips": flips,
                    }
                )
    return pd.DataFrame(out)
