"""Weather for optical imaging: the chance of a usable day, a mission window, and flights.

The model (``docs/weather.md``) has three steps.

1. **A usable day.** The probability ``p`` that a day of month m allows optical
   imaging is the month's *relative sunshine* ``s = S / N`` (measured sunshine
   duration over the astronomically possible one) at the station nearest the
   target, or the mean of the stations (an assumption: relative sunshine is the
   long-run fraction of daylight with the sun's disc unobscured, the surface
   quantity closest to a cloud-free line of sight; AFETAC 1965; Lund &
   Shanklin, *J. Appl. Meteor.* 12, 1973). The bundled table
   (``geodata/sunshine_blr.csv``) holds six Belarusian stations' CLIMAT reports
   (DWD Climate Data Center, CC BY 4.0: "Datenbasis: Deutscher Wetterdienst,
   eigene Bearbeitung"), 2004-2020 means and the 1961-1990 normals.
2. **A mission window** of ``k`` daylight flying opportunities (default 3, the
   daylight periods left in the 96-hour window after the 24 hours between plan
   and flight; an assumption) has at least one usable day with probability

   ``q = 1 - (1 - p) * (1 - p * (1 - r)) ** (k - 1)``

   for a two-state first-order Markov chain of usable days with stationary
   probability ``p`` and lag-1 correlation (persistence) ``r``: after an
   unusable day the next is usable with probability ``p (1 - r)``. ``r = 0``
   (independent days) gives ``1 - (1 - p) ** k``, the optimistic case.
   :data:`DEFAULT_PERSISTENCE` = 0.4 is an assumption: no published daily lag-1
   value for Belarusian cloudiness was found.
3. **Flights.** If ``n`` flights with clear skies image the whole area and each
   window succeeds independently with probability ``q``, the number of windows
   needed is negative binomial with mean ``n / q``; calendar time is that times
   the spacing of windows (default 5 days: the 96-hour window plus the 24 hours
   allowed for departure, Art. VI Sec. I paras 9 and 20).

A user's own table is accepted (:func:`read_table`): validated for its
columns, ranges and size before use.
"""

from __future__ import annotations

import io
import logging
import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import _geodata, _limits, _validate
from ._errors import UnknownCodeError, ValidationError

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_COLUMN",
    "DEFAULT_DAYS_PER_WINDOW",
    "DEFAULT_PERSISTENCE",
    "DEFAULT_SPACING_DAYS",
    "SUNSHINE_FILE",
    "expected_flights",
    "expected_flights_table",
    "monthly_probability",
    "probability_done_within",
    "read_table",
    "sunshine_table",
    "window_probabilities",
    "window_probability",
    "year_window_probability",
]

#: Bundled climatology (``geodata/sunshine_blr.csv``).
SUNSHINE_FILE = "sunshine_blr"  # role in openskies._geodata.FILES
#: Column read as the probability of a usable day: relative sunshine 2004-2020.
DEFAULT_COLUMN = "rel_sun_2004_2020"
#: Day-to-day persistence r of usable days (an assumption; 0 = independent days).
DEFAULT_PERSISTENCE = 0.4
#: Daylight flying opportunities per mission window (an assumption, see the module docstring).
DEFAULT_DAYS_PER_WINDOW = 3
#: Days between the starts of consecutive mission windows (96 h + 24 h, Art. VI Sec. I).
DEFAULT_SPACING_DAYS = 5.0
#: Largest ``days`` of a window accepted by :func:`window_probability`.
MAX_DAYS_PER_WINDOW = 366

_REQUIRED = ("month",)
_RANGES = {"lat": (-90.0, 90.0), "lon": (-180.0, 180.0)}


def _prob(name: str, value: Any, *, hi_open: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = math.nan
    ok = math.isfinite(v) and v >= 0.0 and (v < 1.0 if hi_open else v <= 1.0)
    if not ok:
        rng = "[0, 1)" if hi_open else "[0, 1]"
        msg = f"{name}={value!r} must be a probability in {rng}"
        raise ValidationError(msg)
    return v


def window_probability(
    p: float,
    *,
    days: int = DEFAULT_DAYS_PER_WINDOW,
    persistence: float = DEFAULT_PERSISTENCE,
) -> float:
    """Probability that a mission window of ``days`` opportunities has a usable day.

    ``q = 1 - (1 - p) * (1 - p * (1 - r)) ** (days - 1)`` for a two-state
    Markov chain with stationary probability ``p`` and persistence ``r``
    (module docstring). Increasing in ``p`` and ``days``, decreasing in ``r``.

    Parameters
    ----------
    p : float
        Probability that one day is usable, in [0, 1].
    days : int
        Flying opportunities in the window (>= 1).
    persistence : float
        Lag-1 correlation r of usable days, in [0, 1).

    Returns
    -------
    float
        q in [0, 1].
    """
    pp = _prob("p", p)
    r = _prob("persistence", persistence, hi_open=True)
    if not (isinstance(days, int | np.integer) and 1 <= int(days) <= MAX_DAYS_PER_WINDOW):
        msg = f"days={days!r} must be an integer from 1 to {MAX_DAYS_PER_WINDOW}"
        raise ValidationError(msg)
    return 1.0 - (1.0 - pp) * (1.0 - pp * (1.0 - r)) ** (int(days) - 1)


def window_probabilities(
    table: pd.DataFrame | str | Path | None = None,
    *,
    column: str = DEFAULT_COLUMN,
    days: int = DEFAULT_DAYS_PER_WINDOW,
    persistence: float = DEFAULT_PERSISTENCE,
) -> pd.Series:
    """Probability ``q`` that a mission window has a usable day, per month (1-12).

    :func:`window_probability` of each month's :func:`monthly_probability` (the mean of
    the stations of ``table``, default the bundled one).

    Returns
    -------
    pandas.Series
        Indexed by month, named ``q_window``.
    """
    p = monthly_probability(table, column=column)
    q = pd.Series(
        {
            int(m): window_probability(float(v), days=days, persistence=persistence)
            for m, v in p.items()
        },
        name="q_window",
    )
    q.index.name = "month"
    return q


#: Days of each month (a common year), the weights of :func:`year_window_probability`.
MONTH_DAYS = {1: 31, 2: 28, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}


def year_window_probability(q_by_month: pd.Series) -> float:
    """The year-average window probability: the monthly ``q`` weighted by the days of each month.

    The chance that a mission window starting on a day drawn at random from the year has a
    usable day (``docs/weather.md``, "The year"). Every month 1-12 must be given.

    Parameters
    ----------
    q_by_month : pandas.Series
        ``q`` per month (:func:`window_probabilities`), indexed 1-12.

    Returns
    -------
    float
        sum(days_m * q_m) / 365.
    """
    missing = [m for m in MONTH_DAYS if m not in q_by_month.index]
    if missing:
        msg = (
            f"q_by_month lacks months {missing}: the year-average needs all twelve; give a "
            "climatology table with every month"
        )
        raise ValidationError(msg)
    total = sum(MONTH_DAYS.values())
    return float(sum(MONTH_DAYS[m] * float(q_by_month.loc[m]) for m in MONTH_DAYS) / total)


def _flights(n: Any) -> int:
    if not (isinstance(n, int | np.integer) and not isinstance(n, bool) and n >= 0):
        msg = f"flights_needed={n!r} must be a whole number of flights >= 0"
        raise ValidationError(msg)
    return int(n)


def expected_flights(flights_needed: int, q: float) -> float:
    """Expected number of mission windows (quota flights) to fly ``flights_needed`` clear ones.

    Each window succeeds with probability ``q``, independently: the count is
    negative binomial with mean ``flights_needed / q`` (``inf`` when ``q`` is 0
    and a flight is needed; 0 when none is).
    """
    n = _flights(flights_needed)
    qq = _prob("q", q)
    if n == 0:
        return 0.0
    return math.inf if qq == 0.0 else n / qq


def probability_done_within(flights_needed: int, q: float, windows: int) -> float:
    """Probability that ``flights_needed`` clear flights come within ``windows`` windows.

    Negative binomial: ``P(Binomial(windows, q) >= flights_needed)``.
    """
    n = _flights(flights_needed)
    w = _flights(windows)
    qq = _prob("q", q)
    if n == 0:
        return 1.0
    if w < n:
        return 0.0
    miss = sum(math.comb(w, j) * qq**j * (1.0 - qq) ** (w - j) for j in range(n))
    return max(0.0, 1.0 - miss)


# --------------------------------------------------------------------------- tables


@cache
def _bundled() -> pd.DataFrame:
    return _check_table(pd.read_csv(_geodata.path(SUNSHINE_FILE)), what=f"bundled {SUNSHINE_FILE}")


def sunshine_table() -> pd.DataFrame:
    """The bundled sunshine climatology of Belarus (``geodata/sunshine_blr.csv``), a copy.

    Columns: ``wmo``, ``station``, ``lat``, ``lon``, ``elev_m``, ``month``,
    ``sun_h_1961_1990`` (normal, h), ``sun_h_2004_2020_mean``, ``_sd`` (h),
    ``n_years``, ``possible_h`` (astronomical N, h), ``rel_sun_1961_1990``,
    ``rel_sun_2004_2020`` (S / N). Six stations x 12 months.
    """
    return _bundled().copy()


def read_table(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read and validate a user's climatology table (CSV file or DataFrame).

    Required: a ``month`` column (integers 1-12) and at least one probability
    column (``rel_sun_*`` or ``p_*``) with values in [0, 1] (empty = not
    reported). Optional: ``station`` (text), ``lat`` and ``lon`` (degrees, for
    :func:`monthly_probability`'s ``near``). At most ``table_rows`` rows
    (``docs/security.md``, Caps) and ``data_file_bytes`` bytes, checked before
    parsing.

    Raises
    ------
    ValidationError
        A missing file or column, a value out of range, too many rows: the
        message names the field, the value and the fix.
    """
    if isinstance(source, pd.DataFrame):
        _limits.cap("table_rows").check(len(source), "climatology table", fix="give fewer rows")
        return _check_table(source.copy(), what="climatology table")
    p = Path(source)
    label = f"climatology table {str(p)!r}"
    if not p.is_file():
        msg = f"{label} not found or not a regular file: give the path of a CSV file"
        raise ValidationError(msg)
    _limits.cap("data_file_bytes").check(p.stat().st_size, label, fix="give a smaller file")
    raw = p.read_bytes()
    _limits.cap("table_rows").check(
        max(raw.count(b"\n") - 1, 0), label, fix="give one row per station and month"
    )
    try:
        df = pd.read_csv(io.BytesIO(raw))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        msg = f"{label} cannot be read as CSV ({exc}): give a comma-separated table with a header"
        raise ValidationError(msg) from None
    return _check_table(df, what=label)


def _show(value: Any) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


def _prob_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if str(c).startswith(("rel_sun_", "p_"))]


def _check_table(df: pd.DataFrame, *, what: str) -> pd.DataFrame:
    df.columns = [str(c).strip() for c in df.columns]
    for col in _REQUIRED:
        if col not in df.columns:
            msg = f"{what}: column {col!r} is missing: add it (months 1-12)"
            raise ValidationError(msg)
    probs = _prob_columns(df)
    if not probs:
        msg = (
            f"{what}: no probability column: add one named rel_sun_<period> or p_<name> "
            "with values in [0, 1]"
        )
        raise ValidationError(msg)
    if df.empty:
        msg = f"{what} has no rows: give one row per station and month"
        raise ValidationError(msg)
    month = pd.to_numeric(df["month"], errors="coerce")
    bad = ~(month.notna() & (month % 1 == 0) & month.between(1, 12))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        msg = f"{what} row {i + 1}: month={_show(df['month'].iloc[i])} must be an integer 1-12"
        raise ValidationError(msg)
    df["month"] = month.astype(int)
    for col in [*probs, *(c for c in _RANGES if c in df.columns)]:
        vals = pd.to_numeric(df[col], errors="coerce")
        lo, hi = _RANGES.get(col, (0.0, 1.0))
        given = df[col].notna() & (df[col].astype(str).str.strip().str.lower() != "nan")
        bad = (given & vals.isna()) | (vals.notna() & ~vals.between(lo, hi))
        if col in _RANGES:
            bad |= vals.isna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            msg = (
                f"{what} row {i + 1}: {col}={_show(df[col].iloc[i])} must be a number in "
                f"[{lo:g}, {hi:g}]" + ("" if col in _RANGES else " (leave empty if not reported)")
            )
            raise ValidationError(msg)
        df[col] = vals
    if "station" in df.columns:
        df["station"] = df["station"].astype(str)
    return df


def monthly_probability(
    table: pd.DataFrame | str | Path | None = None,
    *,
    station: str | None = None,
    near: tuple[float, float] | None = None,
    column: str = DEFAULT_COLUMN,
) -> pd.Series:
    """Probability of a usable imaging day per month (1-12).

    Parameters
    ----------
    table : DataFrame, path or None
        A climatology table (:func:`read_table`); None: the bundled one.
    station : str, optional
        One station by name (case-insensitive) or WMO index.
    near : (lon, lat), optional
        The station nearest to this point (WGS84 geodesic distance); needs
        ``lat`` and ``lon`` columns.
    column : str
        Probability column (default ``rel_sun_2004_2020``).

    Returns
    -------
    pandas.Series
        Indexed by month, named ``p_usable_day``; without ``station`` or
        ``near``, the mean over the stations reporting the month.

    Raises
    ------
    ValidationError
        Unknown column, no station with ``lat``/``lon``, a month with no value.
    UnknownCodeError
        Unknown station.
    """
    df = sunshine_table() if table is None else read_table(table)
    if column not in df.columns or column not in _prob_columns(df):
        msg = (
            f"column={column!r} is not a probability column of the table: choose from "
            f"{', '.join(_prob_columns(df))}"
        )
        raise ValidationError(msg)
    if station is not None and near is not None:
        msg = "give station or near, not both"
        raise ValidationError(msg)
    label = "mean of the stations"
    if station is not None:
        key = str(station).strip().lower()
        names = df["station"].str.lower() if "station" in df.columns else pd.Series([], dtype=str)
        wmo = df["wmo"].astype(str) if "wmo" in df.columns else pd.Series([], dtype=str)
        pick = (names == key) | (wmo == key)
        if not pick.any():
            known = sorted(set(df["station"])) if "station" in df.columns else []
            msg = f"unknown station {station!r}: choose from {', '.join(known) or '(none named)'}"
            raise UnknownCodeError(msg)
        df = df[pick.to_numpy()]
        label = str(station)
    elif near is not None:
        df, label = _nearest(df, near)
    series = df.groupby("month")[column].mean()
    missing = [m for m in range(1, 13) if m not in series.index or pd.isna(series.get(m))]
    if missing and len(missing) < 12:
        logger.info("%s: no %s for months %s", label, column, missing)
    if len(missing) == 12:
        msg = f"{label}: column {column!r} has no value in any month: choose another column"
        raise ValidationError(msg)
    series = series.dropna()
    series.name = "p_usable_day"
    logger.info("p(usable day) from %s (%s), %d months", column, label, len(series))
    return series


def _nearest(df: pd.DataFrame, near: tuple[float, float]) -> tuple[pd.DataFrame, str]:
    from pyproj import Geod

    if "lat" not in df.columns or "lon" not in df.columns:
        msg = "near=... needs lat and lon columns in the table: add them or give station="
        raise ValidationError(msg)
    try:
        lon, lat = (float(v) for v in near)
    except (TypeError, ValueError):
        lon = lat = math.nan
    if not (math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90):
        msg = f"near={near!r} must be (lon, lat) in degrees"
        raise ValidationError(msg)
    sites = df.drop_duplicates(["lon", "lat"])
    geod = Geod(ellps="WGS84")
    n = len(sites)
    _, _, dist = geod.inv(np.full(n, lon), np.full(n, lat), sites["lon"], sites["lat"])
    best = sites.iloc[int(np.argmin(dist))]
    pick = (df["lon"] == best["lon"]) & (df["lat"] == best["lat"])
    name = str(best["station"]) if "station" in df.columns else f"({best['lon']}, {best['lat']})"
    return df[pick.to_numpy()], name


def expected_flights_table(
    flights_needed: int,
    *,
    months: Any = range(1, 13),
    table: pd.DataFrame | str | Path | None = None,
    station: str | None = None,
    near: tuple[float, float] | None = None,
    column: str = DEFAULT_COLUMN,
    days: int = DEFAULT_DAYS_PER_WINDOW,
    persistence: float = DEFAULT_PERSISTENCE,
    spacing_days: float = DEFAULT_SPACING_DAYS,
) -> pd.DataFrame:
    """Expected mission windows and calendar days for ``flights_needed`` clear flights, by month.

    Parameters
    ----------
    flights_needed : int
        Flights that image the whole area under clear skies.
    months : iterable of int
        Months 1-12.
    table, station, near, column
        As for :func:`monthly_probability`.
    days, persistence
        As for :func:`window_probability`.
    spacing_days : float
        Days between the starts of consecutive windows (> 0).

    Returns
    -------
    pandas.DataFrame
        ``month``, ``p_usable_day``, ``q_window``, ``expected_flights``
        (windows flown, ``flights_needed / q``), ``calendar_days``
        (``expected_flights * spacing_days``).
    """
    spacing = _validate.positive(
        spacing_days, f"spacing_days={spacing_days!r} must be a positive number of days"
    )
    p = monthly_probability(table, station=station, near=near, column=column)
    rows = []
    for m in months:
        if not (isinstance(m, int | np.integer) and 1 <= int(m) <= 12):
            msg = f"month={m!r} must be an integer 1-12"
            raise ValidationError(msg)
        if int(m) not in p.index:
            msg = f"month={m!r} has no {column} value in the table: add it or drop the month"
            raise ValidationError(msg)
        pm = float(p.loc[int(m)])
        q = window_probability(pm, days=days, persistence=persistence)
        e = expected_flights(flights_needed, q)
        rows.append(
            {
                "month": int(m),
                "p_usable_day": pm,
                "q_window": q,
                "expected_flights": e,
                "calendar_days": e * spacing,
            }
        )
    return pd.DataFrame(rows)
