"""Migration drills over HTTP: migration_test queues the agent's PREMIGRATE (source premigready),
the agent's success starts the drill (premiging), which ends premiged on the clock, or
premigfailed with the ``drill_fails`` rehearsal fault or an agent's failure."""

from sms_emulator import drills


def _act(emu, task_id, operation):
    return emu.client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": operation})


def _state(emu, source_id):
    return emu.client.request("GET", "/v3/sources/" + source_id)[1]["state"]


def test_a_drill_goes_premigready_premiging_premiged_with_the_auto_agent(rehearsal):
    emu = rehearsal
    source_id, task_id = emu.syncing()
    status, answer, _headers = _act(emu, task_id, "migration_test")
    assert (status, answer) == (200, {})
    assert _state(emu, source_id) == "premigready"
    assert emu.store.pending_command(source_id)["command_name"] == "PREMIGRATE"
    emu.advance(2)  # the agent answers after 1 clock second
    assert _state(emu, source_id) == "premiging"
    assert emu.store.command_results(source_id)[-1]["command_name"] == "PREMIGRATE"
    emu.advance(drills.DRILL_SECONDS)
    assert _state(emu, source_id) == "premiged"
    task = emu.client.request("GET", "/v3/tasks/" + task_id)[1]
    assert task["state"] == "SYNCING" and task["source_server"]["state"] == "premiged"
    # a drilled task can be launched
    assert _act(emu, task_id, "cutover")[0] == 200


def test_a_failing_drill_ends_premigfailed_once(rehearsal):
    emu = rehearsal
    source_id, task_id = emu.syncing()
    emu.set_rehearsal_fault(task_id, drill_fails=True)
    assert _act(emu, task_id, "migration_test")[0] == 200
    emu.advance(2)
    assert _state(emu, source_id) == "premiging"
    emu.advance(drills.DRILL_SECONDS)
    assert _state(emu, source_id) == "premigfailed"
    assert emu.store.rehearsal_fault(task_id) is None
    # the next drill passes
    assert _act(emu, task_id, "migration_test")[0] == 200
    emu.advance(drills.DRILL_SECONDS + 2)
    assert _state(emu, source_id) == "premiged"


def test_an_agents_failure_is_premigfailed_at_once(rehearsal):
    emu = rehearsal
    source_id, task_id = emu.syncing()
    emu.set_agent(auto_agent=False)
    assert _act(emu, task_id, "migration_test")[0] == 200
    status, _answer, _headers = emu.client.request("POST", "/v3/sources/%s/command_result" % source_id, body={
        "command_name": "PREMIGRATE", "result": "fail", "result_detail": {"reason": "drill refused"}})
    assert status == 200
    assert _state(emu, source_id) == "premigfailed"
    emu.advance(drills.DRILL_SECONDS + 1)
    assert _state(emu, source_id) == "premigfailed"
