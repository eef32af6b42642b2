"""The Temporal client every process uses: same address settings, one data converter.

The data converter is the pydantic one with every payload encrypted (infra/codec.py) and
failure messages and stack traces moved into the encrypted part of the failure, so
personal data in an error message stays out of the history as well.
"""

import dataclasses

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.runtime import Runtime

from infra.codec import EncryptionCodec, KeyRing
from infra.settings import Settings


def converter_for(keys: KeyRing) -> DataConverter:
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(keys),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
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
