"""CLI commands of the planning and study layers: ``plan``, ``compare`` and ``rank``.

Configs are validated before anything runs; outputs are staged in a temporary
directory and appear under ``-o`` only when the run succeeded (exit 2 and no
output directory on unusable input).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ._app import app, console, exit_codes, styled

OutOpt = Annotated[Path, typer.Option("--output", "-o", help="Output directory.")]
OverwriteOpt = Annotated[
    bool, typer.Option("--overwrite", help="Replace a non-empty output directory.")
]


def _write_json(path: Path, obj: Any) -> None:
    from .._files import atomic_write

    with atomic_write(path) as fh:
        json.dump(obj, fh, indent=2, sort_keys=True, default=str)
        fh.write("\n")


@app.command("plan")
def plan_cmd(
    config: Annotated[Path, typer.Argument(help="Plan config (YAML).", show_default=False)],
    output: OutOpt,
    overwrite: OverwriteOpt = False,
) -> None:
    """Plan the most valuable legal observation flight for a config; write plan files + map.

    Where the route exceeds the aircraft's usable range (range less reserve), refuelling
    stops are placed (``plan.refuel``, default true; openskies.refuel.plan_refuelling);
    a plan that cannot be flown is still written, with ``"feasible": false``.
    """
    from .. import _files, _geodata, _inputs, data, io, refuel, report, routing
    from .. import config as cfgmod
    from .._errors import InfeasibleError

    with exit_codes():
        cfg = cfgmod.load(config, cfgmod.PlanConfig, section="plan")
        with _files.staged_dir(output, overwrite=overwrite, command="plan") as tmp:
            reg = data.regime(cfg.year)
            for d in cfg.designate:
                reg = reg.designate(
                    d.icao,
                    party=d.party,
                    roles=d.roles,
                    max_flight_distance_km=d.max_flight_distance_km,
                )
            if cfg.targets == "bundled":
                targets = data.sites(cfg.targets_territory)
            else:
                targets = _inputs.read_features(
                    Path(config).parent / cfg.targets,
                    what="targets file (plan.targets)",
                    max_features="targets",
                )
            avoid = None
            if cfg.avoid is not None:
                avoid = _inputs.read_features(
                    Path(config).parent / cfg.avoid, what="avoid file (plan.avoid)"
                )
            plan = routing.plan_route(
                cfg.territory,
                targets,
                start=cfg.start,
                end=cfg.end,
                budget_km=cfg.budget_km,
                sensor=cfg.sensor,
                avoid=avoid,
                regime=reg,
                time_limit_s=cfg.time_limit_s,
                min_fraction=cfg.min_fraction,
                seed=cfg.seed,
                aircraft=cfg.aircraft,
                name=cfg.name,
            )
            if not plan.route.observed:
                msg = _nothing_observed(plan, cfg.budget_km)
                raise InfeasibleError(msg)
            refuelling = None
            if cfg.refuel:
                route = plan.route
                refuelling = refuel.plan_refuelling(plan, avoid=avoid)
                plan = refuelling.plan
                object.__setattr__(plan, "route", route)  # keep_legs: every imaging leg kept
            fuel = refuel.check(plan)
            footprint = None
            if cfg.sensor:
                from .. import coverage, sensors

                footprint = coverage.footprint(plan, sensors.preset(cfg.sensor))
            io.write_geojson(plan, tmp / "plan.geojson")
            io.write_kml(plan, tmp / "plan.kml")
            io.write_gpx(plan, tmp / "plan.gpx")
            io.write_csv(plan, tmp / "plan.csv")
            io.write_txt(plan, tmp / "plan.txt")
            io.write_feature_collection(io.routes_layer([plan]), tmp / "routes.geojson")
            report.write_plan_report(
                plan, tmp / "report.html", targets=targets, footprint=footprint
            )
            report.plan_png(plan, tmp / "map.png", targets=targets, footprint=footprint)
            route = plan.route
            summary = {
                **route.summary(),
                "length_km": plan.length_km,
                "budget_km": plan.budget_km,
                "slack_km": plan.budget_km - plan.length_km,
                "observed": [str(targets.loc[i].get("name", i)) for i in route.observed],
                "skipped": [
                    {"target": s.name, "value": s.value, "reason": s.reason} for s in route.skipped
                ],
                **_geodata.provenance(config_sha256=cfgmod.config_hash(cfg)),
                "hypothetical_airfields": [
                    c for c in (plan.start, plan.end) if reg.airfield(c).hypothetical
                ],
                "feasible": fuel.feasible,
                "refuel": refuelling.summary() if refuelling is not None else fuel.as_dict(),
            }
            _write_json(tmp / "summary.json", summary)
    console.print(
        f"{plan.name}: {len(route.observed)} targets observed (value {route.value_observed:g} of "
        f"{route.value_total:g}), {plan.length_km:.0f} of {plan.budget_km:.0f} km; "
        f"wrote {output}/"
    )
    reason = refuelling.reason if refuelling is not None else fuel.reason
    if fuel.feasible:
        console.print(f"feasible: {reason}")
    else:
        console.print(styled(("NOT FEASIBLE", "bold red"), f": {reason}"))


def _nothing_observed(plan: Any, budget_km: float | None) -> str:
    """Why a plan observes no target, as an error message naming the budget."""
    reasons: dict[str, int] = {}
    for s in plan.route.skipped:
        reasons[s.reason] = reasons.get(s.reason, 0) + 1
    why = "; ".join(f"{n} {r}" for r, n in sorted(reasons.items(), key=lambda x: -x[1]))
    given = f"plan.budget_km={budget_km:g}" if budget_km is not None else "the budget"
    return (
        f"no target can be observed from {plan.start} with {given} ({plan.budget_km:,.0f} km): "
        f"{why or 'no target given'}; raise plan.budget_km (up to the airfield's maximum "
        "flight distance), start nearer the targets or give other targets"
    )


DEFAULT_STUDY = "belarus-entry-point.yaml"


@app.command("compare")
def compare_cmd(
    config: Annotated[
        Path | None,
        typer.Argument(
            help=f"Study config (YAML); default: the bundled {DEFAULT_STUDY}.", show_default=False
        ),
    ] = None,
    output: OutOpt = Path("study-out"),
    overwrite: OverwriteOpt = False,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")
    ] = True,
    scheduler: Annotated[
        str,
        typer.Option(
            "--scheduler",
            help="Where a study of the legal options (study.scenarios) runs its units of "
            "work: 'local' (local processes), 'sync' (this process) or the address of a "
            "running dask scheduler (tcp://host:8786). The results do not depend on it.",
        ),
    ] = "local",
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Local worker processes (default: CPUs)."),
    ] = None,
) -> None:
    """Compare entry airfields for inspecting a territory (default: Belarus, Kubinka vs Minsk).

    Writes report.html (the answer first, then the figures, the map and the tables),
    report.pdf (the same for print), figures/*.png and *.svg (each key figure), metrics.csv,
    metrics.md, the GeoJSON layers and provenance.json; a study of the legal options
    (study.scenarios) also writes break_even.csv and sensitivity.csv.
    """
    from .. import _files, _geodata, data, study
    from .. import config as cfgmod

    with exit_codes():
        path = config if config is not None else cfgmod.bundled_config(DEFAULT_STUDY)
        cfg = cfgmod.load(path, cfgmod.StudyConfig, section="study")
        with _files.staged_dir(output, overwrite=overwrite, command="compare") as tmp:
            st = study.compare_entry_points(
                cfg.territory,
                cfg.candidates,
                scenarios=cfg.scenarios,
                sensitivity=cfg.sensitivity,
                executor=scheduler,
                workers=workers,
                regime=data.regime(cfg.year),
                budgets_km=None if cfg.budgets_km == "sweep" else cfg.budgets_km,
                sensors=cfg.sensors,
                targets=None if cfg.targets == "bundled" else "none",
                home_bases=cfg.home_bases,
                aircraft=cfg.aircraft,
                progress=progress,
                overlap=cfg.overlap,
                reach_cell_km=cfg.reach_cell_km,
                time_limit_s=cfg.time_limit_s,
                seed=cfg.seed,
                months=cfg.months,
                min_sun_elevation_deg=cfg.min_sun_elevation_deg,
            )
            st.provenance["config_sha256"] = cfgmod.config_hash(cfg)
            st.provenance["config"] = cfgmod.display_name(path)
            write_study_outputs(st, tmp)
            record = _geodata.provenance(
                params_sha256=st.provenance["params_sha256"],
                config_sha256=st.provenance["config_sha256"],
            )
            _write_json(tmp / "provenance.json", {**record, "config": cfg.model_dump(mode="json")})
    for line in st.findings():
        console.print(f"- {line}")
    extra = ", break_even.csv, sensitivity.csv" if st.scenario_study else ""
    console.print(
        f"wrote {output}/ (report.html, report.pdf, figures/, metrics.csv{extra}, metrics.md, "
        "layers)"
    )


def write_study_outputs(st: Any, out: Path) -> None:
    """Write a study's report, tables and GeoJSON layers into ``out`` (atomic files)."""
    from .. import report
    from .._files import atomic_write
    from ..io import write_geojson_layer

    st.to_html(out / "report.html")
    report.write_study_documents(st, out)
    for s in st.params["sensors"]:
        report.study_png(st, out / f"map_{s}.png", sensor=s)
    st.to_csv(out / "metrics.csv")
    if st.scenario_study:
        st.break_even_csv(out / "break_even.csv")
        st.sensitivity_csv(out / "sensitivity.csv")
    with atomic_write(out / "metrics.md") as fh:
        fh.write(st.to_markdown())
    for name, gdf in (
        ("routes", st.routes),
        ("footprints", st.footprints),
        ("reach", st.reach),
        ("site_routes", st.site_routes),
    ):
        if gdf is None or len(gdf) == 0:
            continue
        write_geojson_layer(gdf, out / f"{name}.geojson")
