"""The mechanics everything else stands on, knowing nothing of versions, tools or targets:
expected failures and their exit codes (errors), process trees (procs), commands as data and
the runner that shows and runs them (shell), stamps and locks (stamps), and where things live
(layout, which also defines CHECKOUT and TOOLS_WASM). May import the standard library only.
"""
