"""Where the built-in default templates are: the ``bdg_workbook.templates`` package (the top-level
``templates/`` folder of the source tree, shipped in the wheel)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def _templates_dir() -> Path:
    """The folder of the shipped YAML templates, for an installed wheel, an editable install or a checkout."""
    try:
        found = Path(str(resources.files("bdg_workbook.templates")))
        if (found / "criteria-2024.yaml").is_file():
            return found
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parents[2] / "templates"   # a source checkout run without installing


TEMPLATES_DIR = _templates_dir()
TEMPLATE_FILES = ("criteria-2024.yaml", "departments.yaml", "config.yaml", "email.yaml")
