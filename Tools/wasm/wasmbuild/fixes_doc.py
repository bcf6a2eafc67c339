"""docs/emscripten-fixes.md's rule tables, generated from versions.toml.

The document's prose is written by hand; between its two markers it carries tables rendered
from the loaded rules (our fixes to the build, the Node flags, the Emscripten advisories), one
row per rule with its version range and reason, so the document and the data cannot drift.
`update` rewrites the part between the markers; `is_current` says whether it matches the data;
`generated` is the document as `invoke wasm.docs` regenerates it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from .core.errors import ConfigError
from .core.generated import Generated
from .versions.config import CHECKOUT, VERSIONS_FILE, Versions, parse_version
from .versions.rules import Advisory, EmscriptenFix, NodeFlagRule, describe_range

DOCUMENT = CHECKOUT / "docs" / "emscripten-fixes.md"
BEGIN, END = "<!-- rules:begin -->", "<!-- rules:end -->"
NOTE = f"<!-- generated from Tools/wasm/{VERSIONS_FILE.name}: edit the rules there, not here -->"


def _cell(text: str) -> str:
    """One table cell: on one line, pipes and (outside `code`) asterisks escaped, {tools} spelled
    as the folder it is."""
    text = re.sub(r"\s+", " ", text.replace("{tools}", "Tools/wasm")).replace("|", "\\|").strip()
    parts = text.split("`")
    parts[::2] = [part.replace("*", "\\*") for part in parts[::2]]
    return "`".join(parts)


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _adds(fix: EmscriptenFix) -> str:
    parts = [f"{name} `{value}`" for name, value in (("CFLAGS", fix.cflags),
                                                      ("LDFLAGS", fix.ldflags)) if value]
    if fix.configure_env:
        answers = ", ".join(f"{k}={v}" for k, v in fix.configure_env.items())
        parts.append(f"configure answers `{answers}`")
    return "; ".join(parts) or "nothing"


def _target(fix: EmscriptenFix) -> str:
    target = "CPython" if fix.applies_to == "cpython" else f"library {fix.applies_to}"
    return target + (", static builds only" if fix.linking == "static" else "")


def _fix_rows(fixes: Iterable[EmscriptenFix]) -> list[list[str]]:
    return [[f"`{f.name}`", _target(f), describe_range(f.emscripten_from, f.emscripten_below),
             _adds(f), f.why] for f in fixes]


def _pinned_rows(versions: Versions) -> tuple[list[str], list[list[str]]]:
    """Which fix each pinned Emscripten version gets."""
    pinned = sorted(versions.emscripten, key=parse_version)
    rows = [[f"`{f.name}`", *(("yes, static builds" if f.linking == "static" else "yes")
                               if f.applies(v) else "—" for v in pinned)]
            for f in versions.fixes]
    return ["fix", *pinned], rows


def _node_rows(rules: Iterable[NodeFlagRule]) -> list[list[str]]:
    return [[f"`{r.flag}`", describe_range(r.node_from, r.node_below),
             describe_range(None, r.emscripten_below), r.why] for r in rules]


def _advisory_rows(advisories: Iterable[Advisory]) -> list[list[str]]:
    return [[describe_range(None, a.below), a.problem, a.fix] for a in advisories]


def render(versions: Versions) -> str:
    """The generated part of the document: a table per kind of rule, in versions.toml's order."""
    header, pinned = _pinned_rows(versions)
    lines = [
        NOTE, "",
        "### Fixes to the build (`[[emscripten_fixes]]`)", "",
        *_table(["fix", "applies to", "Emscripten", "adds", "why"], _fix_rows(versions.fixes)),
        "", "Which fix each pinned Emscripten version gets:", "",
        *_table(header, pinned),
        "", "### Node flags (`[[node_flags]]`)", "",
        *_table(["flag", "Node", "Emscripten", "why"], _node_rows(versions.node_flag_rules)),
        "", "### Advisories (`[[emscripten_advisories]]`, shown by `invoke wasm.doctor`)", "",
        *_table(["Emscripten", "problem", "fix"], _advisory_rows(versions.advisories)),
    ]
    return "\n".join(lines)


def _split(document: Path) -> tuple[str, str, str]:
    """The text before the begin marker (with it), between the markers, and from the end marker."""
    text = document.read_text()
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ConfigError(f"{document} has no {BEGIN} ... {END} section for the rule tables",
                          fix=f"put the two markers, {BEGIN} then {END}, on lines of their own "
                          "where the tables belong, then regenerate it")
    start += len(BEGIN)
    return text[:start], text[start:end], text[end:]


def is_current(document: Path, versions: Versions) -> bool:
    """Whether the tables between the markers are what the data renders."""
    return _split(document)[1] == f"\n{render(versions)}\n"


def update(document: Path, versions: Versions) -> bool:
    """Rewrite the tables between the markers from the data; whether the document changed."""
    before, between, after = _split(document)
    text = f"{before}\n{render(versions)}\n{after}"
    if text == before + between + after:
        return False
    document.write_text(text)
    return True


def generated(versions: Versions, document: Path = DOCUMENT) -> Generated:
    """The document as `invoke wasm.docs` checks and rewrites it."""
    return Generated(document, lambda: is_current(document, versions),
                     lambda: update(document, versions))
