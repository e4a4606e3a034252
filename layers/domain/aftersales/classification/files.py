"""Files shipped inside the package, read with plain ``open``.

Why not ``importlib.resources``: importing it (pathlib, tempfile, typing…) costs ~20 ms of
every cold start, and the package is always installed as a directory (site-packages,
Lambda layer), never zipped.
"""

from __future__ import annotations

import os

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.path.join(PACKAGE_DIR, "data")


def read_bytes(name: str, folder: str = DATA_DIR) -> bytes:
    with open(os.path.join(folder, name), "rb") as fh:
        return fh.read()


def read_text(name: str, folder: str = DATA_DIR) -> str:
    return read_bytes(name, folder).decode("utf-8")
