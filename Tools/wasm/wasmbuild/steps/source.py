"""Step 0, the CPython source: the pinned release unpacked, or a snapshot of `--source`.

Nothing is ever written into a user's tree: the build works on a copy in builddir/, refreshed
file by file, so an edit rebuilds just what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..core.stamps import file_digest, locked
from ..toolchains.context import Context
from ..toolchains.sources import fetch, sync_tree, unpack
from .base import Step, run_step


@dataclass(frozen=True)
class Source:
    tree: Path
    digest: str
    """The release's sha256, or a digest of the snapshot's listing: what a build is made from."""

    def configure_digest(self) -> str:
        configure = self.tree / "configure"
        return file_digest(configure) if configure.is_file() else "missing"


def fetch_source(ctx: Context) -> Source:
    """Unpack the pinned release, or refresh the snapshot of --source."""
    runner, cpython, dest = ctx.runner, ctx.cpython, ctx.source_dir
    if cpython.user_tree is not None:
        runner.heading(f"CPython source: snapshot of {cpython.user_tree} ({cpython.version})")
        runner.say(f"rsync -a --delete --exclude .git --exclude __pycache__ "
                   f"{cpython.user_tree}/ {runner.path(dest)}/")
        digest = "dry-run" if ctx.dry_run else sync_tree(cpython.user_tree, dest)
        return Source(dest, digest)
    release = cpython.release
    assert release is not None
    runner.heading(f"CPython source: release {cpython.version}")

    def fetch_and_unpack() -> None:
        with locked(ctx.paths.downloads / ".lock"):
            archive = fetch(release.downloads, what=f"CPython {cpython.version}",
                            downloads=ctx.paths.downloads, mirror=ctx.options.mirror,
                            runner=runner, offline=ctx.options.offline)
        runner.note(f"CPython {cpython.version} source provided by {archive.provider}"
                    f" ({archive.download.filename}, sha256 verified)")
        runner.action(f"mkdir -p {runner.path(dest)} && tar -xf {runner.path(archive.path)} "
                      f"-C {runner.path(dest)} --strip-components=1",
                      lambda: unpack(archive.path, dest))

    run_step(runner, Step("source", ctx.paths.cpython_dir(cpython.key), {"sha256": release.sha256},
                          work=[fetch_and_unpack], outputs=[dest / "configure"],
                          up_to_date=f"source: up to date in {runner.path(dest)}"))
    return Source(dest, release.sha256)

