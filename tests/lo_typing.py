"""Type text into cells through LibreOffice's own input path (as a user types it), then save as xlsx.

Run with the system Python that has LibreOffice's UNO bridge (Debian ``python3-uno``)::

    /usr/bin/python3 tests/lo_typing.py IN.xlsx OUT.xlsx 'Chấm điểm!G18=85%' ...

Each cell is selected and the text entered with the ``.uno:EnterString`` command, which goes through the
same input handling as the keyboard: ``85%`` is recognised as a percentage and the cell's number format
changes as it would for a user (``setValue``/``setFormula`` skip part of that). A private profile and its
own port are used, so several runs do not share an instance (PITFALLS: LibreOffice UNO).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno  # noqa: E402 - only on the system Python with python3-uno
from com.sun.star.beans import PropertyValue  # noqa: E402


def _prop(name: str, value) -> PropertyValue:
    prop = PropertyValue()
    prop.Name, prop.Value = name, value
    return prop


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def type_cells(src: Path, dst: Path, entries: list[tuple[str, str, str]]) -> None:
    """Open ``src``, type each ``(sheet, cell, text)``, save as xlsx to ``dst``."""
    port = _free_port()
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.Popen(["soffice", f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
                                 "--invisible", "--norestore", f"--accept=socket,host=127.0.0.1,port={port};urp;"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            local = uno.getComponentContext()
            resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
            ctx = None
            for _ in range(200):
                try:
                    ctx = resolver.resolve(f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext")
                    break
                except Exception:  # noqa: BLE001 - not listening yet
                    time.sleep(0.2)
            if ctx is None:
                raise RuntimeError("LibreOffice did not start")
            smgr = ctx.ServiceManager
            desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
            doc = None
            for _ in range(5):   # loadComponentFromURL sometimes returns None right after start
                doc = desktop.loadComponentFromURL(src.resolve().as_uri(), "_blank", 0, (_prop("Hidden", True),))
                if doc is not None:
                    break
                time.sleep(1)
            dispatcher = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
            frame = doc.CurrentController.Frame
            for sheet, cell, text in entries:
                target = doc.Sheets.getByName(sheet).getCellRangeByName(cell)
                doc.CurrentController.select(target)
                dispatcher.executeDispatch(frame, ".uno:EnterString", "", 0, (_prop("StringName", text),))
            doc.calculateAll()
            doc.storeToURL(dst.resolve().as_uri(), (_prop("FilterName", "Calc Office Open XML"),))
            try:   # the bridge may close under us as LibreOffice exits: the file is already stored
                doc.close(True)
                desktop.terminate()
            except Exception:  # noqa: BLE001
                pass
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def main(argv: list[str]) -> int:
    src, dst, *specs = argv
    entries = []
    for spec in specs:
        where, text = spec.split("=", 1)
        sheet, cell = where.rsplit("!", 1)
        entries.append((sheet, cell, text))
    type_cells(Path(src), Path(dst), entries)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("SAL_USE_VCLPLUGIN", "svp")
    sys.exit(main(sys.argv[1:]))
