"""The mechanics everything else stands on, knowing nothing of versions, tools or targets but
the targets' names: expected failures and their exit codes (errors), process trees (procs),
commands as data and the runner that shows and runs them (shell), stamps and locks (stamps),
documents with parts written from data (generated), and where things live (layout, which also
defines CHECKOUT, TOOLS_WASM and the target names). May import the standard library only.
"""
