"""Tools/wasm/versions.toml read once into frozen dataclasses and checked: the data (config),
whose dataclasses are its schema, read by one generic reader (schema); the rules that depend
on version numbers (rules), the test matrix (matrix), the WASI tables (wasi_config) and the
build profiles (profiles). Pure data: no processes, no downloads. May import core.
"""
