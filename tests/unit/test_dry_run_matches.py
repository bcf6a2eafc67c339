"""The dry run prints what a real run does: the same shell lines, in the same order, and every
program a real run starts (on the fake toolchain) is among the printed commands."""

from __future__ import annotations

import difflib
import io
import re

from wasmbuild import recipe

from .conftest import FakeToolchain


def shell_lines(text: str) -> list[str]:
    """The printed shell, without comments and headings (notes differ: a real run says what it
    found, a dry run what it would do)."""
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_the_dry_run_prints_the_lines_a_real_run_prints(fake: FakeToolchain) -> None:
    dry = io.StringIO()
    recipe.build_target(fake.build(out=dry, dry_run=True), "node")
    assert fake.calls() == []
    real = io.StringIO()
    recipe.build_target(fake.build(out=real), "node")
    # What only a real run can know: the machine's triple (config.guess runs on the unpacked
    # source) and the key of the stored configure answers (a digest of that source).
    triple = re.search(r"--build=(\S+)", real.getvalue().split("emconfigure", 1)[1])
    assert triple is not None
    shown = [re.sub(r"\$\(\S*config\.guess\)", triple.group(1), line)
             for line in shell_lines(dry.getvalue())]
    printed = shell_lines(real.getvalue())
    def keyless(line: str) -> str:
        line = re.sub(r"configure/[0-9a-f]{16}-", "configure/KEY-", line)
        return re.sub(r"configure-answers/[0-9a-f]{16}\.", "configure-answers/KEY.", line)

    same = [keyless(line) for line in printed], [keyless(line) for line in shown]
    assert same[0] == same[1], "\n".join(difflib.unified_diff(same[1], same[0], lineterm="", n=0))
    # Every program the real run started is on one of the printed lines, with its arguments
    # (paths are printed relative to the checkout: compared are the words that are no paths).
    started = fake.calls()
    assert len(started) > 5
    for call in started:
        words = [arg for arg in call.argv if "/" not in arg]
        assert any(call.name in line and all(word in line for word in words)
                   for line in shown), call


def test_a_first_dry_run_shows_the_cache_copy_once(fake: FakeToolchain) -> None:
    dry = io.StringIO()
    recipe.build_target(fake.build(out=dry, dry_run=True), "node")
    copies = [line for line in dry.getvalue().splitlines() if line.startswith("cp -r ")]
    assert len(copies) == 1, copies
