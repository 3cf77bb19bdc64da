"""The default number of collect workers: BDG_JOBS when set to a positive whole number, else the usable cores."""

import os

from bdg_workbook.collect.workers import default_jobs


def test_env_overrides_and_bad_values_are_ignored(monkeypatch):
    monkeypatch.setenv("BDG_JOBS", "1")
    assert default_jobs() == 1
    monkeypatch.setenv("BDG_JOBS", "3")
    assert default_jobs() == 3
    cores = len(os.sched_getaffinity(0))
    for bad in ("0", "-2", "hai", ""):
        monkeypatch.setenv("BDG_JOBS", bad)
        assert default_jobs() == cores
