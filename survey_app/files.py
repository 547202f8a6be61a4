"""Files written whole or not at all: into a temporary file beside the target, then renamed over
it, so that a reader (or a crash) never meets half a file."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def replace_atomically(out: Path, write: Callable[[Path], object]) -> None:
    """``write`` fills a temporary file beside ``out``, which then replaces ``out``."""
    fd, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    os.close(fd)
    try:
        write(Path(name))
        os.replace(name, out)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def write_atomic(out: Path, data: bytes) -> None:
    def write(path: Path) -> None:
        with open(path, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())

    replace_atomically(out, write)
