"""The Temporal client every process uses: same address settings, one data converter.

The data converter is the pydantic one with every payload encrypted (infra/codec.py) and
failure messages and stack traces moved into the encrypted part of the failure, so
personal data in an error message stays out of the history as well. Failures are kept
small enough for Temporal to keep them (`BoundedFailureConverter`).
"""

import dataclasses
from typing import Any

from temporalio.api.failure.v1 import Failure
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverter, PayloadConverter
from temporalio.runtime import Runtime

from infra.codec import EncryptionCodec, KeyRing
from infra.settings import Settings

# Temporal keeps a retrying activity's last failure only up to a size (4 KB by default,
# with a warning from 2 KB: limit.mutableStateActivityFailureSize.*) and shows "Failure
# exceeds size limit." instead: an encrypted asyncpg traceback of a database outage was
# 4.3 KB. The text of a failure and its causes stays within this many bytes; encryption
# and the failure's own fields add about 240 bytes a failure, so a chain of four stays
# under the 2 KB warning.
FAILURE_TEXT_BUDGET = 1024
# Causes beyond this depth are dropped (the message says how many); the first ones name
# what went wrong.
FAILURE_CAUSES_KEPT = 3
_TRIMMED = "\n[... {} characters trimmed ...]\n"


def _trim(text: str, limit: int) -> str:
    """The head and tail of text within about `limit` bytes: where it started (our code)
    and where it was raised."""
    if len(text.encode()) <= limit:
        return text
    keep = max(limit - len(_TRIMMED), 0) // 2
    head = text.encode()[:keep].decode(errors="ignore")
    tail = text.encode()[-keep:].decode(errors="ignore") if keep else ""
    return head + _TRIMMED.format(len(text) - len(head) - len(tail)) + tail


class BoundedFailureConverter(DefaultFailureConverter):
    """The SDK's failure converter with the message and stack trace of each failure in
    its encrypted attributes (as DefaultFailureConverterWithEncodedAttributes does), with
    the chain's text trimmed to FAILURE_TEXT_BUDGET: messages first (the failure's to
    half of it, each cause's to a sixth), the stack traces share what is left, head and
    tail kept. Failures that arrive already encoded (a child's, an activity's) pass as
    they are."""

    def __init__(self) -> None:
        super().__init__(encode_common_attributes=False)

    def to_failure(
        self, exception: BaseException, payload_converter: PayloadConverter, failure: Failure
    ) -> None:
        plain = Failure()
        DefaultFailureConverter.to_failure(self._plain, exception, payload_converter, plain)
        chain = [plain]
        while chain[-1].HasField("cause") and len(chain) <= FAILURE_CAUSES_KEPT:
            chain.append(chain[-1].cause)
        dropped = 0
        if chain[-1].HasField("cause"):
            dropped = _depth(chain[-1].cause)
            chain[-1].ClearField("cause")
        for depth, link in enumerate(chain):
            if link.HasField("encoded_attributes"):
                continue  # a failure from elsewhere (a child's, an activity's): as it came
            share = FAILURE_TEXT_BUDGET if depth == 0 else FAILURE_TEXT_BUDGET // 3
            link.message = _trim(link.message, share // 2)
        if dropped:
            chain[-1].message += f" [{dropped} further causes dropped]"
        fresh = [link for link in chain if not link.HasField("encoded_attributes")]
        left = FAILURE_TEXT_BUDGET - sum(len(link.message.encode()) for link in fresh)
        for link in fresh:
            link.stack_trace = _trim(link.stack_trace, max(left, 0) // len(fresh))
            attributes: dict[str, Any] = {"message": link.message, "stack_trace": link.stack_trace}
            link.encoded_attributes.CopyFrom(payload_converter.to_payloads([attributes])[0])
            link.message = "Encoded failure"
            link.stack_trace = ""
        failure.CopyFrom(plain)

    @property
    def _plain(self) -> DefaultFailureConverter:
        """The SDK's converter, untrimmed, unencoded: it builds the chain we then trim."""
        return _PLAIN


_PLAIN = DefaultFailureConverter()


def _depth(failure: Failure) -> int:
    count = 1
    while failure.HasField("cause"):
        failure, count = failure.cause, count + 1
    return count


def converter_for(keys: KeyRing) -> DataConverter:
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(keys),
        failure_converter_class=BoundedFailureConverter,
    )


def data_converter(settings: Settings) -> DataConverter:
    """For clients, workers and replayers; fails with CodecKeyError if no keys are set."""
    return converter_for(
        KeyRing.configured(settings.codec_keys.get_secret_value(), settings.codec_key_file)
    )


async def connect(settings: Settings, runtime: Runtime | None = None) -> Client:
    """`runtime` carries the SDK's telemetry (the worker's Prometheus metrics)."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        runtime=runtime,
    )
