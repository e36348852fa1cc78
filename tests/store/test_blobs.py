from __future__ import annotations

import hashlib

import pytest

from sitewarden.store.blobs import BlobError, BlobStore


def test_put_is_content_addressed_and_write_once(tmp_path) -> None:
    blobs = BlobStore(tmp_path / "ev")
    digest = blobs.put(b"<html>evidence</html>")
    assert digest == hashlib.sha256(b"<html>evidence</html>").hexdigest()
    assert blobs.put(b"<html>evidence</html>") == digest
    assert blobs.get(digest) == b"<html>evidence</html>"
    path = tmp_path / "ev" / digest[:2] / digest[2:4] / digest
    assert oct(path.stat().st_mode & 0o777) == "0o444"
    assert list(blobs) == [digest]
    assert not list(tmp_path.glob("ev/**/.tmp-*"))


@pytest.mark.parametrize("name", ["../../etc/passwd", "ABC", "a" * 63, "g" * 64, "/" + "a" * 63])
def test_names_never_come_from_user_input(tmp_path, name: str) -> None:
    blobs = BlobStore(tmp_path / "ev")
    with pytest.raises(BlobError):
        blobs.get(name)


def test_verify_finds_changed_content(tmp_path) -> None:
    blobs = BlobStore(tmp_path / "ev")
    good, bad = blobs.put(b"one"), blobs.put(b"two")
    path = tmp_path / "ev" / bad[:2] / bad[2:4] / bad
    path.chmod(0o644)
    path.write_bytes(b"tampered")
    problems = list(blobs.verify())
    assert [p.sha256 for p in problems] == [bad]
    assert good not in [p.sha256 for p in problems]


def test_missing_blob_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(BlobError, match="no evidence blob"):
        BlobStore(tmp_path / "ev").get("0" * 64)
