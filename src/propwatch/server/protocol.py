"""uvicorn's h11 protocol with read deadlines: a client that sends its headers or its body too
slowly (slowloris) is disconnected, so it cannot hold a connection open indefinitely.

uvicorn has a keep-alive timeout only, and any byte received resets it; here the whole request
head must arrive within ``header_timeout`` of the connection (or of the previous answer), and
the whole body within ``body_timeout`` of the head.
"""

from __future__ import annotations

import asyncio
import logging

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("propwatch.server")


class DeadlineH11Protocol(H11Protocol):
    header_timeout = 10.0
    body_timeout = 60.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._arm(self.header_timeout, "headers")

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _follow(self) -> None:
        """Arm the deadline that fits where the client's side of the exchange stands."""
        state = self.conn.their_state
        if state is h11.IDLE and self.conn.our_state is h11.IDLE:
            if self._waiting != "headers":
                self._arm(self.header_timeout, "headers")  # waiting for the next request
        elif state is h11.SEND_BODY:
            if self._waiting != "body":
                self._arm(self.body_timeout, "body")
        else:
            self._disarm()  # the request is in; the answer is ours to give

    def _arm(self, seconds: float, what: str) -> None:
        self._disarm()
        self._waiting: str | None = what
        self._deadline = self.loop.call_later(seconds, self._expire, what)

    def _disarm(self) -> None:
        if getattr(self, "_deadline", None) is not None:
            self._deadline.cancel()
        self._deadline, self._waiting = None, None

    def _expire(self, what: str) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            log.info("closed a connection from %s: its request %s came too slowly",
                     self.client, what)
            if self.cycle is not None and not self.cycle.response_complete:
                self.cycle.disconnected = True  # the app's receive() answers http.disconnect
                self.cycle.message_event.set()
            self.transport.close()


def deadline_protocol(*, header_timeout: float, body_timeout: float) -> type[H11Protocol]:
    """The protocol class for ``uvicorn.Config(http=...)`` with these deadlines."""
    return type("DeadlineH11Protocol", (DeadlineH11Protocol,),
                {"header_timeout": header_timeout, "body_timeout": body_timeout})
