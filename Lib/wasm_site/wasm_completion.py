"""Tab completion for the line editors in front of Python: the Node runner's terminal and the
browser page. They call complete() while Python waits for a line of input, with the text
before the cursor, and show the answers as GNU readline would for CPython's REPL.

The answers are those rlcompleter gives (keywords, names, attributes, "(" after callables; the
browser build's stdlib has no rlcompleter, so they are found here), for the word that ends
the text: the characters after the last of readline's word delimiters, so "os.pa" completes
as a whole. After `import` and `from` they are module names instead.
"""

import json
import re

# GNU readline's word delimiters as CPython's readline module sets them.
_WORD = re.compile(r"[^ \t\n`~!@#$%^&*()\-=+\[{\]}\\|;:'\",<>/?]*\Z")
_MAX_MATCHES = 1000

namespace = None
"""The names completed; None means __main__'s (the REPL's). A console with its own
namespace (the page's) sets it."""


# `import a.b`, `import a, b`, `from a.b` (a module name is being typed), and
# `from a import b` (a name in module a, which may be a submodule).
_IMPORT = re.compile(r"\s*(?:import\s+(?:[\w.]+\s*,\s*)*|from\s+)([\w.]*)\Z")
_FROM_IMPORT = re.compile(r"\s*from\s+([\w.]+)\s+import\s+(?:\w+\s*,\s*)*(\w*)\Z")


def module_names(prefix: str) -> list[str]:
    """Importable modules whose dotted name starts with `prefix` (a package's submodules once
    the prefix has a dot, which imports the package, as `import` would)."""
    import pkgutil
    import sys

    package, _, start = prefix.rpartition(".")
    if package:
        try:
            path = __import__(package, fromlist=["_"]).__path__
        except (ImportError, AttributeError):
            return []
        found = {info.name for info in pkgutil.iter_modules(path)}
        return sorted(f"{package}.{name}" for name in found if name.startswith(start))
    found = {info.name for info in pkgutil.iter_modules()}
    found.update(sys.builtin_module_names)
    return sorted(name for name in found if name.startswith(start)
                  and (start.startswith("_") or not name.startswith("_")))


def from_import_names(module: str, start: str) -> list[str]:
    """What `from module import <start>` can name: its public names and submodules."""
    try:
        found = set(dir(__import__(module, fromlist=["_"])))
    except Exception:
        return []
    found.update(name.rpartition(".")[2] for name in module_names(module + "."))
    return sorted(name for name in found if name.startswith(start)
                  and (start.startswith("_") or not name.startswith("_")))


def _public(name: str, start: str) -> bool:
    return name.startswith(start) and (start.startswith("_") or not name.startswith("_"))


def _with_call(name: str, value: object) -> str:
    return name + "(" if callable(value) else name


def attribute_names(expression: str, start: str, names: dict) -> list[str]:
    """`expression.<start>` completions. Only a dotted name is evaluated, so a Tab never calls
    a function (rlcompleter evaluates any expression before the dot)."""
    if not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", expression):
        return []
    head, *rest = expression.split(".")
    import builtins

    try:
        value = names[head] if head in names else getattr(builtins, head)
        for part in rest:
            value = getattr(value, part)
        found = dir(value)
    except Exception:  # a missing name, a failing __getattr__ or __dir__: nothing to offer
        return []
    result = []
    for name in sorted(n for n in found if _public(n, start)):
        try:
            result.append(f"{expression}.{_with_call(name, getattr(value, name))}")
        except Exception:
            result.append(f"{expression}.{name}")
    return result


def global_names(start: str, names: dict) -> list[str]:
    """Keywords, then the namespace's and the builtins' names, as rlcompleter offers them."""
    import builtins
    import keyword

    found = [word + (" " if word not in ("True", "False", "None", "pass", "break", "continue",
                                         "else", "finally", "try") else "")
             for word in keyword.kwlist if word.startswith(start)]
    seen = set(keyword.kwlist)
    for source in (names, vars(builtins)):
        for name, value in sorted(source.items()):
            if name not in seen and _public(name, start):
                seen.add(name)
                found.append(_with_call(name, value))
    return found


def matches(text: str) -> tuple[str, list[str]]:
    """The word at the end of `text` and its completions."""
    if importing := _IMPORT.match(text):
        return importing.group(1), module_names(importing.group(1))
    if naming := _FROM_IMPORT.match(text):
        return naming.group(2), from_import_names(naming.group(1), naming.group(2))
    if namespace is None:
        import __main__

        names = __main__.__dict__
    else:
        names = namespace
    word = _WORD.search(text).group()
    if not word.strip():
        return word, []  # nothing typed yet: no completion (the editors indent instead)
    if "." in word:
        expression, _, start = word.rpartition(".")
        found = attribute_names(expression, start, names)
    else:
        found = global_names(word, names)
    return word, found[:_MAX_MATCHES]


def complete(text: str) -> str:
    """matches() as JSON, {"word": ..., "matches": [...]}, for JavaScript callers."""
    word, found = matches(text)
    return json.dumps({"word": word, "matches": found})


def keep_history(_: str = "") -> str:
    """Write the REPL's history file now. The page calls this after each entered line: its
    Python never exits, so the history PyREPL writes at exit would never be written, and the
    page keeps the home folder (and ~/.python_history in it) across reloads."""
    import sys

    readline = sys.modules.get("_pyrepl.readline")
    if readline is None:
        return "no PyREPL"
    try:
        readline.write_history_file()
    except OSError as error:
        return f"not kept: {error}"
    return "kept"
