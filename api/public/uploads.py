"""The customer's forms as multipart streams (docs/customer-page.md): their text fields
and up to the policy's few files, read by the evidence upload's reader (api/uploads.py:
each file sealed to staging as it arrives, its size checked on every piece, its type read
from its content), and kept through the evidence store as the desk's uploads are."""

from dataclasses import dataclass, field

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.requests import ClientDisconnect

from api.errors import Problem
from api.routes.evidence import _tell_the_case
from api.uploads import UploadReader
from domain.authority import Actor
from domain.customer_page import CustomerPagePolicy
from infra import evidence as evidence_store
from infra.evidence import NewEvidence

# What a refused form says, in English (the catalogue's message ids).
PROBLEMS = (
    "Send the form from the page",
    "The form was cut off: please send it again",
    "A file is too large or there are too many files",
    "Only photos (JPEG, PNG, WebP, HEIC) and PDF documents can be sent",
    "This answer is too long or not readable",
)


@dataclass
class CustomerForm:
    values: dict[str, str]
    files: list[NewEvidence] = field(default_factory=list)
    problem: str | None = None  # in English, the message id of the page's words
    problem_field: str = "file"
    reader: UploadReader | None = None

    def discard(self) -> None:
        if self.reader is not None:
            self.reader.discard()


async def read_form(
    request: Request, page: CustomerPagePolicy, resources, fields: dict[str, int], kind: str
) -> CustomerForm:
    """The form's fields and files. `kind` is what every file is kept as (photo on the
    complaint, customer_statement on the tracking page): the form carries it first."""
    policy = resources.policy.evidence
    content_type = request.headers.get("content-type", "")
    if policy is None or not content_type.startswith("multipart/form-data"):
        return CustomerForm(values={}, problem="Send the form from the page")
    reader = UploadReader(
        content_type,
        policy,
        resources.files,
        # An empty file input, as some clients send it: a part with no file name at all.
        extra_fields=fields | {"file": 0},
        require_file=False,
        max_files=page.files_max,
    )
    form = CustomerForm(values={}, reader=reader)
    try:
        reader.feed(
            f'--{_boundary(content_type)}\r\nContent-Disposition: form-data; name="kind"'
            f"\r\n\r\n{kind}\r\n".encode()
        )
        async for piece in request.stream():
            reader.feed(piece)
        reader.close()
    except ClientDisconnect:
        form.problem = "The form was cut off: please send it again"
    except Problem as refused:
        form.problem = (
            "A file is too large or there are too many files"
            if refused.status_code == 413
            else "Only photos (JPEG, PNG, WebP, HEIC) and PDF documents can be sent"
        )
    except RequestValidationError as err:
        where = err.errors()[0]["loc"][-1] if err.errors() else "file"
        form.problem_field = str(where)
        form.problem = "This answer is too long or not readable"
    form.values = dict(reader.extra)
    if any(item.kind != kind for item in reader.items):
        form.problem = "Only photos (JPEG, PNG, WebP, HEIC) and PDF documents can be sent"
    form.files = list(reader.items) if form.problem is None else []
    return form


def _boundary(content_type: str) -> str:
    from python_multipart.multipart import parse_options_header

    _, options = parse_options_header(content_type)
    return options[b"boundary"].decode("latin-1")


async def keep_files(
    resources, case_no: str, workflow_id: str, files: list[NewEvidence], actor: Actor
) -> int:
    """Stores the files as evidence of the case (rows and audit entries in one
    transaction), and tells the case's history of each."""
    if not files:
        return 0
    rows = await evidence_store.keep_uploads(resources.pool, resources.files, case_no, files, actor)
    await _tell_the_case(resources, workflow_id, rows, actor)
    return len(rows)
