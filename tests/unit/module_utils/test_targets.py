# -*- coding: utf-8 -*-
"""_targets.launched_targets on task records, with a stand-in client (the HTTP side is tested
against the emulator in tests/unit/modules/test_sms_target_info.py): which tasks have a target,
which clones cost which lookups, and how failures are reported."""

import threading

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsError, SmsInputError
from ansible_collections.hwcloud.sms.plugins.module_utils._targets import FIELDS, launched_targets


def api_error(status):
    return SmsApiError("GET", "https://x", status, "Ecs.0114" if status == 404 else "SMS.9999", "no")


class Client(object):
    """Answers GET /v3/tasks/{id} from ``tasks`` and ECS ShowServer from ``servers`` (an exception is raised)."""

    def __init__(self, tasks=None, servers=None):
        self.tasks, self.servers, self.calls = tasks or {}, servers or {}, []
        self.lock = threading.Lock()

    @staticmethod
    def path(template, *params):
        return template.format(*params)

    def request(self, method, path, expect="any"):
        with self.lock:
            self.calls.append(path)
        answer = self.tasks.get(path.rsplit("/", 1)[-1], api_error(404))
        if isinstance(answer, Exception):
            raise answer
        return answer

    def ecs_request(self, method, template, vm_id, expect="any"):
        with self.lock:
            self.calls.append("ecs:" + vm_id)
        answer = self.servers.get(vm_id, api_error(404))
        if isinstance(answer, Exception):
            raise answer
        return {"server": {"id": vm_id, "name": answer[0],
                           "addresses": {"net": [{"addr": answer[1], "version": 4, "OS-EXT-IPS:type": "fixed"}]}}}


def task(task_id, state="SYNCING", source_state="syncing", clone=None, target_ip=None, cycle=None):
    source = {"id": "s-" + task_id, "name": "src-" + task_id, "state": source_state}
    if cycle:
        source["migration_cycle"] = cycle
    return {"id": task_id, "name": "wave1-" + task_id, "state": state, "source_server": source,
            "target_server": {"vm_id": "vm-" + task_id, "name": "tgt-" + task_id, "ip": target_ip},
            "clone_server": clone}


def test_cutover_targets_are_the_launched_tasks_even_before_their_address_is_known():
    tasks = [task("a", "MIGRATE_SUCCESS", "finished", target_ip="10.0.0.1"),
             task("b", "SYNCING", "cutovering"),
             task("c", "SYNCING", "syncing", target_ip="10.0.0.3"),
             task("d", "MIGRATE_SUCCESS", "stopped", target_ip="10.0.0.4")]
    client = Client()
    found = launched_targets(client, tasks, kinds=["cutover"])
    assert [(t["task_id"], t["ip"]) for t in found] == [("a", "10.0.0.1"), ("b", None)]
    assert all(sorted(t) == sorted(FIELDS) for t in found)
    assert found[0] == {"kind": "cutover", "task_id": "a", "task_name": "wave1-a", "source_id": "s-a",
                        "source_name": "src-a", "vm_id": "vm-a", "name": "tgt-a", "ip": "10.0.0.1"}
    assert client.calls == []  # cut-over targets cost no request


def test_a_listing_item_costs_a_task_read_and_a_finished_clone_an_ecs_read():
    brief = {"vm_id": "vm-c1", "name": "c1"}
    full = dict(brief, clone_state="FINISHED", clone_error=None, error_msg=None)
    tasks = [task("a", clone=brief), task("b", clone={"vm_id": "vm-c2", "name": "c2"}),
             task("c", clone=dict(full, vm_id="vm-c3")), task("d", clone=dict(full, clone_state="CREATING")),
             task("e", clone={"vm_id": None, "name": None}), task("gone", clone={"vm_id": "vm-c5", "name": "c5"})]
    failed = task("b", clone=dict(full, vm_id="vm-c2", clone_state="ERROR"))
    client = Client(tasks={"a": task("a", clone=full), "b": failed},
                    servers={"vm-c1": ("clone-1", "192.168.0.1"), "vm-c3": ("clone-3", "192.168.0.3")})
    found = launched_targets(client, tasks, kinds=["clone"], workers=3)
    assert [(t["task_id"], t["vm_id"], t["name"], t["ip"]) for t in found] == [
        ("a", "vm-c1", "clone-1", "192.168.0.1"), ("c", "vm-c3", "clone-3", "192.168.0.3")]
    # d (CREATING) and e (no vm_id) cost nothing; the task "gone" answers 404: no clone
    assert sorted(client.calls) == sorted(["/v3/tasks/a", "/v3/tasks/b", "/v3/tasks/gone", "ecs:vm-c1", "ecs:vm-c3"])


def test_lookups_that_fail_other_than_with_404_raise_naming_every_task():
    full = {"vm_id": None, "name": "x", "clone_state": "FINISHED"}
    tasks = [task("a", clone=dict(full, vm_id="vm-a")), task("b", clone=dict(full, vm_id="vm-b")),
             task("c", clone={"vm_id": "vm-c", "name": "c"}), task("ok", clone=dict(full, vm_id="vm-ok"))]
    client = Client(tasks={"c": api_error(500)},
                    servers={"vm-a": api_error(503), "vm-b": api_error(403), "vm-ok": ("ok", "10.0.0.9")})
    with pytest.raises(SmsError) as caught:
        launched_targets(client, tasks)
    message = str(caught.value)
    assert message.startswith("could not look up the test clone of 3 task(s): task a (wave1-a), clone vm-a:")
    assert "task b (wave1-b), clone vm-b" in message and "task c (wave1-c), clone vm-c" in message
    # with one failure, the API's fields come along (status, error_code, ...) for fail_json_sms
    with pytest.raises(SmsError) as caught:
        launched_targets(Client(servers={"vm-a": api_error(503)}), tasks[:1])
    assert caught.value.result["status"] == 503


@pytest.mark.parametrize("kinds", [[], ["drill"], ["clone", "test"]])
def test_unknown_kinds_are_refused(kinds):
    with pytest.raises(SmsInputError, match="kinds must name at least one of clone, cutover"):
        launched_targets(Client(), [], kinds=kinds)
