"""Every torch call of a process runs on one thread: the torch thread.

Why: each thread that runs torch on a CPU gets its own OpenMP thread team. Once a second
long-lived thread had run torch (the in-process worker beside a Gradio handler drawing an
avatar), torch on the other thread ran 35-54 % slower at tiny size and 4-8 % at real size
here: two teams of N threads on N cores. One thread means one team, sized once
(``torch.set_num_threads``) to the cores the process may use.

``on_torch_thread(fn, ...)`` runs ``fn`` there and returns its result (or raises its error) in
the caller; a call made from the torch thread itself runs at once (no deadlock on nesting).
Calls queue in order, which also serialises every use of a shared pipeline.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

T = TypeVar("T")

_inside = threading.local()
_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_threads_set: int | None = None


def _mark() -> None:
    _inside.yes = True


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="torch", initializer=_mark)
        return _executor


def is_torch_thread() -> bool:
    return getattr(_inside, "yes", False)


def on_torch_thread(fn: Callable[..., T], /, *args, **kwargs) -> T:
    """``fn(*args, **kwargs)`` run on the torch thread; its result or its exception here."""
    if is_torch_thread():
        return fn(*args, **kwargs)
    return _pool().submit(fn, *args, **kwargs).result()


def use_threads(count: int | None) -> None:
    """Size torch's CPU thread team (on the torch thread, where the team lives); None leaves it."""
    global _threads_set
    if not count or count == _threads_set:
        return

    def apply() -> None:
        import torch

        torch.set_num_threads(count)

    on_torch_thread(apply)
    _threads_set = count
