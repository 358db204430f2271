# -*- coding: utf-8 -*-
"""sms_source_info end to end: ansible-playbook -> module -> shared client -> emulator, for what
needs Ansible: the action group's module_defaults with --check, and -vvvv output. The module's
own logic is tested in-process: tests/unit/modules/test_sms_source_info.py."""

import json

from support.ansible import emulator_env, run_module, run_playbook


def test_module_defaults_group_and_check_mode(emulator_factory):
    emu = emulator_factory(sources=5)
    creds = emu.credentials
    playbook = [{
        "hosts": "localhost", "gather_facts": False, "connection": "local",
        "module_defaults": {"group/hwcloud.sms.sms": {
            "endpoint": creds["endpoint"], "access_key": creds["access_key"], "secret_key": creds["secret_key"]}},
        "tasks": [{"name": "list", "hwcloud.sms.sms_source_info": {"state": "waiting"}, "register": "out"}],
    }]
    run = run_playbook(json.dumps(playbook) + "\n", check=True)
    assert run.rc == 0, run
    assert run.result("list")["count"] == emu.store.count_sources(state="waiting")


def test_secret_key_never_appears_even_at_vvvv(emulator_factory):
    emu = emulator_factory(sources=2)
    result = run_module("sms_source_info", {"secret_key": emu.credentials["secret_key"]},
                        env=emulator_env(emu), verbosity=4)
    assert result["count"] == 2
    assert emu.credentials["secret_key"] not in result["_run"].output
