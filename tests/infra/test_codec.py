"""The payload codec (infra/codec.py) and the data converter built on it (infra/temporal.py):
customer data is unreadable without the key, keys rotate, and failures are loud."""

from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError

from domain.models import Customer
from infra.codec import (
    ENCODING,
    KEY_ID,
    CodecKeyError,
    EncryptionCodec,
    KeyRing,
    TamperedPayloadError,
    UnknownKeyError,
    new_key,
    write_key_file,
)
from infra.settings import Settings
from infra.temporal import (
    FAILURE_CAUSES_KEPT,
    converter_for,
    data_converter,
)

OLD = f"2026-05:{new_key()}"
NEW = f"2026-11:{new_key()}"
CUSTOMER = Customer(name="Liu Yang", contact="138-0000-0000")


def _payload(text: str) -> Payload:
    return pydantic_data_converter.payload_converter.to_payload(text)


async def test_a_payload_round_trips_and_its_bytes_hide_the_customer() -> None:
    converter = converter_for(KeyRing.parse(NEW))
    [sealed] = await converter.encode([CUSTOMER])

    assert sealed.metadata["encoding"] == ENCODING
    assert sealed.metadata[KEY_ID] == b"2026-11"
    raw = sealed.SerializeToString()
    assert b"Liu Yang" not in raw and b"138-0000-0000" not in raw
    # The JSON encoding and the pydantic type travel inside the ciphertext as well.
    assert b"json" not in raw
    assert await converter.decode([sealed], [Customer]) == [CUSTOMER]


async def test_the_same_value_encrypts_differently_each_time() -> None:
    codec = EncryptionCodec(KeyRing.parse(NEW))
    first, second = await codec.encode([_payload("Liu Yang"), _payload("Liu Yang")])
    assert first.data != second.data


async def test_after_rotation_old_payloads_still_decrypt_and_new_ones_use_the_new_key() -> None:
    before = EncryptionCodec(KeyRing.parse(OLD))
    [old_sealed] = await before.encode([_payload("Liu Yang")])

    after = EncryptionCodec(KeyRing.parse(f"{NEW},{OLD}"))
    [new_sealed] = await after.encode([_payload("Liu Yang")])

    assert new_sealed.metadata[KEY_ID] == b"2026-11"
    assert await after.decode([old_sealed]) == [_payload("Liu Yang")]
    assert await after.decode([new_sealed]) == [_payload("Liu Yang")]


async def test_a_payload_under_an_unknown_key_fails_naming_the_key() -> None:
    [sealed] = await EncryptionCodec(KeyRing.parse(OLD)).encode([_payload("Liu Yang")])
    with pytest.raises(UnknownKeyError, match=r"'2026-05'.*CODEC_KEYS"):
        await EncryptionCodec(KeyRing.parse(NEW)).decode([sealed])


async def test_tampered_ciphertext_fails() -> None:
    codec = EncryptionCodec(KeyRing.parse(NEW))
    [sealed] = await codec.encode([_payload("refund CNY 1800")])
    flipped = bytearray(sealed.data)
    flipped[-1] ^= 0x01
    tampered = Payload(metadata=dict(sealed.metadata), data=bytes(flipped))
    with pytest.raises(TamperedPayloadError, match="does not authenticate"):
        await codec.decode([tampered])


async def test_a_key_with_the_right_id_but_other_bytes_is_caught_as_tampering() -> None:
    [sealed] = await EncryptionCodec(KeyRing.parse(NEW)).encode([_payload("Liu Yang")])
    impostor = EncryptionCodec(KeyRing.parse(f"2026-11:{new_key()}"))
    with pytest.raises(TamperedPayloadError):
        await impostor.decode([sealed])


async def test_payloads_written_before_encryption_pass_through() -> None:
    plain = _payload("Liu Yang")
    assert await EncryptionCodec(KeyRing.parse(NEW)).decode([plain]) == [plain]


async def test_failure_messages_and_stack_traces_are_encrypted_too() -> None:
    converter = converter_for(KeyRing.parse(NEW))
    failure = Failure()
    try:
        raise ApplicationError("customer Liu Yang, 138-0000-0000, refused", type="Refused")
    except ApplicationError as err:
        await converter.encode_failure(err, failure)

    raw = failure.SerializeToString()
    assert b"Liu Yang" not in raw and b"test_codec.py" not in raw
    assert failure.application_failure_info.type == "Refused"  # the type stays readable
    decoded = await converter.decode_failure(failure)
    assert isinstance(decoded, ApplicationError)
    assert decoded.message == "customer Liu Yang, 138-0000-0000, refused"


def test_keys_come_from_the_settings_variable_or_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "codec-keys.yaml"
    write_key_file(key_file, "local-1")
    assert key_file.stat().st_mode & 0o777 == 0o600
    from_file = data_converter(Settings(codec_key_file=key_file))
    assert from_file.payload_codec.current_key_id == "local-1"
    from_env = data_converter(Settings(codec_keys=f"{NEW},{OLD}"))
    assert from_env.payload_codec.current_key_id == "2026-11"


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ("", "no payload encryption keys"),
        ("2026-11", "id:base64key"),
        ("2026-11:not base64!", "not base64"),
        ("2026-11:c2hvcnQ=", "AES-256 needs 32"),
        (f"{NEW},{NEW}", "appears twice"),
        (f"bad id:{new_key()}", "key ID"),
    ],
)
def test_bad_key_settings_fail_before_anything_connects(keys: str, message: str) -> None:
    with pytest.raises(CodecKeyError, match=message):
        data_converter(Settings(codec_keys=keys, codec_key_file=None))


def test_both_a_key_variable_and_a_key_file_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "codec-keys.yaml"
    write_key_file(key_file, "local-1")
    with pytest.raises(CodecKeyError, match="not both"):
        data_converter(Settings(codec_keys=NEW, codec_key_file=key_file))


def _deep_failure(depth: int, message: str) -> Exception:
    """An OSError with `depth` - 1 causes, each raised from a long recursion."""

    def recurse(level: int, cause: Exception | None) -> None:
        if level == 0:
            raise OSError(message) from cause
        recurse(level - 1, cause)

    error: Exception | None = None
    for _ in range(depth):
        try:
            recurse(40, error)
        except OSError as raised:
            error = raised
    assert error is not None
    return error


async def test_a_long_failure_is_trimmed_to_what_temporal_keeps_and_says_what_failed() -> None:
    converter = converter_for(KeyRing.parse(NEW))
    error = _deep_failure(6, "connection to the database was lost " + "x" * 3000)
    failure = Failure()
    await converter.encode_failure(error, failure)
    # Temporal keeps a retrying activity's last failure only under 4 KB, warning from 2 KB.
    assert failure.ByteSize() < 2048, failure.ByteSize()

    decoded = await converter.decode_failure(failure)
    assert decoded.message.startswith("connection to the database was lost")
    assert "characters trimmed" in decoded.message
    assert "further causes dropped" in str(_last_cause(decoded))
    causes, cause = 0, decoded.__cause__
    while cause is not None:
        causes, cause = causes + 1, cause.__cause__
    assert causes == FAILURE_CAUSES_KEPT


def _last_cause(error: BaseException) -> BaseException:
    while error.__cause__ is not None:
        error = error.__cause__
    return error


async def test_a_short_failure_is_kept_whole() -> None:
    converter = converter_for(KeyRing.parse(NEW))
    failure = Failure()
    try:
        raise ApplicationError("role staff may not approve a remedy", type="RoleNotAllowed")
    except ApplicationError as err:
        await converter.encode_failure(err, failure)
    decoded = await converter.decode_failure(failure)
    assert decoded.message == "role staff may not approve a remedy"
