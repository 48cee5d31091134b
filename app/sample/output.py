"""Writing the CSV files: pre-formatted lines, block by block, replaced into place when complete."""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def write_lines(path: Path, header: str, blocks: Iterable[list[str]]) -> int:
    """Write `header` and every block of newline-terminated lines to `path`; returns the number of rows.

    The file is written under a temporary name first, so an interrupted run never leaves a truncated CSV
    that looks complete.
    """
    partial = path.with_name(path.name + ".partial")
    rows = 0
    try:
        with open(partial, "w", encoding="utf-8", newline="") as out:
            out.write(header + "\n")
            for block in blocks:
                out.write("".join(block))
                rows += len(block)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return rows
