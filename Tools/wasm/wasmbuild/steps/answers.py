"""`invoke wasm.answers`: the configure answers a checkout ships (configcache.py), made from a
full cross configure in a scratch folder, or checked against one (`--check`, which the
end-to-end tests run), so that a shipped answer never outlives what it answered."""

from __future__ import annotations

import datetime
import shlex
import shutil
from collections.abc import Sequence
from pathlib import Path

from ..core.errors import ConfigError
from ..core.layout import TargetName
from ..toolchains.context import Context
from . import configcache
from .cross import (
    answers_key,
    configure_command,
    placeholder_exports,
    plan,
    setup_local_text,
    write_setup_local,
)
from .deps import BuiltDependency
from .source import Source


def answers_check(ctx: Context, target: TargetName, source: Source, build_python: Path,
                  built_deps: Sequence[BuiltDependency], *, check: bool,
                  setup_extras: Sequence[str] = ()) -> Path:
    """A full configure (nothing seeded) in a scratch folder, then its answers shipped in the
    checkout (configcache.py) or, with `check`, compared with the shipped ones. Returns the
    shipped file."""
    runner, shipped = ctx.runner, ctx.paths.shipped_configure_answers
    folder = ctx.target_dir(target).with_name(f"configure-answers-{ctx.variant(target)}")
    build = plan(ctx, target, source, built_deps, folder, setup_extras=setup_extras)
    key = answers_key(build)
    shipped_file = configcache.shipped_path(shipped, key)
    emscripten = ctx.emscripten
    about = [f"configure answers for CPython {ctx.cpython.version}, Emscripten "
             f"{emscripten.version} ({emscripten.origin}), profile {ctx.profile.name}",
             f"from a full configure of the {target} target on {datetime.date.today()}; "
             "`invoke wasm.answers --check` compares them with a new one",
             f"for: {ctx.cpython.key} {emscripten.key} {ctx.profile.name}"]
    runner.heading(f"configure answers: a full configure of the {target} target in "
                   f"{runner.path(folder)}, answers key {key}")
    if check and not shipped_file.is_file() and not ctx.dry_run:
        raise ConfigError(f"the checkout ships no configure answers for this configuration "
                          f"(key {key}): an input of configure changed since they were made",
                          fix="run `invoke wasm.answers` with the same options and commit "
                          f"{runner.path(shipped_file)}")
    runner.action(f"rm -rf {runner.path(folder)}", lambda: shutil.rmtree(folder, ignore_errors=True))
    for action in [*write_setup_local(build, setup_local_text(
            ctx.paths.root, built_deps, ctx.recipe.setup_local, setup_extras)),
                   placeholder_exports(build)]:
        runner.do(action)
    runner.run(configure_command(build, build_python), log=folder / "logs" / "configure.log")
    config_cache = folder / "config.cache"
    if check:
        def compare() -> None:
            differ = configcache.differences(config_cache, shipped, key)
            if differ:
                raise ConfigError(
                    f"the shipped configure answers {shipped_file.name} differ from a full "
                    f"configure in {len(differ)} lines, e.g. {differ[0]}",
                    fix="find why (a changed toolchain?), then run `invoke wasm.answers` and "
                    "commit the file")
            runner.note(f"the {len(configcache.portable_lines(config_cache.read_text()))} "
                        "shipped answers match the full configure")

        runner.action(f"diff <(grep -v '^#' {runner.path(shipped_file)}) "
                      f"<({configcache.portable_lines_shell(runner.path(config_cache))})", compare)
        return shipped_file

    def ship() -> None:
        for old in shipped.glob("*.cache"):  # the same configuration's, made from older inputs
            if about[-1] in old.read_text().splitlines()[:3] and old != shipped_file:
                old.unlink()
        configcache.ship(config_cache, shipped, key, about)
        runner.note(f"wrote {runner.path(shipped_file)}: commit it")

    header = "".join(f"# {line}\\n" for line in about)
    portable = configcache.portable_lines_shell(runner.path(config_cache))
    runner.action(f"{{ printf '%b' {shlex.quote(header)}; {portable}; }} "
                  f"> {runner.path(shipped_file)}", ship)
    return shipped_file

