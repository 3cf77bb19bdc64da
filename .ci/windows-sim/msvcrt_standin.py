"""Stand-in for Windows' ``msvcrt`` in the Windows-conditions run on Linux, served as ``msvcrt`` to our own
code only by sitecustomize.py (the standard library would take a global ``msvcrt`` for Windows).

Code that falls back to ``msvcrt`` when ``fcntl`` is missing (as on Windows) finds this one: byte-range
locking with msvcrt's semantics (``nbytes`` from the current position), done with ``os.lockf``.
"""

import os

LK_UNLCK, LK_LOCK, LK_NBLCK, LK_RLCK, LK_NBRLCK = 0, 1, 2, 3, 4


def locking(fd: int, mode: int, nbytes: int) -> None:
    """Lock or unlock ``nbytes`` bytes of ``fd`` from its current position (``msvcrt.locking``)."""
    command = {LK_UNLCK: os.F_ULOCK, LK_LOCK: os.F_LOCK, LK_RLCK: os.F_LOCK,
               LK_NBLCK: os.F_TLOCK, LK_NBRLCK: os.F_TLOCK}[mode]
    os.lockf(fd, command, nbytes)
