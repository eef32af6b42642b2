"""The public complaint page of a store (docs/customer-page.md): `/c/<store>`, no sign-in,
phone-sized, Chinese by default (`?lang=en`), works without JavaScript (except when a
flooded page asks for a proof of work).

A post registers the case as the desk's form does: the same strict body (ComplaintCreate,
channel `web`), the same `open_complaint` (register row, grade, workflow), its form's
token as the idempotency key, so a double tap or a retried post is one case. The answer
is the case number and the tracking link.
"""

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from api.bodies import ComplaintCreate
from api.deps import ResourcesDep
from api.intake import open_complaint
from api.public.pages import client_address, gettext_for, language_of, render
from api.public.uploads import CustomerForm, keep_files, read_form
from domain.authority import Actor, Role
from domain.contact import CustomerLanguage
from domain.customer_page import CustomerPagePolicy, RateLimit, leading_zero_bits
from domain.models import Category
from domain.policy import Policy
from domain.stores import store_key
from domain.strict import NUL
from infra.idempotency import IdempotencyKeyReused
from infra.rate_limits import count, hit, limit_key
from infra.survey_links import DEVELOPMENT_KEY
from infra.tracking_links import TrackingLinkSigner, store_link

log = structlog.get_logger(__name__)

router = APIRouter(tags=["customer page"], include_in_schema=False)

# The categories a customer picks from, in the words of the page (the desk may re-grade).
CATEGORIES = [
    (Category.PRODUCT_QUALITY, "A product's quality"),
    (Category.SERVICE_QUALITY, "How I was served"),
    (Category.DELIVERY_INSTALLATION, "Delivery or installation"),
    (Category.FACILITY_FAULT, "Something broken in the store"),
    (Category.PERSONAL_INJURY, "I was hurt"),
    (Category.LOST_BELONGINGS, "Something of mine was lost"),
    (Category.VEHICLE_PARKING, "Parking or my vehicle"),
    (Category.PRICE, "A price"),
    (Category.SUGGESTION_ENQUIRY, "A suggestion or a question"),
    (Category.OTHER, "Something else"),
]
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
SHORT = 200
FIELDS = ("category", "description", "occurred_at", "requested_remedy", "name", "phone", "email")
# The web page as the one who registers: its cases read "registered by customer.web".
WEB_ACTOR_ID = "customer.web"
# Every complaint a store's page takes is logged under the store, to count a flood.
_FLOOD_WINDOW = RateLimit(requests=1_000_000_000, per_seconds=60)


def slug(store: str) -> str:
    """`Beijing Chaoyang` is `/c/beijing-chaoyang`."""
    return "-".join(store_key(store).split())


def store_of(policy: Policy, store_slug: str) -> str | None:
    return next((name for name in policy.stores if slug(name) == store_slug.casefold()), None)


def contact_key(body: ComplaintCreate) -> str:
    """One key per way of reaching the customer, however it was typed: a phone by its
    digits, else an email address case aside."""
    phone = re.sub(r"\D", "", body.customer.phone or "")
    return limit_key("contact", phone or (body.customer.email or body.customer.contact).casefold())


def web_actor(store: str) -> Actor:
    return Actor(user_id=WEB_ACTOR_ID, role=Role.STAFF, stores=(store,))


def _pow_key(resources: Any) -> bytes:
    return resources.settings.survey_link_key.get_secret_value().encode() or DEVELOPMENT_KEY


def challenge_for(resources: Any, store: str, form_token: str, now: datetime) -> str:
    """A challenge bound to the store, the form and the minute, signed so it cannot be
    made up; solving it once is good for this one form (one case, by idempotency)."""
    payload = f"{slug(store)}.{form_token}.{int(now.timestamp()) // 60}"
    signature = hmac.new(_pow_key(resources), b"pow:" + payload.encode(), hashlib.sha256)
    return f"{payload}.{signature.hexdigest()[:32]}"


def proof_holds(
    resources: Any,
    store: str,
    form_token: str,
    challenge: str,
    nonce: str,
    bits: int,
    now: datetime,
) -> bool:
    parts = challenge.split(".")
    if len(parts) != 4 or not parts[2].isdigit() or len(nonce) > 20 or not nonce.isdigit():
        return False
    minute = int(parts[2])
    if not 0 <= int(now.timestamp()) // 60 - minute <= 10:
        return False
    expected = challenge_for(resources, store, form_token, datetime.fromtimestamp(minute * 60, UTC))
    if not hmac.compare_digest(challenge.encode(), expected.encode()):
        return False
    return leading_zero_bits(hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()) >= bits


POW_SCRIPT = """
(function () {
  var form = document.getElementById('complaint');
  var box = document.getElementById('pow');
  if (!form || !box) return;
  var challenge = box.dataset.challenge, bits = parseInt(box.dataset.bits, 10);
  function zeros(bytes) {
    var n = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { n += 8; continue; }
      return n + Math.clz32(bytes[i]) - 24;
    }
    return n;
  }
  async function solve() {
    var enc = new TextEncoder();
    for (var nonce = 0; ; nonce++) {
      var data = enc.encode(challenge + ':' + nonce);
      var d = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
      if (zeros(d) >= bits) return String(nonce);
    }
  }
  solve().then(function (nonce) {
    form.elements['pow_nonce'].value = nonce;
    box.dataset.solved = 'yes';
    if (box.dataset.resend === 'yes') form.submit();
  });
})();
"""


def _field(form: dict[str, str], name: str) -> str:
    value = form.get(name)
    return value.replace(NUL, "").strip() if isinstance(value, str) else ""


def _occurred_at(raw: str, store_zone: str) -> datetime | None:
    """`datetime-local` is the store's wall-clock time."""
    if not raw:
        return None
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(store_zone))
    return moment


def read_complaint(
    form: dict[str, str], store: str, language: CustomerLanguage, policy: Policy
) -> tuple[dict[str, str], ComplaintCreate | None, dict[str, str]]:
    """The form's values (shown again on an error), the body it makes, and the problems
    beside their fields in the page's words."""
    page = policy.customer_page
    assert page is not None
    _ = gettext_for(language)
    values = {name: _field(form, name) for name in (*FIELDS, "updates", "privacy_consent")}
    errors: dict[str, str] = {}
    if values["category"] not in {c.value for c, _label in CATEGORIES}:
        errors["category"] = _("Choose what your complaint is about")
    if not values["description"]:
        errors["description"] = _("Tell us what happened")
    elif len(values["description"]) > page.description_max:
        errors["description"] = _("What happened must be %(n)d characters or fewer") % {
            "n": page.description_max
        }
    if not values["requested_remedy"]:
        errors["requested_remedy"] = _("Tell us what you would like us to do")
    elif len(values["requested_remedy"]) > SHORT:
        errors["requested_remedy"] = _("This must be 200 characters or fewer")
    if not values["name"]:
        errors["name"] = _("Tell us your name")
    elif len(values["name"]) > SHORT:
        errors["name"] = _("This must be 200 characters or fewer")
    if not values["phone"] and not values["email"]:
        errors["phone"] = _("Give a phone number or an email address so we can reach you")
    occurred_at = None
    try:
        zone = policy.for_store(store).calendar.timezone
        occurred_at = _occurred_at(values["occurred_at"], zone)
        if occurred_at is not None and occurred_at > datetime.now(UTC) + timedelta(minutes=5):
            errors["occurred_at"] = _("When it happened cannot be in the future")
    except ValueError:
        errors["occurred_at"] = _("Enter the date and time it happened")
    updates = values["updates"] if values["updates"] in {"email", "sms"} else None
    if updates == "email" and not values["email"]:
        errors["email"] = _("Give your email address to be told by email")
    if updates == "sms" and not values["phone"]:
        errors["phone"] = _("Give your mobile number to be told by text message")
    if form.get("privacy_consent") != "yes":
        errors["privacy_consent"] = _(
            "Agree to how we use your personal information, or tell us at the service desk"
        )
    if errors:
        return values, None, errors
    contact = " / ".join(v for v in (values["phone"], values["email"]) if v)
    try:
        body = ComplaintCreate.model_validate(
            {
                "channel": "web",
                "store": store,
                "category": values["category"],
                "description": values["description"],
                "occurred_at": occurred_at,
                "requested_remedy": values["requested_remedy"],
                "customer": {
                    "name": values["name"],
                    "contact": contact[:SHORT],
                    "language": language.value,
                    "contact_consent": updates is not None,
                    "contact_channel": updates,
                    "email": values["email"] or None,
                    "phone": values["phone"] or None,
                },
            }
        )
    except ValidationError as err:
        for problem in err.errors():
            loc = [str(part) for part in problem["loc"]]
            name = loc[-1] if loc[-1] in FIELDS else "description"
            errors.setdefault(
                name,
                {
                    "email": _("Enter an email address like name@example.com"),
                    "phone": _("Enter a phone number like 138 0000 0000"),
                }.get(name, _("Check this answer")),
            )
        return values, None, errors
    return values, body, errors


def _form_page(
    resources: Any,
    store: str,
    language: CustomerLanguage,
    status: int = 200,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    form_token: str | None = None,
    flooded: bool = False,
    resend: bool = False,
) -> HTMLResponse:
    policy = resources.policy
    page = policy.customer_page
    form_token = form_token or secrets.token_urlsafe(32)
    challenge = challenge_for(resources, store, form_token, datetime.now(UTC)) if flooded else None
    return render(
        "complain.html",
        language,
        status,
        script=POW_SCRIPT if flooded else None,
        store=store,
        action=f"/c/{slug(store)}" + ("?lang=en" if language is CustomerLanguage.EN else ""),
        other_language=f"/c/{slug(store)}"
        + ("" if language is CustomerLanguage.EN else "?lang=en"),
        categories=CATEGORIES,
        values=values or {},
        errors=errors or {},
        form_token=form_token,
        notice=page.notice[language],
        description_max=page.description_max,
        files_max=page.files_max,
        challenge=challenge,
        bits=page.proof_of_work_bits,
        resend=resend,
    )


def message_page(
    language: CustomerLanguage, status: int, heading: str, body: str, **more: Any
) -> HTMLResponse:
    return render("customer_message.html", language, status, heading=heading, body=body, **more)


def not_here(language: CustomerLanguage) -> HTMLResponse:
    _ = gettext_for(language)
    return message_page(
        language,
        404,
        _("There is no complaint page here"),
        _("Please check the address, or ask at the store's service desk."),
    )


def too_many(language: CustomerLanguage, seconds: int) -> HTMLResponse:
    _ = gettext_for(language)
    return message_page(
        language,
        429,
        _("Too many at once"),
        _("Please wait %(n)d seconds and try again.") % {"n": seconds},
        headers={"Retry-After": str(seconds)},
    )


@router.get("/c/{store_slug}", response_class=HTMLResponse)
async def complaint_form(
    store_slug: str, resources: ResourcesDep, lang: str | None = Query(None, max_length=5)
) -> HTMLResponse:
    language = language_of(lang)
    store = store_of(resources.policy, store_slug)
    if store is None or resources.policy.customer_page is None:
        return not_here(language)
    flooded = await _flooded(resources, store)
    return _form_page(resources, store, language, flooded=flooded)


async def _flooded(resources: Any, store: str) -> bool:
    page = resources.policy.customer_page
    hits = await count(resources.pool, limit_key("store", slug(store)), 60)
    return hits >= page.flood_per_minute


@router.post("/c/{store_slug}", response_class=HTMLResponse)
async def complain(
    store_slug: str,
    request: Request,
    resources: ResourcesDep,
    lang: str | None = Query(None, max_length=5),
) -> HTMLResponse:
    language = language_of(lang)
    policy = resources.policy
    store = store_of(policy, store_slug)
    page = policy.customer_page
    if store is None or page is None:
        return not_here(language)
    _ = gettext_for(language)
    address = await hit(
        resources.pool, limit_key("address", client_address(request)), page.per_address
    )
    if not address.allowed:
        log.info("customer_page_rate_limited", store=store, by="address")
        return too_many(language, address.retry_after)
    read = await read_form(request, page, resources, form_fields(page), "photo")
    try:
        return await _register(request, resources, store, language, read)
    finally:
        read.discard()


def form_fields(page: CustomerPagePolicy) -> dict[str, int]:
    """The complaint form's fields and their longest text (the reader refuses longer)."""
    return {
        **{name: SHORT for name in FIELDS},
        "description": page.description_max,
        "updates": 10,
        "privacy_consent": 10,
        "form_token": 100,
        "pow_challenge": 200,
        "pow_nonce": 20,
    }


async def _register(
    request: Request, resources: Any, store: str, language: CustomerLanguage, read: CustomerForm
) -> HTMLResponse:
    policy = resources.policy
    page = policy.customer_page
    _ = gettext_for(language)
    form = read.values
    form_token = _field(form, "form_token")
    if not TOKEN.match(form_token):
        form_token = secrets.token_urlsafe(32)
    values, body, errors = read_complaint(form, store, language, policy)
    if read.problem:
        errors[read.problem_field if read.problem_field in FIELDS else "photos"] = _(read.problem)
    if errors or body is None:
        return _form_page(
            resources, store, language, 422, values=values, errors=errors, form_token=form_token
        )
    if await _flooded(resources, store) and not proof_holds(
        resources,
        store,
        form_token,
        _field(form, "pow_challenge"),
        _field(form, "pow_nonce"),
        page.proof_of_work_bits,
        datetime.now(UTC),
    ):
        # The page sends itself again once the phone has done the work.
        return _form_page(
            resources,
            store,
            language,
            200,
            values=values,
            form_token=form_token,
            flooded=True,
            resend=True,
        )
    by_contact = await hit(resources.pool, contact_key(body), page.per_contact)
    if not by_contact.allowed:
        log.info("customer_page_rate_limited", store=store, by="contact")
        return too_many(language, by_contact.retry_after)
    await hit(resources.pool, limit_key("store", slug(store)), _FLOOD_WINDOW)
    actor = web_actor(store)
    try:
        created = await open_complaint(
            pool=resources.pool,
            temporal=resources.temporal,
            task_queue=resources.settings.temporal_task_queue,
            policy=policy,
            intake=body.to_intake(),
            actor=actor,
            idempotency_key=f"web-form:{form_token}",
        )
    except IdempotencyKeyReused:
        return message_page(
            language,
            409,
            _("This form was sent already"),
            _(
                "Your complaint from this form is registered. To complain about something else,"
                " open the page again."
            ),
        )
    signer = TrackingLinkSigner.from_settings(resources.settings)
    async with resources.pool.acquire() as conn, conn.transaction():
        link_id = await store_link(
            conn,
            link_id=signer.new_id(),
            case_no=created.case_no,
            language=language.value,
            issued_at=datetime.now(UTC),
        )
        await conn.execute(
            """
            INSERT INTO privacy_consents (case_no, policy_version, language, notice, given_at)
            VALUES ($1, $2, $3, $4, $5) ON CONFLICT (case_no) DO NOTHING
            """,
            created.case_no,
            policy.version,
            language.value,
            page.notice[language].text,
            datetime.now(UTC),
        )
    if not created.replayed:
        # A double tap's second post finds the case: its photos came with the first.
        await keep_files(resources, created.case_no, created.workflow_id, read.files, actor)
    token = signer.token(link_id)
    log.info("customer_page_complaint", case_no=created.case_no, replayed=created.replayed)
    return render(
        "received.html",
        language,
        201 if not created.replayed else 200,
        case_no=created.case_no,
        tracking_url=signer.url(token),
        tracking_path=signer.path(token),
    )
