"""CPython's test suite and the limits probe, whatever they run in: the modules of a tree
(test_modules), running them sharded (testsuite), what regrtest reports for one module
(regrtest_report), expected results and the verdict (expectations), and Lib/wasm_limits.py's
checks (limits). The targets plug in from above. May import core and versions.
"""
