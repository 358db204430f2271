# -*- coding: utf-8 -*-
"""sms_target_info in this process against the emulator (SMS) and a small ECS stand-in (ECS
ShowServer), over real HTTP: cut-over targets from the tasks' target_server.ip, test clones
from ECS (a 404 means the clone is gone), the filters, the cost in requests, check mode."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sms_emulator import Emulator
from support.module_runner import emulator_args, run_module

from ansible_collections.hwcloud.sms.plugins.module_utils._client import SmsClient
from ansible_collections.hwcloud.sms.plugins.module_utils._phases import task_phase
from ansible_collections.hwcloud.sms.plugins.module_utils._targets import server_ipv4


class EcsStandIn(object):
    """ECS ShowServer for the servers in ``servers`` ({vm_id: (status, body)}); unknown ids 404 Ecs.0114."""

    def __init__(self):
        self.servers = {}
        self.requests = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # pylint: disable=invalid-name
                stand_in.requests.append(self.path)
                vm_id = self.path.rsplit("/", 1)[-1]
                gone = (404, {"error": {"code": "Ecs.0114", "message": "Instance does not exist"}})
                status, body = stand_in.servers.get(vm_id, gone)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]

    def add(self, vm_id, name, ip, status=200):
        body = {"server": {"id": vm_id, "name": name, "status": "ACTIVE", "addresses": {
            "vpc-1": [{"addr": "fe80::1", "version": 6, "OS-EXT-IPS:type": "fixed"},
                      {"addr": "100.64.0.9", "version": 4, "OS-EXT-IPS:type": "floating"},
                      {"addr": ip, "version": 4, "OS-EXT-IPS:type": "fixed"}]}}}
        self.servers[vm_id] = (status, body if status == 200 else {"error": {"code": "Ecs.0000", "message": "broken"}})

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def emu():
    with Emulator(sources=40, seed=5, states="syncing=0.4,finished=0.4,waiting=0.2") as emulator:
        yield emulator


@pytest.fixture
def ecs():
    stand_in = EcsStandIn()
    yield stand_in
    stand_in.close()


def _tasks(emu):
    return emu.store.list_tasks(limit=200)[1]


def _set_clone(emu, task_id, vm_id, name, clone_state="FINISHED"):
    with emu.store.db.write() as conn:
        task = emu.store.db.load_task(task_id, conn)
        task["clone_server"] = {"vm_id": vm_id, "name": name, "clone_state": clone_state, "clone_error": None,
                                "error_msg": None}
        emu.store.db.save_task(conn, task)


def _clear_clones(emu):
    for task in _tasks(emu):
        if task.get("clone_server"):
            with emu.store.db.write() as conn:
                stored = emu.store.db.load_task(task["id"], conn)
                stored["clone_server"] = None
                emu.store.db.save_task(conn, stored)


@pytest.fixture
def syncing(emu):
    _clear_clones(emu)
    yield [task for task in _tasks(emu) if task_phase(task) == "syncing"]
    _clear_clones(emu)


def test_cutover_targets_are_the_launched_tasks_with_their_target_ip_at_one_listing(emu):
    launched = [task for task in _tasks(emu) if task_phase(task) in ("cutting_over", "finished")]
    assert len(launched) >= 5
    emu.clear_request_log()
    result = run_module("sms_target_info", emulator_args(emu, kinds=["cutover"]))
    assert not result.get("failed"), result.get("msg")
    assert result["count"] == len(result["targets"]) == len(launched)
    by_task = dict((target["task_id"], target) for target in result["targets"])
    for task in launched:
        target = by_task[task["id"]]
        assert target == {"kind": "cutover", "task_id": task["id"], "task_name": task["name"],
                          "source_id": task["source_server"]["id"], "source_name": task["source_server"]["name"],
                          "vm_id": task["target_server"]["vm_id"], "name": task["target_server"]["name"],
                          "ip": task["target_server"]["ip"]}
        assert target["ip"]
    assert [(e["method"], e["path"]) for e in emu.request_log()] == [("GET", "/v3/tasks")]


def test_clones_get_their_address_from_ecs_and_a_deleted_clone_is_not_listed(emu, ecs, syncing):
    kept, deleted, preparing = syncing[:3]
    _set_clone(emu, kept["id"], "vm-clone-1", "sms-clone-1")
    _set_clone(emu, deleted["id"], "vm-clone-gone", "sms-clone-gone")
    _set_clone(emu, preparing["id"], "vm-clone-3", "sms-clone-3", clone_state="CREATING")
    ecs.add("vm-clone-1", "web-clone", "192.168.7.7")
    ecs.add("vm-clone-3", "not-ready", "192.168.7.8")
    emu.clear_request_log()
    result = run_module("sms_target_info", emulator_args(emu, ecs_endpoint=ecs.url, kinds=["clone"]))
    assert not result.get("failed"), result.get("msg")
    assert result["targets"] == [{"kind": "clone", "task_id": kept["id"], "task_name": kept["name"],
                                  "source_id": kept["source_server"]["id"], "source_name": kept["source_server"]["name"],
                                  "vm_id": "vm-clone-1", "name": "web-clone", "ip": "192.168.7.7"}]
    # one ECS request per FINISHED clone (the CREATING one costs nothing), under /v1/{project_id}
    assert sorted(ecs.requests) == ["/v1/%s/cloudservers/%s" % (emu.project_id, vm) for vm in
                                    ("vm-clone-1", "vm-clone-gone")]
    # the listing does not tell a clone's state (CloneServerBrief): each task with a clone is read once
    assert sorted(e["path"] for e in emu.request_log()) == ["/v3/tasks"] + sorted(
        "/v3/tasks/" + task["id"] for task in (kept, deleted, preparing))
    # both kinds: cut-over targets first, then the clone
    both = run_module("sms_target_info", emulator_args(emu, ecs_endpoint=ecs.url))
    assert [t["kind"] for t in both["targets"]] == ["cutover"] * (both["count"] - 1) + ["clone"]


def test_filters_choose_the_tasks_before_any_ecs_request(emu, ecs, syncing):
    first, second = syncing[:2]
    _set_clone(emu, first["id"], "vm-a", "a")
    _set_clone(emu, second["id"], "vm-b", "b")
    ecs.add("vm-a", "a", "192.168.1.1")
    ecs.add("vm-b", "b", "192.168.1.2")
    by_id = run_module("sms_target_info", emulator_args(emu, ecs_endpoint=ecs.url, task_ids=[second["id"]]))
    assert [(t["kind"], t["task_id"]) for t in by_id["targets"]] == [("clone", second["id"])]
    assert ecs.requests == ["/v1/%s/cloudservers/vm-b" % emu.project_id]
    by_source = run_module("sms_target_info", emulator_args(emu, ecs_endpoint=ecs.url,
                                                            source_names=[first["source_server"]["name"]]))
    assert [t["task_id"] for t in by_source["targets"]] == [first["id"]]
    by_prefix = run_module("sms_target_info", emulator_args(emu, ecs_endpoint=ecs.url, name_prefix=first["name"]))
    assert first["id"] in [t["task_id"] for t in by_prefix["targets"]]
    assert all(t["task_name"].startswith(first["name"]) for t in by_prefix["targets"])
    nothing = run_module("sms_target_info", emulator_args(emu, ecs_endpoint=ecs.url, name_prefix="no-such-wave-"))
    assert (nothing["count"], nothing["targets"]) == (0, [])


def test_an_ecs_error_other_than_404_fails_naming_the_task(emu, ecs, syncing):
    broken = syncing[0]
    _set_clone(emu, broken["id"], "vm-broken", "broken")
    ecs.add("vm-broken", "broken", "192.168.2.2", status=500)
    result = run_module("sms_target_info", emulator_args(emu, ecs_endpoint=ecs.url, kinds=["clone"], retries=0))
    assert result["failed"]
    assert "could not look up the test clone of 1 task(s)" in result["msg"]
    assert broken["id"] in result["msg"] and "vm-broken" in result["msg"]
    assert result["status"] == 500
    assert emu.secret_key not in json.dumps(result)


def test_check_mode_reads_the_same_and_writes_nothing(emu, ecs, syncing):
    _set_clone(emu, syncing[0]["id"], "vm-c", "c")
    ecs.add("vm-c", "c", "192.168.3.3")
    emu.clear_request_log()
    normal = run_module("sms_target_info", emulator_args(emu, ecs_endpoint=ecs.url))
    checked = run_module("sms_target_info", emulator_args(emu, ecs_endpoint=ecs.url), check_mode=True)
    assert checked["targets"] == normal["targets"] and checked["changed"] is False
    assert emu.write_requests() == []


@pytest.mark.parametrize("args, words", [
    ({"kinds": []}, "kinds must name at least one of clone, cutover"),
    ({"kinds": ["drill"]}, "kinds"),
    ({"workers": 0}, "workers"),
    ({"task_ids": [""]}, "task_ids[0]"),
])
def test_bad_options_fail_before_any_request(emu, args, words):
    emu.clear_request_log()
    result = run_module("sms_target_info", emulator_args(emu, **args))
    assert result["failed"] and words in result["msg"]
    assert emu.request_log() == []


def test_the_address_is_the_first_fixed_ipv4_in_network_name_order():
    assert server_ipv4({"addresses": {"b": [{"addr": "10.0.0.2", "version": 4, "OS-EXT-IPS:type": "fixed"}],
                                      "a": [{"addr": "8.8.8.8", "version": 4, "OS-EXT-IPS:type": "floating"},
                                            {"addr": "10.0.0.1", "version": 4, "OS-EXT-IPS:type": "fixed"}]}}) == "10.0.0.1"
    assert server_ipv4({"addresses": {"a": [{"addr": "8.8.8.8", "version": 4}]}}) == "8.8.8.8"
    assert server_ipv4({"addresses": {"a": [{"addr": "fe80::1", "version": 6}]}}) is None
    assert server_ipv4({}) is None and server_ipv4(None) is None


# --- end to end with the emulator's clone tests and ECS ---------------------------------------

def _clone_test(client, task):
    template = client.request("POST", "/v3/vm/templates", body={"template": {"name": "clone-" + task["id"][:8]}})
    body = {"operation": "clone_test", "template_id": template["id"]}
    client.request("POST", "/v3/tasks/%s/action" % task["id"], body=body)


def test_emulated_clone_tests_from_preparing_to_finished_failed_and_deleted(emulator_factory):
    emu = emulator_factory(sources=12, seed=9, states="syncing=1.0", target_ip="127.0.0.1")
    client = SmsClient(endpoint=emu.url, access_key=emu.access_key, secret_key=emu.secret_key,
                       project_id=emu.project_id, ecs_endpoint=emu.url)
    ok, failing, deleted = [task for task in emu.store.list_tasks(limit=200)[1] if task_phase(task) == "syncing"][:3]
    emu.set_rehearsal_fault(failing["id"], clone_fails=True)
    for task in (ok, failing, deleted):
        _clone_test(client, task)
    args = emulator_args(emu, kinds=["clone"])
    # PREPARING: nothing to check yet, and ECS is not asked
    emu.clear_request_log()
    assert run_module("sms_target_info", args)["targets"] == []
    assert not [e for e in emu.request_log() if "/cloudservers/" in e["path"]]
    emu.advance(400)
    clone_vm = dict((task["id"], client.request("GET", "/v3/tasks/" + task["id"])["clone_server"]["vm_id"])
                    for task in (ok, deleted))
    client.ecs_request("POST", "/cloudservers/delete", body={"servers": [{"id": clone_vm[deleted["id"]]}],
                                                             "delete_publicip": True, "delete_volume": True})
    emu.advance(60)
    emu.clear_request_log()
    result = run_module("sms_target_info", args)
    paths = sorted(e["path"] for e in emu.request_log())
    assert not result.get("failed"), result.get("msg")
    # the failed clone (clone_state ERROR) and the deleted one (ECS 404) are not listed
    assert [(t["kind"], t["task_id"], t["vm_id"], t["ip"]) for t in result["targets"]] == [
        ("clone", ok["id"], clone_vm[ok["id"]], "127.0.0.1")]
    assert result["targets"][0]["name"] == client.request("GET", "/v3/tasks/" + ok["id"])["clone_server"]["name"]
    # one listing; a GET per task whose listing shows a clone; ECS for the clones SMS calls FINISHED
    assert paths.count("/v3/tasks") == 1
    assert sorted(p for p in paths if p.startswith("/v3/tasks/")) == sorted(
        "/v3/tasks/" + task["id"] for task in (ok, failing, deleted))
    assert sorted(p for p in paths if "/cloudservers/" in p) == sorted(
        "/v1/%s/cloudservers/%s" % (emu.project_id, clone_vm[task["id"]]) for task in (ok, deleted))
    assert emu.write_requests() == []


def test_emulated_cutover_targets_have_the_address_the_emulator_gives(emulator_factory):
    emu = emulator_factory(sources=12, seed=10, states="syncing=1.0", target_ip="127.0.0.1")
    client = SmsClient(endpoint=emu.url, access_key=emu.access_key, secret_key=emu.secret_key,
                       project_id=emu.project_id)
    task = emu.store.list_tasks(limit=200)[1][0]
    client.request("POST", "/v3/tasks/%s/action" % task["id"], body={"operation": "cutover"})
    emu.advance(86400)
    result = run_module("sms_target_info", emulator_args(emu, kinds=["cutover"]))
    shown = client.request("GET", "/v3/tasks/" + task["id"])
    assert task_phase(shown) == "finished"
    # the generated fleet's targets exist (with their address) from the start of continuous sync
    assert [(t["task_id"], t["ip"], t["vm_id"]) for t in result["targets"]] == [
        (task["id"], shown["target_server"]["ip"], shown["target_server"]["vm_id"])]
    assert result["targets"][0]["ip"]
