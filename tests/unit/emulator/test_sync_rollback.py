"""sync_failed_rollback over HTTP: only from SYNC_FAIL; SYNC_F_ROLLBACKING, then on the clock
SYNC_F_ROLLBACK_SUCCESS with the source back to finished/cutovered (INFERENCE)."""

from sms_emulator import task_actions


def _act(emu, task_id, operation):
    return emu.client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": operation})


def test_a_failed_sync_is_rolled_back(rehearsal):
    emu = rehearsal
    source_id, task_id = emu.syncing(syncing=False)  # launched at the end of the copy
    emu.advance(3600)
    assert emu.store.get_source(source_id)["state"] == "finished"
    status, answer, _headers = _act(emu, task_id, "sync_failed_rollback")
    assert (status, answer["error_code"]) == (400, "SMS.1047")
    emu.set_task_fault(task_id, fail_at="SYNC_LINUX_FILE")
    assert _act(emu, task_id, "sync")[0] == 200
    emu.advance(3600)
    assert emu.store.get_task(task_id)["state"] == "SYNC_FAIL"
    assert _act(emu, task_id, "sync_failed_rollback")[:2] == (200, {})
    assert emu.client.request("GET", "/v3/tasks/" + task_id)[1]["state"] == "SYNC_F_ROLLBACKING"
    assert emu.client.request("GET", "/v3/tasks", {"state": "SYNC_F_ROLLBACKING"})[1]["count"] == 1
    emu.advance(task_actions.ROLLBACK_SECONDS + 1)
    assert emu.client.request("GET", "/v3/tasks/" + task_id)[1]["state"] == "SYNC_F_ROLLBACK_SUCCESS"
    source = emu.store.get_source(source_id)
    assert (source["state"], source["migration_cycle"]) == ("finished", "cutovered")
