"""Validated YAML configs for studies and plans (pydantic).

A config error names the key path and, where the YAML parser knows it, the
line: ``study.budgets_km.2 (line 7): Input should be greater than 0``. Unknown
keys are errors (a typo must not silently fall back to a default). Nothing is
run or written before a config validates.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from ._errors import ConfigError, OpenSkiesError

logger = logging.getLogger(__name__)

__all__ = [
    "PlanConfig",
    "RankConfig",
    "StudyConfig",
    "bundled_config",
    "config_hash",
    "display_name",
    "line_of",
    "load",
    "load_with_node",
]

M = TypeVar("M", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_value_error(func: Any, value: Any) -> Any:
    # pydantic reports ValueError with the key path; openskies' KeyError subclasses are wrapped
    try:
        return func(value)
    except OpenSkiesError as exc:
        raise ValueError(str(exc)) from None


def _check_icao(code: str) -> str:
    from . import data

    key = str(code).strip().upper()
    _as_value_error(data.regime().airfield, key)  # names the known codes
    return key


def _check_territory(code: str) -> str:
    from . import territory

    key = str(code).strip().upper()
    if key not in territory.known_codes():
        msg = f"unknown territory code {code!r}: e.g. 'BLR', 'POL', 'BLR+RUS', 'RUS-KGD'"
        raise ValueError(msg)
    return key


def _check_sensor(name: str) -> str:
    from . import sensors

    _as_value_error(sensors.preset, name)  # lists the presets
    return name


def _check_aircraft(name: str) -> str:
    from . import aircraft

    _as_value_error(aircraft.preset, name)
    return name


#: Config field types that check their value against the bundled data.
IcaoCode = Annotated[str, AfterValidator(_check_icao)]
TerritoryCode = Annotated[str, AfterValidator(_check_territory)]
SensorName = Annotated[str, AfterValidator(_check_sensor)]
AircraftName = Annotated[str, AfterValidator(_check_aircraft)]
Budget = Annotated[float, Field(gt=0)]


class Designation(_Strict):
    """A hypothetical designation applied to the regime before the run."""

    icao: IcaoCode
    party: str
    max_flight_distance_km: Budget
    roles: tuple[str, ...] = ("POE", "OSA")


class StudyConfig(_Strict):
    """Config of an entry-point study (``openskies compare``)."""

    name: str = "entry-point-study"
    territory: TerritoryCode = "BLR"
    year: int = Field(default=2019, ge=1992)
    candidates: tuple[IcaoCode, ...] = Field(default=("UUMB", "UMMS"), min_length=1)
    budgets_km: Annotated[tuple[Budget, ...], Field(min_length=1)] | Literal["sweep"] = "sweep"
    sensors: tuple[SensorName, ...] = Field(
        default=("optical_high_pan", "optical_low"), min_length=1
    )
    home_bases: tuple[IcaoCode, ...] = ("EPWA",)
    aircraft: AircraftName = "An-30B"
    targets: Literal["bundled", "none"] = "bundled"
    overlap: float = Field(default=0.1, ge=0.0, lt=1.0)
    reach_cell_km: float = Field(default=10.0, gt=0.0)
    time_limit_s: float = Field(default=10.0, gt=0.0)
    seed: int = 0


class PlanConfig(_Strict):
    """Config of a route plan (``openskies plan``)."""

    name: str = "plan"
    start: IcaoCode
    end: IcaoCode | None = None
    territory: TerritoryCode | None = None
    year: int = Field(default=2019, ge=1992)
    designate: tuple[Designation, ...] = ()
    budget_km: Budget | None = None
    sensor: SensorName | None = "optical_high_pan"
    targets: Literal["bundled"] | Path = "bundled"
    targets_territory: str = "BLR"
    min_fraction: float = Field(default=0.9, gt=0.0, le=1.0)
    avoid: Path | None = None
    aircraft: AircraftName = "An-30B"
    time_limit_s: float = Field(default=10.0, gt=0.0)
    seed: int = 0


class RankConfig(_Strict):
    """Config of an entry-point ranking (``openskies rank``).

    ``metrics`` is the level of :func:`openskies.study.rank_entry_points`
    (``reach``, ``coverage`` or ``full``); ``objective`` lists metric names of
    that level, most important first (``name:min`` / ``name:max`` to override
    the direction); None takes the level's default.
    """

    name: str = "entry-point-ranking"
    territory: str = "BLR"
    year: int = Field(default=2019, ge=1992)
    candidates: Literal["all"] | tuple[str, ...] = "all"
    grid_km: float | None = Field(default=25.0, gt=0.0)
    reference: str | None = "UUMB"
    highlight: tuple[str, ...] = ("UMMS",)
    budgets_km: tuple[float, ...] = Field(default=(5500.0,), min_length=1)
    sensors: tuple[str, ...] = Field(default=("optical_high_pan",), min_length=1)
    metrics: Literal["reach", "coverage", "full"] = "reach"
    objective: tuple[str, ...] | None = None
    overlap: float = Field(default=0.1, ge=0.0, lt=1.0)
    reach_cell_km: float = Field(default=10.0, gt=0.0)
    retries: int = Field(default=2, ge=0)
    home_bases: tuple[str, ...] = ("EPWA",)
    aircraft: str = "An-30B"
    time_limit_s: float = Field(default=10.0, gt=0.0)
    seed: int = 0

    _t = field_validator("territory")(_check_territory)

    @field_validator("reference")
    @classmethod
    def _reference(cls, v: str | None) -> str | None:
        return None if v is None else _check_icao(v)

    @field_validator("candidates")
    @classmethod
    def _candidates(cls, v: str | tuple[str, ...]) -> str | tuple[str, ...]:
        if isinstance(v, str):
            return v
        if not v:
            msg = "give at least one ICAO code, or 'all'"
            raise ValueError(msg)
        return tuple(_check_icao(c) for c in v)

    @field_validator("highlight", "home_bases")
    @classmethod
    def _icaos(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_check_icao(c) for c in v)

    @field_validator("sensors")
    @classmethod
    def _sensors(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_check_sensor(s) for s in v)

    @field_validator("aircraft")
    @classmethod
    def _aircraft(cls, v: str) -> str:
        return _check_aircraft(v)

    @field_validator("budgets_km")
    @classmethod
    def _budgets(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        for b in v:
            if not b > 0:
                msg = f"budget {b} km must be greater than 0"
                raise ValueError(msg)
        return v

    @field_validator("objective")
    @classmethod
    def _objective(cls, v: tuple[str, ...] | None, info: Any) -> tuple[str, ...] | None:
        from . import _ranking

        if v is None or "metrics" not in info.data:
            return v
        _as_value_error(lambda o: _ranking.parse_objective(o, info.data["metrics"]), v)
        return v


# --------------------------------------------------------------------------- loading


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """Line (1-based) of the YAML node at key path ``loc``, or of its nearest parent."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if k.value == str(key):
                    nxt = v
                    line = k.start_mark.line + 1
                    break
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            node = node.value[key] if key < len(node.value) else None
            if node is not None:
                line = node.start_mark.line + 1
        else:
            break
        if node is None:
            break
    return line


def _read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        msg = f"config file {str(path)!r} not found"
        raise ConfigError(msg) from None
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"config file {str(path)!r} cannot be read: {exc}"
        raise ConfigError(msg) from None
    try:
        node = yaml.compose(text)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        msg = f"config file {str(path)!r} is not valid YAML{where}: {problem}"
        raise ConfigError(msg) from None
    return raw, node


def load(path: str | Path, model: type[M], *, section: str | None = None) -> M:
    """Read and validate a YAML config.

    Parameters
    ----------
    path : str or Path
        The YAML file.
    model : type
        :class:`StudyConfig`, :class:`PlanConfig`, :class:`RankConfig` or any
        strict pydantic model.
    section : str, optional
        Top-level key holding the config (e.g. ``"study"``); the file may
        also hold the fields at its top level.

    Raises
    ------
    ConfigError
        Malformed YAML, unknown keys, wrong types or unknown codes; the
        message names the key path and line.
    """
    return load_with_node(path, model, section=section)[0]


#: pydantic tags union members in error locations ("tuple[float, float]", "str"): dropped.
_TYPE_TAGS = {"str", "int", "float", "date", "datetime", "bool", "none"}


def line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """Line (1-based) of the YAML node at key path ``loc``, or of its nearest parent."""
    return _line_of(node, loc)


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the (nested) model holding the key at ``loc``."""
    current: Any = model
    for key in loc[:-1]:
        fields = getattr(current, "model_fields", None)
        if not fields or key not in fields:
            break
        current = fields[key].annotation
    return sorted(getattr(current, "model_fields", {}) or [])


def _refuse_sets(raw: Any, node: yaml.Node | None, p: Path, loc: tuple[Any, ...] = ()) -> None:
    """Refuse YAML sets (``!!set {UUMB, UMMS}``): their order depends on the hash seed.

    PyYAML's ``safe_load`` gives a Python ``set``, iterated in an order that changes from one
    process to the next (``PYTHONHASHSEED``), and order matters in a config (the first
    candidate is the status quo; objectives are lexicographic; ids follow the order).
    """
    if isinstance(raw, set | frozenset):
        where = ".".join(str(x) for x in loc) or "(top level)"
        line = _line_of(node, loc)
        at = f" (line {line})" if line else ""
        items = ", ".join(sorted(map(str, raw)))
        msg = (
            f"invalid config {str(p)!r}:\n  {where}{at}: a YAML set (!!set) has no order, and "
            f"the same config must give the same result every run; write a list instead, "
            f"e.g. [{items}]"
        )
        raise ConfigError(msg)
    if isinstance(raw, dict):
        for key, value in raw.items():
            _refuse_sets(value, node, p, (*loc, key))
    elif isinstance(raw, list):
        for i, value in enumerate(raw):
            _refuse_sets(value, node, p, (*loc, i))


def load_with_node(
    path: str | Path, model: type[M], *, section: str | None = None
) -> tuple[M, yaml.Node | None]:
    """:func:`load`, also returning the YAML node tree (to locate later semantic errors)."""
    p = Path(path)
    raw, node = _read_yaml(p)
    _refuse_sets(raw, node, p)
    prefix: tuple[Any, ...] = ()
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        msg = f"config file {str(p)!r} must hold a mapping of keys, got {type(raw).__name__}"
        raise ConfigError(msg)
    if section and section in raw and isinstance(raw[section], dict):
        extra = sorted(set(raw) - {section})
        if extra:
            msg = f"{str(p)!r}: unknown top-level key(s) {extra}; only {section!r} is read"
            raise ConfigError(msg)
        raw = raw[section]
        prefix = (section,)
    try:
        return model.model_validate(raw), node
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = tuple(
                x for x in err["loc"] if not (isinstance(x, str) and ("[" in x or x in _TYPE_TAGS))
            )
            where = ".".join(str(x) for x in (*prefix, *loc)) or "(top level)"
            line = _line_of(node, (*prefix, *loc))
            at = f" (line {line})" if line else ""
            text = err["msg"]
            if err["type"] == "extra_forbidden":
                allowed = ", ".join(_allowed_keys(model, loc))
                text = f"unknown key; allowed keys here: {allowed}"
            lines.append(f"{where}{at}: {text}")
        msg = f"invalid config {str(p)!r}:\n  " + "\n  ".join(dict.fromkeys(lines))
        raise ConfigError(msg) from None


def config_hash(cfg: BaseModel) -> str:
    """SHA-256 of the effective config (all fields, defaults included), for provenance."""
    payload = json.dumps(cfg.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def display_name(path: str | Path) -> str:
    """A name for a config file that does not depend on where it was read from.

    Reports record it in their provenance: the same config read by another path, from another
    directory or on another machine gives the same report. A bundled config is named by its
    place in the package (``configs/belarus-entry-point.yaml``), any other by its file name
    (``study.yaml``); never by a path of this machine (its content is identified by
    :func:`config_hash`).
    """
    from . import _geodata

    p = Path(path)
    try:
        inside = p.resolve().relative_to(_geodata.configs_dir().resolve())
    except (OSError, ValueError):
        return p.name
    return Path("configs", inside).as_posix()


def bundled_config(name: str) -> Path:
    """Path of a config shipped with the package (``configs/<name>``)."""
    from . import _geodata

    p = _geodata.configs_dir() / name
    if not p.is_file():
        avail = ", ".join(sorted(x.name for x in _geodata.configs_dir().glob("*.yaml")))
        msg = f"no bundled config {name!r}; bundled: {avail}"
        raise ConfigError(msg)
    return p
