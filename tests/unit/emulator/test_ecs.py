"""The ECS side of launched servers over HTTP: the targets' and clones' addresses (default
192.168.0.0/16, ``target_ip``, the ``unreachable`` fault), ShowServer, DeleteServers and ShowJob,
their errors in ECS's shape, signed and authorized like every call."""

import ipaddress
import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest

from sms_emulator import clones, ecs

from support.emulator_client import LINUX_BODY, SignedClient, task_body

RUN = os.path.join(os.path.dirname(__file__), "..", "..", "emulator", "run_emulator.py")


def _path(emu, rest):
    return "/v1/%s/%s" % (emu.project_id, rest)


def _show(emu, server_id):
    return emu.client.request("GET", _path(emu, "cloudservers/" + server_id))


def _target(emu, task_id):
    return emu.client.request("GET", "/v3/tasks/" + task_id)[1]["target_server"]


def _clone(emu, task_id):
    """A finished clone of the task: its ECS id."""
    assert emu.client.request("POST", "/v3/tasks/%s/action" % task_id,
                              body={"operation": "clone_test", "template_id": emu.template()})[0] == 200
    emu.advance(clones.PREPARING_SECONDS + clones.CREATING_SECONDS + 1)
    return emu.store.get_task(task_id)["clone_server"]["vm_id"]


def _addr(answer):
    (address,) = [entry for entries in answer["server"]["addresses"].values() for entry in entries]
    return address["addr"]


def test_a_target_has_an_address_and_an_ecs_server_once_it_exists(rehearsal):
    emu = rehearsal
    _source_id, task_id = emu.syncing()
    target = _target(emu, task_id)
    assert ipaddress.IPv4Address(target["ip"]) in ipaddress.IPv4Network("192.168.0.0/16")
    listed = emu.client.request("GET", "/v3/tasks", {"id": task_id})[1]["tasks"][0]["target_server"]
    assert listed["ip"] == target["ip"]
    status, answer, _headers = _show(emu, target["vm_id"])
    assert status == 200 and _addr(answer) == target["ip"] and answer["server"]["name"] == target["name"]
    # the cut-over keeps it: the launched target is shown by ECS
    assert emu.client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "cutover"})[0] == 200
    emu.advance(86400)
    assert emu.store.get_task(task_id)["state"] == "MIGRATE_SUCCESS"
    assert _target(emu, task_id)["ip"] == target["ip"] and _show(emu, target["vm_id"])[0] == 200
    assert [server["kind"] for server in emu.store.ecs_servers()] == ["target"]


def test_a_task_not_started_has_no_target_address(rehearsal):
    emu = rehearsal
    source_id = emu.client.request("POST", "/v3/sources", body=dict(LINUX_BODY, name="idle"))[1]["id"]
    task_id = emu.client.request("POST", "/v3/tasks", body=task_body(emu, source_id))[1]["id"]
    assert _target(emu, task_id)["ip"] is None


def test_target_ip_for_every_new_target_and_clone(emulator_factory):
    emu = emulator_factory(sources=0, auto_agent=True, agent_delay=1, target_ip="127.0.0.1")
    emu.client = SignedClient(emu)
    assert emu.target_ip == "127.0.0.1"
    source_id = emu.client.request("POST", "/v3/sources", body=dict(LINUX_BODY, name="local"))[1]["id"]
    task_id = emu.client.request("POST", "/v3/tasks", body=task_body(emu, source_id, syncing=True))[1]["id"]
    emu.store.task_action(task_id, "start")
    emu.advance(86400)
    assert _target(emu, task_id)["ip"] == "127.0.0.1"
    template = emu.client.request("POST", "/v3/vm/templates", body={"template": {"name": "t"}})[1]["id"]
    emu.store.task_action(task_id, "clone_test", {"template_id": template})
    emu.advance(600)
    clone_id = emu.store.get_task(task_id)["clone_server"]["vm_id"]
    assert _addr(_show(emu, clone_id)[1]) == "127.0.0.1"
    # the admin API changes it for the next ones, and shows the servers
    request = urllib.request.Request(emu.url + "/_emulator/targets", method="POST",
                                     data=json.dumps({"target_ip": "127.0.0.2"}).encode())
    with urllib.request.urlopen(request) as response:
        shown = json.load(response)
    assert shown["target_ip"] == "127.0.0.2" and emu.target_ip == "127.0.0.2"
    assert sorted((server["kind"], server["ip"]) for server in shown["servers"]) == [
        ("clone", "127.0.0.1"), ("target", "127.0.0.1")]
    with pytest.raises(ValueError):
        emu.set_target_ip("not-an-address")
    emu.client.close()


def test_an_unreachable_target_and_clone_get_test_net_addresses(rehearsal):
    emu = rehearsal
    source_id, task_id = emu.syncing()
    before = _target(emu, task_id)["ip"]
    assert not before.startswith("192.0.2.")
    # set on a task whose target exists: the target moves at once, the next clone too
    emu.set_rehearsal_fault(task_id, unreachable=True)
    test_net = ipaddress.IPv4Network("192.0.2.0/24")
    target = _target(emu, task_id)
    assert ipaddress.IPv4Address(target["ip"]) in test_net
    assert _addr(_show(emu, target["vm_id"])[1]) == target["ip"]
    clone_id = _clone(emu, task_id)
    assert ipaddress.IPv4Address(_addr(_show(emu, clone_id)[1])) in test_net
    # set on a source before its task exists: its target is born unreachable
    emu.clear_rehearsal_fault(task_id)
    assert emu.store.rehearsal_fault(task_id) is None
    other_source = emu.client.request("POST", "/v3/sources", body=dict(
        LINUX_BODY, name="later", networks=[{"mac": "fa:16:3e:55:55:55"}]))[1]["id"]
    emu.set_rehearsal_fault(other_source, unreachable=True)
    other_task = emu.client.request("POST", "/v3/tasks", body=task_body(emu, other_source, syncing=True))[1]["id"]
    emu.store.task_action(other_task, "start")
    emu.advance(86400)
    assert ipaddress.IPv4Address(_target(emu, other_task)["ip"]) in test_net
    assert source_id != other_source


def test_deleting_a_clone_is_a_job_and_the_task_keeps_its_clone_record(rehearsal):
    emu = rehearsal
    _source_id, task_id = emu.syncing()
    clone_id = _clone(emu, task_id)
    status, answer, _headers = emu.client.request("POST", _path(emu, "cloudservers/delete"), body={
        "servers": [{"id": clone_id}], "delete_publicip": True, "delete_volume": True})
    assert status == 200 and set(answer) == {"job_id"}
    job_path = _path(emu, "jobs/" + answer["job_id"])
    status, job, _headers = emu.client.request("GET", job_path)
    assert status == 200 and job["status"] == "RUNNING" and job["job_type"] == "deleteServer"
    assert set(job) <= set(ecs.JOB_FIELDS)
    assert job["entities"]["sub_jobs"][0]["entities"] == {"server_id": clone_id}
    assert _show(emu, clone_id)[0] == 200  # still there while the job runs
    emu.advance(ecs.DELETE_SECONDS + 1)
    job = emu.client.request("GET", job_path)[1]
    assert job["status"] == "SUCCESS" and job["end_time"] and job["error_code"] is None
    assert all(sub["status"] == "SUCCESS" for sub in job["entities"]["sub_jobs"])
    status, answer, _headers = _show(emu, clone_id)
    assert status == 404
    assert answer == {"error": {"code": "Ecs.0114", "message": "Instance[%s] could not be found." % clone_id}}
    # INFERENCE: SMS keeps the clone record
    assert emu.client.request("GET", "/v3/tasks/" + task_id)[1]["clone_server"]["vm_id"] == clone_id


def test_answers_hold_the_documented_fields(rehearsal):
    emu = rehearsal
    _source_id, task_id = emu.syncing()
    server = _show(emu, _target(emu, task_id)["vm_id"])[1]
    assert set(server) == {"server"} and set(server["server"]) <= set(ecs.SERVER_FIELDS)
    for entries in server["server"]["addresses"].values():
        for entry in entries:
            assert set(entry) <= set(ecs.ADDRESS_FIELDS)


@pytest.mark.parametrize("body, problem", [
    ({}, "servers"),
    ({"servers": []}, "servers"),
    ({"servers": [{"id": "a", "name": "x"}]}, "server"),
    ({"servers": [{"id": ""}]}, "server"),
    ({"servers": [{"id": "a"}], "delete_volume": "yes"}, "delete_volume"),
    ({"servers": [{"id": "a"}], "force": True}, "force"),
])
def test_bad_delete_bodies(rehearsal, body, problem):
    status, answer, _headers = rehearsal.client.request("POST", _path(rehearsal, "cloudservers/delete"), body=body)
    assert status == 400 and answer["error"]["code"] == "Ecs.0005" and problem in answer["error"]["message"]


def test_unknown_servers_jobs_and_projects(rehearsal):
    emu = rehearsal
    _source_id, task_id = emu.syncing()
    target = _target(emu, task_id)["vm_id"]
    status, answer, _headers = emu.client.request("POST", _path(emu, "cloudservers/delete"), body={
        "servers": [{"id": target}, {"id": "gone"}]})
    assert status == 404 and answer["error"]["code"] == "Ecs.0114"
    assert _show(emu, target)[0] == 200  # nothing was deleted
    status, answer, _headers = emu.client.request("GET", _path(emu, "jobs/nope"))
    assert status == 404 and answer["error"]["code"] == "Ecs.0000"
    status, answer, _headers = emu.client.request("GET", "/v1/%s/cloudservers/%s" % ("0" * 32, target))
    assert status == 403 and answer["error"]["code"] == "Ecs.0003"


def test_ecs_calls_are_signed_and_authorized(rehearsal):
    emu = rehearsal
    _source_id, task_id = emu.syncing()
    target = _target(emu, task_id)["vm_id"]
    bad = SignedClient(emu, secret_key="wrong")
    try:
        status, answer, _headers = bad.request("GET", _path(emu, "cloudservers/" + target))
        assert status == 401 and answer["error_code"] == "APIGW.0301"
    finally:
        bad.close()
    emu.add_user("DENIED", "denied-secret", denied_actions=["ecs:cloudServers:delete"])
    denied = SignedClient(emu, access_key="DENIED", secret_key="denied-secret")
    try:
        assert denied.request("GET", _path(emu, "cloudservers/" + target))[0] == 200
        status, answer, _headers = denied.request("POST", _path(emu, "cloudservers/delete"),
                                                  body={"servers": [{"id": target}]})
        assert status == 403 and answer["error"]["code"] == "Ecs.0003"
        assert "ecs:cloudServers:delete" in answer["error"]["message"]
    finally:
        denied.close()
    assert emu.store.ecs_servers()[0]["id"] == target


def test_the_target_ip_flag(tmp_path):
    ready = tmp_path / "ready.json"
    process = subprocess.Popen([sys.executable, RUN, "--target-ip", "127.0.0.1", "--ready-file", str(ready), "--json"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        endpoint = json.loads(ready.read_text())["endpoint"]
        with urllib.request.urlopen(endpoint + "/_emulator/targets") as response:
            assert json.load(response) == {"target_ip": "127.0.0.1", "servers": []}
    finally:
        process.terminate()
        process.wait(timeout=30)
    bad = subprocess.run([sys.executable, RUN, "--target-ip", "nope"], capture_output=True, text=True, timeout=60,
                         check=False)
    assert bad.returncode == 2 and "nope" in bad.stderr


def test_a_target_network_gives_each_new_server_its_own_address(rehearsal):
    emu = rehearsal
    emu.set_target_ip("127.10.0.0/29")
    _source_a, task_a = emu.syncing()
    _source_b, task_b = emu.syncing()
    first, second = _target(emu, task_a)["ip"], _target(emu, task_b)["ip"]
    assert (first, second) == ("127.10.0.1", "127.10.0.2")
    clone_id = _clone(emu, task_a)
    assert _addr(_show(emu, clone_id)[1]) == "127.10.0.3"
    for bad in ("127.0.0.0/31", "300.0.0.0/8", "nope"):
        with pytest.raises(ValueError):
            emu.set_target_ip(bad)


def test_a_failing_deletion_job_leaves_the_server_once(rehearsal):
    emu = rehearsal
    source_id, task_id = emu.syncing()
    clone_id = _clone(emu, task_id)
    emu.set_rehearsal_fault(source_id, delete_fails=True)

    def delete():
        answer = emu.client.request("POST", _path(emu, "cloudservers/delete"), body={"servers": [{"id": clone_id}]})[1]
        emu.advance(ecs.DELETE_SECONDS + 1)
        return emu.client.request("GET", _path(emu, "jobs/" + answer["job_id"]))[1]
    job = delete()
    assert (job["status"], job["error_code"], job["fail_reason"]) == ("FAIL",) + ecs.DELETE_ERROR
    assert job["entities"]["sub_jobs"][0]["status"] == "FAIL"
    assert _show(emu, clone_id)[0] == 200
    assert delete()["status"] == "SUCCESS" and _show(emu, clone_id)[0] == 404
