"""Loading framework profiles from YAML or TOML files.

``load_profile(path)`` reads a profile (``.yaml``/``.yml`` or ``.toml``),
validates it against :class:`~shared.profiles.schema.FrameworkProfile` and
returns it. Anything wrong raises :class:`ProfileError`, whose message has
one line per problem naming the file, the line (for YAML), the field path
(``section11.standards[3].domain``) and what is wrong.

Built-in profiles live in ``shared/profiles/data``; each file is named after
the id of the profile it contains.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import ProfileError, ProfileProblem
from .schema import FrameworkProfile, Loc, ProfileConsistencyError, format_loc

__all__ = [
    "DATA_DIR",
    "ProfileError",
    "builtin_profiles",
    "load_builtin",
    "load_profile",
    "parse_profile",
]

DATA_DIR = Path(__file__).resolve().parent / "data"

_YAML_SUFFIXES = {".yaml", ".yml"}
_TOML_SUFFIXES = {".toml"}
_SUFFIXES = _YAML_SUFFIXES | _TOML_SUFFIXES

_SCALARS = (str, int, float, bool, type(None))


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------


def load_profile(path: Path | str) -> FrameworkProfile:
    """Read, parse and validate the profile at ``path`` (format by suffix)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _SUFFIXES:
        raise ProfileError.single(
            path, f"unsupported profile format {path.suffix!r}; use .yaml, .yml or .toml"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError.single(path, "profile file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError.single(path, f"cannot read profile file: {exc}") from exc
    fmt = "toml" if suffix in _TOML_SUFFIXES else "yaml"
    return parse_profile(text, fmt=fmt, source=path)


def parse_profile(
    text: str, *, fmt: str = "yaml", source: Path | str | None = None
) -> FrameworkProfile:
    """Parse and validate profile text. ``source`` names the file in errors."""
    if fmt == "yaml":
        data, root = _parse_yaml(text, source)
    elif fmt == "toml":
        data, root = _parse_toml(text, source), None
    else:
        raise ValueError(f"unknown profile format {fmt!r}")
    if not isinstance(data, dict):
        raise ProfileError.single(
            source,
            f"a profile must be a mapping of fields at the top level, got {type(data).__name__}",
        )
    try:
        return FrameworkProfile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(source, _problems_from_validation(exc, root)) from None


def builtin_profiles() -> dict[str, Path]:
    """The profiles shipped with the product: ``{profile id: file path}``."""
    if not DATA_DIR.is_dir():
        return {}
    return {
        p.stem: p
        for p in sorted(DATA_DIR.iterdir())
        if p.is_file() and p.suffix.lower() in _SUFFIXES
    }


def load_builtin(id: str) -> FrameworkProfile:
    """Load the built-in profile with this id."""
    available = builtin_profiles()
    try:
        path = available[id]
    except KeyError:
        raise ProfileError.single(
            None,
            f"unknown built-in profile {id!r}; available: {', '.join(available) or 'none'}",
        ) from None
    profile = load_profile(path)
    if profile.id != id:
        raise ProfileError.single(
            path,
            f"built-in profile file is named {id!r} but declares id {profile.id!r}",
            field="id",
        )
    return profile


# --------------------------------------------------------------------------
# parsing
# --------------------------------------------------------------------------


def _parse_yaml(text: str, source: Path | str | None) -> tuple[Any, yaml.Node | None]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        if mark is not None:
            what += f" (column {mark.column + 1})"
        raise ProfileError.single(source, f"malformed YAML: {what}", line=line) from None
    except yaml.YAMLError as exc:
        raise ProfileError.single(source, f"malformed YAML: {exc}") from None
    if root is not None:
        duplicates = list(_duplicate_keys(root, ()))
        if duplicates:
            raise ProfileError(source, duplicates)
    return data, root


def _parse_toml(text: str, source: Path | str | None) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError.single(source, f"malformed TOML: {exc}") from None


def _duplicate_keys(node: yaml.Node, loc: Loc):
    """Yield a problem for each key given twice in a mapping (YAML keeps the last)."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is not None:
                if key in seen:
                    yield ProfileProblem(
                        field=format_loc((*loc, key)),
                        message=f"duplicate key {key!r}",
                        line=key_node.start_mark.line + 1,
                    )
                seen.add(key)
            yield from _duplicate_keys(value_node, (*loc, key if key is not None else "?"))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _duplicate_keys(item, (*loc, i))


# --------------------------------------------------------------------------
# validation errors -> problems
# --------------------------------------------------------------------------


def _yaml_line(root: yaml.Node | None, loc: Loc) -> int | None:
    """Best-effort 1-based line of the YAML node at ``loc`` (or its nearest parent)."""
    if root is None:
        return None
    node: yaml.Node = root
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == part:
                    line = key_node.start_mark.line + 1
                    node = value_node
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _describe(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (not part of the profile schema)"
    msg = str(error.get("msg", "invalid value"))
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    value = error.get("input")
    if isinstance(value, _SCALARS) and not (isinstance(value, str) and len(value) > 80):
        msg += f" (got {value!r})"
    return msg


def _problems_from_validation(exc: ValidationError, root: yaml.Node | None) -> list[ProfileProblem]:
    problems: list[ProfileProblem] = []
    for error in exc.errors():
        loc: Loc = tuple(error.get("loc", ()))
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, ProfileConsistencyError):
            for sub_loc, message in cause.problems:
                full = (*loc, *sub_loc)
                problems.append(
                    ProfileProblem(
                        field=format_loc(full), message=message, line=_yaml_line(root, full)
                    )
                )
            continue
        problems.append(
            ProfileProblem(
                field=format_loc(loc), message=_describe(error), line=_yaml_line(root, loc)
            )
        )
    return problems
