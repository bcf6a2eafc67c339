"""Tab completion for the line editors in front of Python: the Node runner's terminal and the
browser page. They call complete() while Python waits for a line of input, with the text
before the cursor, and show the answers as GNU readline would for CPython's REPL.

The answers are rlcompleter's (names, keywords, attributes of evaluated expressions), for the
word that ends the text: the characters after the last of readline's word delimiters, so
"os.pa" completes as a whole. After `import` and `from` they are module names instead.
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


def matches(text: str) -> tuple[str, list[str]]:
    """The word at the end of `text` and its completions."""
    if importing := _IMPORT.match(text):
        return importing.group(1), module_names(importing.group(1))
    if naming := _FROM_IMPORT.match(text):
        return naming.group(2), from_import_names(naming.group(1), naming.group(2))
    import rlcompleter

    if namespace is None:
        import __main__

        names = __main__.__dict__
    else:
        names = namespace
    word = _WORD.search(text).group()
    completer = rlcompleter.Completer(names)
    found: list[str] = []
    while len(found) < _MAX_MATCHES:
        try:
            match = completer.complete(word, len(found))
        except Exception:  # a failing __getattr__ or __dir__ completes nothing, as readline does
            break
        if match is None:
            break
        found.append(match)
    return word, found


def complete(text: str) -> str:
    """matches() as JSON, {"word": ..., "matches": [...]}, for JavaScript callers."""
    word, found = matches(text)
    return json.dumps({"word": word, "matches": found})
