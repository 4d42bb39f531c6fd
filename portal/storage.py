"""Uploaded files behind one small interface: the filesystem now, object storage later.

Files are stored under a random key, never under the name a person gave them,
so no upload can choose where it lands or overwrite another.

A file belongs to the row that names its key, so it follows that row's transaction
(`save_within`, `delete_after_commit`): a file saved in a transaction that rolls back is
deleted again, and a file whose row is deleted goes only once the deletion is committed.
Neither leaves a row without its file or a file without its row.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Protocol

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)


class FileUnavailable(Exception):
    """A row names a stored file that is not there, or not the one kept (casework.documents.Altered):
    it is never handed out; the person is told so, and the operator finds the key in the log."""


class Storage(Protocol):
    def save(self, content: bytes) -> str: ...

    def read(self, key: str) -> bytes: ...  # FileUnavailable when there is no such file

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
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise FileUnavailable(f"stored file {key} is missing") from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


# ------------------------------------------------------------------ files that follow a transaction

_SAVED = "storage_saved"  # session.info: (storage, key) written in the open transaction
_DELETED = "storage_deleted"  # session.info: (storage, key) to delete once it commits


def save_within(db: AsyncSession, storage: Storage, content: bytes) -> str:
    """Save a file for a row written in `db`'s transaction: deleted again if that transaction rolls back."""
    key = storage.save(content)
    db.sync_session.info.setdefault(_SAVED, []).append((storage, key))
    return key


def delete_after_commit(db: AsyncSession, storage: Storage, key: str) -> None:
    """Delete a file whose row is deleted in `db`'s transaction, once that transaction has committed."""
    db.sync_session.info.setdefault(_DELETED, []).append((storage, key))


def _delete_quietly(files: list[tuple[Storage, str]], why: str) -> None:
    for storage, key in files:
        try:
            storage.delete(key)
        except OSError:
            # The transaction's outcome stands; a file left over is found by its missing row.
            log.exception("could not delete stored file %s (%s)", key, why)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_SAVED, None)  # committed: their rows now hold them
    _delete_quietly(session.info.pop(_DELETED, []), "its row was deleted")


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None or transaction.nested:
        return
    # Still here after the outermost transaction ended: it did not commit.
    session.info.pop(_DELETED, None)
    _delete_quietly(session.info.pop(_SAVED, []), "its transaction rolled back")
