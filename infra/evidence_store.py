"""Where evidence files live (docs/evidence.md): one interface, two stores.

`FileStore` keeps objects under a folder (`.data/evidence`, the embedded default);
`S3Store` keeps them in an S3-compatible bucket (MinIO, Alibaba Cloud OSS, AWS S3). Both
only move sealed bytes: everything else (staging an upload while it streams in, hashing
it, sealing it, opening it again) is `EvidenceFiles`, the same code whichever store is
configured.

Objects are content-addressed: `objects/<sha256 of the plain content>`, so the same file
uploaded twice is one object. Thumbnails are `thumbnails/<sha256>`.

Sealing: AES-256-GCM with the key ring that encrypts Temporal payloads (infra/codec.py),
in 64 KiB chunks so a 4 GB video is never held whole. An object is

    MAGIC | len(key id) (1 byte) | key id | nonce prefix (7 bytes) | chunk | chunk | ...

where each chunk is at most 64 KiB of plain text sealed with the nonce `prefix | index
(4 bytes) | last (1 byte)` and the header as associated data: a chunk cannot be moved,
dropped or the object cut short without the tag failing. The key id in the header is
what lets a rotated ring (a new key in front) still open what an older key sealed.
"""

from __future__ import annotations

import abc
import contextlib
import hashlib
import os
import struct
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from infra.codec import KeyRing, TamperedPayloadError, UnknownKeyError

MAGIC = b"CDEVIDENCE1"
CHUNK = 64 * 1024
TAG = 16
PREFIX_BYTES = 7
READ_SIZE = 256 * 1024


def object_name(sha256: str) -> str:
    return f"objects/{sha256}"


def thumbnail_name(sha256: str) -> str:
    return f"thumbnails/{sha256}"


# --- sealing -------------------------------------------------------------------------


class Sealer:
    """Seals a stream written to it into a file, hashing the plain text on the way."""

    def __init__(self, keys: KeyRing, out) -> None:
        self._key_id = keys.current_id.encode()
        self._cipher = AESGCM(keys.keys[keys.current_id])
        self._prefix = os.urandom(PREFIX_BYTES)
        self._header = MAGIC + bytes([len(self._key_id)]) + self._key_id + self._prefix
        self._out = out
        self._buffer = bytearray()
        self._index = 0
        self.sha256 = hashlib.sha256()
        self.size = 0
        out.write(self._header)

    @property
    def key_id(self) -> str:
        return self._key_id.decode()

    def write(self, data: bytes) -> None:
        self.sha256.update(data)
        self.size += len(data)
        self._buffer += data
        # Strictly more than a chunk: the last chunk is sealed as last by `finish`.
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]

    def finish(self) -> str:
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()
        return self.sha256.hexdigest()

    def _seal(self, plain: bytes, *, last: bool) -> None:
        nonce = self._prefix + struct.pack(">I?", self._index, last)
        self._out.write(self._cipher.encrypt(nonce, plain, self._header))
        self._index += 1


class Opener:
    """Opens a sealed object fed to it piece by piece; `feed` gives plain text."""

    def __init__(self, keys: KeyRing) -> None:
        self._keys = keys
        self._buffer = bytearray()
        self._cipher: AESGCM | None = None
        self._header = b""
        self._prefix = b""
        self._index = 0

    def feed(self, data: bytes) -> bytes:
        self._buffer += data
        if self._cipher is None and not self._read_header():
            return b""
        out = bytearray()
        while len(self._buffer) > CHUNK + TAG:
            out += self._open(bytes(self._buffer[: CHUNK + TAG]), last=False)
            del self._buffer[: CHUNK + TAG]
        return bytes(out)

    def finish(self) -> bytes:
        if self._cipher is None and not self._read_header():
            raise TamperedPayloadError("evidence object is cut short: no header")
        plain = self._open(bytes(self._buffer), last=True)
        self._buffer.clear()
        return plain

    def _read_header(self) -> bool:
        fixed = len(MAGIC) + 1
        if len(self._buffer) < fixed:
            return False
        if bytes(self._buffer[: len(MAGIC)]) != MAGIC:
            raise TamperedPayloadError("not a sealed evidence object")
        id_len = self._buffer[len(MAGIC)]
        end = fixed + id_len + PREFIX_BYTES
        if len(self._buffer) < end:
            return False
        key_id = bytes(self._buffer[fixed : fixed + id_len]).decode(errors="replace")
        key = self._keys.keys.get(key_id)
        if key is None:
            raise UnknownKeyError(
                f"evidence sealed with codec key {key_id!r}, which this process does not have"
            )
        self._header = bytes(self._buffer[:end])
        self._prefix = self._header[-PREFIX_BYTES:]
        self._cipher = AESGCM(key)
        del self._buffer[:end]
        return True

    def _open(self, sealed: bytes, *, last: bool) -> bytes:
        assert self._cipher is not None
        nonce = self._prefix + struct.pack(">I?", self._index, last)
        try:
            plain = self._cipher.decrypt(nonce, sealed, self._header)
        except InvalidTag:
            raise TamperedPayloadError(
                f"evidence object chunk {self._index} does not authenticate"
            ) from None
        self._index += 1
        return plain


# --- the two stores ------------------------------------------------------------------


class ObjectStore(abc.ABC):
    """Sealed objects by name. Every method is idempotent."""

    @abc.abstractmethod
    async def exists(self, name: str) -> bool: ...

    @abc.abstractmethod
    async def put_file(self, name: str, path: Path) -> None:
        """Stores the file at `path` under `name`; `path` may be gone afterwards."""

    @abc.abstractmethod
    def read(self, name: str) -> AsyncIterator[bytes]:
        """The object's bytes, piece by piece; FileNotFoundError when there is none."""

    @abc.abstractmethod
    async def delete(self, name: str) -> None: ...

    async def close(self) -> None:
        return None


class FileStore(ObjectStore):
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, name: str) -> Path:
        return self.root / name

    async def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    async def put_file(self, name: str, path: Path) -> None:
        target = self._path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Atomic on one file system; a staging file elsewhere is copied beside it first.
        try:
            os.replace(path, target)
        except OSError:
            partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
            with open(path, "rb") as src, open(partial, "wb") as dst:
                while block := src.read(READ_SIZE):
                    dst.write(block)
            os.replace(partial, target)

    async def read(self, name: str) -> AsyncIterator[bytes]:
        with open(self._path(name), "rb") as file:
            while block := file.read(READ_SIZE):
                yield block

    async def delete(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(name).unlink()


@dataclass
class S3Settings:
    bucket: str
    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    # "" (none), "AES256" (the store's own keys) or "aws:kms" with a key id.
    server_side_encryption: str = ""
    kms_key_id: str = ""
    prefix: str = ""
    extra: dict = field(default_factory=dict)


class S3Store(ObjectStore):
    """An S3-compatible bucket through aioboto3 (botocore's maintained async client)."""

    def __init__(self, settings: S3Settings) -> None:
        import aioboto3

        self._settings = settings
        self._session = aioboto3.Session(
            aws_access_key_id=settings.access_key_id or None,
            aws_secret_access_key=settings.secret_access_key or None,
            region_name=settings.region or None,
        )
        self._stack: contextlib.AsyncExitStack | None = None
        self._client = None

    async def _s3(self):
        if self._client is None:
            from botocore.config import Config

            self._stack = contextlib.AsyncExitStack()
            self._client = await self._stack.enter_async_context(
                self._session.client(
                    "s3",
                    endpoint_url=self._settings.endpoint_url or None,
                    config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5}),
                )
            )
        return self._client

    def _key(self, name: str) -> str:
        return f"{self._settings.prefix}{name}"

    def _encryption(self) -> dict[str, str]:
        args: dict[str, str] = {}
        if self._settings.server_side_encryption:
            args["ServerSideEncryption"] = self._settings.server_side_encryption
            if self._settings.kms_key_id:
                args["SSEKMSKeyId"] = self._settings.kms_key_id
        return args

    async def exists(self, name: str) -> bool:
        from botocore.exceptions import ClientError

        s3 = await self._s3()
        try:
            await s3.head_object(Bucket=self._settings.bucket, Key=self._key(name))
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    async def put_file(self, name: str, path: Path) -> None:
        s3 = await self._s3()
        # upload_file streams from disk and switches to a multipart upload for large files.
        await s3.upload_file(
            str(path), self._settings.bucket, self._key(name), ExtraArgs=self._encryption()
        )

    async def read(self, name: str) -> AsyncIterator[bytes]:
        from botocore.exceptions import ClientError

        s3 = await self._s3()
        try:
            answer = await s3.get_object(Bucket=self._settings.bucket, Key=self._key(name))
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(name) from None
            raise
        body = answer["Body"]
        try:
            while block := await body.read(READ_SIZE):
                yield block
        finally:
            body.close()

    async def delete(self, name: str) -> None:
        s3 = await self._s3()
        await s3.delete_object(Bucket=self._settings.bucket, Key=self._key(name))

    async def ensure_bucket(self) -> None:
        """Creates the bucket if it is missing (make run, the tests); production's exists."""
        from botocore.exceptions import ClientError

        s3 = await self._s3()
        try:
            await s3.head_bucket(Bucket=self._settings.bucket)
        except ClientError:
            await s3.create_bucket(Bucket=self._settings.bucket)

    async def close(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
            self._stack = None
            self._client = None


# --- staging, hashing, sealing: the same for every store ------------------------------


class Staged:
    """One file as it streams in: sealed to a staging file, hashed, its head kept for
    type detection. `discard` removes what is left of it."""

    HEAD = 8192

    def __init__(self, keys: KeyRing, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(prefix="upload-", dir=folder)
        self.path = Path(name)
        self._file = os.fdopen(descriptor, "wb")
        self._sealer = Sealer(keys, self._file)
        self.head = bytearray()
        self.sha256: str | None = None

    @property
    def size(self) -> int:
        return self._sealer.size

    @property
    def key_id(self) -> str:
        return self._sealer.key_id

    def write(self, data: bytes) -> None:
        if len(self.head) < self.HEAD:
            self.head += data[: self.HEAD - len(self.head)]
        self._sealer.write(data)

    def finish(self) -> str:
        self.sha256 = self._sealer.finish()
        self._file.close()
        return self.sha256

    def discard(self) -> None:
        if not self._file.closed:
            self._file.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


class EvidenceFiles:
    """The evidence files of every case: staged, sealed and stored, opened again."""

    def __init__(self, store: ObjectStore, keys: KeyRing, staging: Path) -> None:
        self.store = store
        self.keys = keys
        self.staging = staging

    def stage(self) -> Staged:
        return Staged(self.keys, self.staging)

    async def keep(self, staged: Staged, name: str) -> None:
        """Stores a finished staged file under `name` unless the store has it already (the
        same content uploaded before), and removes the staging file."""
        try:
            if not await self.store.exists(name):
                await self.store.put_file(name, staged.path)
        finally:
            staged.discard()

    async def put_bytes(self, name: str, data: bytes) -> None:
        staged = self.stage()
        staged.write(data)
        staged.finish()
        await self.keep(staged, name)

    async def open(self, name: str) -> AsyncIterator[bytes]:
        """The plain content, piece by piece, authenticated chunk by chunk: a tampered
        object fails before its bad chunk is given out."""
        opener = Opener(self.keys)
        async for block in self.store.read(name):
            plain = opener.feed(block)
            if plain:
                yield plain
        last = opener.finish()
        if last:
            yield last

    async def read_all(self, name: str, limit: int) -> bytes:
        out = bytearray()
        async for block in self.open(name):
            out += block
            if len(out) > limit:
                raise ValueError(f"{name} is larger than {limit} bytes")
        return bytes(out)

    async def delete(self, sha256: str) -> None:
        await self.store.delete(object_name(sha256))
        await self.store.delete(thumbnail_name(sha256))

    async def close(self) -> None:
        await self.store.close()


def evidence_files(settings) -> EvidenceFiles:
    """The store the settings name, sealed with the codec keys (infra/settings.py)."""
    keys = KeyRing.configured(settings.codec_keys.get_secret_value(), settings.codec_key_file)
    staging = settings.evidence_staging_dir or settings.evidence_dir / "staging"
    store: ObjectStore
    if settings.evidence_store == "s3":
        store = S3Store(
            S3Settings(
                bucket=settings.s3_bucket,
                endpoint_url=settings.s3_endpoint_url or None,
                region=settings.s3_region or None,
                access_key_id=settings.s3_access_key_id or None,
                secret_access_key=settings.s3_secret_access_key.get_secret_value() or None,
                server_side_encryption=settings.s3_server_side_encryption,
                kms_key_id=settings.s3_kms_key_id,
            )
        )
    else:
        store = FileStore(settings.evidence_dir)
    return EvidenceFiles(store, keys, staging)
