"""Writing tables to Excel (one sheet per table, openpyxl) and CSV (one file per table).

Both write atomically: each file is written under a temporary name in its folder and then
renamed, so an interrupted write leaves the previous file (or none), never half a file.
`Results.to_excel`, `Comparison.to_excel` and `Attribution.to_excel` (and their `to_csv`)
call these with their `tables()`.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Mapping

import pandas as pd

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(name: str) -> str:
    """A valid Excel sheet name: at most 31 characters, none of []:*?/\\."""
    return _BAD_SHEET_CHARS.sub("_", str(name))[:31] or "sheet"


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    """The index as ordinary columns and column labels as strings, so that a sheet or CSV read
    back gives the same table (`pd.read_excel(path, sheet_name=...)`)."""
    out = frame.copy()
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = ["_".join(str(p) for p in c) for c in out.columns]
    has_index = not (isinstance(out.index, pd.RangeIndex) and out.index.names == [None])
    return out.reset_index() if has_index else out


def _replace_atomically(path: Path, write) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def write_excel(path: str | os.PathLike, tables: Mapping[str, pd.DataFrame]) -> Path:
    """Write each table to its own sheet of the workbook `path` (the index as columns)."""
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        raise ImportError("to_excel needs openpyxl: apt-get install python3-openpyxl "
                          "(scripts/install-deps.sh installs it)") from None
    names = [sheet_name(n) for n in tables]
    if len(set(names)) != len(names):
        raise ValueError(f"sheet names must be unique after shortening to 31 characters: {names}")

    def write(tmp):
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, frame in zip(names, tables.values()):
                flat = _flat(frame)
                flat.to_excel(writer, sheet_name=name, index=False)
                sheet = writer.sheets[name]
                sheet.freeze_panes = "A2"
                for i, col in enumerate(flat.columns, start=1):  # wide enough for the header and values
                    cells = [str(col)] + [str(v) for v in flat[col].head(50)]
                    sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(max(map(len, cells)) + 2, 60)

    return _replace_atomically(path, write)


def write_csv(folder: str | os.PathLike, tables: Mapping[str, pd.DataFrame]) -> list[Path]:
    """Write each table to `folder/<name>.csv` (the index as columns); returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in tables.items():
        flat = _flat(frame)
        paths.append(_replace_atomically(folder / f"{name}.csv", lambda tmp: flat.to_csv(tmp, index=False)))
    return paths
