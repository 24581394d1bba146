"""The workbench app: FastAPI routes over the library, behind :class:`~._security.Guard`.

Build it with :func:`create_app` (tests, scripts) or start it with
:class:`openskies.serve.Workbench` / ``openskies serve``. Every route, the page,
its static files and the OpenAPI document (``/openapi.json``, rendered offline
at ``/docs``) need the launch token.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from .. import __version__
from . import _jobs, _service
from . import models as m
from ._security import Guard

logger = logging.getLogger(__name__)

__all__ = ["MAX_BODY_BYTES", "STATIC_DIR", "create_app"]

#: Largest request body (bytes): a plan file of the largest accepted size, in JSON.
MAX_BODY_BYTES = 8 * 1024 * 1024
STATIC_DIR = Path(__file__).resolve().parent / "static"

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": m.ErrorOut, "description": "No token, or a wrong one."},
    403: {"model": m.ErrorOut, "description": "Another site (Origin), or a foreign Host."},
    413: {"model": m.ErrorOut, "description": "The body is larger than the cap."},
    422: {"model": m.ErrorOut, "description": "Unusable input: the field, the problem, the fix."},
}

#: Fixes for pydantic error types (the message says what is wrong).
_FIXES = {
    "missing": "add the field",
    "extra_forbidden": "remove the field (is it misspelt?)",
    "too_long": "send fewer items: the workbench's caps are listed by GET /api/options",
    "too_short": "send more items",
    "string_too_long": "shorten the text (caps: GET /api/options)",
    "float_type": "give a JSON number",
    "float_parsing": "give a JSON number",
    "int_type": "give a whole JSON number",
    "finite_number": "give a finite number",
    "bool_type": "give true or false",
    "json_invalid": "send a JSON body (Content-Type: application/json)",
    "literal_error": "use one of the values the message lists",
    "tuple_type": "give a [lon, lat] pair",
    "list_type": "give a JSON array",
}


#: Fixes for a refused code, by the field that holds it.
_CODE_FIXES = {
    "start": "choose an airfield listed by GET /api/options",
    "end": "choose an airfield listed by GET /api/options",
    "candidates": "choose airfields listed by GET /api/options",
    "home_bases": "choose airfields listed by GET /api/options",
    "icao": "choose an airfield listed by GET /api/options",
    "territory": "choose a territory listed by GET /api/options",
    "code": "choose a territory listed by GET /api/options",
    "sensor": "choose a sensor listed by GET /api/options",
    "sensors": "choose sensors listed by GET /api/options",
    "aircraft": "choose an aircraft listed by GET /api/options",
}


def _fix(err: dict[str, Any]) -> str | None:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    loc = [str(x) for x in err.get("loc", ())]
    if kind == "value_error":
        named = [x for x in loc if x in _CODE_FIXES]
        return _CODE_FIXES[named[-1]] if named else None
    if kind in ("less_than_equal", "greater_than_equal", "less_than", "greater_than"):
        bound = {
            "less_than_equal": f"<= {ctx.get('le')}",
            "greater_than_equal": f">= {ctx.get('ge')}",
            "less_than": f"< {ctx.get('lt')}",
            "greater_than": f"> {ctx.get('gt')}",
        }[kind]
        if "waypoints" in loc and loc[-1] == "1":
            return f"give a latitude {bound} degrees: waypoints are [lon, lat] pairs"
        if "waypoints" in loc and loc[-1] == "0":
            return f"give a longitude {bound} degrees: waypoints are [lon, lat] pairs"
        return f"give a value {bound}"
    return _FIXES.get(kind)


def _error_response(status: int, items: Iterable[m.ErrorItem]) -> JSONResponse:
    body = m.ErrorOut(detail=list(items)).model_dump(mode="json", exclude_none=True)
    return JSONResponse(status_code=status, content=body)


def create_app(
    *,
    token: str,
    host: str = "127.0.0.1",
    max_body_bytes: int = MAX_BODY_BYTES,
    extra_hosts: Iterable[str] = (),
    warm_up: bool = True,
) -> FastAPI:
    """The workbench ASGI app.

    Parameters
    ----------
    token : str
        The launch token every request must carry.
    host : str
        The address the server is bound to (``Host`` headers are checked against it).
    max_body_bytes : int
        Largest request body accepted (413 above).
    extra_hosts : iterable of str
        More accepted ``Host`` names.
    warm_up : bool
        Load the bundled data in a background thread at start-up, so that the
        first validation is as fast as the next.

    Returns
    -------
    fastapi.FastAPI
    """
    if not token:
        msg = "create_app needs a non-empty token (openskies.serve._security.make_token())"
        raise ValueError(msg)
    jobs = _jobs.Jobs()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if warm_up:
            threading.Thread(target=_service.warm_up, name="openskies-warm-up", daemon=True).start()
        try:
            yield
        finally:
            jobs.shutdown()

    app = FastAPI(
        title="openskies workbench",
        version=__version__,
        description=(
            "Local API of `openskies serve`: check, plan, image and export Open Skies "
            "observation flights. Every request needs the launch token (query `token=`, "
            "`Authorization: Bearer`, or the page's cookie). Coordinates are [lon, lat] degrees "
            'WGS84; distances km. Errors: `{"detail": [{"loc", "msg", "type", "fix"}]}`.'
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.jobs = jobs

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        items = []
        for err in exc.errors():
            msg = str(err.get("msg", "invalid value"))
            msg = msg.removeprefix("Value error, ")
            items.append(
                m.ErrorItem(
                    loc=[x if isinstance(x, int) else str(x) for x in err.get("loc", ())],
                    msg=msg,
                    type=str(err.get("type", "value_error")),
                    fix=_fix(err),
                )
            )
        return _error_response(422, items)

    @app.exception_handler(_service.FieldError)
    async def _refused(_request: Request, exc: _service.FieldError) -> JSONResponse:
        return _error_response(422, [exc.item()])

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        fix = "see /docs for the endpoints" if exc.status_code == 404 else None
        item = m.ErrorItem(loc=["path"], msg=str(exc.detail), type="http_error", fix=fix)
        return _error_response(exc.status_code, [item])

    # -- the page ------------------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    @app.get("/docs", include_in_schema=False)
    def docs_page() -> FileResponse:
        return FileResponse(STATIC_DIR / "docs.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    # -- reference data ------------------------------------------------------------------
    @app.get("/api/options", responses=_ERRORS, tags=["data"])
    def options(year: Annotated[int, Query(ge=1992, le=2100)] = 2019) -> dict[str, Any]:
        """Years, territories, airfields (hypothetical candidates marked), sensors, caps."""
        return _service.options(year)

    @app.get("/api/borders", responses=_ERRORS, tags=["data"])
    def borders() -> dict[str, Any]:
        """The bundled country borders (GeoJSON, simplified): the page's base layer."""
        return _service.borders()

    @app.get("/api/territory/{code}", responses=_ERRORS, tags=["data"])
    def territory(
        code: Annotated[m.TerritoryCode, PathParam()],
        year: Annotated[int, Query(ge=1992, le=2100)] = 2019,
    ) -> dict[str, Any]:
        """Treaty area of a territory and its sub-regions (GeoJSON, simplified)."""
        return _service.territory_layer(code, year)

    @app.get("/api/sites", responses=_ERRORS, tags=["data"])
    def sites(territory: Annotated[m.TerritoryCode, Query()] = "BLR") -> m.TargetsOut:
        """Bundled sites of interest of a territory, as targets."""
        return _service.sites(territory)

    # -- plans ---------------------------------------------------------------------------
    @app.post("/api/validate", response_model=m.CheckOut, responses=_ERRORS, tags=["plans"])
    def validate(req: m.PlanIn) -> Response:
        """Check a plan against the treaty rules; meter, violations and geodesic legs."""
        out = _service.check(_service.build_plan(req))
        # the hot path of the page: serialised once by pydantic-core, not re-validated
        return Response(out.model_dump_json(), media_type="application/json")

    @app.post("/api/footprint", responses=_ERRORS, tags=["plans"])
    def footprint(req: m.FootprintIn) -> m.FootprintOut:
        """Ground imaged by the plan with a sensor, clipped to the treaty area."""
        return _service.footprint(req)

    @app.post("/api/route", responses=_ERRORS, tags=["plans"])
    def route(req: m.RouteIn) -> m.RouteOut:
        """The most valuable legal route to the targets (``routing.plan_route``)."""
        return _service.route(req)

    @app.post(
        "/api/export/{fmt}",
        responses={**_ERRORS, 200: {"content": {"application/octet-stream": {}}}},
        response_class=Response,
        tags=["files"],
    )
    def export(fmt: Annotated[m.ExportFormat, PathParam()], req: m.PlanIn) -> Response:
        """The plan as a file: geojson, kml, gpx, csv, txt (mission summary) or icao (route)."""
        body, media, filename = _service.export(req, fmt)
        return Response(
            body,
            media_type=media,
            headers={"content-disposition": f'attachment; filename="{filename}"'},
        )

    @app.post("/api/import", responses=_ERRORS, tags=["files"])
    def import_plan(req: m.ImportIn) -> m.ImportOut:
        """Read a plan file's text (GeoJSON, GPX, CSV) into the page's plan, with its check."""
        return _service.import_plan(req)

    @app.post("/api/targets/import", responses=_ERRORS, tags=["files"])
    def import_targets(req: m.TargetsImportIn) -> m.TargetsOut:
        """Read point targets from CSV (lon, lat, name, value) or GeoJSON text."""
        return _service.import_targets(req)

    # -- comparisons ---------------------------------------------------------------------
    busy = {409: {"model": m.ErrorOut, "description": "A comparison is running."}}

    @app.post(
        "/api/compare",
        status_code=202,
        response_model=m.JobOut,
        responses={**_ERRORS, **busy},
        tags=["study"],
    )
    def compare(req: m.CompareIn) -> Any:
        """Start a reduced entry-point comparison in a worker process; poll its id."""
        _service.check_compare(req)
        try:
            job = jobs.submit(req)
        except _jobs.BusyError as exc:
            item = m.ErrorItem(
                loc=["body"],
                msg=f"comparison {exc.job_id} is still running",
                type="busy",
                fix=f"wait for GET /api/compare/{exc.job_id}, or cancel it with DELETE",
            )
            return _error_response(409, [item])
        return job.out()

    def _job(job_id: str, job: _jobs.Job | None) -> _jobs.Job:
        if job is None:
            raise StarletteHTTPException(404, f"no comparison {job_id!r} (finished ones expire)")
        return job

    @app.get("/api/compare/{job_id}", responses=_ERRORS, tags=["study"])
    def compare_status(job_id: Annotated[str, PathParam(max_length=64)]) -> m.JobOut:
        """State of a comparison; its answer (findings, summary, routes) once done."""
        return _job(job_id, jobs.get(job_id)).out()

    @app.delete("/api/compare/{job_id}", responses=_ERRORS, tags=["study"])
    def compare_cancel(job_id: Annotated[str, PathParam(max_length=64)]) -> m.JobOut:
        """Cancel a running comparison (its worker process is ended)."""
        return _job(job_id, jobs.cancel(job_id)).out()

    app.add_middleware(GZipMiddleware, minimum_size=2048)
    app.add_middleware(
        Guard,
        token=token,
        bind_host=host,
        max_body_bytes=max_body_bytes,
        extra_hosts=tuple(extra_hosts),
    )
    return app
