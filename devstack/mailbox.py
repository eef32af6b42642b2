"""The embedded default's mail server (`make run`): a real SMTP server (aiosmtpd) on
127.0.0.1 that keeps every message it receives as one file under `.data/mail/`, so a
newcomer sees the escalation mail arrive (GET /local-mailbox, docs/notifications.md).

The tests run the same server, optionally with STARTTLS and a login, as production's
stand-in."""

import ssl
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class _KeepAsFiles:
    """aiosmtpd handler: each message as `<time>-<n>.eml`, written whole then renamed, so
    a reader never sees half a message."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._count = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._count += 1
            name = f"{time.time_ns():020d}-{self._count:06d}.eml"
        tmp = self.folder / f".{name}.tmp"
        data = envelope.original_content or envelope.content
        tmp.write_bytes(data if isinstance(data, bytes) else data.encode())
        tmp.replace(self.folder / name)
        return "250 Message accepted for delivery"


@dataclass
class LocalMailServer:
    folder: Path
    port: int
    host: str = "127.0.0.1"
    tls_context: ssl.SSLContext | None = None  # set: STARTTLS offered (and required)
    login: tuple[str, str] | None = None  # set: AUTH required, after STARTTLS
    _controller: Controller | None = field(default=None, init=False)

    def start(self) -> None:
        kwargs: dict = {}
        if self.tls_context is not None:
            kwargs |= {"tls_context": self.tls_context, "require_starttls": True}
        if self.login is not None:
            kwargs |= {"authenticator": self._authenticate, "auth_required": True}
        self._controller = Controller(
            _KeepAsFiles(self.folder), hostname=self.host, port=self.port, **kwargs
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and (
                auth_data.login.decode(),
                auth_data.password.decode(),
            )
            == self.login
        )
        return AuthResult(success=ok, handled=False)

    def messages(self) -> list[EmailMessage]:
        """Every message received so far, oldest first."""
        if not self.folder.exists():
            return []
        return [
            message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(self.folder.glob("*.eml"))
        ]


def main(argv: list[str] | None = None) -> None:
    """`python -m devstack.mailbox FOLDER PORT`: the server alone, until SIGTERM (the
    benchmark runs it as a process of its own, so what it costs is counted apart)."""
    import argparse
    import signal

    parser = argparse.ArgumentParser(prog="python -m devstack.mailbox")
    parser.add_argument("folder", type=Path)
    parser.add_argument("port", type=int)
    args = parser.parse_args(argv)
    server = LocalMailServer(args.folder, args.port)
    server.start()
    try:
        signal.sigwait({signal.SIGTERM, signal.SIGINT})
    finally:
        server.stop()


if __name__ == "__main__":
    main()
