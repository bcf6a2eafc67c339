"""Command rendering, flag selection per Node/Emscripten version, the versions file, stamps."""

from __future__ import annotations

import io
import socket
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from wasmbuild.core import procs
from wasmbuild.core.errors import ConfigError, ToolMissing
from wasmbuild.core.shell import Command, Runner, render
from wasmbuild.core.stamps import Stamp
from wasmbuild.steps import exports
from wasmbuild.toolchains.nodejs import Node, node_flags
from wasmbuild.versions import config, rules, schema
from wasmbuild.versions.config import parse_version

ROOT = Path("/work/checkout")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (Command.of("make", "-j2", cwd=ROOT), "make -j2"),
        (Command.of("/work/checkout/builddir/x/src/configure", "-C", cwd=ROOT / "builddir/x/build"),
         "(cd builddir/x/build && ../src/configure -C)"),
        (Command.of("emconfigure", "--with-build-python=/work/checkout/builddir/build/python",
                    cwd=ROOT / "builddir/node", env={"CONFIG_SITE": "/work/checkout/site"}),
         "(cd builddir/node && CONFIG_SITE=../../site emconfigure "
         "--with-build-python=../build/python)"),
        (Command.of("node", "-c", "print('hi there')", cwd=ROOT),
         "node -c \"print('hi there')\""),
        (Command.of("sh", "-c", "echo '$HOME'", cwd=ROOT),  # a $ keeps it in single quotes
         "sh -c 'echo '\"'\"'$HOME'\"'\"''"),
        (Command.of("embuilder", cwd=ROOT, env={"EM_FROZEN_CACHE": ""}), "EM_FROZEN_CACHE='' embuilder"),
        (Command.of("/usr/bin/emcc", "/opt/elsewhere/x.c", cwd=ROOT), "/usr/bin/emcc /opt/elsewhere/x.c"),
    ],
)
def test_render_is_copy_pasteable_from_the_checkout(command: Command, expected: str) -> None:
    assert render(command, ROOT) == expected


def test_render_shows_home_paths_with_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/ada")
    command = Command.of("embuilder", cwd=ROOT, env={"EM_CACHE": "/home/ada/.cache/em/3.1.6"})
    assert render(command, ROOT) == "EM_CACHE=$HOME/.cache/em/3.1.6 embuilder"


VERSIONS = config.load()


@pytest.mark.parametrize(
    ("node", "emscripten", "flags"),
    [
        ("20.20.2", "3.1.6", ["--no-experimental-fetch"]),
        ("22.23.3", "3.1.6", ["--no-experimental-fetch"]),
        ("18.0.0", "3.1.11", ["--no-experimental-fetch"]),
        ("17.9.0", "3.1.6", []),
        ("16.3.0", "3.1.6", ["--experimental-wasm-threads", "--experimental-wasm-bulk-memory"]),
        ("14.21.3", "3.1.40", ["--experimental-wasm-threads", "--experimental-wasm-bulk-memory"]),
        ("20.20.2", "3.1.12", []),
        ("24.1.0", "4.0.10", ["--wasm-sync-tier-up"]),
        ("24.21.0", "3.1.6", ["--wasm-sync-tier-up",
                              f"--require={config.TOOLS_WASM}/node/hide-fetch.cjs"]),
    ],
)
def test_node_flags_follow_the_versions(node: str, emscripten: str, flags: list[str]) -> None:
    chosen = node_flags(VERSIONS, Node(Path("node"), node), emscripten)
    assert "--stack-size=4000" in chosen  # every version: deep recursion needs the room
    assert [f for f in chosen if f != "--stack-size=4000"] == flags


def test_the_recipe_flags_refused_by_node_20_are_never_chosen_for_it() -> None:
    chosen = node_flags(VERSIONS, Node(Path("node"), "20.0.0"), "3.1.6")
    assert "--experimental-wasm-threads" not in chosen


def test_versions_file_pins_a_digest_for_every_download() -> None:
    release = VERSIONS.cpython_release(VERSIONS.default_cpython)
    assert len(release.sha256) == 64
    assert {d.provider for d in release.downloads} >= {"python.org", "debian"}
    for source in VERSIONS.port_sources:
        assert len(source.download.sha256) == 64, source


def test_unknown_version_names_the_known_ones() -> None:
    with pytest.raises(ConfigError) as error:
        VERSIONS.cpython_release("2.7.18")
    assert "3.11.2" in error.value.message
    assert "--source" in error.value.fix


def test_advisory_applies_below_its_bound() -> None:
    assert VERSIONS.advisories_for("3.1.6")
    assert not VERSIONS.advisories_for("3.1.8")


@pytest.mark.parametrize(("text", "parsed"), [("3.1.6", (3, 1, 6)), ("v20.20.2", (20, 20, 2)),
                                              ('3.1.6', (3, 1, 6)), ("3.13.0a1", (3, 13, 0, 1))])
def test_parse_version(text: str, parsed: tuple[int, ...]) -> None:
    assert parse_version(text) == parsed


def test_stamp_is_current_only_for_the_same_inputs(tmp_path: Path) -> None:
    stamp = Stamp(tmp_path / "s" / "make.json", {"source": "abc", "argv": ["make", "-j2"]})
    assert not stamp.is_current()
    stamp.record()
    assert stamp.is_current()
    changed = Stamp(stamp.path, {"source": "abd", "argv": ["make", "-j2"]})
    assert not changed.is_current()
    assert changed.changed_inputs() == ["source"]
    assert not list(stamp.path.parent.glob("*.tmp"))


def test_a_torn_stamp_is_not_current(tmp_path: Path) -> None:
    path = tmp_path / "make.json"
    path.write_text('{"source": ')
    assert not Stamp(path, {"source": "abc"}).is_current()


def test_a_library_fingerprint_follows_the_files_of_ours_it_uses(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "TOOLS_WASM", tmp_path)
    monkeypatch.setattr(rules, "TOOLS_WASM", tmp_path)
    (tmp_path / "glue.js").write_text("// one\n")
    (tmp_path / "compat.h").write_text("/* one */\n")
    dep = config.Dependency(
        "lib", "1.0", "_lib", config.Download("debian", "https://x.invalid/lib.tgz", "0" * 64),
        (), {"LDFLAGS": "--js-library {tools}/glue.js"}, {"CFLAGS": "-include {tools}/compat.h"})
    assert dep.expand("-I{prefix}/include {tools}/glue.js", Path("/p")) == (
        f"-I/p/include {tmp_path}/glue.js")
    assert dep.build_tool_files == (tmp_path / "compat.h",)
    assert dep.link_files == (tmp_path / "glue.js",)
    before = dep.fingerprint
    (tmp_path / "glue.js").write_text("// two\n")  # link-time only: CPython relinks, no more
    assert dep.fingerprint == before
    (tmp_path / "compat.h").write_text("/* two */\n")  # the library's own build reads it
    assert dep.fingerprint != before


def test_a_missing_program_is_a_one_line_error_naming_setup(tmp_path: Path) -> None:
    runner = Runner(tmp_path, out=io.StringIO())
    with pytest.raises(ToolMissing) as caught:
        runner.run(Command.of("autoreconf-not-here", "-fi", cwd=tmp_path,
                              env={"PATH": str(tmp_path)}))
    assert "`autoreconf-not-here` is not installed" in str(caught.value)
    assert "wasm.setup" in caught.value.fix


def test_c_api_exports_follow_the_builds_feature_macros() -> None:
    stable_abi = {"function": {"Py_Initialize": {}, "_Py_NegativeRefcount": {"ifdef": "Py_REF_DEBUG"},
                               "PyErr_SetFromWindowsErr": {"ifdef": "MS_WINDOWS"}},
                  "data": {"PyExc_TypeError": {}}}
    release = exports.c_api_names(stable_abi, exports.defined_macros("#define HAVE_FORK 1\n"))
    assert release == ["Py_Initialize", "PyExc_TypeError"]
    # Py_REF_DEBUG is set by the headers in a Py_DEBUG build, not by pyconfig.h.
    debug = exports.c_api_names(stable_abi, exports.defined_macros("#define Py_DEBUG 1\n"))
    assert "_Py_NegativeRefcount" in debug


def test_extra_exports_are_the_names_the_tree_defines_in_c(tmp_path: Path) -> None:
    # 3.11 defines _PyCode_GetExtra in C; 3.13 only PyUnstable_Code_GetExtra (the underscored
    # name became an inline wrapper in a header, which the linker cannot export).
    (tmp_path / "Objects").mkdir()
    (tmp_path / "Python").mkdir()
    (tmp_path / "Objects" / "codeobject.c").write_text(
        "int\nPyUnstable_Code_GetExtra(PyObject *code)\n{\n    return 0;\n}\n")
    (tmp_path / "Python" / "initconfig.c").write_text("int Py_OptimizeFlag = 0;\n")
    names = ("_PyCode_GetExtra", "PyUnstable_Code_GetExtra", "Py_OptimizeFlag")
    assert exports.defined_in_source(tmp_path, names) == ["PyUnstable_Code_GetExtra",
                                                           "Py_OptimizeFlag"]


def test_unit_tests_may_not_start_real_programs(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match="tried to start node"):
        subprocess.Popen(["node", "--version"])
    with pytest.raises(pytest.fail.Exception, match="tried to start make"):
        procs.start(["make", "--version"], cwd=tmp_path)


def test_unit_tests_may_not_reach_the_network() -> None:
    with socket.socket() as s, pytest.raises(pytest.fail.Exception, match="tried to connect"):
        s.connect(("192.0.2.1", 80))


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["cpython"]["3.11.2"].update(sha265="x"),
     "unknown key 'sha265' in [cpython.3.11.2]"),
    (lambda d: d["node_flags"][1].pop("why"), "[node_flags[1]] lacks 'why'"),
    (lambda d: d.update(defualts={}), "unknown key 'defualts' in the top level"),
    (lambda d: d["deps"]["xz"].update(configure_args=[]), "unknown key 'configure_args' in [deps.xz]"),
    (lambda d: d["defaults"].update(node="17"), "[defaults] node = '17' is not a pinned"),
])
def test_a_mistake_in_versions_toml_is_one_line_naming_its_place(change, message) -> None:  # type: ignore[no-untyped-def]
    import tomllib

    data = tomllib.loads(config.VERSIONS_FILE.read_text())
    config.parse(data)  # the real file is valid
    change(data)
    with pytest.raises(ConfigError) as error:
        config.parse(data)
    assert message in error.value.message
    assert error.value.fix


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["node"]["24"].update(mirror="x"), "versions.toml: unknown key 'mirror' in [node.24]"),
    (lambda d: d["cpython_recipes"][2].pop("why"), "versions.toml: [cpython_recipes[2]] lacks 'why'"),
    (lambda d: d["cpython_recipes"][2].update(setup_local="yes"),
     "versions.toml: setup_local in [cpython_recipes[2]] must be true or false"),
    (lambda d: d["debian"]["releases"]["sid"].update(glibc=2.41),
     "versions.toml: glibc in [debian.releases.sid] must be a string"),
    (lambda d: d["cpython"]["3.13.5"]["sources"][1].update(url=["a", "b"]),
     "versions.toml: url in [cpython.3.13.5.sources[1]] must be a string"),
    (lambda d: d["matrix"][0].update(browsers=["firefox", 1]),
     "versions.toml: browsers in [matrix[0]] must be an array (a string each)"),
])
def test_an_unknown_key_a_missing_key_and_a_wrong_type_name_the_file_table_and_key(  # type: ignore[no-untyped-def]
        change, message) -> None:
    data = tomllib.loads(config.VERSIONS_FILE.read_text())
    change(data)
    with pytest.raises(ConfigError) as error:
        config.parse(data)
    assert error.value.message == message
    assert error.value.fix and "\n" not in error.value.fix


def test_an_absent_key_takes_the_dataclass_default() -> None:
    versions = config.parse({"defaults": {"cpython": "3.11.2"}, "emscripten": {"3.1.8": {}},
                             "debian": {"releases": {"sid": {"number": "unstable", "glibc": "2.41"}}}})
    assert versions.default_node is None
    assert versions.emscripten["3.1.8"] == config.EmscriptenRelease("3.1.8")  # its defaults
    assert versions.debian.mirror == config.DebianArchive().mirror
    sid = versions.debian.releases["sid"]
    assert (sid.suites, sid.security_suite, sid.check_valid_until) == (("sid",), None, True)
    assert versions.matrix.releases == () and versions.wasi == config.WasiData()


@dataclass(frozen=True)
class NodeFlagRuleWithNote(rules.NodeFlagRule):
    """[[node_flags]] with a key added the one way there is: a field."""

    note: str = ""


def test_a_new_optional_field_is_read_from_the_file_with_no_other_edit() -> None:
    entry = {"flag": "--x", "why": "because", "note": "see the bug"}
    with pytest.raises(ConfigError, match=r"unknown key 'note' in \[node_flags\[0\]\]"):
        schema.from_toml(rules.NodeFlagRule, entry, "node_flags[0]")
    rule = schema.from_toml(NodeFlagRuleWithNote, entry, "node_flags[0]")
    assert rule == NodeFlagRuleWithNote("--x", "because", note="see the bug")
    assert schema.from_toml(NodeFlagRuleWithNote, {"flag": "--x", "why": "w"}, "n").note == ""
    with pytest.raises(ConfigError, match=r"note in \[node_flags\[0\]\] must be a string"):
        schema.from_toml(NodeFlagRuleWithNote, {**entry, "note": 3}, "node_flags[0]")


def test_a_file_given_to_nodes_require_is_printed_as_a_path(tmp_path: Path) -> None:
    from wasmbuild.core.shell import Command, render

    preload = tmp_path / "Tools" / "wasm" / "node" / "hide-fetch.cjs"
    command = Command.of("node", f"--require={preload}", "--env", f"PWD={tmp_path}", cwd=tmp_path)
    line = render(command, tmp_path)
    # Node reads `--require=Tools/...` as a package name; and an assignment for another
    # program (a WASI one starts in /) keeps its absolute path.
    assert "--require=./Tools/wasm/node/hide-fetch.cjs" in line
    assert f"PWD={tmp_path}" in line
