"""setuptools' entry point; every other setting is declarative, in setup.cfg.

The package list is computed here because setup.cfg's ``packages = find:`` cannot name a package that lives
outside ``bdg_workbook/``: ``bdg_workbook.templates`` is the top-level ``templates/`` folder (mapped by
``package_dir`` in setup.cfg) and must ship in the wheel with its YAML files.
"""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["bdg_workbook", "bdg_workbook.*"]), "bdg_workbook.templates"])
