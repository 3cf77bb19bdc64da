"""Per-file isolation: each task runs in a worker process with a time and memory bound.

A task that raises returns its exception; a worker that exceeds its time, runs out of memory or dies
(even by SIGABRT) is replaced, and that one task is reported as failed. Results come back in input order.

Portable: workers start with ``fork`` on Linux and with the platform's default elsewhere (``spawn`` on
Windows and macOS; ``BDG_START_METHOD`` forces one). Under ``spawn`` the task function and payloads are
pickled, so the task must be a top-level function (or a ``functools.partial`` of one) with picklable
arguments. The time limit holds everywhere (counted from when the worker is ready, so a slow ``spawn``
start-up is not charged to the file); the memory limit needs the POSIX ``resource`` module and is
skipped where it does not exist (Windows).
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import pickle
import sys
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Sequence

try:   # POSIX only: the memory bound is skipped where the OS offers no RLIMIT_AS (Windows)
    import resource as _resource
except ImportError:  # pragma: no cover - exercised by the Windows-conditions CI run
    _resource = None  # type: ignore[assignment]

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MEMORY_BYTES = 1536 * 1024 * 1024
START_METHOD_ENV = "BDG_START_METHOD"
STARTUP_ALLOWANCE_S = 120.0   # a worker not ready after this long (spawn start-up) counts as crashed
_READY = b""                  # the message a worker sends once it can take tasks


def memory_limit_supported() -> bool:
    """Whether workers can be given a memory bound here (POSIX ``resource.RLIMIT_AS``)."""
    return _resource is not None and hasattr(_resource, "RLIMIT_AS")


def start_context() -> Any:
    """The multiprocessing context for workers: ``$BDG_START_METHOD`` if valid, ``fork`` on Linux, else the
    platform default (``spawn`` on Windows and macOS, where ``fork`` is unavailable or unsafe)."""
    methods = mp.get_all_start_methods()
    wanted = os.environ.get(START_METHOD_ENV, "").strip().lower()
    if wanted in methods:
        return mp.get_context(wanted)
    if sys.platform.startswith("linux") and "fork" in methods:
        return mp.get_context("fork")
    return mp.get_context("spawn" if "spawn" in methods else None)


@dataclass(frozen=True)
class Failure:
    """Why a task produced no result: its exception, a timeout, or a dead worker."""

    kind: str          # "exception" | "timeout" | "crashed"
    detail: str


def default_jobs() -> int:
    """Number of worker processes by default: ``BDG_JOBS`` if set, else the cores this process may use."""
    env = os.environ.get("BDG_JOBS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def _worker_main(conn: Connection, func: Callable[[Any], Any], memory: int) -> None:
    _ignore_interrupt()   # Ctrl+C is the parent's to handle: a worker never prints a traceback for it
    gc.freeze()   # what the parent had is never garbage here: the collector need not walk it (nor copy its pages)
    if memory and memory_limit_supported():
        try:
            _resource.setrlimit(_resource.RLIMIT_AS, (memory, memory))
        except (ValueError, OSError):
            pass
    conn.send_bytes(_READY)
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        index, payload = task
        try:
            result: Any = ("ok", func(payload))
        except MemoryError:
            result = ("fail", Failure("exception", "hết bộ nhớ cho phép khi đọc tệp"))
        except BaseException as exc:  # noqa: BLE001 - one bad file must never stop the batch
            result = ("fail", Failure("exception", f"{type(exc).__name__}: {exc}"[:500]
                                      + "\n" + traceback.format_exc(limit=3)[-800:]))
        try:
            conn.send((index, result))
        except Exception as exc:  # unpicklable result
            conn.send((index, ("fail", Failure("exception", f"kết quả không gửi được: {type(exc).__name__}"))))


class _Worker:
    def __init__(self, ctx: Any, func: Callable, memory: int) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, func, memory), daemon=True)
        self.proc.start()
        child.close()
        self.task: int | None = None
        self.started = 0.0
        self.ready = False
        self.born = time.monotonic()

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


def run_isolated(func: Callable[[Any], Any], payloads: Sequence[Any], jobs: int | None = None,
                 timeout: float = DEFAULT_TIMEOUT_S, memory: int = DEFAULT_MEMORY_BYTES,
                 on_done: Callable[[int], None] | None = None,
                 on_result: Callable[[int, Any], Any] | None = None) -> list[Any]:
    """Run ``func`` over payloads in isolated workers; a failed task yields a ``Failure``.

    ``on_result(index, value)``, if given, sees each result as it arrives and returns what is kept for it
    (the caller may slim results it will not need whole, so memory does not grow with the batch).
    """
    results: list[Any] = [None] * len(payloads)
    if not payloads:
        return results
    ctx = start_context()
    pending = list(range(len(payloads)))
    pending.reverse()
    workers = [_Worker(ctx, func, memory) for _ in range(max(1, min(jobs or default_jobs(), len(payloads))))]
    done = 0
    try:
        while done < len(payloads):
            _assign(workers, pending, payloads)
            busy = [w for w in workers if w.task is not None]
            now = time.monotonic()
            wait_for = max(0.01, min(_deadline(w, timeout) - now for w in busy))
            ready = wait([w.conn for w in busy], timeout=wait_for)
            arrived = []
            for i, w in enumerate(workers):
                if w.task is None:
                    continue
                outcome = _collect(w, ready, timeout)
                if outcome is None:
                    continue
                arrived.append(outcome[:2])
                if outcome[2]:
                    w.kill()
                    workers[i] = _Worker(ctx, func, memory)
            _assign(workers, pending, payloads)   # workers go on while the parent decodes what arrived
            for index, value in arrived:
                index, value = _decode(index, value)
                results[index] = on_result(index, value) if on_result else value
                done += 1
                if on_done:
                    on_done(index)
    finally:
        for w in workers:
            try:
                w.conn.send(None)
            except (OSError, ValueError):
                pass
            w.kill()
    return results


def _assign(workers: list[_Worker], pending: list[int], payloads: Sequence[Any]) -> None:
    for w in workers:
        if w.task is None and pending:
            w.task, w.started = pending.pop(), time.monotonic()
            w.conn.send((w.task, payloads[w.task]))


class _Message(bytes):
    """A worker's pickled (index, (status, value)), decoded after the worker has its next task."""


def _decode(index: int, value: Any) -> tuple[int, Any]:
    if not isinstance(value, _Message):
        return index, value
    try:
        got_index, (_status, result) = pickle.loads(value)
    except Exception as exc:  # noqa: BLE001 - a garbled result is that one task's failure
        return index, Failure("crashed", f"kết quả không đọc được ({type(exc).__name__})")
    return got_index, result


def _ignore_interrupt() -> None:
    """Ignore SIGINT in a worker (the parent stops the workers itself when the user presses Ctrl+C)."""
    import signal
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError):   # not the main thread of the process
        pass


def _deadline(w: _Worker, timeout: float) -> float:
    """When the worker's current task times out; a worker still starting up gets the start-up allowance."""
    return w.started + timeout if w.ready else w.born + STARTUP_ALLOWANCE_S + timeout


def _collect(w: _Worker, ready: list, timeout: float) -> tuple[int, Any, bool] | None:
    index = w.task
    if w.conn in ready:
        try:
            message = _Message(w.conn.recv_bytes())
        except (EOFError, OSError):
            w.task = None
            return index, Failure("crashed", f"tiến trình đọc tệp bị dừng đột ngột (mã {w.proc.exitcode})"), True
        if not w.ready and message == _READY:
            w.ready, w.started = True, time.monotonic()   # the clock starts once the worker can work
            return None
        w.task = None
        return index, message, False
    if time.monotonic() > _deadline(w, timeout):
        w.task = None
        return index, Failure("timeout", f"đọc tệp quá {timeout:.0f} giây"), True
    if not w.proc.is_alive():
        w.task = None
        return index, Failure("crashed", f"tiến trình đọc tệp bị dừng đột ngột (mã {w.proc.exitcode})"), True
    return None
