"""Checks that an interpreter can run the test executor (run once per review).

Input (stdin JSON): {} (ignored).
Output (stdout JSON):
  {"executable": "/usr/bin/python3", "version": [3, 11, 7],
   "pytest": "8.3.2" | null, "coverage": "7.6.1" | null,
   "userBase": "/home/u/.local" | null}
`userBase` is set when the user site is enabled, so the sandbox (which gets a temporary
HOME) can still find packages installed with `pip install --user`.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import json
import site
import sys
from typing import Any, Dict, Optional


def version_of(module: str) -> Optional[str]:
    """The installed version, read from the package's metadata when it has some: importing
    pytest takes longer than the rest of the probe, and the probe delays the first model
    request. A module without metadata (on PYTHONPATH from a source tree) is imported."""
    try:
        if importlib.util.find_spec(module) is None:
            return None
    except Exception:  # noqa: BLE001 - any failure means "cannot use it"
        return None
    try:
        return importlib.metadata.version(module)
    except Exception:  # noqa: BLE001 - no metadata: ask the module itself
        pass
    try:
        imported = importlib.import_module(module)
    except Exception:  # noqa: BLE001
        return None
    return str(getattr(imported, "__version__", "0"))


def main() -> None:
    sys.stdin.read()
    result: Dict[str, Any] = {
        "executable": sys.executable,
        "version": list(sys.version_info[:3]),
        "pytest": version_of("pytest"),
        "coverage": version_of("coverage"),
        "userBase": site.getuserbase() if site.ENABLE_USER_SITE else None,
    }
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
