"""Reads have connections of their own: a burst of intakes or commands holding every
connection of the API's pool never makes a handler's read of a case wait behind it
(issue 20, reads during a burst)."""

import asyncpg
from temporalio.client import Client

from api.app import create_app
from devstack.temporal import TemporalDevServer
from tests.api.conftest import auth, serving
from tests.api.test_http_api import INTAKE


async def test_a_case_is_read_while_every_command_connection_is_held(
    dev_server: TemporalDevServer, dev_client: Client, pool: asyncpg.Pool, settings_for
) -> None:
    settings = settings_for(dev_server.address)
    app = create_app(settings)
    async with serving(settings, dev_client, pool, app=app) as http:
        registered = await http.post("/complaints", json=INTAKE, headers=auth("staff"))
        assert registered.status_code == 201, registered.text
        case_no = registered.json()["case_no"]
        commands = app.state.resources.pool
        assert commands.get_size() == settings.api_pool_size  # opened at start, all of them
        held = [await commands.acquire() for _ in range(settings.api_pool_size)]
        try:
            case = await http.get(f"/complaints/{case_no}", headers=auth("handler"), timeout=5)
            register = await http.get("/complaints", headers=auth("manager"), timeout=5)
            trail = await http.get(
                f"/complaints/{case_no}/events", headers=auth("handler"), timeout=5
            )
        finally:
            for connection in held:
                await commands.release(connection)
    assert case.status_code == 200, case.text
    assert case.json()["summary"]["case_no"] == case_no
    assert case_no in [row["case_no"] for row in register.json()]
    assert trail.json()[0]["action"] == "registered"
