# -*- coding: utf-8 -*-
"""sms_template through ansible-playbook: the target password is sent but never printed, even at
-vvvv with --diff. Everything that does not need Ansible itself (create, idempotence, check mode,
diff, validation, deletion rules, sms_template_info) runs in-process in
tests/unit/modules/test_sms_template.py."""

import yaml

from support.ansible import emulator_env, run_playbook

PASSWORD = "Tgt-Passw0rd-4711"
NEW_PASSWORD = "Tgt-Passw0rd-0815"
BASE = {
    "name": "wave1-web",
    "availability_zone": "ap-southeast-3a",
    "vpc": {"id": "autoCreate", "name": "vpc-sms", "cidr": "192.168.0.0/16"},
    "nics": [{"id": "autoCreate", "name": "subnet-sms", "cidr": "192.168.0.0/24"}],
    "security_groups": [{"id": "autoCreate", "name": "sg-sms"}],
    "target_password": PASSWORD,
}


def _task(name, args, **keywords):
    task = {"name": name, "hwcloud.sms.sms_template": args}
    task.update(keywords)
    return task


def test_the_password_is_sent_but_never_printed(emulator_factory):
    emu = emulator_factory(sources=2)
    playbook = [{"hosts": "localhost", "gather_facts": False, "connection": "local", "tasks": [
        _task("check create", dict(BASE), check_mode=True, diff=True),
        _task("create", dict(BASE), diff=True),
        _task("other password always", dict(BASE, target_password=NEW_PASSWORD, update_password="always"), diff=True),
    ]}]
    run = run_playbook(yaml.safe_dump(playbook), env=emulator_env(emu, HUAWEICLOUD_REGION=emu.region), verbosity=4)
    assert run.rc == 0, run
    assert run.result("create")["changed"] is True
    assert run.result("other password always")["changed_fields"] == ["target_password"]
    template_id = run.result("create")["template"]["id"]
    assert emu.store.target_password(template_id)["target_password"] == NEW_PASSWORD
    # the password is sent but never printed, even at -vvvv
    assert PASSWORD not in run.output and NEW_PASSWORD not in run.output
