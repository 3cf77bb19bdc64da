"""LibreOffice headless helpers for tests: recalculate, re-save or print workbooks in batches.

``--convert-to xlsx`` keeps cached results unless the profile says "always recalculate on load"
(PITFALLS.md), so every call uses a private profile whose registrymodifications.xcu sets
``OOXMLRecalcMode`` = 0. One soffice call handles at most ``BATCH`` files (a call with ~500 files
stopped silently after ~247), and every expected output is checked.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

BATCH = 80
TIMEOUT_SECONDS = 600

_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>{mode}</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>{mode}</value></prop></item>
</oor:items>
"""


def soffice_binary() -> str | None:
    """Path of the soffice executable, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def soffice_available() -> bool:
    """Whether LibreOffice (soffice) is installed."""
    return soffice_binary() is not None


def _profile(root: Path, recalc: bool) -> str:
    user = root / "user"
    user.mkdir(parents=True, exist_ok=True)
    # 0 = always recalculate on load, 1 = never
    (user / "registrymodifications.xcu").write_text(_PROFILE.format(mode=0 if recalc else 1), encoding="utf-8")
    return root.resolve().as_uri()


def convert(paths: list[Path], out_dir: Path, target: str = "xlsx", recalc: bool = True) -> dict[Path, Path]:
    """Convert files with soffice (``--convert-to target``); returns input -> output; raises if any is missing."""
    binary = soffice_binary()
    if binary is None:
        raise RuntimeError("LibreOffice (soffice) không có trên máy; cài gói libreoffice-calc.")
    paths = [Path(p).resolve() for p in paths]
    stems = [p.stem for p in paths]
    if len(set(stems)) != len(stems):
        raise ValueError("Các tệp đầu vào phải có tên (stem) khác nhau: soffice ghi đè tệp cùng tên.")
    out_dir = Path(out_dir).resolve()
    if any(p.parent == out_dir for p in paths):
        raise ValueError("Thư mục kết quả phải khác thư mục chứa tệp đầu vào (soffice sẽ ghi đè tệp gốc).")
    out_dir.mkdir(parents=True, exist_ok=True)
    extension = target.split(":", 1)[0]
    result: dict[Path, Path] = {}
    with tempfile.TemporaryDirectory(prefix="bdg-lo-profile-") as tmp:
        profile = _profile(Path(tmp), recalc)
        for start in range(0, len(paths), BATCH):
            batch = paths[start:start + BATCH]
            command = [binary, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                       "--convert-to", target, "--outdir", str(out_dir), *map(str, batch)]
            done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
            missing = [p for p in batch if not (out_dir / f"{p.stem}.{extension}").is_file()]
            if done.returncode != 0 or missing:
                raise RuntimeError(f"soffice dừng (mã {done.returncode}); thiếu {len(missing)} tệp kết quả, "
                                   f"ví dụ {missing[:3]}.\nstdout: {done.stdout[-2000:]}\n"
                                   f"stderr: {done.stderr[-2000:]}")
            result.update({p: out_dir / f"{p.stem}.{extension}" for p in batch})
    return result


def recalc(paths: list[Path], out_dir: Path) -> dict[Path, Path]:
    """Open every workbook in LibreOffice, recalculate all formulas, save as xlsx into ``out_dir``."""
    return convert(paths, out_dir, "xlsx", recalc=True)


def save_with_libreoffice(paths: list[Path], out_dir: Path) -> dict[Path, Path]:
    """Re-save workbooks as LibreOffice does when a user opens and saves them (reader fixtures)."""
    return convert(paths, out_dir, "xlsx", recalc=True)


def to_pdf(paths: list[Path], out_dir: Path) -> dict[Path, Path]:
    """Print workbooks to PDF with LibreOffice (for looking at the page layout)."""
    return convert(paths, out_dir, "pdf", recalc=True)
