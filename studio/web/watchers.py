"""Who is following a batch live: a bounded number of streams, per creator and in all.

Each open Batch tab streams its progress. Streams cost little (async, a short database read
every half second), but an unbounded number of them from one account would still crowd out
everyone else. So a creator has a few at once (a new tab takes over from their oldest), the
studio has a ceiling in all, and a stream that stops being read (its client went away)
loses its place after a short lease instead of holding it until the batch ends.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from studio.services.errors import StudioError

LEASE_S = 10.0


class TooManyWatchers(StudioError):
    def __init__(self):
        super().__init__("Live progress is open in too many places on the studio right now. Your batch still "
                         "runs: follow it in History, or reload this page in a minute.")


@dataclass
class Ticket:
    user_id: int
    number: int
    seen: float = field(default=0.0)


class Watchers:
    def __init__(self, *, per_user: int, total: int, lease_s: float = LEASE_S,
                 clock: Callable[[], float] = time.monotonic):
        self.per_user, self.total, self.lease_s, self.clock = per_user, total, lease_s, clock
        self._open: dict[int, Ticket] = {}
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings) -> "Watchers":
        return cls(per_user=settings.watchers_per_user, total=settings.watchers_total)

    def _drop_lapsed(self, now: float) -> None:
        for number in [n for n, t in self._open.items() if now - t.seen > self.lease_s]:
            del self._open[number]

    def open(self, user_id: int) -> Ticket:
        now = self.clock()
        with self._lock:
            self._drop_lapsed(now)
            mine = sorted((t for t in self._open.values() if t.user_id == user_id), key=lambda t: t.number)
            for oldest in mine[:max(0, len(mine) - self.per_user + 1)]:
                del self._open[oldest.number]  # the newest tab wins; the oldest stream ends
            if len(self._open) >= self.total:
                raise TooManyWatchers()
            ticket = Ticket(user_id=user_id, number=next(self._numbers), seen=now)
            self._open[ticket.number] = ticket
            return ticket

    def alive(self, ticket: Ticket) -> bool:
        """Renew the ticket's lease; False once it was taken over or lapsed."""
        now = self.clock()
        with self._lock:
            held = self._open.get(ticket.number)
            if held is None or now - held.seen > self.lease_s:
                self._open.pop(ticket.number, None)
                return False
            held.seen = now
            return True

    def close(self, ticket: Ticket) -> None:
        with self._lock:
            self._open.pop(ticket.number, None)

    def count(self) -> int:
        with self._lock:
            self._drop_lapsed(self.clock())
            return len(self._open)
