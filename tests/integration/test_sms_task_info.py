# -*- coding: utf-8 -*-
"""sms_task_info through ansible-playbook: a wave wait end to end. The module's logic (every page,
phases and summary, the cheaper read, waits) is tested in process in tests/unit/modules/test_sms_task_info.py."""

import pytest

from sms_emulator import Emulator
from support.ansible import emulator_env, run_module

# A fleet with running and syncing tasks among others.
STATES = "replicate=0.3,syncing=0.15,finished=0.3,stopped=0.1,error=0.05,waiting=0.1"


@pytest.fixture(scope="module")
def emu():
    with Emulator(sources=520, seed=2, states=STATES) as emulator:
        yield emulator


@pytest.fixture
def env(emu):
    return emulator_env(emu)


def test_wait_any_returns_when_one_task_is_there(emu, env):
    _count, running = emu.store.list_tasks(state="RUNNING", limit=1)
    _count, syncing = emu.store.list_tasks(state="SYNCING", limit=1)
    result = run_module("sms_task_info", {"task_ids": [running[0]["id"], syncing[0]["id"]], "wait_for": ["syncing"],
                                          "wait_mode": "any", "poll_interval": 0.2, "wait_timeout": 5}, env=env)
    assert not result.get("failed"), result.get("msg")
    assert result["polls"] == 1 and result["summary"]["syncing"] == 1
