"""Clone tests over HTTP: the clone_test action of a task in continuous sync, the clone's states
on the clock (PREPARING -> CREATING -> FINISHED), its ECS server, the refusals and the
``clone_fails`` rehearsal fault."""

import ipaddress

from sms_emulator import clones


def _act(emu, task_id, **body):
    return emu.client.request("POST", "/v3/tasks/%s/action" % task_id, body=body)


def _task(emu, task_id):
    return emu.client.request("GET", "/v3/tasks/" + task_id)[1]


def _source_state(emu, source_id):
    return emu.client.request("GET", "/v3/sources/" + source_id)[1]["state"]


def _ecs(emu, server_id):
    return emu.client.request("GET", "/v1/%s/cloudservers/%s" % (emu.project_id, server_id))


def test_a_clone_goes_preparing_creating_finished_with_an_ecs_server(rehearsal):
    emu = rehearsal
    source_id, task_id = emu.syncing()
    template_id = emu.template(target_server_name="web-clone")
    status, answer, _headers = _act(emu, task_id, operation="clone_test", template_id=template_id)
    assert (status, answer) == (200, {})
    clone = _task(emu, task_id)["clone_server"]
    assert clone["clone_state"] == "PREPARING" and clone["name"] == "web-clone" and clone["vm_id"]
    assert clone["clone_error"] is None and clone["error_msg"] is None
    assert _source_state(emu, source_id) == "cloning"
    # GET /v3/tasks shows the brief clone (CloneServerBrief: vm_id, name)
    listed = emu.client.request("GET", "/v3/tasks", {"id": task_id})[1]["tasks"][0]
    assert listed["clone_server"] == {"vm_id": clone["vm_id"], "name": "web-clone"}
    assert _ecs(emu, clone["vm_id"])[0] == 404  # no ECS before the clone is created

    emu.advance(clones.PREPARING_SECONDS + 1)
    assert _task(emu, task_id)["clone_server"]["clone_state"] == "CREATING"
    assert _source_state(emu, source_id) == "cloning"
    emu.advance(clones.CREATING_SECONDS)
    shown = _task(emu, task_id)
    assert shown["clone_server"]["clone_state"] == "FINISHED" and shown["state"] == "SYNCING"
    assert _source_state(emu, source_id) == "syncing"
    # the source's current_task carries the clone too (CloneServer)
    current = emu.client.request("GET", "/v3/sources/" + source_id)[1]["current_task"]
    assert current["clone_server"]["clone_state"] == "FINISHED"
    status, server, _headers = _ecs(emu, clone["vm_id"])
    assert status == 200
    assert server["server"]["id"] == clone["vm_id"] and server["server"]["name"] == "web-clone"
    assert server["server"]["status"] == "ACTIVE"
    (address,) = [entry for entries in server["server"]["addresses"].values() for entry in entries]
    assert address["OS-EXT-IPS:type"] == "fixed" and address["version"] == "4"
    assert ipaddress.IPv4Address(address["addr"]) in ipaddress.IPv4Network("192.168.0.0/16")


def test_the_tasks_clonevm_template_is_the_default(rehearsal):
    emu = rehearsal
    template_id = emu.template(name="from-task")
    _source_id, task_id = emu.syncing(clonevm_template_id=template_id)
    assert _act(emu, task_id, operation="clone_test")[0] == 200
    clone = _task(emu, task_id)["clone_server"]
    target_name = emu.store.get_task(task_id)["target_server"]["name"]
    assert clone["name"] == target_name + "-clone"  # the template names no target_server_name


def test_refusals(rehearsal):
    emu = rehearsal
    template_id = emu.template()
    _source_id, task_id = emu.syncing()
    # no template at all, an unknown one, an unknown task, a bad template_id
    status, answer, _headers = _act(emu, task_id, operation="clone_test")
    assert (status, answer["error_code"]) == (400, "SMS.6101") and "template_id" in answer["error_msg"]
    status, answer, _headers = _act(emu, task_id, operation="clone_test", template_id="no-such-template")
    assert (status, answer["error_code"]) == (404, "SMS.7101")
    assert _act(emu, "no-such-task", operation="clone_test", template_id=template_id)[0] == 404
    assert _act(emu, task_id, operation="clone_test", template_id=7)[1]["error_code"] == "SMS.6101"
    # a task not in continuous sync
    _other_source, ready = emu.syncing()
    emu.store.task_action(ready, "stop")
    status, answer, _headers = _act(emu, ready, operation="clone_test", template_id=template_id)
    assert (status, answer["error_code"]) == (400, clones.REFUSAL[0])
    # while the clone is under way: no second clone, no cutover, no drill
    assert _act(emu, task_id, operation="clone_test", template_id=template_id)[0] == 200
    for operation, code in (("clone_test", clones.REFUSAL[0]), ("cutover", "SMS.1044"), ("migration_test", "SMS.1042")):
        status, answer, _headers = _act(emu, task_id, operation=operation, template_id=template_id) \
            if operation == "clone_test" else _act(emu, task_id, operation=operation)
        assert (status, answer["error_code"]) == (400, code), operation
    # once it is done, the target can be launched
    emu.advance(clones.PREPARING_SECONDS + clones.CREATING_SECONDS + 1)
    assert _act(emu, task_id, operation="cutover")[0] == 200


def test_a_failing_clone_ends_in_error_once(rehearsal):
    emu = rehearsal
    source_id, task_id = emu.syncing()
    template_id = emu.template()
    emu.set_rehearsal_fault(source_id, clone_fails=True)
    assert _act(emu, task_id, operation="clone_test", template_id=template_id)[0] == 200
    emu.advance(clones.PREPARING_SECONDS + clones.CREATING_SECONDS + 1)
    clone = _task(emu, task_id)["clone_server"]
    assert clone["clone_state"] == "ERROR"
    assert (clone["clone_error"], clone["error_msg"]) == ("SMS.1702", "Failed to create the clone server of the target server")
    assert _source_state(emu, source_id) == "syncing"
    status, answer, _headers = _ecs(emu, clone["vm_id"])
    assert status == 404 and answer["error"]["code"] == "Ecs.0114"
    # the fault fired once: the next clone is created
    assert emu.store.rehearsal_fault(source_id) is None
    assert _act(emu, task_id, operation="clone_test", template_id=template_id)[0] == 200
    emu.advance(clones.PREPARING_SECONDS + clones.CREATING_SECONDS + 1)
    again = _task(emu, task_id)["clone_server"]
    assert again["clone_state"] == "FINISHED" and again["vm_id"] != clone["vm_id"]


def test_a_failing_clone_with_its_own_code_through_the_admin_api(rehearsal):
    import json  # pylint: disable=import-outside-toplevel
    import urllib.request  # pylint: disable=import-outside-toplevel
    emu = rehearsal
    _source_id, task_id = emu.syncing()
    request = urllib.request.Request(emu.url + "/_emulator/rehearsal_faults", method="POST", data=json.dumps({
        "task_id": task_id, "clone_fails": True, "clone_error": "SMS.9999", "error_msg": "quota"}).encode())
    with urllib.request.urlopen(request) as response:
        assert json.load(response)["fault"]["clone_error"] == "SMS.9999"
    assert _act(emu, task_id, operation="clone_test", template_id=emu.template())[0] == 200
    emu.advance(clones.PREPARING_SECONDS + clones.CREATING_SECONDS + 1)
    clone = _task(emu, task_id)["clone_server"]
    assert (clone["clone_state"], clone["clone_error"], clone["error_msg"]) == ("ERROR", "SMS.9999", "quota")
