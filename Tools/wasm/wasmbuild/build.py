"""The recipe's steps: source, build Python, ports, and the cross build of a target.

`Build` is the context object: options in, paths and toolchains as cached properties, and one
method per recipe step. Each step makes its commands, prints them, runs them, and records a
stamp of its inputs when (and only when) it finished.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TextIO

from . import browser_tests, configcache, limits, profiles, provision, testsuite
from . import config as config_module
from . import deps as deps_module
from . import exports as exports_module
from .config import Versions
from .errors import ConfigError, ToolMissing
from .layout import TARGETS, Layout
from .ports import build_ports
from .shell import Command, Runner
from .sources import check_cpython_tree, fetch, sync_tree, unpack
from .stamps import Stamp, file_digest, locked
from .toolchain import (
    Emscripten,
    Node,
    find_emscripten,
    find_node,
    node_flags,
    prepare_cache,
    provide_node,
)

SITE_FILE_NAME = "config.site-wasm32-emscripten"
# A folder of pinned archives used when --mirror is not given (the clean room's --downloads).
MIRROR_VARIABLE = "CPYTHON_WASM_MIRROR"


@dataclass(frozen=True)
class Options:
    python_version: str | None = None
    source: Path | None = None
    emscripten: str | None = None
    emsdk: Path | None = None
    node: Path | None = None
    mirror: Path | None = None
    offline: bool = False
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    dry_run: bool = False
    verbose: bool = False
    profile: str | None = None
    """A name from profiles.PROFILES; None is the default profile."""


@dataclass(frozen=True)
class CPythonSpec:
    key: str
    """Names the build folder: the release version, or local-<version>-<path digest>."""
    version: str
    user_tree: Path | None
    """The user's checkout (only ever read), or None for a pinned release."""


def check_target(target: str) -> str:
    if target not in TARGETS:
        raise ConfigError(f"unknown target {target!r}", fix=f"use one of: {', '.join(TARGETS)}")
    return target


class Build:
    def __init__(
        self,
        options: Options,
        *,
        layout: Layout | None = None,
        versions: Versions | None = None,
        out: TextIO | None = None,
    ) -> None:
        if options.source is not None and options.python_version is not None:
            raise ConfigError("--source and --python-version both given",
                              fix="pass only one: a local tree or a pinned release")
        if options.jobs < 1:
            raise ConfigError(f"--jobs {options.jobs}: must be at least 1", fix="pass --jobs 1 or more")
        if options.mirror is None and os.environ.get(MIRROR_VARIABLE):
            options = dataclasses.replace(options, mirror=Path(os.environ[MIRROR_VARIABLE]))
        self.options = options
        self.layout = layout or Layout.default()
        self.versions = versions or config_module.load()
        self.runner = Runner(self.layout.root, dry_run=options.dry_run,
                             verbose=options.verbose, out=out)
        self._source_digest: str | None = None
        self._lock_depth = 0
        self._setup_shown = False

    # -- what we build with -----------------------------------------------------------------
    @cached_property
    def cpython(self) -> CPythonSpec:
        if self.options.source is not None:
            tree = self.options.source.expanduser().resolve()
            version = check_cpython_tree(tree)
            path_digest = hashlib.sha256(str(tree).encode()).hexdigest()[:8]
            return CPythonSpec(f"local-{version}-{path_digest}", version, tree)
        version = self.options.python_version or self.versions.default_cpython
        self.versions.cpython_release(version)  # unknown versions fail here, before any work
        return CPythonSpec(version, version, None)

    @cached_property
    def emscripten(self) -> Emscripten:
        return find_emscripten(self.layout, emsdk=self.options.emsdk,
                               version=self.options.emscripten, runner=self.runner)

    @cached_property
    def node(self) -> Node:
        return find_node(self.options.node)

    @property
    def source_dir(self) -> Path:
        return self.layout.source_dir(self.cpython.key)

    @property
    def native_dir(self) -> Path:
        return self.layout.native_dir(self.cpython.key)

    @cached_property
    def profile(self) -> profiles.Profile:
        return profiles.get(self.options.profile)

    def flavour(self, target: str) -> str:
        """configure's --with-emscripten-target value: node, browser, node-debug, ..."""
        return check_target(target) + self.profile.target_suffix

    def variant(self, target: str) -> str:
        """Names the build folder, results and expectations: node, browser-debug, node-size..."""
        default = self.profile.name == profiles.DEFAULT_PROFILE
        return check_target(target) + ("" if default else f"-{self.profile.name}")

    def target_dir(self, target: str) -> Path:
        return self.layout.target_dir(self.cpython.key, self.emscripten.version, self.variant(target))

    def page_url_path(self, target: str = "browser") -> str:
        """The page's path under the served checkout. The debug flavour uses the real folder,
        not the builddir/ link, so the C sources its DWARF info names (../../src/...) resolve."""
        if self.profile.target_suffix == "-debug":
            return os.path.relpath(self.target_dir(target) / "python.html", self.layout.root)
        builddir = os.path.relpath(self.layout.builddir, self.layout.root)
        return f"{builddir}/emscripten-{self.variant(target)}/python.html"

    def python_js(self, target: str) -> Path:
        return self.target_dir(target) / "python.js"

    # -- the step machinery -----------------------------------------------------------------
    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the lock of this CPython's build folders (re-entrant within one Build), so two
        runs never configure or make in the same folder at once."""
        if self.runner.dry_run or self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        lock = self.layout.cpython_dir(self.cpython.key) / ".lock"
        with locked(lock, on_wait=lambda: self.runner.note(
                f"another build holds {self.runner.path(lock)}; waiting for it")):
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1

    def _step(
        self,
        name: str,
        folder: Path,
        inputs: dict[str, Any],
        commands: Sequence[Command],
        outputs: Sequence[Path],
        *,
        before: Callable[[], None] | None = None,
        after: Callable[[], None] | None = None,
    ) -> bool:
        """Run `commands` unless a stamp shows they ran with the same inputs. True if run."""
        stamp = Stamp(self.layout.stamp(folder, name), inputs)
        current = stamp.is_current() and all(p.exists() for p in outputs)
        if current and not self.runner.dry_run:
            self.runner.note(f"{name}: up to date")
            return False
        if not current and stamp.recorded() is not None:
            self.runner.note(f"{name}: inputs changed ({', '.join(stamp.changed_inputs())})")
        log = self.layout.logs(folder) / f"{name}.log"
        if not self.runner.dry_run:
            stamp.clear()
            log.unlink(missing_ok=True)
            if before is not None:
                before()
        for command in commands:
            self.runner.run(command, log=log)
        if not self.runner.dry_run:
            if after is not None:
                after()
            stamp.record()
        return True

    def _link_recipe_path(self, name: str, target: Path) -> None:
        """Point builddir/<name> at the folder just built, so the recipe's paths work."""
        if self.runner.dry_run:
            return
        link = self.layout.recipe_link(name)
        if link.exists() and not link.is_symlink():
            self.runner.note(f"not linking {link}: a real folder is in the way")
            return
        tmp = link.with_name(f".{name}.link")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(os.path.relpath(target, link.parent))
        os.replace(tmp, link)

    def show_setup_in_dry_run(self) -> None:
        """A dry run starts with the system packages `invoke wasm.setup` would install, so the
        first look at the recipe (before anything is installed) shows the whole of it."""
        if self.runner.dry_run and not self._setup_shown:
            self._setup_shown = True
            provision.setup(dry_run=True, runner=self.runner)

    # -- step 0: the CPython source -----------------------------------------------------------
    def fetch_source(self) -> Path:
        """Unpack the pinned release, or refresh the snapshot of --source. Returns the tree."""
        spec = self.cpython
        dest = self.source_dir
        if spec.user_tree is not None:
            self.runner.heading(f"CPython source: snapshot of {spec.user_tree} ({spec.version})")
            self.runner.say(f"rsync -a --delete --exclude .git --exclude __pycache__ "
                            f"{spec.user_tree}/ {os.path.relpath(dest, self.layout.root)}/")
            if not self.runner.dry_run:
                self._source_digest = sync_tree(spec.user_tree, dest)
            return dest
        release = self.versions.cpython_release(spec.version)
        self.runner.heading(f"CPython source: release {spec.version}")
        stamp = Stamp(self.layout.stamp(self.layout.cpython_dir(spec.key), "source"),
                      {"sha256": release.sha256})
        self._source_digest = release.sha256
        if stamp.is_current() and (dest / "configure").is_file() and not self.runner.dry_run:
            self.runner.note(f"source: up to date in {os.path.relpath(dest, self.layout.root)}")
            return dest
        with locked(self.layout.downloads / ".lock"):
            archive = fetch(release.downloads, what=f"CPython {spec.version}",
                            downloads=self.layout.downloads, mirror=self.options.mirror,
                            runner=self.runner, offline=self.options.offline)
        self.runner.note(f"CPython {spec.version} source provided by {archive.provider}"
                         f" ({archive.download.filename}, sha256 verified)")
        shown_dest = self.runner.path(dest)
        self.runner.action(f"mkdir -p {shown_dest} && tar -xzf {self.runner.path(archive.path)} "
                           f"-C {shown_dest} --strip-components=1",
                           functools.partial(unpack, archive.path, dest))
        if not self.runner.dry_run:
            stamp.record()
        return dest

    @property
    def source_digest(self) -> str:
        if self._source_digest is None:
            self.fetch_source()
        return self._source_digest or "dry-run"

    def _configure_digest(self) -> str:
        configure = self.source_dir / "configure"
        return file_digest(configure) if configure.is_file() else "missing"

    # -- step 1: the build Python ---------------------------------------------------------------
    def build_python(self) -> Path:
        self.show_setup_in_dry_run()
        with self.exclusive():
            return self._build_python()

    def _build_python(self) -> Path:
        self.fetch_source()
        folder = self.native_dir
        python = folder / "python"
        self.runner.heading(f"build Python: native CPython {self.cpython.version} "
                            f"in {os.path.relpath(folder, self.layout.root)}")
        configure = Command.of(self.source_dir / "configure", "-C", cwd=folder)
        inputs = {"configure": self._configure_digest(), "argv": list(configure.argv)}
        self._step("configure", folder, inputs, [configure], [folder / "Makefile"],
                   before=lambda: (folder / "config.cache").unlink(missing_ok=True))
        make = Command.of("make", f"-j{self.options.jobs}", cwd=folder)
        self._step("make", folder, {**inputs, "source": self.source_digest}, [make], [python])
        self._link_recipe_path("build", folder)
        return python

    # -- step 2: ports -------------------------------------------------------------------------
    def ports(self) -> None:
        self.show_setup_in_dry_run()
        emscripten = self.emscripten
        self.runner.heading(f"Emscripten ports zlib, bzip2 (Emscripten {emscripten.version}, "
                            f"{emscripten.origin})")
        state = self.layout.emscripten_state(emscripten.key)
        with locked(state / ".lock"):
            prepare_cache(emscripten, self.runner)
            build_ports(emscripten, self.versions, self.layout, self.runner,
                        mirror=self.options.mirror, offline=self.options.offline)

    # -- step 2b: external libraries ---------------------------------------------------------
    def deps(self) -> list[deps_module.BuiltDependency]:
        """Libraries for stdlib modules (xz for _lzma, ...) built with emcc into a prefix."""
        self.show_setup_in_dry_run()
        emscripten = self.emscripten
        names = ", ".join(f"{d.name} {d.version} ({d.module})" for d in self.versions.deps)
        self.runner.heading(f"libraries for stdlib modules: {names or 'none'}")
        with locked(self.layout.emscripten_state(emscripten.key) / ".lock"):
            prepare_cache(emscripten, self.runner)
            return deps_module.build_all(self.versions, emscripten, self.layout, self.runner,
                                         jobs=self.options.jobs, mirror=self.options.mirror,
                                         offline=self.options.offline,
                                         pthreads=self.profile.pthreads)

    # -- step 3: cross build ---------------------------------------------------------------
    def build_triple(self) -> str:
        guess = self.source_dir / "config.guess"
        if not guess.is_file():
            return f"$({guess})"  # dry run before the source exists
        return subprocess.run([str(guess)], capture_output=True, text=True,
                              check=True).stdout.strip()

    def site_files(self) -> list[Path]:
        return [self.layout.root / SITE_FILE_NAME,
                self.source_dir / "Tools" / "wasm" / SITE_FILE_NAME]

    def cross_build(self, target: str) -> Path:
        check_target(target)
        self.show_setup_in_dry_run()
        with self.exclusive():
            return self._cross_build(target)

    def _cross_build(self, target: str) -> Path:
        build_python = self.build_python()
        self.ports()
        built_deps = self.deps()
        emscripten = self.emscripten
        folder = self.target_dir(target)
        self.runner.heading(f"cross build: {target} target with Emscripten {emscripten.version} "
                            f"in {os.path.relpath(folder, self.layout.root)}")
        env = {**emscripten.env, "CONFIG_SITE": str(self.site_files()[0]),
               **dict(self.profile.configure_env)}
        for dep in built_deps:
            env = merge_configure_env(env, dep.configure_env)
        exports_file = folder / "c-api-exports.json"
        env = merge_configure_env(env, {
            "LDFLAGS": f"--js-library {FS_FIXES}",
            # In LIBS, which the Makefile puts on python.js's link only; the extension modules
            # it links as separate files (unusable here) would fail on names they don't define.
            "LIBS": f"-sEXPORTED_FUNCTIONS=@{exports_file}",
        })
        # Each one digests files of ours: computed once here.
        fingerprints = {d.dependency.name: d.dependency.fingerprint for d in built_deps}
        setup_local = self.setup_local_text(built_deps)
        configure = Command.of(
            emscripten.tool("emconfigure"), self.source_dir / "configure", "-C",
            "--host=wasm32-unknown-emscripten",
            f"--build={self.build_triple()}",
            f"--with-emscripten-target={self.flavour(target)}",
            f"--with-build-python={build_python}",
            *self.profile.configure_args,
            cwd=folder, env=env,
        )
        site_digests = [file_digest(p) if p.is_file() else "missing" for p in self.site_files()]
        configure_digest = self._configure_digest()
        inputs = {
            "configure": configure_digest,
            "argv": list(configure.argv),
            "env": {k: v for k, v in env.items() if k not in emscripten.env},
            "emscripten": f"{emscripten.version} {emscripten.origin}",
            "site": site_digests,
            "deps": {d.dependency.name: [fingerprints[d.dependency.name], str(d.prefix)]
                     for d in built_deps},
            "setup_local": hashlib.sha256(setup_local.encode()).hexdigest(),
            "exports": list(exports_module.EXTRA_EXPORTS),
            "fs_fixes": file_digest(FS_FIXES),
        }
        if self.profile.configure_env:
            inputs["profile_env"] = dict(self.profile.configure_env)
        variant = self.variant(target)
        store = self.layout.cache_root / "configure"
        # Answers are shared only within one profile: its flags may change compile checks.
        key = configcache.store_key([self.cpython.key, configure_digest, *site_digests,
                                     emscripten.key, emscripten.origin, self.profile.name,
                                     *sorted(fingerprints.values())])
        config_cache = folder / "config.cache"

        def before_configure() -> None:
            config_cache.unlink(missing_ok=True)
            folder.mkdir(parents=True, exist_ok=True)
            # make does not relink for changed link flags (LDFLAGS, a --js-library file):
            # a reconfigured build relinks.
            for linked in ("python.js", "python.wasm"):
                (folder / linked).unlink(missing_ok=True)
            # configure keeps an existing Modules/Setup.local; makesetup reads it.
            target_setup = folder / "Modules" / "Setup.local"
            variables = " ".join(d.setup_variable for d in built_deps)
            self.runner.say(f"mkdir -p {self.runner.path(target_setup.parent)} && "
                            f"(printf '%s\\n' {variables} && cat Modules/Setup.local) "
                            f"> {self.runner.path(target_setup)}")
            target_setup.parent.mkdir(exist_ok=True)
            target_setup.write_text(setup_local)
            placeholder = json.dumps(exports_module.PLACEHOLDER)
            self.runner.say(f"echo '{placeholder}' > {self.runner.path(exports_file)}"
                            "  # for configure's link tests")
            exports_file.write_text(placeholder)
            source = configcache.seed(config_cache, store, key, variant,
                                      [t for t in TARGETS if t != target])
            if source:
                self.runner.note(f"configure starts from {source} ({self.runner.path(store)})")

        def after_configure() -> None:
            configcache.save(config_cache, store, key, variant)
            pyconfig = folder / "pyconfig.h"
            self.runner.say(f"python3 {self.runner.path(Path(exports_module.__file__))} "
                            f"{self.runner.path(self.source_dir)} {self.runner.path(pyconfig)} "
                            f"> {self.runner.path(exports_file)}")
            names = exports_module.export_list(self.source_dir, pyconfig)
            exports_file.write_text(json.dumps(names))

        self._step("configure", folder, inputs, [configure], [folder / "Makefile", exports_file],
                   before=before_configure, after=after_configure)
        make = Command.of(emscripten.tool("emmake"), "make", f"-j{self.options.jobs}",
                          *self.profile.make_args, cwd=folder, env=emscripten.env)
        self._step("make", folder, {**inputs, "source": self.source_digest},
                   [make], [folder / "python.js", folder / "python.wasm"])
        if target == "browser":
            self.install_page(folder)
        self._link_recipe_path(f"emscripten-{self.variant(target)}", folder)
        return folder

    def setup_local_text(self, built_deps: Sequence[deps_module.BuiltDependency]) -> str:
        """Modules/Setup.local for a cross build: our module lines, after the library prefixes
        they use."""
        template = self.layout.root / "Modules" / "Setup.local"
        variables = "".join(f"{d.setup_variable}\n" for d in built_deps)
        body = template.read_text() if template.is_file() else ""
        return variables + body

    def page_files(self) -> list[Path]:
        """Our browser page: it replaces the python.html/python.worker.js CPython ships."""
        web = config_module.TOOLS_WASM / "web"
        return [*sorted(p for p in web.iterdir() if p.is_file()),
                config_module.CHECKOUT / "Lib" / "wasm_console.py"]

    def install_page(self, folder: Path) -> None:
        files = self.page_files()
        self.runner.say(f"cp {' '.join(self.runner.path(f) for f in files)} {self.runner.path(folder)}/")
        if not self.runner.dry_run:
            for source in files:
                shutil.copyfile(source, folder / source.name)

    # -- running -------------------------------------------------------------------------------
    def node_command(self, args: Sequence[str], *, optimize: bool = False) -> Command:
        python_js = self.python_js("node")
        flags = node_flags(self.versions, self.node, self.emscripten.version)
        if optimize:
            # V8 starts wasm in its baseline compiler and has no on-stack replacement for wasm:
            # the interpreter loop, entered once per program, never leaves baseline code.
            # Compiling with the optimising tier from the start runs Python code about twice
            # as fast, for about 0.5 s more start-up (README, "Running").
            flags.append("--no-liftoff")
        return Command.of(self.node.path, *flags, python_js, *args, cwd=Path.cwd())

    def run_python(self, args: Sequence[str], *, optimize: bool = False) -> int:
        """Run the Node build's python.js with `args`; returns its exit status."""
        command = self.node_command(args, optimize=optimize)
        python_js = self.python_js("node")
        if not python_js.is_file() and not self.runner.dry_run:
            same = f" --profile {self.profile.name}" if self.options.profile else ""
            raise ToolMissing(f"{python_js} does not exist: the Node target is not built",
                              fix=f"run `invoke wasm.node{same}` first (same --python-version/--source)")
        self.runner.show(command)
        if self.runner.dry_run:
            return 0
        return subprocess.call(command.argv, cwd=command.cwd)

    # -- the test suite -------------------------------------------------------------------------
    def use_pinned_node(self, major: str) -> Node:
        """Run python.js with a pinned Node release (npm registry) instead of the one on PATH."""
        node = provide_node(self.versions, major, self.layout, self.runner,
                            mirror=self.options.mirror, offline=self.options.offline)
        self.__dict__["node"] = node  # the cached property now answers this Node
        return node

    def results_dir(self, target: str = "node") -> Path:
        node_major = self.node.version.split(".")[0]
        return (self.layout.builddir / "test-results" /
                f"{self.cpython.key}-emcc-{self.emscripten.version}-{self.variant(target)}-node{node_major}")

    def run_tests(self, args: Sequence[str]) -> list[testsuite.ModuleResult]:
        """CPython's test suite on the Node build; fails only on deviations from expectations."""
        options = testsuite.parse_run_args(args)
        python_js = self._built_python_js("node")
        prefix = [str(self.node.path), *node_flags(self.versions, self.node, self.emscripten.version),
                  str(python_js)]
        self.runner.note(f"Node {self.node.version} ({self.runner.path(self.node.path)})")
        return self._run_and_judge("node", prefix, self.results_dir(), options)

    def run_browser_tests(self, args: Sequence[str]) -> list[testsuite.ModuleResult]:
        """A declared subset of the suite (browser-modules.txt) in headless Chromium."""
        options = testsuite.parse_run_args(args)
        # One page at a time: Playwright's browser belongs to the thread that started it.
        options = dataclasses.replace(
            options, jobs=1, tests=options.tests or tuple(browser_tests.declared_modules()))
        folder = self._built_python_js("browser").parent
        page = folder / "tests.html"
        results_dir = (self.layout.builddir / "test-results" /
                       f"{self.cpython.key}-emcc-{self.emscripten.version}-{self.variant('browser')}"
                       "-chromium")
        bundle = folder / browser_tests.BUNDLE_NAME
        self.runner.say(f"# pack Lib/test/{{libregrtest,support,*.txt}} and the selected modules into "
                        f"{self.runner.path(bundle)}")
        if self.runner.dry_run:
            return self._run_and_judge("browser", ["chromium", "--headless", str(page)],
                                       results_dir, options)
        self.install_page(folder)
        count = browser_tests.make_bundle(self.source_dir, options.tests, bundle)
        self.runner.note(f"{count} files in the bundle")
        page_path = os.path.relpath(page, self.layout.root)
        browser = browser_tests.BrowserRunner(self.layout.root, page_path, options.timeout,
                                              results_dir)
        try:
            with browser_tests.serving(self.layout.root) as base_url:
                return self._run_and_judge(
                    "browser", ["chromium", "--headless", f"{base_url}{page_path}?args=..."],
                    results_dir, options,
                    run_module=lambda module: browser.run_module(base_url, module))
        finally:
            browser.close()

    def probe_limits(self, targets: Sequence[str], *, update_readme: bool = False,
                     check_readme: bool = False) -> str:
        """Run Lib/wasm_limits.py's checks on the built targets; returns the Markdown table."""
        findings: dict[str, list[limits.Finding]] = {}
        for target in targets:
            check_target(target)
        if "node" in targets:
            python_js = self._built_python_js("node")
            prefix = [str(self.node.path),
                      *node_flags(self.versions, self.node, self.emscripten.version), str(python_js)]
            self.runner.heading("limitations: each check in its own Node process")
            self.runner.show(Command.of(*prefix, limits.PROBE, "--check", "NAME",
                                        cwd=self.layout.root))
            if not self.runner.dry_run:
                scratch = self.layout.builddir / "limits-scratch"
                scratch.mkdir(parents=True, exist_ok=True)
                findings["node"] = limits.probe_node(prefix, self.options.jobs, scratch)
        if "browser" in targets:
            folder = self._built_python_js("browser").parent
            self.runner.heading("limitations: each check on its own page in headless Chromium")
            if not self.runner.dry_run:
                self.install_page(folder)
                bundle = folder / "limits-bundle.json"
                bundle.write_text(json.dumps(
                    {"/wasm_limits.py": base64.b64encode(limits.PROBE.read_bytes()).decode()}))
                names = list(limits.group_of())
                browser = browser_tests.BrowserRunner(
                    self.layout.root, os.path.relpath(folder / "tests.html", self.layout.root),
                    limits.CHECK_TIMEOUT, self.layout.builddir / "limits-scratch")
                try:
                    with browser_tests.serving(self.layout.root) as base_url:
                        findings["browser"] = limits.probe_with(
                            lambda args: browser.run_args(base_url, args,
                                                          bundle=bundle.name)[:3], names)
                finally:
                    browser.close()
        if self.runner.dry_run:
            return ""
        table = limits.render(findings, self.emscripten.version, self.cpython.version)
        self.runner.say("\n" + table)
        if update_readme:
            limits.update_readme(table)
            self.runner.note(f"updated the limitations table in {self.runner.path(limits.README)}")
        elif check_readme and limits.readme_table() != table:
            raise ConfigError("the README's limitations table differs from a fresh probe",
                              fix="run `invoke wasm.limits --update-readme` and commit README.md")
        return table

    def _built_python_js(self, target: str) -> Path:
        python_js = self.python_js(target)
        if not python_js.is_file() and not self.runner.dry_run:
            raise ToolMissing(f"{self.runner.path(python_js)} does not exist: build it first",
                              fix=f"run `invoke wasm.{target}` (same --python-version/--source/--profile)")
        return python_js

    def _run_and_judge(self, target: str, prefix: list[str], results_dir: Path,
                       options: testsuite.RunOptions,
                       run_module: Callable[[str], testsuite.ModuleResult] | None = None,
                       ) -> list[testsuite.ModuleResult]:
        variant = self.variant(target)
        expectations_file = testsuite.expectations_path(self.emscripten.version, variant)
        expected = testsuite.Expectations.load(expectations_file)
        self.runner.note(f"expected results: {self.runner.path(expectations_file)}")
        results, verdict = testsuite.run_suite(prefix, self.source_dir, results_dir, expected,
                                               options, self.runner, run_module=run_module)
        if self.runner.dry_run:
            return results
        self.runner.say("\n" + testsuite.summary_table(results))
        self.runner.note(f"logs and JUnit XML: {self.runner.path(results_dir)}")
        for line in verdict.unexpected_passes:
            self.runner.note(f"unexpected pass: {line}")
        if options.update_expectations:
            header = (f"Expected results of CPython's test suite on the {variant} build, "
                      f"Emscripten {self.emscripten.version}.\n"
                      "Regenerate with `-- --update-expectations` after the test task; reasons and "
                      "links are kept.\nstatus: fail (test or module fails), hang (killed at the "
                      "timeout; not run by default), crash (kills the runtime), flaky (any "
                      "outcome is accepted), skip (never run).")
            testsuite.write_expectations(expectations_file, results, expected, header)
            self.runner.note(f"wrote {self.runner.path(expectations_file)}")
        elif not verdict.ok:
            shown = verdict.new_failures[:15]
            more = len(verdict.new_failures) - len(shown)
            raise testsuite.TestRunFailed(
                f"{len(verdict.new_failures)} deviation(s) from the expected results: "
                + "; ".join(shown) + (f"; and {more} more" if more > 0 else ""),
                fix=f"read the logs in {self.runner.path(results_dir / 'logs')}; if the change "
                "is expected, rerun with `-- --update-expectations` and commit the file",
            )
        return results

    # -- cleaning -------------------------------------------------------------------------------
    def clean(self, what: str, *, downloads: bool = False) -> None:
        """Remove build folders: 'node'/'browser' (this CPython + Emscripten), 'build' (the
        build Python), 'cpython' (everything for this CPython) or 'all' (the whole builddir)."""
        if what in TARGETS:
            cpython_dir = self.layout.cpython_dir(self.cpython.key)
            folders = [*sorted(cpython_dir.glob(f"emcc-*/emscripten-{what}")),
                       self.layout.recipe_link(f"emscripten-{what}")]
        elif what == "build":
            folders = [self.native_dir, self.layout.recipe_link("build")]
        elif what == "cpython":
            folders = [self.layout.cpython_dir(self.cpython.key)]
        elif what == "all":
            folders = [self.layout.builddir]
        else:
            raise ConfigError(f"unknown clean target {what!r}",
                              fix=f"use one of: {', '.join((*TARGETS, 'build', 'cpython', 'all'))}")
        if downloads:
            folders.append(self.layout.downloads)
        for folder in folders:
            if not (folder.exists() or folder.is_symlink()):
                continue
            self.runner.action(f"rm -rf {self.runner.path(folder)}", functools.partial(_remove, folder))


# Replacements for Emscripten's file-system calls where they are wrong (see the file).
FS_FIXES = config_module.TOOLS_WASM / "emscripten" / "fs_fixes.js"

# Compiler and linker flags add up; any other variable set twice is a conflict to settle by
# the later source (a library's own configure answers).
FLAG_VARIABLES = ("CFLAGS", "CPPFLAGS", "LDFLAGS", "LIBS")


def merge_configure_env(env: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    merged = dict(env)
    for key, value in extra.items():
        if key in FLAG_VARIABLES and merged.get(key):
            merged[key] = f"{merged[key]} {value}"
        else:
            merged[key] = value
    return merged


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    else:
        shutil.rmtree(path)
