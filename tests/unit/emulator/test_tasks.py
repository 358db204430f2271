"""Migration tasks: creation errors, actions and the commands they queue, both command generations."""

import pytest

from sms_emulator import Emulator, task_validation

from support.emulator_client import SignedClient, new_task, task_body

DAY = 86400


def test_task_errors_and_skip_premigrate(emu, client):
    missing = task_body(emu, emu.store.list_sources(limit=1)[0]["id"], source_server={"id": "missing"})
    status, body, _headers = client.request("POST", "/v3/tasks", body=missing)
    assert status == 400 and body["error_code"] == "SMS.2216"
    source_id, task_id = new_task(emu, client)
    client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "start"})
    assert client.request("DELETE", "/v3/tasks/%s" % task_id)[1]["error_code"] == "SMS.2015"
    client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "skip"})
    assert emu.store.pending_command(source_id)["command_name"] == "SKIP"
    assert emu.store.get_source(source_id)["state"] == "skipping"
    status, body, _headers = client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "migration_test"})
    assert status == 400 and body["error_code"] == "SMS.1042"
    client.request("POST", "/v3/sources/%s/command_result" % source_id, body={
        "command_name": "SKIP", "result": "success", "result_detail": {}})
    assert emu.store.get_task(task_id)["state"] == "RUNNING"
    client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "migration_test"})
    assert emu.store.pending_command(source_id)["command_name"] == "PREMIGRATE"
    assert emu.store.get_source(source_id)["state"] == "premigready"
    assert client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "fly"})[0] == 400


def test_old_generation_sync_and_delete(emulator_factory):
    emu = emulator_factory(command_generation="old")
    client = SignedClient(emu)
    source_id, task_id = new_task(emu, client)
    emu.store.task_action(task_id, "start")
    emu.store.report_command_result(source_id, {"command_name": "START", "result": "success", "result_detail": {}})
    emu.advance(DAY)  # the full copy ends and the target is launched
    assert emu.store.get_source(source_id)["state"] == "finished"
    emu.store.task_action(task_id, "sync")
    assert emu.store.pending_command(source_id)["command_name"] == "SYNC"
    emu.store.report_command_result(source_id, {"command_name": "SYNC", "result": "success", "result_detail": {}})
    assert emu.store.get_task(task_id)["state"] == "SYNCING"
    emu.advance(DAY)
    assert emu.store.get_task(task_id)["state"] == "SYNC_SUCCESS"
    assert client.request("DELETE", "/v3/tasks/%s" % task_id)[0] == 200
    assert emu.store.pending_command(source_id)["command_name"] == "DELETE"


def test_request_fields_are_the_official_sdk_models():
    models = pytest.importorskip("huaweicloudsdksms.v3.model")
    assert set(task_validation.POST_TASK_FIELDS) == set(models.PostTask.attribute_map)
    assert set(task_validation.SOURCE_SERVER_BY_TASK_FIELDS) == set(models.SourceServerByTask.attribute_map)
    assert set(task_validation.TARGET_SERVER_BY_TASK_FIELDS) == set(models.TargetServerByTask.attribute_map)
    assert set(task_validation.TARGET_DISK_FIELDS) == set(models.TargetDisks.attribute_map)
    assert set(task_validation.PHYSICAL_VOLUME_FIELDS) == set(models.PhysicalVolumes.attribute_map)
    assert set(task_validation.ACTION_FIELDS) - {"param"} == set(models.UpdateTaskStatusReq.attribute_map)
    assert set(task_validation.TASK_STATES) >= {"READY", "RUNNING", "SYNCING", "MIGRATE_SUCCESS", "MIGRATE_FAIL", "ABORTING",
                                                "ABORT", "DELETING", "SYNC_F_ROLLBACKING", "SYNC_F_ROLLBACK_SUCCESS"}


@pytest.fixture(scope="module")
def unchanged():
    """An emulator and client shared by tests that change nothing (refused requests)."""
    with Emulator(sources=5, seed=3, states={"waiting": 1}) as emulator:
        client = SignedClient(emulator)
        yield emulator, client
        client.close()


def _without_disks(body):
    return dict(body, target_server=dict(body["target_server"], disks=[]))


def _first_disk(body, **changes):
    disk = dict(body["target_server"]["disks"][0], **changes)
    return dict(body, target_server=dict(body["target_server"], disks=[disk]))


@pytest.mark.parametrize("change, code, text", [
    (_without_disks, "SMS.0515", "target_server.disks"),
    (lambda b: dict(b, target_server={k: v for k, v in b["target_server"].items() if k != "disks"}), "SMS.0515", "disks"),
    (lambda b: _first_disk(b, size=0), "SMS.0515", "size"),
    (lambda b: _first_disk(b, name=""), "SMS.0515", "name"),
    (lambda b: _first_disk(b, mount="/"), "SMS.6101", "target_server.disks[0].mount"),
    (lambda b: _first_disk(b, device_use="SWAP"), "SMS.6101", "device_use"),
    (lambda b: _first_disk(b, physical_volumes=[{"name": "p1", "label": "x"}]), "SMS.6101", "physical_volumes[0].label"),
    (lambda b: dict(b, migproject="mp"), "SMS.6101", "migproject"),
    (lambda b: dict(b, source_server={"id": b["source_server"]["id"], "name": "x"}), "SMS.6101", "source_server.name"),
    (lambda b: {k: v for k, v in b.items() if k != "region_id"}, "SMS.6101", "region_id"),
    (lambda b: {k: v for k, v in b.items() if k != "target_server"}, "SMS.6101", "target_server"),
    (lambda b: dict(b, target_server=dict(b["target_server"], vm_id=""), exist_server=True), "SMS.6101", "vm_id"),
    (lambda b: dict(b, priority="high"), "SMS.6101", "priority"),
    (lambda b: dict(b, type="MIGRATE_DISK"), "SMS.6101", "type")])
def test_task_bodies_are_checked_before_anything_is_created(unchanged, change, code, text):
    emu, client = unchanged
    source_id = emu.store.list_sources(state="waiting", limit=1)[0]["id"]
    status, body, _headers = client.request("POST", "/v3/tasks", body=change(task_body(emu, source_id)))
    assert (status, body["error_code"]) == (400, code) and text in body["error_msg"], body
    assert emu.store.list_tasks(source_server_id=source_id) == (0, [])


def test_one_task_per_source(emu, client):
    source_id = emu.store.list_sources(state="waiting", limit=1)[0]["id"]
    status, first, _headers = client.request("POST", "/v3/tasks", body=task_body(emu, source_id))
    assert status == 200
    status, body, _headers = client.request("POST", "/v3/tasks", body=task_body(emu, source_id, name="again"))
    assert (status, body["error_code"]) == (400, "SMS.2217") and first["id"] in body["error_msg"]
    assert client.request("DELETE", "/v3/tasks/" + first["id"])[0] == 200
    assert client.request("POST", "/v3/tasks", body=task_body(emu, source_id, name="again"))[0] == 200


def test_list_tasks_filters_paging_and_limits(emu, client):
    sources = emu.store.list_sources(state="waiting", limit=5)
    made = [client.request("POST", "/v3/tasks", body=task_body(emu, s["id"], name="wave-%d" % n))[1]["id"]
            for n, s in enumerate(sources)]
    emu.store.task_action(made[0], "start")
    every = client.request("GET", "/v3/tasks", {"limit": 200})[1]
    ours = [task["id"] for task in every["tasks"] if task["id"] in made]
    assert sorted(ours) == sorted(made) and every["count"] == len(every["tasks"])
    pages = [task["id"] for offset in range(0, every["count"], 2)
             for task in client.request("GET", "/v3/tasks", {"limit": 2, "offset": offset})[1]["tasks"]]
    assert pages == [task["id"] for task in every["tasks"]]
    running = client.request("GET", "/v3/tasks", {"state": "RUNNING", "limit": 200})[1]["tasks"]
    assert [t["id"] for t in running if t["id"] in made] == [made[0]] and {t["state"] for t in running} == {"RUNNING"}
    assert [t["id"] for t in client.request("GET", "/v3/tasks", {"id": made[2]})[1]["tasks"]] == [made[2]]
    assert [t["id"] for t in client.request("GET", "/v3/tasks", {"source_server_id": sources[3]["id"]})[1]["tasks"]] == [made[3]]
    assert {t["id"] for t in client.request("GET", "/v3/tasks", {"name": "wave-"})[1]["tasks"]} == set(made)
    listed = client.request("GET", "/v3/tasks", {"id": made[1]})[1]["tasks"][0]
    assert listed["source_server"]["state"] == "waiting" and "migration_cycle" not in listed["source_server"]
    shown = client.request("GET", "/v3/tasks/" + made[1])[1]
    assert shown["source_server"]["migration_cycle"] == "setting"
    for params, name in (({"limit": 201}, "limit"), ({"offset": -1}, "offset"), ({"state": "DONE"}, "state"),
                         ({"id": "x" * 37}, "id"), ({"name": "n" * 256}, "name")):
        status, body, _headers = client.request("GET", "/v3/tasks", params)
        assert status == 400 and body["error_msg"].startswith("Invalid parameter %s" % name), params
    assert client.request("GET", "/v3/tasks/nope")[1]["error_code"] == "SMS.0404"
    assert client.request("POST", "/v3/tasks/%s/action" % made[1], body={"operation": "start", "extra": 1})[0] == 400


def test_task_answers_carry_the_target_server_of_their_models(emu, client):
    source_id, task_id = new_task(emu, client)
    listed = client.request("GET", "/v3/tasks", {"id": task_id})[1]["tasks"][0]
    source = emu.store.get_source_record(source_id)
    assert listed["target_server"] == {"id": None, "vm_id": "", "name": source["name"], "ip": None,
                                       "os_type": "LINUX", "os_version": source["os_version"]}
    # the full copy creates the target ECS: it has an id and an IP from then on
    emu.store.task_action(task_id, "start")
    emu.store.report_command_result(source_id, {"command_name": "START", "result": "success", "result_detail": {}})
    listed = client.request("GET", "/v3/tasks", {"id": task_id})[1]["tasks"][0]
    target = listed["target_server"]
    assert target["id"] == target["vm_id"] and target["vm_id"] and target["ip"].startswith("192.168.")
    assert set(target) == {"id", "vm_id", "name", "ip", "os_type", "os_version"}
    for extra in ("remain_seconds", "start_date", "finish_date", "vm_template_id", "use_public_ip", "exist_server",
                  "connected", "float_ip", "region_id", "region_name", "project_id", "project_name"):
        assert extra not in listed, extra
    shown = client.request("GET", "/v3/tasks/" + task_id)[1]
    assert {key: shown["target_server"][key] for key in target} == target
    assert [disk["name"] for disk in shown["target_server"]["disks"]] == [
        disk["name"] for disk in source["init_target_server"]["disks"]]
    for extra in ("syncing", "use_public_ip", "exist_server", "log_collect_status"):
        assert extra not in shown, extra
    assert emu.store.get_task(task_id)["syncing"] is False  # the engine keeps its own record
