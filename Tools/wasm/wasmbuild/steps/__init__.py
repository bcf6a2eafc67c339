"""The recipe's steps, one module each (source, native, cross, deps, ports, answers,
wasi_build), the step runner they all go through (base), and what only steps share: a step run
in a thread beside the others (beside), stored configure answers (configcache) and the ctypes
export list (exports, also a script that imports nothing of wasmbuild). recipe.py says in which
order they run. May import core, versions, testing and toolchains.
"""
