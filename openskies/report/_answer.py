"""The study's answer in two to four sentences, generated from its tables.

No sentence here carries a typed-in number: every count, distance, share and month comes from
the tables (the ``metrics.csv`` / ``break_even.csv`` / ``sensitivity.csv`` contract described
in :mod:`openskies._figures`). Each sentence names the element that holds its evidence by an
anchor id (:data:`ANCHORS`), so the HTML can link the claim to its figure or table.

The sentences are plain text: names (airfields, sensors, the territory) appear as given, never
interpreted. Escaping for HTML is the caller's job (``html.escape`` on :attr:`Sentence.text`);
the PDF draws them literally.

The four claims:

1. **helps** - which scenario needs the fewest flights to image the whole territory with the
   headline sensor, at the candidate distance equal to the status quo's own (else the largest
   on the grid), against the status quo, with the proved lower bounds of both and the saving's
   range that those bounds allow;
2. **break_even** - the smallest Minsk maximum flight distance at which Minsk needs no more
   flights than Kubinka, with its bracket, for each scenario where that is a question
   (``replacement``, ``single_state``; or says it never breaks even within the grid);
3. **season** - the months for which the gain of claim 1 holds, and those in which no optical
   imaging is possible (metric ``imageable`` = 0), when the table has months; else that the
   figures are for the year, with no daylight or season modelled (linked to the assumptions,
   ``sec-assumptions``);
4. **assumption** - the assumption that moves the result most (sensitivity), and whether it
   flips the conclusion.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import _figures as fig

__all__ = ["ANCHORS", "Sentence", "answer", "answer_text", "break_even_table", "months_table"]

#: Claim -> id of the element in the report that holds its evidence.
ANCHORS = {
    "helps": "fig-flights",
    "break_even": "tab-break-even",
    "season": "tab-months",
    "assumption": "fig-sensitivity",
    "scope": "sec-assumptions",
}
#: Plain words (with units) for the metrics a sentence may name.
METRIC_WORDS = {
    "flights_100pct": "flights for full coverage",
    "flights_lower_bound": "proved minimum of flights",
    "best_flight_fraction": "share imaged by one flight",
    "years_of_observer_quota_100pct": "years of the observer's quota",
    "break_even_km": "break-even distance",
}
_BREAK_EVEN_SCENARIOS = ("replacement", "single_state", "added_osa")


@dataclass(frozen=True)
class Sentence:
    """One claim of the answer.

    Attributes
    ----------
    key : str
        Which claim: ``"helps"``, ``"break_even"``, ``"season"`` or ``"assumption"``.
    text : str
        The sentence, plain text (not escaped).
    anchor : str
        Id of the report element with the evidence (:data:`ANCHORS`).
    """

    key: str
    text: str
    anchor: str


def answer_text(sentences: Sequence[Sentence]) -> str:
    """The sentences joined into one paragraph (plain text)."""
    return " ".join(s.text for s in sentences)


def _value(rows: pd.DataFrame, scenario: str, budget_km: float | None = None) -> float:
    r = rows[rows["scenario"] == scenario]
    if budget_km is not None:
        r = r[np.isclose(r["budget_km"].to_numpy(float), budget_km)]
    return float(r["value"].iloc[0]) if not r.empty else math.nan


def _n(x: float) -> str:
    return fig.fmt_num(x)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _flights_word(x: float) -> str:
    return "flight" if x == 1 else "flights"


def _headline(
    metrics: pd.DataFrame, sensor: str, month: int | None
) -> tuple[str | None, float | None, dict[str, float]]:
    """The scenario with the largest saving in flights at the reference budget, and numbers.

    An option the 35 % rule of Annex E para 5(A) allows at that distance (``annex_e_ok`` not
    0) goes before one it does not; ``nums["legal"]`` is 0.0 when the best is not allowed.
    """
    up = fig.metric_rows(metrics, "flights_100pct", sensor=sensor, month=month)
    lo = fig.metric_rows(metrics, "flights_lower_bound", sensor=sensor, month=month)
    ok = fig.metric_rows(metrics, "annex_e_ok", sensor=sensor, month=month)
    sq_up, sq_lo = _value(up, "status_quo"), _value(lo, "status_quo")
    sq_budget = _value(
        up.assign(value=up["budget_km"]), "status_quo"
    )  # the status quo's own distance
    best: tuple[bool, float, str, float] | None = None
    for scen in fig.SCENARIO_ORDER[1:]:
        g = up[up["scenario"] == scen]
        if g.empty:
            continue
        budgets = g["budget_km"].to_numpy(float)
        b = sq_budget if np.isclose(budgets, sq_budget).any() else float(np.nanmax(budgets))
        v = _value(up, scen, b)
        if not np.isfinite(v):
            continue
        legal = _value(ok, scen, b) != 0.0  # unknown (NaN) counts as allowed
        saving = sq_up - v
        if best is None or (legal, saving) > (best[0], best[1]):
            best = (legal, saving, scen, b)
    if best is None:
        return None, None, {"sq_up": sq_up, "sq_lo": sq_lo}
    legal, _s, scen, b = best
    nums = {
        "legal": 1.0 if legal else 0.0,
        "sq_up": sq_up,
        "sq_lo": sq_lo,
        "up": _value(up, scen, b),
        "lo": _value(lo, scen, b),
    }
    yrs = fig.metric_rows(metrics, "years_of_observer_quota_100pct", sensor=sensor, month=month)
    if not yrs.empty:
        nums["sq_years"] = _value(yrs, "status_quo")
        nums["years"] = _value(yrs, scen, b)
    return scen, b, nums


def _helps_sentence(
    metrics: pd.DataFrame,
    sensor: str,
    names: Mapping[str, str],
    inc: str,
    cand: str,
    territory_name: str,
    sensor_text: str,
) -> tuple[Sentence, str | None, float | None]:
    scen, b, n = _headline(metrics, sensor, None)
    inc_n = fig.short_name(names.get(inc, inc))
    if scen is None or not np.isfinite(n["up"]):
        text = (
            f"No scenario has a full-coverage plan of {territory_name} with the {sensor_text} "
            f"sensor to compare with {inc_n}'s {_n(n['sq_up'])} flights."
        )
        return Sentence("helps", text, ANCHORS["helps"]), None, None
    label = fig.scenario_label(scen, names, inc, cand)
    saving = n["sq_up"] - n["up"]
    where = f"{_cap(label)} at {fig.fmt_km(b)}"
    bounds = (
        f"{_n(n['up'])} {_flights_word(n['up'])} (proved minimum {_n(n['lo'])}) against "
        f"{_n(n['sq_up'])} (minimum {_n(n['sq_lo'])}) from {inc_n} today"
    )
    if saving > 0:
        lo_save = n["sq_lo"] - n["up"]
        hi_save = n["sq_up"] - n["lo"]
        pct = 100.0 * saving / n["sq_up"]
        text = (
            f"{where} helps most: imaging all of {territory_name} with the {sensor_text} "
            "sensor takes "
            f"{bounds}, {_n(saving)} {_flights_word(saving)} fewer ({pct:.0f} %; "
            f"between {_n(lo_save)} and {_n(hi_save)} given the proved bounds)"
        )
        if np.isfinite(n.get("years", math.nan)) and np.isfinite(n.get("sq_years", math.nan)):
            text += (
                f", or {n['years']:.1f} instead of {n['sq_years']:.1f} years of the "
                "observer's quota"
            )
        if n.get("legal") == 0.0:
            text += (
                "; but the 35 % rule of Annex E para 5(A) does not allow this option at that "
                "distance"
            )
        text += "."
        return Sentence("helps", text, ANCHORS["helps"]), scen, b
    text = (
        f"No scenario needs fewer flights than {inc_n} today: the best, {label} at "
        f"{fig.fmt_km(b)}, takes {bounds} to image all of {territory_name} with the {sensor_text} "
        "sensor."
    )
    return Sentence("helps", text, ANCHORS["helps"]), None, None


def _break_even_sentence(
    metrics: pd.DataFrame,
    break_even: pd.DataFrame | None,
    sensor: str,
    names: Mapping[str, str],
    inc: str,
    cand: str,
) -> Sentence | None:
    if break_even is None or break_even.empty:
        return None
    cand_n = names.get(cand, cand)
    inc_n = fig.short_name(names.get(inc, inc))
    found: list[tuple[tuple[float, ...] | None, str, str]] = []  # (key, claim, how)
    for scen in _BREAK_EVEN_SCENARIOS:
        row = fig._break_even_row(break_even, scen, sensor, "flights_100pct", None)
        if row is None:
            continue
        be, lo, hi = pd.to_numeric(
            pd.Series([row[k] for k in ("break_even_km", "low_km", "high_km")]), errors="coerce"
        ).to_numpy(float)
        grid = fig.metric_rows(metrics, "flights_100pct", sensor=sensor)
        grid = grid.loc[grid["scenario"] == scen, "budget_km"]
        how = {
            "replacement": f"when it replaces {inc_n}",
            "single_state": "as a Belarus-only airfield",
            "added_osa": f"when added beside {inc_n}",
        }[scen]
        floor = fig.metric_rows(metrics, "min_budget_annex_e_km", sensor=sensor)
        floor_km = _value(floor, scen)
        if np.isfinite(floor_km) and (not np.isfinite(be) or floor_km > be):
            how += f" (which Annex E para 5(A) allows only from {fig.fmt_km(floor_km)})"
        if np.isfinite(be):
            bracket = (
                f" (bracketed {fig.fmt_km(lo)}–{fig.fmt_km(hi)})"
                if np.isfinite(lo) and np.isfinite(hi) and hi > lo
                else ""
            )
            if scen == "added_osa" and not grid.empty and np.isclose(be, grid.min()):
                found.append((None, f"at every distance studied (from {fig.fmt_km(be)})", how))
            else:
                found.append(((be, lo, hi), f"{fig.fmt_km(be)}{bracket}", how))
        else:
            top = fig.fmt_km(float(grid.max())) if not grid.empty else "the grid's end"
            found.append((None, f"never within the grid (up to {top})", how))
        if len(found) == 2:
            break
    # the same distance for two options is said once: "from 3,531 km ... when it replaces
    # Kubinka or as a Belarus-only airfield"
    parts = []
    for k, (key, claim, how) in enumerate(found):
        if key is not None and k > 0 and found[k - 1][0] is not None and found[k - 1][0] == key:
            parts[-1] += f" or {how}"
            continue
        if key is not None:
            lead = "from a maximum flight distance of" if not parts else "from"
            parts.append(f"{lead} {claim} {how}")
        else:
            parts.append(f"{claim} {how}")
    if not parts:
        return None
    text = (
        f"{cand_n} breaks even with {inc_n} (needs no more flights) " + ", and ".join(parts) + "."
    )
    return Sentence("break_even", text, ANCHORS["break_even"])


def _year_sentence() -> Sentence:
    """The season clause of a table without months: the figures are for the year."""
    text = (
        "These figures are for the year as a whole: the study models no daylight, weather or "
        "season (its tables have no month), so they do not say in which months the flights "
        "can be flown."
    )
    return Sentence("season", text, ANCHORS["scope"])


def _season_sentence(
    metrics: pd.DataFrame, sensor: str, scenario: str | None, budget_km: float | None
) -> Sentence | None:
    if "month" not in metrics.columns or metrics["month"].isna().all():
        return _year_sentence()
    months = sorted(
        int(m) for m in pd.to_numeric(metrics["month"], errors="coerce").dropna().unique()
    )
    if not months:
        return None
    holds, fails, dark = [], [], []
    for mo in months:
        img = fig.metric_rows(metrics, "imageable", sensor=sensor, month=mo)
        up = fig.metric_rows(metrics, "flights_100pct", sensor=sensor, month=mo)
        sq = _value(up, "status_quo")
        if (not img.empty and (img["value"] == 0).all()) or not np.isfinite(sq):
            dark.append(mo)
            continue
        if scenario is None:
            continue
        v = _value(up, scenario, budget_km)
        (holds if np.isfinite(v) and v < sq else fails).append(mo)
    names = [calendar.month_name[m] for m in holds]
    bits = []
    if scenario is not None:
        if holds and not fails:
            bits.append(f"The gain holds in every month modelled with imaging ({_join(names)})")
        elif holds:
            bits.append(
                f"The gain holds in {_join(names)} but not in "
                f"{_join([calendar.month_name[m] for m in fails])}"
            )
        elif fails:
            bits.append("The gain does not hold in any single month modelled")
    if dark:
        lead = "; in " if bits else "In "
        bits.append(
            f"{lead}{_join([calendar.month_name[m] for m in dark])} no optical imaging is "
            "possible over the territory"
        )
    if not bits:
        return None
    return Sentence("season", "".join(bits) + ".", ANCHORS["season"])


def _assumption_sentence(
    sensitivity: pd.DataFrame | None, sensor: str, names: Mapping[str, str], inc: str, cand: str
) -> Sentence | None:
    if sensitivity is None or sensitivity.empty:
        return None
    s = sensitivity[sensitivity["sensor"] == sensor] if "sensor" in sensitivity else sensitivity
    if s.empty:
        s = sensitivity
    case = fig.sensitivity_focus(s)
    top = fig.assumption_ranking(case).iloc[0]
    metric = str(case["metric"].iloc[0])
    scen = fig.scenario_label(str(case["scenario"].iloc[0]), names, inc, cand)
    if "budget_km" in case.columns:
        b = pd.to_numeric(case["budget_km"], errors="coerce").iloc[0]
        if np.isfinite(b):
            scen += f" at {fig.fmt_km(b)}"
    words = METRIC_WORDS.get(metric, metric)
    if top["spread"] == 0:
        text = (
            f"No assumption tried ({_join(list(dict.fromkeys(case['assumption'])))}) changes the "
            f"{words} ({scen}, {case['sensor'].iloc[0]})."
        )
        return Sentence("assumption", text, ANCHORS["assumption"])
    # the setting reported: one that flips the conclusion when there is one (the largest
    # change among those), else the one that moves the result most
    g = case[case["assumption"] == top["assumption"]]
    d = (g["value"] - g["baseline"]).abs().fillna(np.inf)
    flipping = g[g["flips"] > 0]
    row = flipping.loc[d[flipping.index].idxmax()] if len(flipping) else g.loc[d.idxmax()]

    def show(x: float) -> str:
        if metric == "break_even_km":
            return fig.fmt_km(x) if np.isfinite(x) else "never within the grid"
        return _n(x) if np.isfinite(x) else "n/a"

    if metric == "break_even_km":
        words = "break-even distance"
    verb = "go" if metric.startswith("flights") else "goes"
    base, new = float(row["baseline"]), float(row["value"])
    move = (
        (f"stay at {show(base)}" if metric.startswith("flights") else f"stays at {show(base)}")
        if base == new
        else f"{verb} from {show(base)} to {show(new)}"
    )
    text = (
        f"The assumption that matters most is {top['assumption']}: at {row['setting']}, the "
        f"{words} ({scen}, {case['sensor'].iloc[0]}) {move}"
    )
    # the status quo is planned again under the same setting: its change is part of the flip
    sq = sensitivity[
        (sensitivity["scenario"] == "status_quo")
        & (sensitivity["assumption"] == top["assumption"])
        & (sensitivity["setting"] == row["setting"])
        & (sensitivity["sensor"] == case["sensor"].iloc[0])
        & (sensitivity["metric"] == metric)
    ]
    if len(sq):
        qb, qv = (pd.to_numeric(sq[c], errors="coerce").iloc[0] for c in ("baseline", "value"))
        if np.isfinite(qb) and np.isfinite(qv) and qb != qv:
            who = fig.short_name(names.get(inc, inc))
            text += f" while {who}'s {verb} from {show(qb)} to {show(qv)}"
    text += (
        ", which flips the conclusion."
        if len(flipping)
        else "; no setting tried flips the conclusion."
    )
    return Sentence("assumption", text, ANCHORS["assumption"])


def answer(
    metrics: pd.DataFrame,
    break_even: pd.DataFrame | None = None,
    sensitivity: pd.DataFrame | None = None,
    *,
    sensor: str | None = None,
    names: Mapping[str, str] | None = None,
    territory_name: str = "the territory",
    sensor_label: str | None = None,
) -> list[Sentence]:
    """The answer to the study's question, two to four sentences, each with its evidence.

    Parameters
    ----------
    metrics : pandas.DataFrame
        ``metrics.csv`` rows (contract in :mod:`openskies._figures`); the year's rows (blank
        ``month``) give the headline, the month rows the season.
    break_even : pandas.DataFrame, optional
        ``break_even.csv`` rows.
    sensitivity : pandas.DataFrame, optional
        ``sensitivity.csv`` rows.
    sensor : str, optional
        Headline sensor (default: the first sensor of the table).
    names : mapping, optional
        ICAO -> airfield name (default: the table's ``name`` column, else the ICAO).
    territory_name : str
        Name of the observed territory, as written in the sentences (plain text).
    sensor_label : str, optional
        The headline sensor in words (default: its preset name).

    Returns
    -------
    list of Sentence
        In the order helps, break-even, season, assumption (those the tables support; at
        least the first).
    """
    if metrics.empty:
        msg = "the metrics table is empty: there is nothing to answer from"
        raise ValueError(msg)
    sensor = str(metrics["sensor"].iloc[0]) if sensor is None else sensor
    if sensor not in set(metrics["sensor"]):
        msg = (
            f"sensor {sensor!r} is not in the metrics table; it has "
            f"{', '.join(map(str, dict.fromkeys(metrics['sensor'])))}"
        )
        raise ValueError(msg)
    nm = fig.airfield_names(metrics, names)
    inc, cand = fig.roles(metrics)
    first, scen, budget = _helps_sentence(
        metrics, sensor, nm, inc, cand, territory_name, sensor_label or sensor
    )
    out = [first]
    for s in (
        _break_even_sentence(metrics, break_even, sensor, nm, inc, cand),
        _season_sentence(metrics, sensor, scen, budget),
        _assumption_sentence(sensitivity, sensor, nm, inc, cand),
    ):
        if s is not None:
            out.append(s)
    return out


def break_even_table(
    break_even: pd.DataFrame,
    *,
    names: Mapping[str, str] | None = None,
    metrics: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``break_even.csv`` in plain words, for the table the break-even claim links to.

    Columns ``scenario`` (words), ``sensor``, ``result`` (metric in words), ``break-even
    (km)`` (blank: never within the grid), ``bracket (km)``; the year's rows (blank month)
    only. ``metrics`` (optional) supplies the airfields' names for the scenario labels.
    """
    b = fig.month_rows(break_even, None)
    if metrics is not None:
        nm = fig.airfield_names(metrics, names)
        inc, cand = fig.roles(metrics)
    else:
        nm, inc, cand = dict(names or {}), "UUMB", "UMMS"
    out = []
    for row in b.itertuples(index=False):
        be = pd.to_numeric(pd.Series([row.break_even_km]), errors="coerce").iloc[0]
        lo = pd.to_numeric(pd.Series([row.low_km]), errors="coerce").iloc[0]
        hi = pd.to_numeric(pd.Series([row.high_km]), errors="coerce").iloc[0]
        out.append(
            {
                "scenario": fig.scenario_label(str(row.scenario), nm, inc, cand),
                "sensor": str(row.sensor),
                "result": METRIC_WORDS.get(str(row.metric), str(row.metric)),
                "break-even (km)": (
                    fig.fmt_num(be, digits=0) if np.isfinite(be) else "never in the grid"
                ),
                "bracket (km)": (
                    f"{fig.fmt_num(lo, digits=0)}–{fig.fmt_num(hi, digits=0)}"
                    if np.isfinite(lo) and np.isfinite(hi)
                    else ""
                ),
            }
        )
    return pd.DataFrame(
        out, columns=["scenario", "sensor", "result", "break-even (km)", "bracket (km)"]
    )


def months_table(
    metrics: pd.DataFrame, *, sensor: str, names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Flights for full coverage per month and scenario, for the table the season claim links to.

    One row per month (``"year"`` for the blank month, then 1-12 by name), one column per
    scenario (at the status quo's own distance where the scenario sweeps it, else the largest),
    cells ``"planned (≥ proved)"`` flights, ``"no imaging"`` where ``imageable`` is 0.
    """
    nm = fig.airfield_names(metrics, names)
    inc, cand = fig.roles(metrics)
    months: list[int | None] = [None]
    if "month" in metrics.columns:
        months += sorted(
            int(m) for m in pd.to_numeric(metrics["month"], errors="coerce").dropna().unique()
        )
    out = []
    for mo in months:
        up = fig.metric_rows(metrics, "flights_100pct", sensor=sensor, month=mo)
        if up.empty:
            continue
        lo = fig.metric_rows(metrics, "flights_lower_bound", sensor=sensor, month=mo)
        img = fig.metric_rows(metrics, "imageable", sensor=sensor, month=mo)
        sq_b = _value(up.assign(value=up["budget_km"]), "status_quo")
        rec: dict[str, str] = {"month": "year" if mo is None else calendar.month_name[mo]}
        for scen in fig.SCENARIO_ORDER:
            g = up[up["scenario"] == scen]
            if g.empty:
                continue
            budgets = g["budget_km"].to_numpy(float)
            b = sq_b if np.isclose(budgets, sq_b).any() else float(np.nanmax(budgets))
            v, w = _value(up, scen, b), _value(lo, scen, b)
            dark = not img.empty and _value(img, scen, b) == 0
            label = f"{fig.scenario_label(scen, nm, inc, cand)} ({fig.fmt_km(b)})"
            if dark:
                rec[label] = "no imaging"
            elif np.isfinite(v):
                rec[label] = f"{_n(v)} (≥ {_n(w)})" if np.isfinite(w) else _n(v)
            else:
                rec[label] = ""
        out.append(rec)
    return pd.DataFrame(out)
