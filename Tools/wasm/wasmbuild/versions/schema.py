"""The schema of versions.toml is its dataclasses: `from_toml` reads a table into any of them.

A field without a default is a required key, a field with one an optional key, and its type
annotation the type the value must have (str, int, bool, tuple[X, ...], dict[str, X], a nested
dataclass, `X | None`); any other key is unknown. A mistake is a one-line error naming the file,
the table and the key, found before the value is used (not a TypeError later, deep in the code
that reads it). Adding a key is adding a field.

A nested dataclass is a table: tuple[D, ...] is read from [[parent.key]] entries, dict[str, D]
from [parent.key.NAME] tables. A dataclass with a `key` field is always read from
[parent.key.NAME] tables (also as a tuple), the NAME going into that field. Where the file's
shape differs from the dataclass otherwise, the field says so in `toml(...)` metadata (Toml).
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields, is_dataclass
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from ..core.errors import ConfigError

FILE_NAME = "versions.toml"

T = TypeVar("T")

NOTHING: Any = object()
"""No default in the file (dataclasses' own MISSING would make Toml.default required)."""


@dataclass(frozen=True)
class Toml:
    """How a field is written in the file, where that is not simply `name = value`."""

    name: str = ""
    """The key in the file, when not the field's name; "a.b" is key b of table [a]."""
    key: bool = False
    """The field holds the table's own NAME: [node."24"] gives "24"."""
    flat: bool = False
    """A nested dataclass whose keys sit in this same table (url, sha256 beside version)."""
    given: Mapping[str, Any] = field(default_factory=dict)
    """Values of the nested dataclass's fields that the file does not hold; strings are
    str.format templates over this table's keys and NAME: {"sha256": "{sha256}"}."""
    default: Any = NOTHING
    """The value of an absent key, for a field that the constructor keeps positional (without
    a default of its own); a template as in `given`."""
    read: tuple[Any, Callable[[Any], Any]] | None = None
    """(type, function): the value is read as that type, and the function makes the field."""


def toml(**how: Any) -> dict[str, Toml]:
    """Field metadata: `field(metadata=toml(name="sources"))`."""
    return {"toml": Toml(**how)}


def _how(f: Field[Any]) -> Toml:
    how = f.metadata.get("toml", Toml())
    assert isinstance(how, Toml)
    return how


_hints = functools.cache(get_type_hints)


def from_toml(cls: type[T], data: object, place: str = "", given: Mapping[str, Any] | None = None) -> T:
    """`data`, the table at `place` ("" the top level, "node.24", "matrix[0]"), as a `cls`;
    `given` are values of fields that the table does not hold (its NAME, a parent's sha256)."""
    given = given or {}
    table = _table(data, place)
    _check(table, _keys(cls, given), place)
    made: T = _build(cls, table, place, given)
    return made


def _keys(cls: Any, given: Mapping[str, Any]) -> dict[str, Any]:
    """The keys a table of `cls` may hold: key -> whether it is required, or for table [a] of a
    field written "a.b", the same for the keys of [a]."""
    keys: dict[str, Any] = {}
    for f in fields(cls):
        how = _how(f)
        if how.key or f.name in given:
            continue
        if how.flat:
            keys.update(_keys(_hints(cls)[f.name], how.given))
            continue
        required = f.default is MISSING and f.default_factory is MISSING and how.default is NOTHING
        *tables, name = (how.name or f.name).split(".")
        level = keys
        for table in tables:
            level = level.setdefault(table, {})
        level[name] = required
    return keys


def _required(entry: bool | dict[str, Any]) -> bool:
    return any(map(_required, entry.values())) if isinstance(entry, dict) else entry


def _check(table: dict[str, Any], keys: dict[str, Any], place: str) -> None:
    where = _where(place)
    unknown = sorted(set(table) - set(keys))
    if unknown:
        raise ConfigError(f"{FILE_NAME}: unknown key {unknown[0]!r} in {where}",
                          fix=f"use {', '.join(sorted(keys))}")
    missing = sorted(k for k, entry in keys.items() if k not in table and _required(entry))
    if missing:
        raise ConfigError(f"{FILE_NAME}: {where} lacks {missing[0]!r}",
                          fix=f"add {missing[0]} = ... to {where}")
    for name, entry in keys.items():
        if isinstance(entry, dict) and name in table:
            inner = _join(place, name)
            _check(_table(table[name], inner), entry, inner)


def _build(cls: Any, table: dict[str, Any], place: str, given: Mapping[str, Any]) -> Any:
    """The `cls` of a checked table: each field from its key, its default, or `given`."""
    values = dict(given)
    context = {**table, **given}  # what the templates of `given` and `default` may name
    for f in fields(cls):
        how = _how(f)
        if f.name in given:
            continue
        if how.flat:
            values[f.name] = _build(_hints(cls)[f.name], table, place, _fill(how.given, context))
            continue
        *tables, name = (how.name or f.name).split(".")
        holder, where = table, place
        for inner in tables:
            holder, where = holder.get(inner, {}), _join(where, inner)
        if name in holder:
            hint, make = how.read or (_hints(cls)[f.name], None)
            value = _convert(hint, holder[name], where, name, _fill(how.given, context))
            try:
                values[f.name] = make(value) if make else value
            except ConfigError as error:
                raise ConfigError(f"{FILE_NAME}: {name} in {_where(where)}: {error.message}",
                                  fix=error.fix) from None
        elif how.default is not NOTHING:
            values[f.name] = _fill(how.default, context)
    return cls(**values)


def _convert(hint: Any, raw: Any, place: str, key: str, given: Mapping[str, Any]) -> Any:
    """`raw`, the value of `key` in [place], as a `hint`."""
    if get_origin(hint) in (Union, types.UnionType):  # X | None: TOML has no null, absent is None
        (hint,) = (arg for arg in get_args(hint) if arg is not type(None))
    origin, args = get_origin(hint), get_args(hint)
    inner = _join(place, key)
    if _is_table(hint):
        return from_toml(hint, raw, inner, given)
    item: Any = args[0] if origin is tuple else args[-1] if origin is dict else None
    if _is_table(item):
        name = next((f.name for f in fields(item) if _how(f).key), None)
        if origin is dict or name:  # [place.key.NAME] tables
            if not isinstance(raw, dict):
                raise _wrong(key, place, "a table of tables", f"[{inner}.NAME] tables")
            made = {k: from_toml(item, v, f"{inner}.{k}", {**given, **({name: k} if name else {})})
                    for k, v in raw.items()}
            return made if origin is dict else tuple(made.values())
        if not isinstance(raw, list):
            raise _wrong(key, place, "an array of tables", f"[[{inner}]] entries")
        return tuple(from_toml(item, v, f"{inner}[{i}]", given) for i, v in enumerate(raw))
    if not _fits(hint, raw):
        kind, example = _describe(hint)
        raise _wrong(key, place, kind, f"{key} = {example}")
    return tuple(raw) if origin is tuple else dict(raw) if origin is dict else raw


def _is_table(hint: Any) -> bool:
    """Whether `hint` is a dataclass, read from a table of its own."""
    return isinstance(hint, type) and is_dataclass(hint)


def _fits(hint: Any, raw: object) -> bool:
    origin, args = get_origin(hint), get_args(hint)
    if hint in (str, bool):
        return isinstance(raw, hint)
    if hint is int:
        return isinstance(raw, int) and not isinstance(raw, bool)
    if origin is tuple and args[1:] == (...,):
        return isinstance(raw, list) and all(_fits(args[0], v) for v in raw)
    if origin is dict and args[0] is str:
        return isinstance(raw, dict) and all(_fits(args[1], v) for v in raw.values())
    raise TypeError(f"{FILE_NAME}'s schema cannot read a {hint}: give the field toml(read=...)")


def _describe(hint: Any) -> tuple[str, str]:
    """What a value of `hint` is, in words and as an example: ("a string", '"..."')."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is tuple:
        kind, example = _describe(args[0])
        return f"an array ({kind} each)", f"[{example}]"
    if origin is dict:
        kind, example = _describe(args[1])
        return f"a table ({kind} each)", f"{{ NAME = {example} }}"
    return {str: ("a string", '"..."'), int: ("a whole number", "1"), bool: ("true or false", "true")}[hint]


def _wrong(key: str, place: str, kind: str, write: str) -> ConfigError:
    return ConfigError(f"{FILE_NAME}: {key} in {_where(place)} must be {kind}", fix=f"write {write}")


def _table(data: object, place: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ConfigError(f"{FILE_NAME}: {_where(place)} must be a table",
                          fix=f"write it as [{place}] with keys under it")
    return data


def _fill(template: Any, values: Mapping[str, Any]) -> Any:
    """A template of `given` or `default` filled in: strings formatted, tuples and dicts of them."""
    if isinstance(template, str):
        return template.format_map(values)
    if isinstance(template, tuple):
        return tuple(_fill(t, values) for t in template)
    if isinstance(template, Mapping):
        return {k: _fill(t, values) for k, t in template.items()}
    return template


def _join(place: str, key: str) -> str:
    return f"{place}.{key}" if place else key


def _where(place: str) -> str:
    return f"[{place}]" if place else "the top level"
