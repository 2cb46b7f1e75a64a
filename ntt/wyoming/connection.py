"""What every NTT Wyoming server's connection shares: a client number for the logs, and a
peer that hangs up or sends garbage costs only its own connection, never the server."""

from __future__ import annotations

import asyncio
import itertools
import logging

from wyoming.server import AsyncEventHandler

log = logging.getLogger(__name__)

_client_ids = itertools.count(1)


class ClientConnection(AsyncEventHandler):
    """A Wyoming event handler with a ``client_id`` whose lost connection is logged, not
    raised into the server."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        super().__init__(reader, writer)
        self.client_id = next(_client_ids)

    async def run(self) -> None:
        try:
            await super().run()
        except (OSError, EOFError, asyncio.IncompleteReadError) as exc:
            log.info("client %d: connection lost (%s)", self.client_id, exc)
