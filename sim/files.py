"""Writing and hashing files: the ground floor that every layer may use.

A file the simulator writes is either whole or absent: it is written under a
temporary name beside its place, flushed to disk and renamed into place, so a
crash, a full disk or Ctrl-C never leaves half a file under the real name.
Hashes are what run records, sweeps and reports list to pin their files; tables
and figures are turned into bytes here the one way that makes the same content
give the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pandas as pd


def sha256_file(path: Path) -> str:
    """The sha256 of a file's bytes, read a mebibyte at a time (tables may be larger than memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_text(text: str) -> str:
    """The sha256 of a text as the UTF-8 bytes a file of it would hold."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, flush to disk, then rename into place.

    If the write fails (a full disk, a lost permission) the temporary file is removed, so
    nothing half-written stays behind, and the error goes on to the caller.
    """
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        if err.filename is None:        # a failed write names no file; say which one it was
            raise type(err)(err.errno, err.strerror, str(path)) from None
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """`atomic_write_bytes` of a text in UTF-8, whatever the platform's default encoding."""
    atomic_write_bytes(path, text.encode("utf-8"))


def csv_text(frame: pd.DataFrame) -> str:
    """A table as CSV without its index and with newline line ends on every platform, so its hash is portable."""
    return frame.to_csv(index=False, lineterminator="\n")


def figure_png(fig) -> bytes:
    """PNG bytes with no timestamp or software tag, so the same figure gives the same bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
