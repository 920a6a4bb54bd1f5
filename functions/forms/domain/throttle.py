"""Per-client throttling for the local server: a small token bucket for each client address.

On AWS, API Gateway throttles each route (template.yaml) and this is off (THROTTLE_PER_MINUTE=0). Locally every
request to /api/ from one address takes a token; a bucket holds `burst` tokens and refills at `per_minute`.
The addresses live in memory only, for as long as their bucket is not full, and are never logged.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

MAX_CLIENTS = 10_000  # above this many addresses, full buckets are forgotten first, then the oldest


@dataclass
class Throttle:
    per_minute: int
    burst: int
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # address -> (tokens, when)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0 and self.burst > 0

    def allow(self, client: str, now: float | None = None) -> tuple[bool, int]:
        """(allowed, seconds to wait before trying again)."""
        if not self.enabled:
            return True, 0
        now = time.monotonic() if now is None else now
        rate = self.per_minute / 60.0
        with self._lock:
            tokens, when = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - when) * rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                self._forget(now, rate)
                return True, 0
            self._buckets[client] = (tokens, now)
            return False, max(1, math.ceil((1 - tokens) / rate))

    def _forget(self, now: float, rate: float) -> None:
        if len(self._buckets) <= MAX_CLIENTS:
            return
        full = [k for k, (t, w) in self._buckets.items() if t + (now - w) * rate >= self.burst]
        for key in full:
            del self._buckets[key]
        while len(self._buckets) > MAX_CLIENTS:
            del self._buckets[next(iter(self._buckets))]
