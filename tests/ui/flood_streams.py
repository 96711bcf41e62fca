"""Open many progress streams of one event and keep them open: run as its own process, like an
attacker's machine, so its work does not share the studio's interpreter.

    python -m tests.ui.flood_streams URL FN_INDEX COUNT COOKIES_JSON
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid

import httpx


async def flood(url: str, fn_index: int, count: int, cookies: dict) -> None:
    limits = httpx.Limits(max_connections=count + 10)
    async with httpx.AsyncClient(base_url=url, cookies=cookies, limits=limits, timeout=None) as http:
        async def follow(session: str) -> None:
            await http.post("/gradio_api/queue/join", json={"data": [], "fn_index": fn_index,
                                                           "session_hash": session, "event_data": None})
            async with http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as s:
                async for _ in s.aiter_lines():
                    pass
            await asyncio.sleep(3600)  # the stream ended: keep the connection's place, as a slow client would

        await asyncio.gather(*(follow(uuid.uuid4().hex) for _ in range(count)), return_exceptions=True)


if __name__ == "__main__":
    url, fn_index, count, cookies = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4])
    print("flooding", flush=True)
    asyncio.run(flood(url, fn_index, count, cookies))
