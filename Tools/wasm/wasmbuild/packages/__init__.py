"""Third-party Python packages for a build (`wasm.pip`): requirements as users write them
(requirements), where distributions come from (index: PyPI's JSON API, or a folder of files
for offline machines), choosing them for the build's own environment rather than this
machine's (resolver), and wheels read and installed (wheels). May import core, versions,
testing, toolchains and steps (it uses core and toolchains' verified downloads).
"""
