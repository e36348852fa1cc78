"""Evidence store: content-addressed by SHA-256, write-once, paths derived only from the hash."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_HEX64 = re.compile(r"[0-9a-f]{64}")


class BlobError(Exception):
    pass


@dataclass(frozen=True)
class BlobProblem:
    sha256: str
    problem: str


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str) -> Path:
        if not _HEX64.fullmatch(sha256):
            raise BlobError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        """Store bytes once; a second put of the same content is a no-op. Returns the hex digest."""
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if path.exists():
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o444)
            os.replace(tmp, path)
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, sha256: str) -> bytes:
        path = self._path(sha256)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise BlobError(f"no evidence blob {sha256}") from None

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).exists()

    def __iter__(self) -> Iterator[str]:
        for path in sorted(self.root.glob("??/??/*")):
            if _HEX64.fullmatch(path.name):
                yield path.name

    def verify(self) -> Iterator[BlobProblem]:
        """Re-hash every blob; yields each whose content no longer matches its name."""
        for digest in self:
            data = self._path(digest).read_bytes()
            actual = hashlib.sha256(data).hexdigest()
            if actual != digest:
                yield BlobProblem(digest, f"content hashes to {actual}")
