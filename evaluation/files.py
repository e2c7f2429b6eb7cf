"""Writing output files whole or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing(path: str | Path, *, suffix: str = "") -> Iterator[Path]:
    """A temporary file beside ``path`` to write; when the block ends without error
    it replaces ``path`` (one rename: a reader never sees half a file), with the
    permissions of any file the user writes (``mkstemp`` makes it owner-only). On an
    error the temporary file is removed and ``path`` is left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}-", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
