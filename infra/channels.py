"""The channels a notice goes out on (docs/notifications.md): email over SMTP, the group
bots of WeCom, DingTalk and Feishu, a generic JSON webhook and an SMS gateway, each
signed the way its receiver checks. One `send` per delivery; any failure is a
`DeliveryFailed` with the reason the delivery state shows."""

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib
import httpx

from domain.notifications import Channel
from infra.settings import Settings, WebhookSettings

SIGNATURE_HEADER = "X-Complaint-Desk-Signature"
TIMESTAMP_HEADER = "X-Complaint-Desk-Timestamp"
DELIVERY_HEADER = "X-Complaint-Desk-Delivery"
# How old a signed request a receiver should still accept (docs/notifications.md).
SIGNATURE_TOLERANCE_SECONDS = 300


class DeliveryFailed(Exception):
    """The channel did not take the message; str() is the reason recorded."""


@dataclass(frozen=True)
class Message:
    delivery_id: int
    notification_id: str
    case_no: str
    recipient: str
    subject: str
    body: str
    language: str
    for_customer: bool = False

    def text(self) -> str:
        """The notice as people read it: Chinese framing first for `zh`, English for `en`;
        a customer's message is their template's text alone."""
        if self.for_customer:
            return self.body
        # A stop-sale order's notices carry its key (`stop-sale-<n>`) in place of a case.
        order = self.case_no.startswith("stop-sale-")
        if self.language == "en":
            named = "Stop-sale order" if order else "Case number"
            footer = f"{named}: {self.case_no}\n(sent by Complaint Desk)"
        else:
            named = "停售令" if order else "投诉编号"
            footer = f"{named}：{self.case_no}\n（投诉处理系统自动发送 · sent by Complaint Desk）"
        return f"{self.subject}\n\n{self.body}\n\n{footer}"

    def payload(self) -> dict:
        return {
            "delivery_id": self.delivery_id,
            "notification_id": self.notification_id,
            "case_no": self.case_no,
            "recipient": self.recipient,
            "subject": self.subject,
            "body": self.body,
            "language": self.language,
        }


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The generic webhook's and SMS gateway's signature: HMAC-SHA256 over
    `<timestamp>.<raw body>`, hex, as `sha256=<hex>`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def verify(
    secret: str, timestamp: str, body: bytes, signature: str, *, now: float | None = None
) -> bool:
    """What a receiver does (docs/notifications.md): the signature matches in constant
    time and the timestamp is within SIGNATURE_TOLERANCE_SECONDS of its clock."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    return age <= SIGNATURE_TOLERANCE_SECONDS and hmac.compare_digest(
        sign(secret, timestamp, body), signature
    )


def dingtalk_signed_url(url: str, secret: str, now_ms: int) -> str:
    """DingTalk's 加签: HMAC-SHA256 with the secret over `<timestamp ms>\\n<secret>`,
    base64, URL-encoded, as `timestamp` and `sign` query parameters."""
    to_sign = f"{now_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    signature = urllib.parse.quote_plus(base64.b64encode(digest))
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={now_ms}&sign={signature}"


def feishu_sign(secret: str, timestamp: int) -> str:
    """Feishu's 签名校验: HMAC-SHA256 keyed with `<timestamp s>\\n<secret>` over nothing,
    base64; sent in the body beside the timestamp."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def bot_body(kind: str, message: Message, *, secret: str, now: float) -> dict:
    """The documented text message of each group bot."""
    text = message.text()
    if kind == "wecom":
        return {"msgtype": "text", "text": {"content": text}}
    if kind == "dingtalk":
        return {"msgtype": "text", "text": {"content": text}}
    if kind == "feishu":
        body: dict = {"msg_type": "text", "content": {"text": text}}
        if secret:
            timestamp = int(now)
            body |= {"timestamp": str(timestamp), "sign": feishu_sign(secret, timestamp)}
        return body
    raise ValueError(kind)


def _bot_refused(kind: str, answer: dict) -> str | None:
    """The bots answer HTTP 200 with an error code in the body."""
    if kind in ("wecom", "dingtalk"):
        code = answer.get("errcode", 0)
        return None if code == 0 else f"{kind} errcode {code}: {answer.get('errmsg', '')}"
    code = answer.get("code", answer.get("StatusCode", 0))
    return None if code == 0 else f"feishu code {code}: {answer.get('msg', '')}"


class Channels:
    """Every channel, configured from the settings; tests give their own servers' URLs."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient | None = None) -> None:
        self._settings = settings
        self._http = http or httpx.AsyncClient(timeout=settings.webhook_timeout_seconds)

    async def aclose(self) -> None:
        await self._http.aclose()

    def webhook(self, name: str) -> WebhookSettings | None:
        return self._settings.notify_webhooks.get(name)

    async def send(self, channel: Channel, destination: str, message: Message) -> None:
        if channel is Channel.EMAIL:
            await self.email(destination, message)
        elif channel is Channel.SMS:
            await self.sms(destination, message)
        elif channel in (Channel.WECOM, Channel.DINGTALK, Channel.FEISHU, Channel.WEBHOOK):
            hook = self.webhook(destination)
            if hook is None:
                raise DeliveryFailed(f"webhook {destination} is not in NOTIFY_WEBHOOKS")
            await self.post_webhook(hook, message)
        else:
            raise DeliveryFailed(f"no channel {channel}")

    async def email(self, to: str, message: Message) -> None:
        settings = self._settings
        if not settings.smtp_host:
            raise DeliveryFailed("no SMTP server configured (SMTP_HOST)")
        mail = EmailMessage()
        mail["From"] = settings.smtp_from
        mail["To"] = to
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        # The same id on every try: a receiver (or a person) can tell a resend after a
        # crash from a new notice.
        mail["Message-ID"] = make_msgid(f"delivery-{message.delivery_id}", "complaint-desk")
        mail["X-Complaint-Desk-Case"] = message.case_no
        mail["X-Complaint-Desk-Delivery"] = str(message.delivery_id)
        mail.set_content(message.text())
        password = settings.smtp_password.get_secret_value()
        try:
            await aiosmtplib.send(
                mail,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username or None,
                password=password if settings.smtp_username else None,
                start_tls=settings.smtp_starttls,
                timeout=settings.smtp_timeout_seconds,
                cert_bundle=str(settings.smtp_ca_file) if settings.smtp_ca_file else None,
            )
        except (aiosmtplib.SMTPException, OSError) as err:
            raise DeliveryFailed(f"SMTP {settings.smtp_host}:{settings.smtp_port}: {err}") from err

    async def post_webhook(self, hook: WebhookSettings, message: Message) -> None:
        secret = hook.secret.get_secret_value()
        now = time.time()
        if hook.kind == "webhook":
            await self._signed_post(hook.url, secret, message.payload(), message.delivery_id)
            return
        url = hook.url
        if hook.kind == "dingtalk" and secret:
            url = dingtalk_signed_url(url, secret, int(now * 1000))
        answer = await self._post(
            url, content=json.dumps(bot_body(hook.kind, message, secret=secret, now=now)).encode()
        )
        try:
            refused = _bot_refused(hook.kind, answer.json())
        except ValueError:
            refused = f"{hook.kind} answered {answer.text[:200]!r}"
        if refused:
            raise DeliveryFailed(refused)

    async def sms(self, phone: str, message: Message) -> None:
        url = self._settings.sms_gateway_url
        if not url:
            raise DeliveryFailed("no SMS gateway configured (SMS_GATEWAY_URL)")
        secret = self._settings.sms_gateway_secret.get_secret_value()
        body = {"to": phone, "text": message.text(), "message_id": str(message.delivery_id)}
        await self._signed_post(url, secret, body, message.delivery_id)

    async def _signed_post(self, url: str, secret: str, body: dict, delivery_id: int) -> None:
        raw = json.dumps(body, ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        headers = {TIMESTAMP_HEADER: timestamp, DELIVERY_HEADER: str(delivery_id)}
        if secret:
            headers[SIGNATURE_HEADER] = sign(secret, timestamp, raw)
        await self._post(url, content=raw, headers=headers)

    async def _post(
        self, url: str, *, content: bytes, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        try:
            answer = await self._http.post(
                url,
                content=content,
                headers={"Content-Type": "application/json", **(headers or {})},
            )
        except httpx.HTTPError as err:
            raise DeliveryFailed(f"{_host(url)}: {type(err).__name__}: {err}") from err
        if answer.status_code >= 300:
            raise DeliveryFailed(f"{_host(url)} answered HTTP {answer.status_code}")
        return answer


def _host(url: str) -> str:
    # Never the whole URL in an error: WeCom's key and DingTalk's token sit in it.
    return urllib.parse.urlsplit(url).netloc
