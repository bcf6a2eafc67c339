"""Every option of every task, declared once.

A row of `OPTIONS` says what an option is called, what it takes, its default, its help, which
tasks take it, and whether a task chained after another in one invocation (`invoke wasm.node
--emscripten 3.1.69 wasm.run -- ...`) inherits it: the options that say which build is meant.
The front end generates each task's signature (and --help) from this table, hands the raw values
to `parse`, and builds `context.Options` by name with `build_options`. Values are checked here,
once, with one-line errors: a bad number is our error with a fix, not the parser's traceback.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .core.errors import ConfigError
from .core.layout import EMSCRIPTEN_TARGETS, PROCESS_TARGETS, TARGET_NAMES, TargetName, check_target
from .toolchains.context import Options
from .versions import config, profiles
from .versions.matrix import ENGINES
from .versions.wasi_config import RUNTIMES

if TYPE_CHECKING:  # only the bench scripts' parsers: `invoke` loads no argparse for it
    import argparse

Kind = Literal["text", "path", "number", "flag", "list"]

# Groups of tasks, by what they do with a build.
BUILDS = frozenset({"node", "browser", "answers"})
USES_A_BUILD = BUILDS | {"run", "extension", "test", "test-browser", "limits", "dist", "pip"}
WASI = frozenset({"wasi"})  # the WASI build: no Emscripten options
FETCHES = BUILDS | WASI | {"build-python", "ports", "deps", "run", "test", "test-browser",
                           "limits", "doctor", "pip"}
RUNS_NODE = frozenset({"run", "test", "limits", "doctor"})
MAKES = BUILDS | WASI | {"build-python", "deps", "limits"}
EVERY_TASK = USES_A_BUILD | FETCHES | {"serve", "clean", "setup", "fresh", "docs", "matrix"}


@dataclass(frozen=True)
class Option:
    name: str
    help: str
    tasks: frozenset[str]
    kind: Kind = "text"
    default: Callable[[], str | int | bool | tuple[str, ...] | None] = lambda: None
    """The value when the option is not given. None where the library decides (it may read an
    environment variable first, e.g. CPYTHON_WASM_PYTHON); `shown_default` then says what."""
    shown_default: Callable[[], str] | str = ""
    """How the help names the default, when it is not simply the value."""
    choices: Callable[[], Sequence[str]] | None = None
    inherited: bool = False
    """A later task of the same invocation takes the value an earlier one was given."""
    minimum: int = 0
    maximum: int | None = None
    positional: bool = False
    must_be: Literal["", "file", "folder"] = ""
    """For a path: what must already be there."""

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def help_text(self) -> str:
        shown = self.shown_default
        default = (shown() if callable(shown) else shown) or _shown(self.default())
        text = self.help
        if self.choices is not None:
            text += f": {', '.join(self.choices())}"
        return f"{text} (default: {default})" if default else text


def _shown(value: object) -> str:
    return "" if value in (None, False, "") else str(value)


OPTIONS: tuple[Option, ...] = (
    # -- which build ---------------------------------------------------------------------------
    Option("python_version", "CPython release to build, pinned in Tools/wasm/versions.toml",
           USES_A_BUILD | FETCHES | {"clean"}, inherited=True,
           shown_default=lambda: config.load().default_cpython),
    Option("source", "build this local CPython tree instead of a release (only ever read)",
           USES_A_BUILD | WASI | {"build-python", "clean"}, kind="path", inherited=True,
           must_be="folder"),
    Option("emscripten", "Emscripten version to build with",
           USES_A_BUILD | {"ports", "deps", "doctor"}, inherited=True,
           shown_default="the CPython version's, from its recipe in versions.toml"),
    Option("emsdk", "emsdk folder to take Emscripten from (installs --emscripten there if needed)",
           USES_A_BUILD | {"ports", "deps", "doctor"}, kind="path", inherited=True,
           must_be="folder"),
    Option("force", "build with an Emscripten outside the CPython version's known range anyway",
           USES_A_BUILD | {"ports", "deps"}, kind="flag", inherited=True),
    Option("profile", "build profile, each in its own folder (Tools/wasm/wasmbuild/versions/profiles.py)",
           USES_A_BUILD | WASI | {"serve"}, default=lambda: profiles.DEFAULT_PROFILE,
           choices=lambda: tuple(profiles.PROFILES), inherited=True),
    Option("debug", "short for --profile debug: DWARF debug info, no optimisation",
           USES_A_BUILD - {"extension"} | WASI | {"serve"}, kind="flag", inherited=True),
    # -- downloads -----------------------------------------------------------------------------
    Option("mirror", "folder of pinned archives, for machines without network", FETCHES,
           kind="path", must_be="folder"),
    Option("offline", "never use the network; take archives from the cache or --mirror only",
           FETCHES, kind="flag"),
    # -- make ----------------------------------------------------------------------------------
    Option("jobs", "parallel make jobs", MAKES, kind="number", minimum=1,
           default=lambda: os.cpu_count() or 1, shown_default="the number of CPUs"),
    Option("verbose", "show the output of every command instead of writing it to a log file",
           MAKES | {"ports"}, kind="flag"),
    # -- the runtime ---------------------------------------------------------------------------
    Option("node", "node binary to run python.js with", RUNS_NODE, kind="path", must_be="file",
           shown_default="the pinned --node-version"),
    Option("node_version", "major version of a pinned Node release to run python.js with "
           "(fetched once from the npm registry; the node on PATH when it cannot be had)",
           RUNS_NODE, shown_default=lambda: str(config.load().default_node or "the node on PATH")),
    Option("engine", "browser to run the browser build in (firefox: Firefox ESR over WebDriver "
           "BiDi; webkit: WebKitGTK's MiniBrowser over WebDriver, on Xvfb)",
           frozenset({"test-browser", "limits"}), default=lambda: ENGINES[0],
           choices=lambda: ENGINES),
    Option("target", "which build to run: node (Emscripten's python.js) or wasi (python.wasm)",
           frozenset({"run", "test"}), default=lambda: "node", choices=lambda: PROCESS_TARGETS),
    Option("runtime", "what runs the WASI build: wasmtime (the PyPI package) or node "
           "(node:wasi, the Node of --node/--node-version)", frozenset({"run", "test", "limits"}),
           default=lambda: "wasmtime", choices=lambda: RUNTIMES),
    Option("dir", "a host folder the WASI build sees, HOST[::GUEST], repeatable: only these and "
           "the build's own (default: all files, at the same paths)", frozenset({"run"}), kind="list"),
    Option("optimize", "compile with V8's optimising tier first (--no-liftoff): more start-up "
           "for faster Python code under older Node releases (bench/RESULTS.md)",
           frozenset({"run"}), kind="flag"),
    # -- one task's own ------------------------------------------------------------------------
    Option("source_file", "the module's C source (PyInit_<name>)", frozenset({"extension"}),
           kind="path", positional=True, must_be="file"),
    Option("name", "module name", frozenset({"extension"}),
           shown_default="the file's name without .c"),
    Option("output", "folder to write the module to", frozenset({"extension"}), kind="path",
           shown_default="the build's, on its sys.path"),
    Option("targets", "the builds to probe, comma-separated: node, browser (in --engine), "
           "wasi (under --runtime)", frozenset({"limits"}),
           default=lambda: ("node", "browser"), shown_default="node,browser"),
    Option("update", "write the table into docs/limits.md between its markers",
           frozenset({"limits"}), kind="flag"),
    Option("check", "fail if docs/limits.md's table differs from this probe",
           frozenset({"limits"}), kind="flag"),
    Option("check", "run a full configure and compare its answers with the shipped ones instead "
           "of writing them", frozenset({"answers"}), kind="flag"),
    Option("target", "whose configure: node or browser", frozenset({"answers"}),
           default=lambda: "node", choices=lambda: EMSCRIPTEN_TARGETS),
    Option("target", "the build that gets the packages", frozenset({"pip"}),
           default=lambda: "node", choices=lambda: TARGET_NAMES),
    Option("requirements", "a requirements file (pip's format, with --hash), repeatable",
           frozenset({"pip"}), kind="list"),
    Option("require_hashes", "take only files whose sha256 the requirements list (all pinned)",
           frozenset({"pip"}), kind="flag"),
    Option("check", "fail if a generated document is stale instead of rewriting it",
           frozenset({"docs"}), kind="flag"),
    Option("run", "run the due sessions (or, with --all, every one) one after another, each "
           "recording its row", frozenset({"matrix"}), kind="flag"),
    Option("all", "every declared session, not only the stale and unrecorded ones",
           frozenset({"matrix"}), kind="flag"),
    Option("match", "only sessions whose name contains this text, e.g. 3.1.69 or test_browser",
           frozenset({"matrix"}), default=lambda: ""),
    Option("bind", "address to listen on (127.0.0.1: this machine only; another address needs "
           "--expose)", frozenset({"serve"}), default=lambda: "127.0.0.1"),
    Option("expose", "mean it: serve the pages to the network --bind reaches (only the pages)",
           frozenset({"serve"}), kind="flag"),
    Option("port", "TCP port (0: any free one)", frozenset({"serve"}), kind="number",
           default=lambda: 8000, maximum=65535),
    Option("open", "also open the page in a web browser", frozenset({"serve"}), kind="flag"),
    Option("emrun", "serve with Emscripten's emrun instead (the recipe's other route)",
           frozenset({"serve"}), kind="flag"),
    Option("what", "what to delete (build: the build Python; cpython: all of this CPython's)",
           frozenset({"clean"}), default=lambda: "all",
           choices=lambda: (*TARGET_NAMES, "build", "cpython", "all")),
    Option("downloads", "also delete the download cache (never deleted otherwise)",
           frozenset({"clean"}), kind="flag"),
    Option("clean_room", "also what `wasm.fresh` needs: debootstrap, bubblewrap, git",
           frozenset({"setup"}), kind="flag"),
    Option("for_command", "only what this command needs (bootstrap.py passes its own): "
           "browsers for page tests, the WASI toolchain for WASI", frozenset({"setup"}),
           shown_default="everything"),
    Option("debian", "Debian release to make the root of", frozenset({"fresh"}),
           default=lambda: "bookworm", choices=lambda: tuple(config.load().debian.releases)),
    Option("command", "run only the first N quick-start commands", frozenset({"fresh"}),
           kind="number", minimum=1, shown_default="all"),
    Option("keep", "leave the root for inspection and print how to enter it",
           frozenset({"fresh"}), kind="flag"),
    Option("downloads", "show this machine's download cache to the root, read-only, as a "
           "mirror folder (saves bandwidth)", frozenset({"fresh"}), kind="flag"),
    Option("update", "write this run's phase table into docs/clean-room.md",
           frozenset({"fresh"}), kind="flag"),
    Option("then", "a command to run in the same root after the quick start, in the clone "
           "(repeatable)", frozenset({"fresh"}), kind="list"),
    # -- every task ----------------------------------------------------------------------------
    Option("traceback", "show a Python traceback for expected errors too", EVERY_TASK,
           kind="flag"),
)


BUILD_OPTIONS = ("python_version", "emscripten")
"""The options that say which build is meant, as scripts outside the tasks (bench/) take them."""


def add_build_options(parser: argparse.ArgumentParser, names: Sequence[str] = BUILD_OPTIONS) -> None:
    """Give an argparse parser (a bench script's) the build options `names` as `invoke wasm.node`
    has them: the same flags, help and defaults (None where the library decides), so that
    `Options(**{name: getattr(args, name) ...})` means the build the task would make."""
    rows = {o.name: o for o in for_task("node")}
    for name in names:
        option = rows[name]
        kwargs: dict[str, Any] = {"help": option.help_text().replace("%", "%%"),
                                  "default": option.default()}
        if option.kind == "flag":
            kwargs.update(action="store_true", default=bool(kwargs["default"]))
        elif option.kind in ("number", "path"):
            kwargs["type"] = int if option.kind == "number" else Path
        if option.choices is not None:
            kwargs["choices"] = option.choices()
        parser.add_argument(option.flag, **kwargs)


def for_task(task: str) -> tuple[Option, ...]:
    """The options `task` takes, in the table's order."""
    return tuple(o for o in OPTIONS if task in o.tasks)


def signature_default(option: Option) -> object:
    """What invoke sees as the default: the flag's own for flags (so they take no value, and a
    flag that is on by default gets --no-...), None for the rest (so every value arrives as text
    and is checked here)."""
    return bool(option.default()) if option.kind == "flag" else None


def parse(task: str, given: Mapping[str, Any], inherited: Mapping[str, Any]) -> dict[str, Any]:
    """The task's options, checked and converted, defaults filled in; an inherited option that
    was not given takes the earlier task's value."""
    values: dict[str, Any] = {}
    for option in for_task(task):
        raw = given.get(option.name)
        if raw in (None, False, []) and option.inherited and option.name in inherited:
            values[option.name] = inherited[option.name]
            continue
        values[option.name] = _convert(option, raw)
    return values


def _convert(option: Option, raw: Any) -> Any:
    if option.kind == "flag":
        return bool(option.default()) if raw is None else bool(raw)
    if option.kind == "list":
        return tuple(raw or ())
    if raw is None:
        return option.default()
    text = str(raw)
    if not text.strip():
        raise ConfigError(f"{option.flag}: empty", fix=f"pass a value, or leave {option.flag} out")
    if option.kind == "path":
        return _path(option, text)
    if option.kind == "number":
        return _number(option, text)
    if option.name == "bind":
        return _bind_address(text)
    if option.name == "targets":
        return _targets(text)
    if option.choices is not None and text not in option.choices():
        raise ConfigError(f"{option.flag} {text}: not one of {', '.join(option.choices())}",
                          fix=f"pass {option.flag} with one of those")
    return text


def _path(option: Option, text: str) -> Path:
    path = Path(text).expanduser()
    wrong = {"folder": not path.is_dir(), "file": not path.is_file(), "": False}[option.must_be]
    if wrong:
        raise ConfigError(f"{option.flag} {text}: no such {option.must_be}",
                          fix=f"pass the path of an existing {option.must_be}")
    return path


def _bind_address(text: str) -> str:
    if text != "localhost":
        try:
            ipaddress.ip_address(text)
        except ValueError:
            raise ConfigError(f"--bind {text}: not an IP address",
                              fix="pass an address of this machine, e.g. --bind 127.0.0.1") from None
    return text


def _targets(text: str) -> tuple[TargetName, ...]:
    chosen = tuple(t.strip() for t in text.split(","))
    unknown = [t for t in chosen if t not in TARGET_NAMES]
    if unknown or not all(chosen):
        raise ConfigError(f"--targets {text}: {', '.join(unknown) or 'an empty name'} is not a "
                          f"target", fix=f"pass some of {', '.join(TARGET_NAMES)}, comma-separated")
    return tuple(check_target(t) for t in chosen)


def _number(option: Option, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{option.flag} {text}: not a whole number",
                          fix=f"pass a number, e.g. {option.flag} {option.minimum or 1}") from None
    if value < option.minimum:
        raise ConfigError(f"{option.flag} {value}: must be at least {option.minimum}",
                          fix=f"pass {option.flag} {option.minimum} or more")
    if option.maximum is not None and value > option.maximum:
        raise ConfigError(f"{option.flag} {value}: must be at most {option.maximum}",
                          fix=f"pass {option.flag} between {option.minimum} and {option.maximum}")
    return value


def inheritable(values: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """What a later chained task inherits: the inherited options this task was given."""
    return {o.name: values[o.name] for o in OPTIONS
            if o.inherited and o.name in values and given.get(o.name) not in (None, False)}


def build_options(values: Mapping[str, Any], *, dry_run: bool) -> Options:
    """The library's Options from a task's values, field by field by name."""
    chosen = {f.name: values[f.name] for f in dataclasses.fields(Options) if f.name in values}
    if values.get("debug"):
        chosen["profile"] = "debug"
    if chosen.get("profile") == profiles.DEFAULT_PROFILE:
        chosen["profile"] = None
    if values.get("node") is not None:
        chosen["node_version"] = None  # --node names the binary: no pinned default besides
    return Options(**chosen, dry_run=dry_run)
