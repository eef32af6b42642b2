"""`make run` prints that it is running only once the API says ready, a worker polling
the case task queue included (devstack/run.py)."""

import http.server
import threading
from collections.abc import Iterator

import pytest

from devstack.ports import free_port
from devstack.run import ChildDied, Started, _supervise


class _Health(http.server.BaseHTTPRequestHandler):
    """/health answers 503 (no worker yet) until `ready` is set."""

    ready = threading.Event()
    asked = 0

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        type(self).asked += 1
        status = 200 if self.ready.is_set() else 503
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        worker = "ok" if status == 200 else "no worker polls the task queue 'complaints'"
        self.wfile.write(f'{{"worker": "{worker}"}}'.encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def api_port() -> Iterator[int]:
    port = free_port()
    server = http.server.HTTPServer(("127.0.0.1", port), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield port
    server.shutdown()
    _Health.ready.clear()


def test_the_banner_waits_until_a_worker_polls(
    api_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    polls_before_ready = 3
    printed: list[str] = []

    def worker_alive() -> bool:
        """Called every half second: the test's view of the launcher's loop."""
        printed.append(capsys.readouterr().out)
        banner_shown = "is running" in "".join(printed)
        if not _Health.ready.is_set():
            assert not banner_shown, "the banner came while /health said no worker polls"
            if _Health.asked >= polls_before_ready:
                _Health.ready.set()
        return not banner_shown  # once shown, stop the loop

    started = Started(
        watched=[("worker", worker_alive, lambda: "stopped by the test")],
        banner="Complaint Desk is running\n",
        api_host="127.0.0.1",
        api_port=api_port,
    )
    with pytest.raises(ChildDied):
        _supervise(started)
    assert _Health.ready.is_set() and _Health.asked > polls_before_ready
    assert "is running" in "".join(printed)
