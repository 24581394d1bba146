"""Airfields and the treaty regime of a given year.

The treaty's Annex E lists, per State Party or group, the points of entry and
exit (POE/POX), the Open Skies airfields (OSA) where observation flights start
and end, and refuelling airfields; Annex A gives each OSA's maximum flight
distance. Parties change these lists with 90 days' notice (Annex E para 4), so
they are data (``geodata/airfields.csv``), and a :class:`Regime` is the treaty
as it stood in one year. A hypothetical designation (the Minsk scenario) is a
new :class:`Regime` made with :meth:`Regime.designate`; it is flagged as
hypothetical wherever it appears.

Coordinates are (lon, lat) degrees, WGS84 (EPSG:4326); distances are km.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import geopandas as gpd
import pandas as pd

from . import _geodata, _validate, geodesy, territory
from ._errors import UnknownCodeError, ValidationError

logger = logging.getLogger(__name__)

__all__ = ["ROLES", "Airfield", "Regime", "as_regime", "regime"]

#: Airfield roles: point of entry, point of exit, Open Skies airfield, refuelling
#: airfield, and candidate (a site evaluated by studies, not designated).
ROLES = ("POE", "POX", "OSA", "REFUEL", "CANDIDATE")


@dataclass(frozen=True)
class Airfield:
    """An airfield and its treaty roles in a regime.

    Attributes
    ----------
    icao : str
        ICAO location indicator (``"UUMB"``).
    name : str
    lon, lat : float
        Airport reference point, degrees WGS84.
    roles : tuple of str
        Subset of :data:`ROLES` in the regime's year.
    party : str
        ISO3 code of the state where the airfield lies.
    group : str
        Code of the observed territory its flights observe (``"BLR+RUS"`` for
        Kubinka, ``"POL"`` for Warsaw).
    max_flight_distance_km : float or None
        Maximum flight distance of an OSA in the regime (None otherwise).
    max_flight_distance_source : str
        Where that value comes from (Annex A 1992, later practice, or
        ``"hypothetical"``).
    hypothetical : bool
        True for a designation made with :meth:`Regime.designate`.
    """

    icao: str
    name: str
    lon: float
    lat: float
    roles: tuple[str, ...]
    party: str
    group: str
    max_flight_distance_km: float | None = None
    max_flight_distance_source: str = ""
    hypothetical: bool = False
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_osa(self) -> bool:
        """Whether the airfield is an Open Skies airfield in its regime."""
        return "OSA" in self.roles

    @property
    def label(self) -> str:
        """Display label, marked ``(hypothetical)`` where it applies."""
        tag = " (hypothetical)" if self.hypothetical else ""
        return f"{self.name} ({self.icao}){tag}"


def _num(value: Any) -> float | None:
    if value in (None, ""):
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _year(value: Any) -> int | None:
    v = _num(value)
    return int(v) if v is not None else None


@cache
def _table(year: int) -> tuple[Airfield, ...]:
    raw = _geodata.airfields_table()
    out = []
    for rec in raw.to_dict("records"):
        start = _year(rec.get("designated_from"))
        until = _year(rec.get("designated_until"))
        roles = tuple(r.strip() for r in str(rec.get("roles", "")).split(";") if r.strip())
        designated = (start is None or start <= year) and (until is None or year < until)
        if not designated:
            roles = tuple(r for r in roles if r == "CANDIDATE")
        mfd, src = _max_flight_distance(rec, year) if "OSA" in roles else (None, "")
        out.append(
            Airfield(
                icao=str(rec["icao"]).strip().upper(),
                name=str(rec["name"]),
                lon=float(rec["lon"]),
                lat=float(rec["lat"]),
                roles=roles,
                party=str(rec["party"]),
                group=str(rec.get("group") or rec["party"]),
                max_flight_distance_km=mfd,
                max_flight_distance_source=src,
                source=str(rec.get("source", "")),
                extra={k: rec[k] for k in rec if k not in {"icao", "name", "lon", "lat"}},
            )
        )
    return tuple(out)


def _max_flight_distance(rec: dict[str, Any], year: int) -> tuple[float | None, str]:
    practice = _num(rec.get("mfd_practice_km"))
    practice_year = _year(rec.get("mfd_practice_year"))
    base = _num(rec.get("mfd_1992_km"))
    if practice is not None and (practice_year is None or practice_year <= year):
        return practice, f"practice {practice_year or ''}: {rec.get('mfd_source', '')}".strip()
    if base is not None:
        return base, "Annex A Section III (1992 text)"
    return None, ""


class Regime:
    """The treaty as it stood in one year: parties, airfields, parameters.

    Build it with :func:`openskies.data.regime`. Regimes are immutable:
    :meth:`designate` returns a new one.

    Attributes
    ----------
    year : int
        Modelled year (default 2019, the last year with every party in).
    """

    def __init__(self, year: int, airfields: tuple[Airfield, ...]) -> None:
        self.year = year
        self._airfields = {a.icao: a for a in airfields}

    def __repr__(self) -> str:
        hyp = [a.icao for a in self._airfields.values() if a.hypothetical]
        extra = f", hypothetical={hyp}" if hyp else ""
        return f"Regime(year={self.year}, airfields={len(self._airfields)}{extra})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Regime)
            and other.year == self.year
            and other._airfields == self._airfields
        )

    def __hash__(self) -> int:
        return hash((self.year, tuple(sorted(self._airfields.items()))))

    # -- parties and parameters -------------------------------------------------------------
    @property
    def parties(self) -> dict[str, str]:
        """States Parties in the regime's year: ISO3 -> name."""
        return territory.parties(self.year)

    def is_party(self, code: str) -> bool:
        """Whether ``code`` (ISO3) was a State Party in the regime's year."""
        return territory.is_party(code, self.year)

    @property
    def parameters(self) -> dict[str, Any]:
        """Treaty parameters (``geodata/treaty.yaml``), each with its value and source."""
        return _geodata.treaty()

    def parameter(self, *path: str) -> Any:
        """Value of a treaty parameter by its key path, e.g. ``parameter("stand_off_km")``.

        Entries stored as ``{value: ..., source: ...}`` return their ``value``.
        """
        node: Any = _geodata.treaty()
        for key in path:
            if not isinstance(node, dict) or key not in node:
                known = ", ".join(sorted(node)) if isinstance(node, dict) else ""
                msg = f"unknown treaty parameter {'.'.join(path)!r}; known here: {known}"
                raise UnknownCodeError(msg)
            node = node[key]
        if isinstance(node, dict) and "value" in node:
            return node["value"]
        return node

    # -- airfields ---------------------------------------------------------------------------
    def airfield(self, icao: str) -> Airfield:
        """The airfield with ICAO code ``icao`` in this regime."""
        key = str(icao).strip().upper()
        try:
            return self._airfields[key]
        except KeyError:
            known = ", ".join(sorted(self._airfields))
            msg = (
                f"unknown ICAO code {icao!r}: not among the {len(self._airfields)} bundled "
                f"airfields ({known}); add it with Regime.designate() or check the spelling"
            )
            raise UnknownCodeError(msg) from None

    def __contains__(self, icao: object) -> bool:
        return str(icao).strip().upper() in self._airfields

    def airfields(self) -> gpd.GeoDataFrame:
        """All airfields as a GeoDataFrame (EPSG:4326) with roles in this regime."""
        rows = [
            {
                "icao": a.icao,
                "name": a.name,
                "roles": ";".join(a.roles),
                "party": a.party,
                "group": a.group,
                "is_osa": a.is_osa,
                "max_flight_distance_km": a.max_flight_distance_km,
                "max_flight_distance_source": a.max_flight_distance_source,
                "hypothetical": a.hypothetical,
                "lon": a.lon,
                "lat": a.lat,
                "source": a.source,
            }
            for a in self._airfields.values()
        ]
        df = pd.DataFrame(rows)
        return gpd.GeoDataFrame(
            df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326"
        ).set_index("icao", drop=False)

    def osas(self, group: str | None = None) -> list[Airfield]:
        """Open Skies airfields, optionally only those whose flights observe ``group``."""
        return [
            a
            for a in self._airfields.values()
            if a.is_osa and (group is None or a.group == group.upper())
        ]

    def is_osa(self, icao: str) -> bool:
        """Whether ``icao`` is an Open Skies airfield in this regime."""
        return self.airfield(icao).is_osa

    def max_flight_distance_km(self, icao: str) -> float:
        """Maximum flight distance (km) of the OSA ``icao``; raises if it is not an OSA."""
        a = self.require_osa(icao)
        if a.max_flight_distance_km is None:
            msg = f"no maximum flight distance is recorded for OSA {a.icao}; pass budget_km="
            raise ValidationError(msg)
        return a.max_flight_distance_km

    def check_budget(self, icao: str, budget_km: Any = None) -> float:
        """The distance budget (km) of a flight that commences at the OSA ``icao``.

        The legal limit is the regime's: the OSA's maximum flight distance
        (Annex A Sec. III; Art. III Sec. II para 5 for a group), or the one given
        to a hypothetical designation (:meth:`designate`). A planner may aim
        lower, never higher.

        Parameters
        ----------
        icao : str
            An Open Skies airfield of this regime.
        budget_km : float, optional
            A planning budget, km (> 0). None: the OSA's maximum flight distance.

        Returns
        -------
        float
            ``budget_km``, or the OSA's maximum flight distance when None.

        Raises
        ------
        ValidationError
            ``icao`` is not an OSA; ``budget_km`` is not a positive number, or is
            larger than the OSA's maximum flight distance (the message names the
            airfield, its limit and the regime year, and how to study a larger
            limit as a hypothetical designation).
        """
        a = self.require_osa(icao)
        limit = self.max_flight_distance_km(a.icao)
        if budget_km is None:
            return limit
        budget = _validate.positive(
            budget_km, f"budget_km={budget_km!r} must be a positive number of kilometres"
        )
        if budget > limit:
            kind = "hypothetical designation" if a.hypothetical else "maximum flight distance"
            msg = (
                f"budget_km={budget:,.6g} km is more than the legal limit of a flight from "
                f"{a.label}: its {kind} is {limit:,.6g} km in the {self.year} regime "
                f"({a.max_flight_distance_source}). A planning budget may be smaller, never "
                f"larger: give budget_km <= {limit:g}, or study a larger limit as a "
                f"hypothetical designation, regime.designate({a.icao!r}, "
                f"party={a.party!r}, max_flight_distance_km={budget:g}) "
                f"(CLI: --designate {a.icao}={budget:g})"
            )
            raise ValidationError(msg)
        return budget

    def require_osa(self, icao: str) -> Airfield:
        """The airfield ``icao``, raising a clear error unless it is an OSA in this regime."""
        a = self.airfield(icao)
        if not a.is_osa:
            osas = ", ".join(o.icao for o in self.osas())
            msg = (
                f"{a.label} is not an Open Skies airfield in the {self.year} regime "
                f"(roles: {', '.join(a.roles) or 'none'}); OSAs are {osas}. To study it as "
                f"one, use regime.designate({a.icao!r}, party=..., max_flight_distance_km=...)"
            )
            raise ValidationError(msg)
        return a

    def check_observes(self, icao: str, observed: str, *, role: str = "airfield") -> Airfield:
        """The airfield ``icao``, raising unless its flights observe the territory ``observed``.

        An airfield serves the observed Party or group it belongs to: Warsaw's
        flights observe Poland, Kubinka's the Belarus-Russia group. A
        hypothetical designation (:meth:`designate`) for the observed party
        passes.

        Parameters
        ----------
        icao : str
            ICAO code of a bundled or designated airfield.
        observed : str
            Code of the observed territory (``"BLR"``, ``"BLR+RUS"``).
        role : str
            How the airfield is used, for the message (``"entry point"``...).

        Raises
        ------
        ValidationError
            The airfield belongs to another Party or group.
        """
        a = self.airfield(icao)
        target = territory.get(observed, year=self.year)
        own = territory.get(a.group, year=self.year)
        if set(target.members) <= set(own.members):
            return a
        others = [
            o.icao
            for o in self.osas()
            if set(target.members) <= set(territory.get(o.group, year=self.year).members)
        ]
        osas = (
            f"its Open Skies airfields are {', '.join(others)}"
            if others
            else "it has no Open Skies airfield in this regime"
        )
        msg = (
            f"{role} {a.label} is an airfield of {a.party}, whose flights observe {own.code}; "
            f"it cannot serve a flight over {target.code} (the observed party): choose an "
            f"airfield of {target.code}'s party or group ({osas}), or designate one of its "
            "airfields hypothetically (Regime.designate)"
        )
        raise ValidationError(msg)

    def observed_territory(self, icao: str) -> territory.Territory:
        """Territory observed by flights from ``icao`` (Kubinka -> the BLR+RUS group)."""
        a = self.airfield(icao)
        return territory.get(a.group, year=self.year)

    def designate(
        self,
        icao: str,
        *,
        party: str,
        roles: tuple[str, ...] = ("POE", "OSA"),
        max_flight_distance_km: float | None,
        lon: float | None = None,
        lat: float | None = None,
        name: str | None = None,
    ) -> Regime:
        """Return a new regime in which ``icao`` is (hypothetically) designated.

        Parameters
        ----------
        icao : str
            A bundled airfield (e.g. ``"UMMS"``) or a new code, then with
            ``lon``, ``lat`` and ``name``.
        party : str
            ISO3 of the state where it lies, or the group code; its flights
            observe that state's treaty group (``"BLR"`` -> ``"BLR+RUS"``).
        roles : tuple of str
            Roles to add, from :data:`ROLES`; ``("REFUEL",)`` designates a refuelling
            airfield (Art. II para 30) that flights over the party's group may use
            (:func:`openskies.refuel.refuel_airfields`).
        max_flight_distance_km : float or None
            The maximum flight distance assumed for the new OSA (km, > 0); None only for a
            designation without the ``OSA`` role (a refuelling airfield has no limit).
        lon, lat : float, optional
            Position (degrees WGS84) for an airfield not in the bundled table.
        name : str, optional
            Name for an airfield not in the bundled table.

        Returns
        -------
        Regime
            A new regime; this one is unchanged.
        """
        bad_roles = [r for r in roles if r not in ROLES]
        if bad_roles:
            msg = f"unknown airfield role(s) {bad_roles}: choose from {', '.join(ROLES)}"
            raise ValidationError(msg)
        mfd = _num(max_flight_distance_km)
        osa = "OSA" in roles
        if (osa or max_flight_distance_km is not None) and (mfd is None or mfd <= 0):
            need = " (an Open Skies airfield needs one)" if max_flight_distance_km is None else ""
            msg = (
                f"max_flight_distance_km={max_flight_distance_km!r} must be a positive number "
                f"of kilometres{need}"
            )
            raise ValidationError(msg)
        party_u = str(party).strip().upper()
        group = _group_of(party_u)
        key = str(icao).strip().upper()
        if key in self._airfields:
            base = self._airfields[key]
            if lon is not None or lat is not None:
                base = replace(base, lon=float(lon or base.lon), lat=float(lat or base.lat))
        else:
            if lon is None or lat is None:
                msg = (
                    f"airfield {icao!r} is not bundled: give lon= and lat= (degrees WGS84) "
                    "and name= to designate it"
                )
                raise UnknownCodeError(msg)
            geodesy.check_lonlat(lon, lat, what=f"airfield {key}")
            base = Airfield(key, name or key, float(lon), float(lat), (), party_u, group)
        new = replace(
            base,
            roles=tuple(dict.fromkeys((*base.roles, *roles))),
            party=party_u.split("+")[0] if "+" in party_u else party_u,
            group=group,
            max_flight_distance_km=mfd if mfd is not None else base.max_flight_distance_km,
            max_flight_distance_source="hypothetical (study parameter)"
            if mfd is not None
            else base.max_flight_distance_source,
            hypothetical=True,
        )
        airfields = dict(self._airfields)
        airfields[key] = new
        logger.info(
            "designated %s hypothetically (%s)%s",
            new.label,
            ", ".join(new.roles),
            "" if mfd is None else f": {mfd:.0f} km",
        )
        return Regime(self.year, tuple(airfields.values()))


def _group_of(code: str) -> str:
    groups = _geodata.treaty().get("groups", [])
    for g in groups:
        if code == g["code"] or code in g["members"]:
            return str(g["code"])
    if code in territory.known_codes():
        return code
    msg = f"unknown party {code!r}: give an ISO3 code (e.g. 'BLR') or a group ('BLR+RUS')"
    raise UnknownCodeError(msg)


@cache
def regime(year: int = territory.DEFAULT_YEAR) -> Regime:
    """The treaty regime as it stood in ``year`` (see :func:`openskies.data.regime`)."""
    if not isinstance(year, int) or isinstance(year, bool):
        msg = f"year={year!r} must be an integer year such as 2019"
        raise ValidationError(msg)
    if year < 1992:
        msg = f"year={year} is before the treaty was signed (1992): give 1992 or later"
        raise ValidationError(msg)
    return Regime(year, _table(year))


def as_regime(value: Any, *, field: str = "regime", allow_none: bool = True) -> Regime:
    """A regime argument as a :class:`Regime`; None is the default (2019) regime.

    The one coercion of every ``regime=`` argument of openskies
    (:func:`openskies._validate.instance_or_preset`). A regime has no preset
    names: build one with :func:`openskies.data.regime` (a year) and
    :meth:`Regime.designate`.

    Parameters
    ----------
    value : Regime or None
        A Regime (returned as it is), or None for :func:`regime` of
        :data:`openskies.territory.DEFAULT_YEAR`.
    field : str
        The argument's name, as the error message shows it.
    allow_none : bool
        Whether None stands for the default regime; False refuses it.

    Returns
    -------
    Regime

    Raises
    ------
    ValidationError
        A year, a string, a mapping or another object (the message says to
        call ``openskies.data.regime(year)``), or None where it is not allowed.
    """
    return _validate.instance_or_preset(
        value,
        field=field,
        cls=Regime,
        kind="regime",
        instance="an openskies.data.Regime, e.g. openskies.data.regime(2019)",
        default=(lambda: regime(territory.DEFAULT_YEAR)) if allow_none else None,
    )
