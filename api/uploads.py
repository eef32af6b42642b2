"""Reading a multipart upload as a stream (python-multipart's parser over Starlette's
request.stream()): each file is sealed to a staging file as its bytes arrive, its size
limit checked on every piece and its type read from its first bytes, so a 4 GB video is
never held in memory and a too-large or disguised file is refused as soon as it shows.

Form fields apply to the files after them, as a browser sends a form in its order:
`kind` (required before the first file), `caption`, `taken_at`, `taken_by`, `process`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import filetype
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from api.errors import Problem
from domain.evidence import EvidenceKind, EvidencePolicy, too_large, type_refusal
from domain.processes import ProcessKind
from domain.strict import NUL, Moment
from infra.evidence import NewEvidence
from infra.evidence_store import EvidenceFiles, Staged

FIELDS = {"kind": 20, "caption": 2000, "taken_at": 40, "taken_by": 200, "process": 20}
# What browsers and tools call some types that the content detector names otherwise.
ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "audio/wav": "audio/x-wav",
    "audio/wave": "audio/x-wav",
    "audio/mp3": "audio/mpeg",
    "audio/x-m4a": "audio/mp4",
    "audio/m4a": "audio/mp4",
    "video/avi": "video/x-msvideo",
    "application/x-pdf": "application/pdf",
}
_MOMENT = TypeAdapter(Moment)


def invalid(field: str, msg: str, kind: str = "value_error") -> RequestValidationError:
    return RequestValidationError([{"type": kind, "loc": ["body", field], "msg": msg}])


def detect(head: bytes) -> str | None:
    guess = filetype.guess(bytes(head))
    return guess.mime if guess is not None else None


class UploadReader:
    """Feeds the request's pieces to the parser; `items` are the files, all checked."""

    def __init__(
        self,
        content_type: str,
        policy: EvidencePolicy,
        files: EvidenceFiles,
        *,
        extra_fields: dict[str, int] | None = None,
        require_file: bool = True,
        max_files: int | None = None,
    ) -> None:
        """`extra_fields` (name: longest text): a form's own fields beside the files (the
        customer's complaint page, docs/customer-page.md), kept in `extra` as text; with
        `require_file` False a form may come without a file."""
        kind, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise Problem(
                "UnsupportedMedia",
                "evidence is uploaded as multipart/form-data / 证据须以 multipart/form-data 上传",
            )
        self._policy = policy
        self._files = files
        self._extra_limits = extra_fields or {}
        self._require_file = require_file
        self._max_files = min(policy.max_files_per_upload, max_files or policy.max_files_per_upload)
        self.extra: dict[str, str] = {}
        self._fields: dict[str, Any] = {}
        self.items: list[NewEvidence] = []
        self._staged: list[Staged] = []
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[str, bytes] = {}
        self._part_name = ""
        self._field: bytearray | None = None
        self._file: NewEvidence | None = None
        self._declared: str | None = None
        self._checked = False
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": lambda d, s, e: self._header_field.extend(d[s:e]),
                "on_header_value": lambda d, s, e: self._header_value.extend(d[s:e]),
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
            },
        )

    def feed(self, data: bytes) -> None:
        try:
            self._parser.write(data)
        except FormParserError as err:
            raise Problem("UnreadableBody", f"not a readable multipart body: {err}") from None

    def close(self) -> None:
        try:
            self._parser.finalize()
        except FormParserError as err:
            raise Problem("UnreadableBody", f"not a readable multipart body: {err}") from None
        if self._file is not None or self._field is not None:
            raise invalid("file", "the upload ended inside a part", "missing")
        if not self.items and self._require_file:
            raise invalid("file", "no file in the upload / 没有上传文件", "missing")

    def discard(self) -> None:
        for staged in self._staged:
            staged.discard()

    # --- parser callbacks (synchronous; a refusal raised here ends the upload) ---------

    def _part_begin(self) -> None:
        self._headers = {}
        self._part_name = ""
        self._field = None
        self._file = None

    def _header_end(self) -> None:
        self._headers[bytes(self._header_field).decode("latin-1").lower()] = bytes(
            self._header_value
        )
        self._header_field.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get("content-disposition", b""))
        self._part_name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if filename == b"" and self._extra_limits:
            return  # a form's file input left empty: a browser sends it with no name
        if filename is None:
            if self._part_name not in FIELDS and self._part_name not in self._extra_limits:
                raise invalid(self._part_name or "?", "not a field of an upload", "extra_forbidden")
            self._field = bytearray()
            return
        if len(self.items) >= self._max_files:
            raise Problem(
                "TooLarge",
                f"at most {self._max_files} files an upload"
                f" / 每次最多上传 {self._max_files} 个文件",
            )
        if "kind" not in self._fields:
            raise invalid("kind", "give the kind before the files it applies to", "missing")
        declared = self._headers.get("content-type", b"").decode("latin-1").split(";")[0]
        declared = declared.strip().lower()
        self._declared = ALIASES.get(declared, declared) or None
        self._checked = False
        staged = self._files.stage()
        self._staged.append(staged)
        name = filename.decode("utf-8", "replace").replace(NUL, "")[-255:]
        self._file = NewEvidence(
            staged=staged,
            kind=self._fields["kind"].value,
            caption=self._fields.get("caption", ""),
            file_name=name,
            taken_at=self._fields.get("taken_at"),
            taken_by=self._fields.get("taken_by", ""),
            process=self._fields.get("process"),
            media_type="",
            evidence_id=uuid.uuid4(),
        )

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        piece = data[start:end]
        if self._field is not None:
            self._field += piece
            if len(self._field) > self._limit(self._part_name) * 4:
                raise invalid(self._part_name, "too long", "string_too_long")
            return
        item = self._file
        if item is None:
            return
        kind = EvidenceKind(item.kind)
        why = too_large(self._policy, kind, item.staged.size + len(piece))
        if why:
            raise Problem("TooLarge", why)
        item.staged.write(piece)
        if not self._checked and len(item.staged.head) >= Staged.HEAD:
            self._check_type(item)

    def _part_end(self) -> None:
        if self._field is not None:
            self._set_field(self._part_name, bytes(self._field))
            self._field = None
            return
        item = self._file
        if item is None:
            return
        if not self._checked:
            self._check_type(item)
        item.staged.finish()
        self.items.append(item)
        self._file = None

    def _check_type(self, item: NewEvidence) -> None:
        detected = detect(item.staged.head)
        why = type_refusal(self._policy, EvidenceKind(item.kind), detected, self._declared)
        if why:
            raise Problem("UnsupportedMedia", why)
        item.media_type = detected or ""
        self._checked = True

    def _limit(self, name: str) -> int:
        return FIELDS.get(name) or self._extra_limits[name]

    def _set_field(self, name: str, raw: bytes) -> None:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise invalid(name, "not UTF-8 text") from None
        if NUL in text:
            raise invalid(name, "text may not contain NUL characters (\\u0000)")
        if len(text) > self._limit(name):
            raise invalid(name, f"at most {self._limit(name)} characters", "string_too_long")
        if name in self._extra_limits and name not in FIELDS:
            self.extra[name] = text.replace("\r\n", "\n")
            return
        value: Any = text.strip()
        if name == "kind":
            try:
                value = EvidenceKind(value)
            except ValueError:
                kinds = ", ".join(k.value for k in EvidenceKind)
                raise invalid(name, f"one of {kinds}", "enum") from None
        elif name == "process":
            if value == "":
                value = None
            elif value not in {k.value for k in ProcessKind}:
                raise invalid(name, "one of " + ", ".join(k.value for k in ProcessKind), "enum")
        elif name == "taken_at":
            if value == "":
                value = None
            else:
                try:
                    value = _MOMENT.validate_python(value)
                except ValidationError:
                    raise invalid(
                        name, "a moment with its offset, 2026-11-03T10:00:00+08:00"
                    ) from None
                if value.tzinfo is None:
                    raise invalid(name, "give the offset, e.g. +08:00")
                if not isinstance(value, datetime):  # pragma: no cover
                    raise invalid(name, "a moment")
        self._fields[name] = value
