"""The library's shape: dependencies point one way (no import cycles), modules stay small."""

from __future__ import annotations

import ast
from pathlib import Path

import wasmbuild

PACKAGE = Path(wasmbuild.__file__).parent
MAX_LINES = 330


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def top_level_imports(path: Path) -> set[str]:
    """wasmbuild modules imported when `path` is imported (not inside functions, not only for
    type checking)."""
    tree = ast.parse(path.read_text())
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rsplit(".", 1)[0]
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")
            base = base[:len(base) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            names = [f"{target}.{a.name}" for a in node.names]
            found |= {n if (PACKAGE.parent / (n.replace(".", "/") + ".py")).exists()
                      or (PACKAGE.parent / n.replace(".", "/") / "__init__.py").exists()
                      else target for n in names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("wasmbuild"):
            found.add(node.module or "")
    return found


def test_no_import_cycles() -> None:
    graph = {module_name(p): top_level_imports(p) for p in PACKAGE.rglob("*.py")}
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
    assert "wasmbuild.context" in graph["wasmbuild.recipe"] or any(
        d.startswith("wasmbuild.context") for d in graph["wasmbuild.recipe"])


def test_no_module_grows_past_the_limit() -> None:
    sizes = {module_name(p): len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}
