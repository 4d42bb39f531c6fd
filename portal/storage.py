"""Uploaded files behind one small interface: the filesystem now, object storage later.

Files are stored under a random key, never under the name a person gave them,
so no upload can choose where it lands or overwrite another.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Protocol


class Storage(Protocol):
    def save(self, content: bytes) -> str: ...

    def read(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


class FileStorage:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not key.isalnum():
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key[:2] / key

    def save(self, content: bytes) -> str:
        key = secrets.token_hex(20)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        temporary.write_bytes(content)
        temporary.replace(path)
        return key

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
