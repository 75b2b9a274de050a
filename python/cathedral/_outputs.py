"""Output folders of the command line (docs/limits.md, "CLI outputs").

A command checks its folder before it simulates, writes every file into a staging folder
inside it, and moves them into place only when all were written: a failure (a full disk,
Ctrl-C, an error in a plot) leaves the folder as it was. Existing files are replaced only
with --force; each file is replaced by a rename, so a reader never sees half a file.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


class OutputError(ValueError):
    """The output folder cannot take the files (exists as a file, not writable, files in the way)."""


class Outputs:
    """Files written together into `folder`: `path(name)` gives where to write each one."""

    def __init__(self, folder, names: list[str] | tuple[str, ...] = (), *, force: bool = False):
        self.folder = Path(os.fspath(folder))
        if "\0" in str(self.folder):
            raise OutputError("--out: must not contain a NUL character")
        self.force = force
        self.names = list(names)
        self.staging: Path | None = None
        self.check()

    def _in_the_way(self, names) -> list[str]:
        return [n for n in names if (self.folder / n).exists()]

    def check(self) -> None:
        """Before any work: the folder can be made and written, and (without --force) holds none of the files."""
        if self.folder.exists() and not self.folder.is_dir():
            raise OutputError(f"{self.folder}: exists and is not a folder; choose another --out")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            probe = tempfile.NamedTemporaryFile(dir=self.folder, prefix=".cathedral-probe-", delete=True)
            probe.close()
        except OSError as e:
            raise OutputError(f"{self.folder}: cannot write there ({e.strerror or e})") from None
        taken = self._in_the_way(self.names)
        if taken and not self.force:
            raise OutputError(f"{self.folder}: would overwrite {', '.join(taken)}; pass --force to replace "
                              f"them, or choose another --out")

    def __enter__(self) -> "Outputs":
        self.staging = Path(tempfile.mkdtemp(dir=self.folder, prefix=".cathedral-partial-"))
        return self

    def path(self, name: str) -> Path:
        """Where to write `name` now (inside the staging folder)."""
        assert self.staging is not None, "use Outputs as a context manager"
        return self.staging / name

    def __exit__(self, kind, value, tb) -> None:
        try:
            if kind is None:
                self._commit()
        finally:
            shutil.rmtree(self.staging, ignore_errors=True)

    def _commit(self) -> None:
        written = sorted(p.relative_to(self.staging) for p in self.staging.rglob("*") if p.is_file())
        taken = self._in_the_way(str(n) for n in written)
        if taken and not self.force:
            raise OutputError(f"{self.folder}: would overwrite {', '.join(taken)}; pass --force to replace "
                              f"them, or choose another --out")
        for name in written:
            target = self.folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.staging / name, target)  # atomic on one file system
        self.names = [str(n) for n in written]
