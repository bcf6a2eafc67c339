"""The library's shape: folders are layers and dependencies point down them (no module imports
a layer above its own, and there is no import cycle of any kind), modules stay small, and
tasks.py is what uses the top level."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import wasmbuild

PACKAGE = Path(wasmbuild.__file__).parent
TASKS = PACKAGE.parent.parent.parent / "tasks.py"
MAX_LINES = 330
LAYERS = ["core", "versions", "testing", "toolchains", "steps", "packages", "browser", "targets",
          "cleanroom"]
"""The subpackages, lowest first; the modules directly in wasmbuild/ sit above them all."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> list[tuple[str, Path]]:
    return sorted((module_name(p), p) for p in PACKAGE.rglob("*.py"))


def exists(name: str) -> bool:
    path = PACKAGE.parent / name.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def resolve(node: ast.ImportFrom | ast.Import, package: str) -> set[str]:
    """The wasmbuild modules one import statement names, in a module of `package`."""
    if isinstance(node, ast.Import):
        return {a.name for a in node.names if a.name.split(".")[0] == "wasmbuild"}
    if not node.level:
        return {node.module} if (node.module or "").split(".")[0] == "wasmbuild" else set()
    base = package.split(".")
    base = base[:len(base) - node.level + 1]
    target = ".".join(base + ([node.module] if node.module else []))
    return {f"{target}.{a.name}" if exists(f"{target}.{a.name}") else target for a in node.names}


def package_of(path: Path) -> str:
    return module_name(path) if path.name == "__init__.py" else module_name(path).rsplit(".", 1)[0]


def top_level_imports(path: Path) -> set[str]:
    """wasmbuild modules imported when `path` is imported (not inside functions, not only for
    type checking)."""
    found: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.ImportFrom | ast.Import):
            found |= resolve(node, package_of(path))
    return found


def all_imports(path: Path) -> set[str]:
    """wasmbuild modules `path` imports anywhere: at module level, inside functions, and for
    type checking only."""
    return {name for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.ImportFrom | ast.Import) for name in resolve(node, package_of(path))}


def layer(module: str) -> int:
    """The index of a module's folder in LAYERS; modules directly in wasmbuild/ are above all."""
    part = module.split(".")[1] if module.count(".") else ""
    return LAYERS.index(part) if part in LAYERS else len(LAYERS)


def test_every_folder_is_a_layer() -> None:
    folders = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert folders == set(LAYERS)
    assert not [p for p in PACKAGE.glob("*/*/*.py")], "one level of folders"


def test_no_layer_imports_one_above_it() -> None:
    upward = sorted(f"{m} -> {d}" for m, p in modules() for d in all_imports(p) if layer(d) > layer(m))
    assert upward == []
    # the check sees imports across layers, in functions and for type checking too
    assert "wasmbuild.testing.testsuite" in all_imports(PACKAGE / "targets" / "node.py")
    assert "wasmbuild.steps.source" in all_imports(PACKAGE / "targets" / "__init__.py")
    assert layer("wasmbuild.core.errors") < layer("wasmbuild.toolchains.context") < layer("wasmbuild.recipe")


def test_no_import_cycles() -> None:
    graph = {name: all_imports(p) for name, p in modules()}
    visiting: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        assert name not in visiting, "import cycle: " + " -> ".join([*visiting, name])
        visiting.append(name)
        for dependency in sorted(graph.get(name, ())):
            if dependency != name:
                visit(dependency)
        visiting.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)
    assert "wasmbuild.toolchains.context" in graph["wasmbuild.recipe"]
    assert "wasmbuild.toolchains.context" in top_level_imports(PACKAGE / "recipe.py")


def test_each_folder_says_what_it_holds_and_may_import() -> None:
    for index, name in enumerate(LAYERS):
        init = PACKAGE / name / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        assert doc and "\n\n" not in doc, f"{name}/__init__.py: one paragraph"
        rule = re.search(r"May import (.*?)\.(?:\s|$)", doc, re.S)
        assert rule, f"{name}/__init__.py names what it may import"
        assert set(re.findall(r"\w+", rule.group(1))) & set(LAYERS) == set(LAYERS[:index]), name
        if name != "targets":  # the target interface lives in targets/__init__.py
            assert not [n for n in ast.parse(init.read_text()).body[1:]], f"{name}/__init__.py: no code"


def test_tasks_py_imports_every_top_level_module() -> None:
    top = {module_name(p) for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    used: set[str] = set()
    for node in ast.walk(ast.parse(TASKS.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "wasmbuild":
            used |= {f"wasmbuild.{a.name}" for a in node.names}
        elif isinstance(node, ast.ImportFrom | ast.Import):
            used |= resolve(node, "")
    assert top - used == set()


def test_no_module_grows_past_the_limit() -> None:
    sizes = {name: len(p.read_text().splitlines()) for name, p in modules()}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_the_layout_doc_lists_every_member_of_the_target_protocol() -> None:
    # docs/layout.md tells how to add a target from this table: it must be the real protocol.
    from wasmbuild.targets import Target

    members = {name for name in vars(Target) if not name.startswith("_")}
    members |= set(Target.__annotations__)
    doc = (Path(wasmbuild.__file__).parents[3] / "docs" / "layout.md").read_text()
    table = doc.split("## Adding a target", 1)[1].split("\n\n")[1:3]
    listed = set(re.findall(r"^\| `(\w+)", "\n\n".join(table), re.MULTILINE))
    assert listed == members


def test_no_code_outside_targets_branches_on_a_target_name() -> None:
    # What differs per target is a member of its Target: a comparison with a target's name
    # elsewhere would be a second place to edit when a target is added.
    names = "|".join(("node", "browser", "wasi"))
    pattern = re.compile(rf"""\btarget\w*(\.name)?\s*(==|!=)\s*["']({names})["']""")
    offenders = [f"{name}: {line.strip()}" for name, path in modules()
                 if not name.startswith("wasmbuild.targets")
                 for line in path.read_text().splitlines() if pattern.search(line)]
    assert offenders == []
