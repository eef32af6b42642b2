"""The reads phase's intake burst, sent from a process of its own.

Sixty desks registering at once are other clients than the handler who opens a case. Sent
from the driver's own event loop, the handler's read waited behind the driver's sixty
requests (up to 1.4 s at 3527cb7, while the API answered it in 4 ms once it arrived):
the driver's delay, not the API's.

    python -m bench.burst API_URL FIRST_NUMBER COUNT

prints `ready` once connected, waits for a line on stdin, registers COUNT complaints at
once (numbers FIRST_NUMBER...) and exits 0 when every one is registered.
"""

from __future__ import annotations

import asyncio
import sys

import httpx

from bench.lifecycle import Desk


async def burst(api_url: str, first: int, count: int) -> None:
    limits = httpx.Limits(max_connections=count + 4)
    async with httpx.AsyncClient(base_url=api_url, timeout=300, limits=limits) as http:
        desk = Desk(http)
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        await asyncio.gather(*(desk.register(first + i) for i in range(count)))


if __name__ == "__main__":
    api_url, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    asyncio.run(burst(api_url, first, count))
