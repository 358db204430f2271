"""Migration tasks: creation errors, actions and the commands they queue, both command generations."""

from support.emulator_client import SignedClient, new_task


def test_task_errors_and_skip_premigrate(emu, client):
    status, body, _headers = client.request("POST", "/v3/tasks", body={
        "name": "t", "type": "MIGRATE_FILE", "source_server": {"id": "missing"}, "target_server": {}})
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
    emu.store.task_action(task_id, "cutover")
    assert emu.store.get_source(source_id)["state"] == "finished"
    emu.store.task_action(task_id, "sync")
    assert emu.store.pending_command(source_id)["command_name"] == "SYNC"
    emu.store.report_command_result(source_id, {"command_name": "SYNC", "result": "success", "result_detail": {}})
    assert emu.store.get_task(task_id)["state"] == "SYNC_SUCCESS"
    assert client.request("DELETE", "/v3/tasks/%s" % task_id)[0] == 200
    assert emu.store.pending_command(source_id)["command_name"] == "DELETE"
