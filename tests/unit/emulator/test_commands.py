"""Agent commands and their results: what a result does to the source and its task."""

from support.emulator_client import new_task


def test_task_command_result_state_machine(emu, client):
    source_id, task_id = new_task(emu, client)
    assert emu.store.get_source(source_id)["migration_cycle"] == "setting"
    assert client.request("GET", "/v3/sources/%s/command" % source_id)[1] == {}
    assert client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "stop"})[1]["error_code"] == "SMS.1038"
    assert client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "start"})[0] == 200
    assert client.request("GET", "/v3/sources/%s/command" % source_id)[1] == {
        "command_name": "START", "command_param": {"task_id": task_id}}
    # polling does not consume the command
    assert client.request("GET", "/v3/sources/%s/command" % source_id)[1]["command_name"] == "START"
    status, body, _headers = client.request("POST", "/v3/sources/%s/command_result" % source_id, body={
        "command_name": "STOP", "result": "success", "result_detail": {}})
    assert status == 400 and body["error_code"] == "SMS.2009"
    for bad in ({"command_name": "START", "result": "ok", "result_detail": {}},
                {"command_name": "START", "result": "success", "result_detail": "text"}):
        status, body, _headers = client.request("POST", "/v3/sources/%s/command_result" % source_id, body=bad)
        assert status == 400 and body["error_code"] == "SMS.6022"
    assert client.request("POST", "/v3/sources/%s/command_result" % source_id, body={
        "command_name": "START", "result": "success", "result_detail": {"k": "v"}})[0] == 200
    source = emu.store.get_source(source_id)
    assert (source["state"], source["migration_cycle"]) == ("replicate", "replicating")
    assert emu.store.get_task(task_id)["state"] == "RUNNING"
    assert source["current_task"]["state"] == "RUNNING"

    client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "stop"})
    assert emu.store.pending_command(source_id)["command_name"] == "STOP"
    assert emu.store.get_source(source_id)["state"] == "stopping"
    client.request("POST", "/v3/sources/%s/command_result" % source_id, body={
        "command_name": "STOP", "result": "success", "result_detail": {}})
    assert emu.store.get_source(source_id)["state"] == "stopped"
    assert emu.store.get_task(task_id)["state"] == "ABORT"

    client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "start"})
    client.request("POST", "/v3/sources/%s/command_result" % source_id, body={
        "command_name": "START", "result": "fail", "result_detail": {"error": "disk"}})
    assert emu.store.get_source(source_id)["state"] == "error"
    assert emu.store.get_task(task_id)["state"] == "MIGRATE_FAIL"
    assert client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "restart"})[0] == 200
    assert emu.store.pending_command(source_id)["command_name"] == "START"
    client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "collect_log", "param": {"bucket": "b1"}})
    assert emu.store.pending_command(source_id)["command_param"] == {"task_id": task_id, "bucket": "b1"}
    results = emu.store.command_results(source_id)
    assert [(item["command_name"], item["result"]) for item in results] == [
        ("START", "success"), ("STOP", "success"), ("START", "fail")]
    state = client.request("GET", "/_emulator/state", {"source_id": source_id})[1]
    assert state["pending_command"]["command_name"] == "UPLOAD_LOG" and len(state["command_results"]) == 3


def test_poll_marks_connected_and_newer_command_replaces_pending(emu, client):
    source_id, task_id = new_task(emu, client)
    emu.store.update_source(source_id, lambda record: record.update(connected=False, last_visit_time=1))
    client.request("GET", "/v3/sources/%s/command" % source_id)
    record = emu.store.get_source_record(source_id)
    assert record["connected"] is True and record["last_visit_time"] > 1
    emu.store.task_action(task_id, "start")
    emu.store.task_action(task_id, "collect_log")
    assert emu.store.pending_command(source_id)["command_name"] == "UPLOAD_LOG"
    status, body, _headers = client.request("POST", "/v3/sources/%s/command_result" % source_id, body={
        "command_name": "START", "result": "success", "result_detail": {}})
    assert (status, body["error_code"]) == (400, "SMS.2009")


def test_result_for_unknown_source_and_non_json_body(client):
    status, body, _headers = client.request("POST", "/v3/sources/nope/command_result", body={
        "command_name": "START", "result": "success", "result_detail": {}})
    assert (status, body["error_code"]) == (404, "SMS.0404")
    status, body, _headers = client.request("POST", "/v3/sources/nope/command_result", body=b"not json")
    assert (status, body["error_code"]) == (400, "SMS.6022")
