"""Validated YAML configs for studies and plans (pydantic).

A config error names the key path and, where the YAML parser knows it, the
line: ``study.budgets_km.2 (line 7): Input should be greater than 0``. Unknown
keys are errors (a typo must not silently fall back to a default). Nothing is
run or written before a config validates.

A config is untrusted input (``docs/security.md``): the file is read once, up to
the ``config_bytes`` cap, composed once into a YAML node tree with a nesting
depth cap, checked for alias expansion (``yaml_nodes``), list lengths
(``list_items``), string lengths (``text_chars``, ``name_chars``) and duplicate
mapping keys, and only then constructed. Numbers are strict: ``"5500"`` and
``true`` are not budgets; a list never holds the same value twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    field_validator,
)

from . import _limits
from ._errors import ConfigError, OpenSkiesError

logger = logging.getLogger(__name__)

__all__ = [
    "ExerciseConfig",
    "PlanConfig",
    "RankConfig",
    "StudyConfig",
    "bundled_config",
    "config_hash",
    "display_name",
    "line_of",
    "load",
    "load_exercise_config",
    "load_with_node",
]

M = TypeVar("M", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


#: Config numbers: strict (``"5500"`` and ``true`` are refused; a YAML int is a fine float)
#: and finite (``.inf`` and ``.nan`` are refused by the models' ``allow_inf_nan=False``).
Num = Annotated[float, Strict()]
Int = Annotated[int, Strict()]


def _no_duplicates(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """Refuse a list that holds the same value twice (after normalisation, e.g. ICAO case)."""
    seen: dict[Any, int] = {}
    for i, v in enumerate(values):
        key = getattr(v, "icao", v)  # a designation is identified by its airfield
        if key in seen:
            msg = f"{key!r} is listed twice (items {seen[key]} and {i}): give each value once"
            raise ValueError(msg)
        seen[key] = i
    return values


#: Marks a list (tuple) field whose items must be distinct.
Unique = AfterValidator(_no_duplicates)


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
Budget = Annotated[float, Strict(), Field(gt=0)]
#: One of the five legal options of a Minsk point of entry (openskies._entry_options).
ScenarioName = Literal["status_quo", "poe_only", "added_osa", "replacement", "single_state"]
#: Side overlap of coverage lanes: [0, MAX_OVERLAP] (docs/security.md, Caps).
Overlap = Annotated[float, Strict(), Field(ge=0.0, le=_limits.MAX_OVERLAP)]


class Designation(_Strict):
    """A hypothetical designation applied to the regime before the run."""

    icao: IcaoCode
    party: str
    max_flight_distance_km: Budget
    roles: Annotated[tuple[str, ...], Unique] = ("POE", "OSA")


class StudyConfig(_Strict):
    """Config of an entry-point study (``openskies compare``)."""

    name: str = "entry-point-study"
    territory: TerritoryCode = "BLR"
    year: Int = Field(default=2019, ge=1992)
    candidates: Annotated[tuple[IcaoCode, ...], Unique] = Field(
        default=("UUMB", "UMMS"), min_length=1
    )
    #: The legal options of a Minsk point of entry to compare (docs/methodology.md), "all",
    #: or absent: compare the candidates as they are.
    scenarios: (
        Annotated[tuple[ScenarioName, ...], Field(min_length=1), Unique] | Literal["all"] | None
    ) = None
    budgets_km: Annotated[tuple[Budget, ...], Field(min_length=1), Unique] | Literal["sweep"] = (
        "sweep"
    )
    sensors: Annotated[tuple[SensorName, ...], Unique] = Field(
        default=("optical_high_pan", "optical_low"), min_length=1
    )
    home_bases: Annotated[tuple[IcaoCode, ...], Unique] = ("EPWA",)
    aircraft: AircraftName = "An-30B"
    targets: Literal["bundled", "none"] = "bundled"
    overlap: Overlap = 0.1
    reach_cell_km: Num = Field(default=10.0, gt=0.0)
    time_limit_s: Num = Field(default=10.0, gt=0.0)
    seed: Int = 0
    #: With scenarios: the sensitivity runs (swath, overlap, turn margin).
    sensitivity: Annotated[bool, Strict()] = True
    #: Months (1-12) reported besides the year, their flights fitted to the month's daylight
    #: and weather (docs/methodology.md, Months); [] for the year only.
    months: tuple[Any, ...] = (3, 6, 9, 12)
    #: Lowest solar elevation (degrees) for optical imaging.
    min_sun_elevation_deg: Num = 15.0

    @field_validator("months", mode="before")
    @classmethod
    def _months(cls, v: Any) -> Any:
        from .study import check_months

        return _as_value_error(check_months, v)

    @field_validator("min_sun_elevation_deg")
    @classmethod
    def _sun(cls, v: float) -> float:
        from .daylight import _threshold

        return _as_value_error(lambda x: _threshold(x, "min_sun_elevation_deg"), v)

    @field_validator("scenarios", mode="before")
    @classmethod
    def _scenarios(cls, v: Any) -> Any:
        """A single word is only "all"; anything else names the five options (the fix)."""
        if isinstance(v, str) and v != "all":
            names = ", ".join(get_args(ScenarioName))
            msg = (
                f"{v!r} is neither 'all' nor a list of scenarios: give 'all' or a list of "
                f"some of {names} (e.g. [status_quo, replacement])"
            )
            raise ValueError(msg)
        return v


class PlanConfig(_Strict):
    """Config of a route plan (``openskies plan``)."""

    name: str = "plan"
    start: IcaoCode
    end: IcaoCode | None = None
    territory: TerritoryCode | None = None
    year: Int = Field(default=2019, ge=1992)
    designate: Annotated[tuple[Designation, ...], Unique] = ()
    budget_km: Budget | None = None
    sensor: SensorName | None = "optical_high_pan"
    targets: Literal["bundled"] | Path = "bundled"
    targets_territory: str = "BLR"
    min_fraction: Num = Field(default=0.9, gt=0.0, le=1.0)
    avoid: Path | None = None
    aircraft: AircraftName = "An-30B"
    refuel: bool = True
    time_limit_s: Num = Field(default=10.0, gt=0.0)
    seed: Int = 0


class RankConfig(_Strict):
    """Config of an entry-point ranking (``openskies rank``).

    ``metrics`` is the level of :func:`openskies.study.rank_entry_points`
    (``reach``, ``coverage`` or ``full``); ``objective`` lists metric names of
    that level, most important first (``name:min`` / ``name:max`` to override
    the direction); None takes the level's default.
    """

    name: str = "entry-point-ranking"
    territory: TerritoryCode = "BLR"
    year: Int = Field(default=2019, ge=1992)
    candidates: Literal["all"] | Annotated[tuple[IcaoCode, ...], Field(min_length=1), Unique] = (
        "all"
    )
    grid_km: Num | None = Field(default=25.0, gt=0.0)
    reference: IcaoCode | None = "UUMB"
    highlight: Annotated[tuple[IcaoCode, ...], Unique] = ("UMMS",)
    budgets_km: Annotated[tuple[Budget, ...], Unique] = Field(default=(5500.0,), min_length=1)
    sensors: Annotated[tuple[SensorName, ...], Unique] = Field(
        default=("optical_high_pan",), min_length=1
    )
    metrics: Literal["reach", "coverage", "full"] = "reach"
    objective: Annotated[tuple[str, ...], Unique] | None = None
    overlap: Overlap = 0.1
    reach_cell_km: Num = Field(default=10.0, gt=0.0)
    retries: Int = Field(default=2, ge=0)
    home_bases: Annotated[tuple[IcaoCode, ...], Unique] = ("EPWA",)
    aircraft: AircraftName = "An-30B"
    time_limit_s: Num = Field(default=10.0, gt=0.0)
    seed: Int = 0

    @field_validator("objective")
    @classmethod
    def _objective(cls, v: tuple[str, ...] | None, info: Any) -> tuple[str, ...] | None:
        from . import ranking

        if v is None or "metrics" not in info.data:
            return v
        _as_value_error(lambda o: ranking.parse_objective(o, info.data["metrics"]), v)
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


class _YamlLimitError(yaml.YAMLError):
    """A YAML config exceeds a cap or holds a duplicate key; ``where`` locates it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _path_text(path: tuple[Any, ...]) -> str:
    return ".".join(str(k) for k in path) or "(top level)"


class _ConfigLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader with the config caps: nesting depth and duplicate mapping keys.

    Composing is recursive in PyYAML (a 5,000-deep document exhausts Python's
    stack), so the depth is counted as the tree is composed and refused past the
    ``yaml_depth`` cap. A mapping that gives the same key twice is refused (YAML
    1.2 requires unique keys; PyYAML silently keeps the last), naming the key
    and both lines; ``<<`` merge keys may still be overridden.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._max_depth = _limits.cap("yaml_depth").value
        self.root: yaml.Node | None = None

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > self._max_depth:
                mark = self.peek_event().start_mark
                c = _limits.cap("yaml_depth")
                msg = (
                    f"(line {mark.line + 1}): nesting deeper than the cap of {c.value:,.0f} "
                    f"levels on {c.bounds}; a config is a few levels deep (raise the cap "
                    f"with the environment variable {c.env}=N)"
                )
                raise _YamlLimitError(msg)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # unhashable: PyYAML's own error follows
                continue
            line = key_node.start_mark.line + 1
            if first is not None:
                where = _path_text((*_node_path(self.root, node), key))
                msg = (
                    f"{where}: the key {key!r} is given twice (lines {first} and {line}); "
                    "YAML keeps only one of them: delete or rename one"
                )
                raise _YamlLimitError(msg)
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


# YAML 1.2 reads ``1e6`` as a number; PyYAML (YAML 1.1) reads it as the string "1e6", which
# strict numbers would then refuse as text. Configs follow YAML 1.2 here.
_ConfigLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+.0123456789"),
)


def _node_path(root: yaml.Node | None, target: yaml.Node) -> tuple[Any, ...]:
    """Key path from ``root`` to ``target`` (an error path only: a plain search)."""
    stack: list[tuple[yaml.Node, tuple[Any, ...]]] = [] if root is None else [(root, ())]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend((v, (*path, k.value)) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((v, (*path, i)) for i, v in enumerate(node.value))
    return ()


def _check_tree(root: yaml.Node) -> None:
    """Caps on the composed tree, before anything is constructed.

    Counts the nodes with aliases expanded (each distinct node is visited once,
    so a billion-laughs document is measured, not expanded), refuses recursive
    aliases, lists longer than ``list_items`` and strings longer than
    ``text_chars`` (``name_chars`` under a ``name`` key).
    """
    nodes_cap = _limits.cap("yaml_nodes")
    list_cap = _limits.cap("list_items")
    text_cap = _limits.cap("text_chars")
    name_cap = _limits.cap("name_chars")
    max_nodes = nodes_cap.value
    memo: dict[int, int] = {}
    active: set[int] = set()

    def where(node: yaml.Node, path: tuple[Any, ...]) -> str:
        return f"{_path_text(path)} (line {node.start_mark.line + 1})"

    def size(node: yaml.Node, path: tuple[Any, ...]) -> int:
        k = id(node)
        if k in memo:
            return memo[k]
        if k in active:
            msg = f"{where(node, path)}: a recursive alias (a value that contains itself)"
            raise _YamlLimitError(msg)
        active.add(k)
        n = 1
        if isinstance(node, yaml.ScalarNode):
            text = str(node.value)
            c = name_cap if path and path[-1] == "name" else text_cap
            c.check(len(text), where(node, path), fix="shorten it")
        elif isinstance(node, yaml.SequenceNode):
            list_cap.check(len(node.value), where(node, path), fix="give fewer items")
            for i, child in enumerate(node.value):
                n += size(child, (*path, i))
        elif isinstance(node, yaml.MappingNode):
            list_cap.check(len(node.value), where(node, path), fix="give fewer keys")
            for key, child in node.value:
                n += size(key, path) + size(child, (*path, key.value))
        active.discard(k)
        memo[k] = n
        if n > max_nodes:
            nodes_cap.check(
                n,
                f"{where(node, path)} (aliases expanded)",
                fix="write the values out instead of repeating aliases",
            )
        return n

    size(root, ())


def _read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """Read a config (size-capped), compose it once (depth-capped), check it, construct it."""
    label = f"config file {str(path)!r}"
    size_cap = _limits.cap("config_bytes")
    limit = int(size_cap.value)
    try:
        with path.open("rb") as fh:  # read at most the cap (+1): /dev/zero, FIFOs, huge files
            data = fh.read(limit + 1)
    except FileNotFoundError:
        msg = f"{label} not found"
        raise ConfigError(msg) from None
    except OSError as exc:
        msg = f"{label} cannot be read: {exc.strerror or exc}"
        raise ConfigError(msg) from None
    if len(data) > limit:
        if not path.is_file():
            msg = (
                f"{label} is not a regular file and gives more than {limit:,} bytes (the "
                f"config_bytes cap, {size_cap.env}): give a YAML config file"
            )
            raise ConfigError(msg)
        size_cap.check(path.stat().st_size, label, fix="give a smaller config file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        msg = f"{label} is not UTF-8 text (byte {exc.start}): save it as UTF-8"
        raise ConfigError(msg) from None
    if "\x00" in text:
        msg = f"{label} holds NUL bytes: it is not a YAML text file"
        raise ConfigError(msg)
    loader = _ConfigLoader(text)
    try:
        node = loader.get_single_node()
        loader.root = node
        if node is None:
            return None, None
        _check_tree(node)
        raw = loader.construct_document(node)
    except _limits.LimitError as exc:
        msg = f"{label}: {exc}"
        raise ConfigError(msg) from None
    except _YamlLimitError as exc:
        msg = f"invalid config {str(path)!r}:\n  {exc.message}"
        raise ConfigError(msg) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        msg = f"{label} is not valid YAML{where}: {problem}"
        raise ConfigError(msg) from None
    finally:
        loader.dispose()
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


def _model_in(tp: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (``tuple[Designation, ...] | None`` ...)."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    for arg in get_args(tp):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the (nested) model holding the key at ``loc`` ([] if none is known)."""
    current: type[BaseModel] | None = model
    for key in loc[:-1]:
        if isinstance(key, int):  # an item of a list of models
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or key not in fields:
            return []
        current = _model_in(fields[key].annotation)
        if current is None:
            return []
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


#: Errors of the other members of a union (``budgets_km: [..] | "sweep"``): dropped when a
#: more precise error about the same value exists.
_UNION_NOISE = ("literal_error", "too_short")

#: pydantic error types of a wrong type: the message also shows the value given.
_SHOW_INPUT = ("_type", "_parsing", "finite_number", "literal_error", "greater", "less", "enum")


def _error_text(err: Any, model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    text = str(err["msg"])
    if text.startswith("Value error, "):
        text = text[len("Value error, ") :]
    if err["type"] == "extra_forbidden":
        allowed = _allowed_keys(model, loc)
        return f"unknown key; allowed keys here: {', '.join(allowed)}" if allowed else "unknown key"
    value = err.get("input")
    if any(t in err["type"] for t in _SHOW_INPUT) and isinstance(
        value, str | int | float | bool | type(None)
    ):
        shown = repr(value) if not isinstance(value, str) or len(value) <= 60 else "a long text"
        text = f"{text}; got {shown}"
        if isinstance(value, str) and err["type"] in ("float_type", "int_type"):
            text += " (a number, not text: write it without quotes)"
        elif isinstance(value, bool) and err["type"] in ("float_type", "int_type"):
            text += " (true/false is not a number)"
    return text


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
    if section and section in raw:
        if not isinstance(raw[section], dict):
            line = _line_of(node, (section,))
            at = f" (line {line})" if line else ""
            msg = (
                f"invalid config {str(p)!r}:\n  {section}{at}: must be a mapping of the "
                f"{section} keys (key: value lines indented under {section}:), got "
                f"{type(raw[section]).__name__} {raw[section]!r:.60}"
            )
            raise ConfigError(msg)
        extra = sorted(set(raw) - {section}, key=str)
        if extra:
            msg = f"{str(p)!r}: unknown top-level key(s) {extra}; only {section!r} is read"
            raise ConfigError(msg)
        raw = raw[section]
        prefix = (section,)
    try:
        return model.model_validate(raw), node
    except ValidationError as exc:
        lines = []
        errors = [
            (
                tuple(
                    x
                    for x in err["loc"]
                    if not (isinstance(x, str) and ("[" in x or x in _TYPE_TAGS))
                ),
                err,
            )
            for err in exc.errors()
        ]
        checked = [loc for loc, err in errors if err["type"] == "value_error"]
        for loc, err in errors:
            if err["type"] in _UNION_NOISE and any(
                o_err is not err
                and o_loc[: len(loc)] == loc
                and (len(o_loc) > len(loc) or o_err["type"] not in _UNION_NOISE)
                for o_loc, o_err in errors
            ):
                continue  # another member of a union says what is wrong, more precisely
            if err["type"] != "value_error" and any(loc[: len(c)] == c for c in checked):
                continue  # a union member whose type fits failed a check: that is the error
            where = ".".join(str(x) for x in (*prefix, *loc)) or "(top level)"
            line = _line_of(node, (*prefix, *loc))
            at = f" (line {line})" if line else ""
            lines.append(f"{where}{at}: {_error_text(err, model, loc)}")
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


# --------------------------------------------------------------------------- exercise


def _lib_check(func: Any) -> Any:
    """A pydantic validator from a library check (its message, with the key path and line)."""

    def check(value: Any) -> Any:
        if value is not None:
            try:
                func(value)
            except OpenSkiesError as exc:
                raise ValueError(str(exc)) from None
        return value

    return AfterValidator(check)


def _date_check(value: Any) -> None:
    from . import csbm

    csbm._as_datetime(value, field_name="date")


def _hours_check(value: float) -> None:
    _limits.cap("hours").check(abs(value), f"{value!r} h", fix="give hours within a year")


def _offsets_check(values: tuple[float, ...]) -> None:
    for v in values:
        _hours_check(v)


#: Dates of an exercise or trigger: within :data:`openskies._limits.EXERCISE_YEARS`.
When = Annotated[dt.datetime | dt.date, _lib_check(_date_check)]
#: Hours of a timeline: finite, >= 0 and within the ``hours`` cap.
Hours = Annotated[Num, Field(ge=0), _lib_check(_hours_check)]


class ExerciseSpec(_Strict):
    """The ``exercise`` section: see :class:`openskies.csbm.Exercise`."""

    name: str = "exercise"
    troops: Int = Field(ge=0)
    tanks: Int | None = Field(default=0, ge=0)
    acv: Int | None = Field(default=0, ge=0)
    artillery: Int | None = Field(default=0, ge=0)
    start: When
    end: When
    snap: bool = False
    location: str | tuple[Num, Num] | Annotated[tuple[str, ...], Unique]
    radius_km: Annotated[
        Num | None,
        Field(default=None, ge=0),
        _lib_check(lambda r: _limits.cap("radius_km").check(r, f"{r!r} km")),
    ] = None
    host: str = "BLR"
    sources: Annotated[tuple[str, ...], Unique] = ()


class TimelineSpec(_Strict):
    """The ``time_to_image.timeline`` section: overrides of :class:`openskies.csbm.Timeline`."""

    notification_lead_h: Hours | None = None
    poe_to_osa_max_h: Hours | None = None
    mission_plan_lead_h: Hours | None = None
    observation_period_h: Hours | None = None
    decision_delay_h: Hours | None = None
    mission_plan_after_arrival_h: Hours | None = None
    busy_h: Hours | None = None
    sun_elevation_min_deg: Num | None = Field(default=None, ge=-90, lt=90)
    overlap: Num | None = Field(default=None, ge=0, le=_limits.MAX_OVERLAP)


class TimeToImageSpec(_Strict):
    """The ``time_to_image`` section: options of :func:`openskies.csbm.time_to_image`."""

    entry_points: Annotated[tuple[str, ...], Unique] = Field(default=("UUMB", "UMMS"), min_length=1)
    home_base: str = "EPWA"
    sensor: str = "optical_high_pan"
    aircraft: str = "An-30B"
    trigger_at: When | None = None
    trigger_offsets_h: Annotated[tuple[Num, ...], Unique, _lib_check(_offsets_check)] = (
        0.0,
        6.0,
        12.0,
        18.0,
    )
    hypothetical_party: str = "BLR"
    hypothetical_max_flight_distance_km: Num | None = Field(default=None, gt=0)
    timeline: TimelineSpec = TimelineSpec()


class ExerciseConfig(_Strict):
    """Config of ``openskies exercise``."""

    name: str = "exercise"
    year: Int = Field(default=2019, ge=1992)
    exercise: ExerciseSpec
    regimes: Annotated[tuple[str, ...], Unique] | None = None
    time_to_image: TimeToImageSpec = TimeToImageSpec()


def load_exercise_config(path: str | Path) -> ExerciseConfig:
    """Read and validate an exercise config; errors name the key path and line.

    Raises
    ------
    ConfigError
        Missing or unreadable file, malformed YAML, unknown keys, wrong types,
        and an unusable exercise (unknown training ground, end before start,
        negative counts), unknown regime, entry point, sensor or aircraft.
    """
    p = Path(path)
    cfg, node = load_with_node(p, ExerciseConfig)
    _check_semantics(cfg, p, node)
    return cfg


def _check_semantics(cfg: ExerciseConfig, p: Path, node: yaml.Node | None) -> None:
    """Build the exercise, regimes and codes once, so that errors name their key path."""
    from . import aircraft, csbm, data, sensors
    from .exercise import _build_exercise

    def err(where: tuple[Any, ...], exc: Exception) -> ConfigError:
        line = line_of(node, where)
        at = f" (line {line})" if line else ""
        msg = f"invalid config {str(p)!r}:\n  {'.'.join(map(str, where))}{at}: {exc}"
        return ConfigError(msg)

    try:
        _build_exercise(cfg)
    except OpenSkiesError as exc:
        raise err(("exercise",), exc) from None
    if cfg.regimes is not None:
        try:
            csbm._resolve_regimes(cfg.regimes)
        except OpenSkiesError as exc:
            raise err(("regimes",), exc) from None
    tti = cfg.time_to_image
    reg = data.regime(cfg.year)
    hyp_km = tti.hypothetical_max_flight_distance_km or float(
        reg.parameter("max_flight_distance", "minsk_first_case")
    )
    for i, code in enumerate(tti.entry_points):
        try:  # an airfield of the host's party or group (not Warsaw for Belarus)
            csbm._entry_point(reg, code, cfg.exercise.host, tti.hypothetical_party, hyp_km)
        except OpenSkiesError as exc:
            raise err(("time_to_image", "entry_points", i), exc) from None
    checks = (
        ("home_base", lambda: reg.airfield(tti.home_base)),
        ("sensor", lambda: sensors.preset(tti.sensor)),
        ("aircraft", lambda: aircraft.preset(tti.aircraft)),
    )
    for key, check in checks:
        try:
            check()
        except OpenSkiesError as exc:
            raise err(("time_to_image", key), exc) from None
