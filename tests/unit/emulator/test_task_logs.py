"""Log collection over HTTP: POST /v3/tasks/{id}/log {"log_bucket"} (and the older collect_log
action) moves log_collect_status INIT -> UPLOADING -> UPLOADED through the agent's UPLOAD_LOG;
the ``log_upload_fails`` rehearsal fault makes it UPLOAD_FAIL."""

import pytest


def _status(emu, task_id):
    """log_collect_status as GET /v3/tasks shows it (ShowTaskResponse has no such field)."""
    return emu.client.request("GET", "/v3/tasks", {"id": task_id})[1]["tasks"][0]["log_collect_status"]


def _collect(emu, task_id, body):
    return emu.client.request("POST", "/v3/tasks/%s/log" % task_id, body=body)


def test_logs_are_uploaded_to_the_bucket(rehearsal):
    emu = rehearsal
    source_id, task_id = emu.syncing()
    assert _status(emu, task_id) == "INIT"
    assert _collect(emu, task_id, {"log_bucket": "wave-logs"})[:2] == (200, {})
    assert _status(emu, task_id) == "UPLOADING"
    pending = emu.store.pending_command(source_id)
    assert (pending["command_name"], pending["command_param"]) == ("UPLOAD_LOG", {"task_id": task_id, "bucket": "wave-logs"})
    current = emu.client.request("GET", "/v3/sources/" + source_id)[1]["current_task"]
    assert current["log_collect_status"] == "UPLOADING"
    emu.advance(2)
    assert _status(emu, task_id) == "UPLOADED"
    assert emu.store.command_results(source_id)[-1]["result"] == "success"


def test_a_failing_upload_is_upload_fail_once(rehearsal):
    emu = rehearsal
    source_id, task_id = emu.syncing()
    emu.set_rehearsal_fault(source_id, log_upload_fails=True)
    assert _collect(emu, task_id, {"log_bucket": "wave-logs"})[0] == 200
    emu.advance(2)
    assert _status(emu, task_id) == "UPLOAD_FAIL"
    assert emu.store.command_results(source_id)[-1]["result"] == "fail"
    assert _collect(emu, task_id, {"log_bucket": "wave-logs"})[0] == 200
    emu.advance(2)
    assert _status(emu, task_id) == "UPLOADED"


def test_the_older_action_still_collects(rehearsal):
    emu = rehearsal
    source_id, task_id = emu.syncing()
    status, _answer, _headers = emu.client.request("POST", "/v3/tasks/%s/action" % task_id, body={
        "operation": "collect_log", "param": {"bucket": "old-style"}})
    assert status == 200
    assert emu.store.pending_command(source_id)["command_param"]["bucket"] == "old-style"
    emu.advance(2)
    assert _status(emu, task_id) == "UPLOADED"


@pytest.mark.parametrize("body, field", [
    ({}, "log_bucket"), ({"log_bucket": ""}, "log_bucket"), ({"log_bucket": 3}, "log_bucket"),
    ({"log_bucket": "b" * 256}, "log_bucket"), ({"log_bucket": "b", "bucket": "c"}, "bucket"),
])
def test_bad_bodies(rehearsal, body, field):
    _source_id, task_id = rehearsal.syncing()
    status, answer, _headers = _collect(rehearsal, task_id, body)
    assert (status, answer["error_code"]) == (400, "SMS.6101") and field in answer["error_msg"]
    assert _status(rehearsal, task_id) == "INIT"


def test_an_unknown_task(rehearsal):
    status, answer, _headers = _collect(rehearsal, "no-such-task", {"log_bucket": "b"})
    assert (status, answer["error_code"]) == (404, "SMS.0404")
