"""The running studio: settings, database and job queue, made once at start.

UI handlers are module-level functions; they reach the studio through ``current()`` rather
than closures, so they can be tested on their own with a studio a test configured.
"""

from __future__ import annotations

from studio.core import Studio  # noqa: F401  (TRANSITIONAL: this module is being removed, issue 10)


_current: Studio | None = None


def configure(studio: Studio | None) -> None:
    global _current
    _current = studio


def current() -> Studio:
    if _current is None:
        raise RuntimeError("the studio is not started; call studio.startup.start() first")
    return _current
