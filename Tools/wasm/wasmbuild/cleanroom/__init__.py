"""The clean room: the README's quick start, run as written in a Debian root made from
nothing (room), and its timed report in the README (report). May import core, versions,
testing, toolchains, steps, packages, browser and targets (it uses core and toolchains).
"""
