"""Encryption of every Temporal payload: customer personal data stays confidential in
Temporal's history, visibility store and backups (DOMAIN section 8).

Each payload is serialised whole (its metadata says what it holds: JSON, the pydantic
type) and sealed with AES-256-GCM under the current key. The sealed payload's metadata
names only the encoding and the key ID; its data is a fresh 12-byte nonce followed by
the ciphertext, the key ID bound in as associated data.

Keys come from `CODEC_KEYS` (`id:base64key,id:base64key`) or `CODEC_KEY_FILE` (YAML, see
`KeyRing.from_file`); the first key encrypts, every key decrypts, so a new key is added
in front and an old one removed only once no history needs it (docs/deployment.md).
Payloads without our encoding (histories written before encryption) pass through.

`redact_payload` is what the codec server gives those who may not see personal data:
the decrypted payload with the fields the models mark personal replaced.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from domain.personal_data import REDACTED, Catalogue, scrub_message

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12
_KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class CodecKeyError(ValueError):
    """The key configuration is missing or malformed."""


class UnknownKeyError(ValueError):
    """A payload was encrypted with a key this process does not have."""


class TamperedPayloadError(ValueError):
    """A payload's ciphertext does not authenticate under its key."""


def _parse_key(key_id: str, encoded: str) -> bytes:
    if not _KEY_ID_PATTERN.match(key_id):
        raise CodecKeyError(f"codec key ID {key_id!r}: use 1-64 letters, digits, '.', '_' or '-'")
    try:
        key = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError) as err:
        raise CodecKeyError(f"codec key {key_id!r} is not base64: {err}") from None
    if len(key) != KEY_BYTES:
        raise CodecKeyError(f"codec key {key_id!r} has {len(key)} bytes; AES-256 needs {KEY_BYTES}")
    return key


@dataclass(frozen=True)
class KeyRing:
    """Named keys; `current_id` is the one new payloads are encrypted with."""

    current_id: str
    keys: dict[str, bytes]

    @classmethod
    def from_pairs(cls, pairs: Sequence[tuple[str, str]]) -> KeyRing:
        if not pairs:
            raise CodecKeyError("no codec keys given")
        keys: dict[str, bytes] = {}
        for key_id, encoded in pairs:
            if key_id in keys:
                raise CodecKeyError(f"codec key ID {key_id!r} appears twice")
            keys[key_id] = _parse_key(key_id, encoded)
        return cls(current_id=pairs[0][0], keys=keys)

    @classmethod
    def parse(cls, text: str) -> KeyRing:
        """`id1:base64key,id2:base64key`, the first being the current key."""
        pairs = []
        for item in filter(None, (part.strip() for part in text.split(","))):
            key_id, sep, encoded = item.partition(":")
            if not sep:
                raise CodecKeyError("CODEC_KEYS entries are written id:base64key")
            pairs.append((key_id.strip(), encoded))
        return cls.from_pairs(pairs)

    @classmethod
    def from_file(cls, path: Path) -> KeyRing:
        """A YAML file, the first key being the current one:

        keys:
          - id: 2026-11
            key: <base64 of 32 random bytes>
          - id: 2026-05       # older: still decrypts what it encrypted
            key: <...>
        """
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as err:
            raise CodecKeyError(f"cannot read codec key file {path}: {err}") from None
        entries = raw.get("keys") if isinstance(raw, dict) else None
        if not isinstance(entries, list) or not all(
            isinstance(entry, dict) and {"id", "key"} <= entry.keys() for entry in entries
        ):
            raise CodecKeyError(f"{path}: expected `keys:` as a list of {{id, key}} entries")
        return cls.from_pairs([(str(entry["id"]), str(entry["key"])) for entry in entries])

    @classmethod
    def configured(cls, keys: str, key_file: Path | None) -> KeyRing:
        """From the settings: exactly one of CODEC_KEYS and CODEC_KEY_FILE."""
        if keys.strip() and key_file is not None:
            raise CodecKeyError("set CODEC_KEYS or CODEC_KEY_FILE, not both")
        if keys.strip():
            return cls.parse(keys)
        if key_file is not None:
            return cls.from_file(key_file)
        raise CodecKeyError(
            "no payload encryption keys: set CODEC_KEYS (id:base64key,...) or "
            "CODEC_KEY_FILE (make run creates .data/codec-keys.yaml)"
        )


def new_key() -> str:
    """A fresh random key, base64, for a key file or CODEC_KEYS."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def write_key_file(path: Path, key_id: str) -> None:
    """A key file with one fresh key, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (
        "# Payload encryption keys (infra/codec.py); the first encrypts, all decrypt.\n"
        "# A secret: never commit it. Losing it makes the encrypted histories unreadable.\n"
        f"keys:\n  - id: {key_id}\n    key: {new_key()}\n"
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)


class EncryptionCodec(PayloadCodec):
    """AES-GCM over whole payloads; see the module docstring for the format."""

    def __init__(self, keys: KeyRing) -> None:
        self._current_id = keys.current_id
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.keys.items()}

    @property
    def current_key_id(self) -> str:
        return self._current_id

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        cipher = self._ciphers[self._current_id]
        associated = self._current_id.encode()
        sealed = []
        for payload in payloads:
            nonce = os.urandom(NONCE_BYTES)
            data = nonce + cipher.encrypt(nonce, payload.SerializeToString(), associated)
            sealed.append(
                Payload(
                    metadata={"encoding": ENCODING, KEY_ID: associated},
                    data=data,
                )
            )
        return sealed

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._open(payload) for payload in payloads]

    def _open(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload  # written before encryption, or never encrypted: as it is
        key_id = payload.metadata.get(KEY_ID, b"").decode(errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            known = ", ".join(sorted(self._ciphers))
            raise UnknownKeyError(
                f"payload encrypted with codec key {key_id!r}, which this process does not "
                f"have (it has {known}); add that key to CODEC_KEYS or CODEC_KEY_FILE"
            )
        nonce, ciphertext = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        try:
            plain = cipher.decrypt(nonce, ciphertext, key_id.encode())
        except InvalidTag:
            raise TamperedPayloadError(
                f"payload encrypted with codec key {key_id!r} does not authenticate: "
                "it was altered, or the key with that ID is not the one that encrypted it"
            ) from None
        return Payload.FromString(plain)


# --- what a reader without a personal-data role gets ----------------------------------

# Temporal's own message for the Web UI's "current details" and the query list: the SDK
# writes it, our workflows' narrative fills it, and it holds no personal data by design.
_SAFE_PROTOBUF = frozenset({b"temporal.api.sdk.v1.WorkflowMetadata"})
# What DefaultFailureConverterWithEncodedAttributes moves into an encrypted payload.
_FAILURE_KEYS = frozenset({"message", "stack_trace"})


def redact_payload(payload: Payload, catalogue: Catalogue) -> Payload:
    """A decoded payload as an engineer sees it: JSON with every field the models mark
    personal replaced by `REDACTED` (domain/personal_data.py); what cannot be read as
    JSON is replaced whole."""
    encoding = payload.metadata.get("encoding", b"")
    if encoding == b"binary/null":
        return payload
    if encoding == b"json/protobuf" and payload.metadata.get("messageType") in _SAFE_PROTOBUF:
        return payload
    if encoding in (b"json/plain", b"json/protobuf"):
        try:
            value = json.loads(payload.data)
        except ValueError:
            value = None
        else:
            if isinstance(value, dict) and value and set(value) <= _FAILURE_KEYS:
                redacted: Any = {key: scrub_message(str(text)) for key, text in value.items()}
            else:
                redacted = catalogue.redact(value)
            data = json.dumps(redacted, ensure_ascii=False, separators=(",", ":")).encode()
            return Payload(metadata=dict(payload.metadata), data=data)
    return Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(REDACTED).encode())
