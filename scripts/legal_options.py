"""Print the legal building blocks of the five entry-point options (docs/legal-options.md).

Every figure in docs/legal-options.md comes from this script::

    python scripts/legal_options.py            # about 20 s

It computes the five-hour time Minsk -> Kubinka, the Annex E para 5(A) floors (Belarus alone,
the replacement option two ways, each mainland reading, and the Dutch text's Vorkuta
distance), the ``annex_e_ok`` metric of each option at a few Minsk distances, Poland's quota
over the group and the single-state analogues.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from openskies import _entry_options as eo
from openskies import data, geodesy


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    reg = data.regime(2019)

    c = eo.poe_only_check(reg)
    print(
        f"Annex E para 1: {c.poe} -> {c.osa} {c.distance_km:.1f} km at {c.speed_kmh:.0f} km/h "
        f"= {c.hours:.2f} h (limit {c.limit_h:.0f} h): ok={c.ok}"
    )
    for name in ("Saab 340", "OC-135B", "Tu-214ON"):
        print(f"    {name}: {eo.osa_reachable_h('UMMS', 'UUMB', aircraft=name):.2f} h")
    print(
        f"    fails beyond a route factor of {c.limit_h * c.speed_kmh / c.distance_km:.2f} "
        f"or below {c.distance_km / c.limit_h:.1f} km/h"
    )

    single = eo.option("single_state").regime_for(reg, budget_km=1400)
    f = eo.annex_e_floor(single, "BLR", "UMMS")
    print(
        f"Belarus alone: farthest point {f.farthest_km:.1f} km from UMMS at "
        f"({f.farthest_lonlat[0]:.3f}, {f.farthest_lonlat[1]:.3f}) -> floor {f.budget_km:.0f} km"
    )

    left = eo.annex_e_uncovered(reg, "BLR+RUS")
    x0, y0, x1, y1 = left.bounds
    print(
        f"2019 designations, absolute rule: ok={eo.annex_e_ok(reg, 'BLR+RUS')}; "
        f"{geodesy.area_km2(left):.0f} km2 uncovered within lon "
        f"{x0:.2f}..{x1:.2f}, lat {y0:.2f}..{y1:.2f}"
    )
    for sep in ((), ("RUS-KGD",), True):
        print(f"replacement floors, separated={sep!r}:")
        for key, v in eo.replacement_floors(reg, separated=sep).items():
            x, y = v.farthest_lonlat
            print(
                f"    {key}: {v.budget_km:.0f} km (farthest uncovered point {v.farthest_km:.1f} km "
                f"away at ({x:.3f}, {y:.3f}); others leave {v.uncovered_area_km2:.0f} km2)"
            )
    vorkuta = reg.airfield("UUYW")
    dutch = eo._with(reg, {"UUYW": replace(vorkuta, max_flight_distance_km=5000.0)})
    floors = {k: round(v.budget_km) for k, v in eo.replacement_floors(dutch).items()}
    print(f"replacement floors with Vorkuta at 5,000 km (Dutch text): {floors}")

    for name in eo.SCENARIOS:
        opt = eo.option(name)
        budgets = (500.0, 1400.0, 5500.0, 6000.0) if opt.uses_minsk_distance else (None,)
        for b in budgets:
            ok = opt.annex_e_ok(reg, budget_km=b)
            print(f"annex_e_ok {name:13s} Minsk {b or '-'!s:>6} km: {int(ok)}")

    cap = eo.observer_quota_flights_per_year("POL", "BLR+RUS")
    ceiling = eo.observer_quota_flights_per_year("POL", "BLR+RUS", total_active_quota=6)
    active, source = eo.observer_total_active_quota("POL")
    print(
        f"Poland over BLR+RUS: {cap} flights/year (total active quota {active:g}, {source}); "
        f"{ceiling} with the Art. III Sec. I para 5 ceiling (6)"
    )
    blr = data.territory("BLR").area_km2
    for a in eo.single_state_analogues(reg):
        print(
            f"analogue {a.icao} {a.max_flight_distance_km:.0f} km, {a.party} "
            f"{a.area_km2:,.0f} km2 ({a.area_km2 / blr:.2f} x Belarus's {blr:,.0f}): {a.source}"
        )


if __name__ == "__main__":
    main()
