"""Ward masters for the review and district tests (issue 7): made by the demo, edited like an officer would."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

from bdg_workbook.cli.app import write_collect_outputs
from bdg_workbook.demo.season import DemoRun, run_demo
from bdg_workbook.domain.model import Setup
from bdg_workbook.trust.signing import KEY_DIR, KEY_FILE, public_key_path

WARDS = (("phường Nhơn Hưng", "Nhơn Hưng", 11), ("phường Nhà Bàng", "Nhà Bàng", 22), ("xã Văn Giáo", "Văn Giáo", 33))


@dataclass(frozen=True)
class Ward:
    """One demo ward: its setup, the demo run, its signed master and its key pair."""

    setup: Setup
    run: DemoRun
    master: Path
    key: Path

    @property
    def public_key(self) -> Path:
        """The ward's public key file (.pub)."""
        return public_key_path(self.key)


def ward_setup(base: Setup, ward: str, place: str) -> Setup:
    """The default setup with another ward name (config copy), as another ward's working folder would have it."""
    cfg = dataclasses.replace(base.config, ward=ward, ward_upper=ward.upper(), place_name=place,
                              aggregator_header=("ỦY BAN NHÂN DÂN", ward.upper()),
                              aggregator_name=f"Ủy ban nhân dân {ward}")
    return dataclasses.replace(base, config=cfg)


def make_demo_wards(base: Setup, root: Path) -> list[Ward]:
    """Run the demo for each of WARDS (own folder, seed and key) and write its signed master."""
    out = []
    for i, (ward, place, seed) in enumerate(WARDS, 1):
        setup = ward_setup(base, ward, place)
        folder = root / f"ward{i}"
        run = run_demo(setup, folder, seed=seed, jobs=1)
        key = folder / KEY_DIR / KEY_FILE
        master = folder / "masters" / f"TONGHOP_2024_PHUONG{i}.xlsx"
        write_collect_outputs(run.result, master, key)
        out.append(Ward(setup, run, master, key))
    return out


def keys_folder(wards: list[Ward], folder: Path) -> Path:
    """A --keys folder holding the public keys of ``wards``, each bound to its ward as ``keys export`` writes it."""
    from bdg_workbook.trust.signing import export_public_key, load_private_key

    folder.mkdir(parents=True, exist_ok=True)
    for i, ward in enumerate(wards, 1):
        cfg = ward.setup.config
        data = export_public_key(load_private_key(ward.key), cfg.ward, cfg.district, cfg.province)
        (folder / f"phuong{i}.pub").write_bytes(data)
    return folder


def named_cell(book: openpyxl.Workbook, name: str) -> Any:
    """The openpyxl cell a workbook-level defined name points at."""
    sheet, ref = next(book.defined_names[name].destinations)
    return book[sheet][ref.replace("$", "")]


def edit_master(source: Path, target: Path, values: dict[str, Any] | None = None,
                data: dict[tuple[str, str, int], Any] | None = None, meta: dict[str, Any] | None = None) -> Path:
    """A copy of a master with cells changed: ``values`` by defined name (review cells), ``data`` by
    (department, key, column 5 self / 6 counted / 7 verified) on the data sheet, ``meta`` by key."""
    book = openpyxl.load_workbook(source)
    for name, value in (values or {}).items():
        named_cell(book, name).value = value
    if data:
        ws = book["Dữ liệu"]
        for row in ws.iter_rows(min_row=2):
            for (dept, key, column), value in data.items():
                if row[0].value == dept and row[3].value == key:
                    row[column - 1].value = value
    for key, value in (meta or {}).items():
        named_cell(book, f"meta_{key}").value = value
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target
