"""The agent-based model: its parts, the compiled order of the day, and the Mesa model that runs a replicate.

The rules are compiled by numba on first use and the machine code is kept on
disk, so later processes start at once. Numba checks a cached function against
its own source file only, not against the files it calls into; the cache
therefore lives in a folder named for the hash of every source file the
compiled rules depend on, and any change to them compiles afresh
(`compiled_code_folder`).
"""

import hashlib
import os
import sys
import tempfile
from pathlib import Path

import numba

_PACKAGE = Path(__file__).resolve().parent.parent
# Every file whose code or constants the compiled rules read.
_SOURCES = (*sorted((_PACKAGE / "model").glob("*.py")), _PACKAGE / "config" / "schema.py", _PACKAGE / "units.py")


def compiled_code_folder() -> Path:
    """Where compiled rules are cached: a folder per version of their sources, numba and Python.

    Set SIM_COMPILED_CACHE to choose the parent folder (default: the user's cache folder, or a temporary
    folder where that cannot be written)."""
    digest = hashlib.sha256(f"{numba.__version__} {sys.version}".encode())
    for path in _SOURCES:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    default = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "iraq-insurgency-sim" / "compiled"
    for parent in (Path(os.environ.get("SIM_COMPILED_CACHE") or default), Path(tempfile.gettempdir()) / "sim-compiled"):
        folder = parent / digest.hexdigest()[:16]
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK):
            return folder
    raise OSError("no writable folder for the compiled model: set SIM_COMPILED_CACHE to a folder you can write")


numba.config.CACHE_DIR = str(compiled_code_folder())

from sim.model.model import InsurgencyModel, ReplicateOutcome  # noqa: E402 (after the cache is placed)

__all__ = ["InsurgencyModel", "ReplicateOutcome"]
