"""The evidence stores (infra/evidence_store.py), each through the same interface: the
filesystem store, and the S3 store against moto's server, a real HTTP server speaking
the S3 API started from its PyPI package (no registry package ships MinIO's server).
Sealed at rest, opened byte-identical across chunk boundaries, a rotated key ring still
opens what an older key sealed, tampering is caught."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from infra.codec import KeyRing, TamperedPayloadError, UnknownKeyError, new_key
from infra.evidence_store import (
    CHUNK,
    EvidenceFiles,
    FileStore,
    S3Settings,
    S3Store,
    object_name,
)

pytestmark = pytest.mark.asyncio

OLD = KeyRing.from_pairs([("2026-05", new_key())])


def s3_settings(endpoint: str, bucket: str) -> S3Settings:
    return S3Settings(
        bucket=bucket,
        endpoint_url=endpoint,
        region="us-east-1",
        access_key_id="test",
        secret_access_key="test-secret",
        server_side_encryption="AES256",
    )


@pytest.fixture(params=["file", "s3"])
async def files(request, tmp_path: Path, s3_server: str) -> AsyncIterator[EvidenceFiles]:
    if request.param == "file":
        store = FileStore(tmp_path / "objects-root")
    else:
        store = S3Store(s3_settings(s3_server, f"evidence-{tmp_path.name.lower()[-20:]}"))
        await store.ensure_bucket()
    files = EvidenceFiles(store, OLD, tmp_path / "staging")
    yield files
    await files.close()


async def _keep(files: EvidenceFiles, content: bytes) -> str:
    staged = files.stage()
    for start in range(0, len(content), 10_000):  # in pieces, as an upload arrives
        staged.write(content[start : start + 10_000])
    sha = staged.finish()
    await files.keep(staged, object_name(sha))
    assert not staged.path.exists()
    return sha


async def _plain(files: EvidenceFiles, name: str) -> bytes:
    return b"".join([block async for block in files.open(name)])


@pytest.mark.parametrize("size", [0, 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17])
async def test_a_file_opens_byte_identical_whatever_its_size(files: EvidenceFiles, size: int):
    content = bytes(range(256)) * (size // 256) + bytes(size % 256)
    sha = await _keep(files, content)
    assert await _plain(files, object_name(sha)) == content


async def test_the_same_file_twice_is_one_sealed_object(files: EvidenceFiles) -> None:
    content = b"photo of the cracked armrest " * 1000
    first, second = await _keep(files, content), await _keep(files, content)
    assert first == second
    sealed = b"".join([block async for block in files.store.read(object_name(first))])
    assert content[:64] not in sealed  # sealed at rest
    assert b"2026-05" in sealed[:40]  # the key id is in the header


async def test_a_rotated_ring_opens_what_the_old_key_sealed_and_seals_with_the_new(
    files: EvidenceFiles,
) -> None:
    old_sha = await _keep(files, b"sealed under the old key")
    rotated = KeyRing.from_pairs([("2026-11", new_key()), ("2026-05", _encoded(OLD, "2026-05"))])
    files.keys = rotated
    assert await _plain(files, object_name(old_sha)) == b"sealed under the old key"
    new_sha = await _keep(files, b"sealed under the new key")
    sealed = b"".join([block async for block in files.store.read(object_name(new_sha))])
    assert b"2026-11" in sealed[:40]
    files.keys = KeyRing.from_pairs([("2027-01", new_key())])  # the old key removed too soon
    with pytest.raises(UnknownKeyError):
        await _plain(files, object_name(old_sha))


async def test_deleting_is_idempotent_and_a_missing_object_is_not_found(
    files: EvidenceFiles,
) -> None:
    sha = await _keep(files, b"to be deleted")
    await files.delete(sha)
    await files.delete(sha)
    assert not await files.store.exists(object_name(sha))
    with pytest.raises(FileNotFoundError):
        await _plain(files, object_name(sha))


async def test_a_tampered_or_truncated_object_does_not_open(tmp_path: Path) -> None:
    files = EvidenceFiles(FileStore(tmp_path / "root"), OLD, tmp_path / "staging")
    sha = await _keep(files, b"x" * (2 * CHUNK + 5))
    path = tmp_path / "root" / object_name(sha)
    sealed = path.read_bytes()
    path.write_bytes(sealed[:-40] + bytes([sealed[-40] ^ 1]) + sealed[-39:])
    with pytest.raises(TamperedPayloadError):
        await _plain(files, object_name(sha))
    # Cut after a whole chunk: the chunk left last was not sealed as the last one.
    header = len(sealed) - (2 * CHUNK + 5) - 3 * 16
    path.write_bytes(sealed[: header + CHUNK + 16])
    with pytest.raises(TamperedPayloadError):
        await _plain(files, object_name(sha))


async def test_the_s3_store_asks_for_server_side_encryption(s3_server: str, tmp_path: Path):
    store = S3Store(s3_settings(s3_server, "evidence-sse"))
    await store.ensure_bucket()
    files = EvidenceFiles(store, OLD, tmp_path / "staging")
    sha = await _keep(files, b"encrypted by the bucket too")
    s3 = await store._s3()
    head = await s3.head_object(Bucket="evidence-sse", Key=object_name(sha))
    assert head["ServerSideEncryption"] == "AES256"
    await files.close()


def _encoded(ring: KeyRing, key_id: str) -> str:
    import base64

    return base64.b64encode(ring.keys[key_id]).decode()
