"""Windows conditions on Linux, for the CI run of .ci/windows-conditions.sh (never installed anywhere).

Put this folder on PYTHONPATH: every Python process started with it — the test runner and the collector's
spawned workers alike — then cannot import the POSIX-only modules that Windows does not have.
"""

import importlib.util
import os
import sys

# Not on Windows at all: nobody may import them.
POSIX_ONLY = frozenset({"resource", "fcntl", "pwd", "grp"})
# Not on Windows either, but libraries such as click choose them by ``sys.platform`` (msvcrt on Windows):
# refused only to our own code (and the tests).
POSIX_ONLY_FOR_US = frozenset({"termios", "tty", "pty"})
OURS = ("bdg_workbook", "tests", "test_", "conftest")


def _importer() -> str:
    """The module whose code is importing (the first frame outside the import machinery)."""
    frame = sys._getframe(2)
    while frame is not None and ("importlib" in frame.f_code.co_filename or frame.f_code.co_filename.startswith("<frozen")):
        frame = frame.f_back
    return "" if frame is None else str(frame.f_globals.get("__name__", ""))


MSVCRT_STANDIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "msvcrt_standin.py")


class _NoPosixOnlyModules:
    """A meta-path finder that refuses the POSIX-only modules, as importing them on Windows does, and gives
    our own code the ``msvcrt`` it would find there (file locking)."""

    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in POSIX_ONLY or (top in POSIX_ONLY_FOR_US and _importer().startswith(OURS)):
            raise ModuleNotFoundError(f"No module named {name!r} (Windows conditions)", name=name)
        if name == "msvcrt" and _importer().startswith(OURS):
            return importlib.util.spec_from_file_location("msvcrt", MSVCRT_STANDIN)
        return None


for _name in list(sys.modules):
    if _name.split(".")[0] in POSIX_ONLY:
        del sys.modules[_name]
sys.meta_path.insert(0, _NoPosixOnlyModules())
