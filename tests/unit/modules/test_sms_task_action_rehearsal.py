# -*- coding: utf-8 -*-
"""sms_task_action's rehearsal operations against the emulator over HTTP, in this process: clone
tests (wait, results[].clone_server, a failed clone), delete_clone through ECS, migration drills,
log collection, sync_failed_rollback and launch_operation; guards, check mode (the request log
shows no write) and whole waves whose failed tests are named once every task settled."""

import contextlib
import itertools
import json

import pytest

from sms_emulator import Emulator
from support.emulator_client import LINUX_BODY, SignedClient, task_body
from support.module_runner import emulator_args, run_module

_NUMBERS = itertools.count(1)
WAIT = dict(wait=True, poll_interval=0.1, wait_timeout=60)


@pytest.fixture(scope="module")
def emu():
    # Agents answer by themselves one clock second after a command; the tests move the clock.
    with Emulator(sources=0, auto_agent=True, agent_delay=1) as emulator:
        emulator.client = SignedClient(emulator)
        yield emulator
        emulator.client.close()


@pytest.fixture
def args(emu):
    emu.set_speedup(1)
    return emulator_args(emu)


def _syncing(emu, count=1, **changes):
    """``count`` new tasks in continuous sync (task SYNCING, source syncing): [(source_id, task_id)]."""
    made = []
    for _index in range(count):
        number = next(_NUMBERS)
        body = dict(LINUX_BODY, name="rehearse-%03d" % number,
                    networks=[{"mac": "fa:16:3e:55:%02x:%02x" % (number // 256, number % 256)}])
        source_id = emu.client.request("POST", "/v3/sources", body=body)[1]["id"]
        status, answer, _headers = emu.client.request(
            "POST", "/v3/tasks", body=task_body(emu, source_id, **dict({"syncing": True}, **changes)))
        assert status == 200, answer
        assert emu.client.request("POST", "/v3/tasks/%s/action" % answer["id"], body={"operation": "start"})[0] == 200
        made.append((source_id, answer["id"]))
    emu.advance(86400)
    assert all(emu.store.get_task(task_id)["state"] == "SYNCING" for _s, task_id in made)
    return made


def _template(emu, **fields):
    status, answer, _headers = emu.client.request(
        "POST", "/v3/vm/templates", body={"template": dict({"name": "clone-tpl-%d" % next(_NUMBERS)}, **fields)})
    assert status == 200, answer
    return answer["id"]


@contextlib.contextmanager
def _fast(emu, speedup=2000):
    """The emulator's clock runs ``speedup`` times faster while a module waits."""
    emu.set_speedup(speedup)
    try:
        yield
    finally:
        emu.set_speedup(1)


def _writes(emu):
    return [(e["method"], e["path"]) for e in emu.request_log() if e["method"] not in ("GET", "HEAD")]


def _bodies(emu, suffix):
    return [json.loads(e["body"]) for e in emu.request_log() if e["method"] == "POST" and e["path"].endswith(suffix)]


def _ecs_path(emu, *parts):
    return "/v1/%s/%s" % (emu.project_id, "/".join(parts))


def test_a_clone_test_of_a_wave_waits_for_every_clone_and_names_the_one_that_failed(emu, args):
    (src_ok, ok), (src_bad, bad) = _syncing(emu, 2)
    template_id = _template(emu, target_server_name="wave-clone")
    emu.set_rehearsal_fault(bad, clone_fails=True, clone_error="SMS.1702", error_msg="no quota for the clone")
    emu.clear_request_log()
    with _fast(emu):
        result = run_module("sms_task_action", dict(args, task_ids=[ok, bad], operation="clone_test",
                                                    template_id=template_id, **WAIT))
    assert result.get("failed"), result
    assert result["changed"] is True and result["sent"] == 2
    assert _bodies(emu, "/action") == [{"operation": "clone_test", "template_id": template_id}] * 2
    by_task = dict((r["task_id"], r) for r in result["results"])
    good_clone = by_task[ok]["clone_server"]
    assert good_clone["clone_state"] == "FINISHED" and good_clone["name"] == "wave-clone" and good_clone["vm_id"]
    assert set(good_clone) == {"vm_id", "name", "clone_state", "clone_error", "error_msg"}
    assert by_task[bad]["clone_server"]["clone_state"] == "ERROR"
    assert by_task[bad]["clone_server"]["clone_error"] == "SMS.1702"
    # The failure names the task, its source and SMS's fields; the good clone is not a failure.
    assert "1 of 2 task(s) failed" in result["msg"]
    assert bad in result["msg"] and "SMS.1702" in result["msg"] and "no quota for the clone" in result["msg"]
    assert ok not in result["msg"]
    assert "SMS.1702" in by_task[bad]["msg"] and "msg" not in by_task[ok]
    assert [t["id"] for t in result["failed_tasks"]] == [bad]
    phases = dict((t["id"], t["phase"]) for t in result["tasks"])
    assert phases == {ok: "cloned", bad: "syncing"} and result["summary"]["cloned"] == 1
    # The clone of the good task is an ECS server.
    assert emu.client.request("GET", _ecs_path(emu, "cloudservers", good_clone["vm_id"]))[0] == 200


def test_clone_test_then_delete_clone_idempotent_through_ecs(emu, args):
    ((_source, task_id),) = _syncing(emu)
    template_id = _template(emu)
    with _fast(emu):
        made = run_module("sms_task_action", dict(args, task_id=task_id, operation="clone_test",
                                                  template_id=template_id, **WAIT))
    assert not made.get("failed"), made.get("msg")
    vm_id = made["results"][0]["clone_server"]["vm_id"]
    assert made["results"][0]["clone_server"]["clone_state"] == "FINISHED" and made["tasks"][0]["phase"] == "cloned"

    # A second run: the clone is there (ECS ShowServer), nothing is sent.
    emu.clear_request_log()
    again = run_module("sms_task_action", dict(args, task_id=task_id, operation="clone_test", template_id=template_id))
    assert again["changed"] is False and again["results"][0]["outcome"] == "already"
    assert _writes(emu) == []
    assert ("GET", _ecs_path(emu, "cloudservers", vm_id)) in [(e["method"], e["path"]) for e in emu.request_log()]

    # delete_clone: ECS DeleteServers of that server, then its job until SUCCESS.
    emu.clear_request_log()
    with _fast(emu, 200):
        deleted = run_module("sms_task_action", dict(args, task_id=task_id, operation="delete_clone", **WAIT))
    assert not deleted.get("failed"), deleted.get("msg")
    result = deleted["results"][0]
    assert deleted["changed"] is True and result["outcome"] == "sent"
    assert _writes(emu) == [("POST", _ecs_path(emu, "cloudservers", "delete"))]
    assert _bodies(emu, "/cloudservers/delete") == [
        {"servers": [{"id": vm_id}], "delete_publicip": True, "delete_volume": True}]
    assert result["ecs_job"]["status"] == "SUCCESS" and result["ecs_job"]["job_id"]
    assert ("GET", _ecs_path(emu, "jobs", result["ecs_job"]["job_id"])) in [(e["method"], e["path"]) for e in emu.request_log()]
    assert result["clone_server"]["vm_id"] == vm_id  # SMS keeps the record
    assert emu.client.request("GET", _ecs_path(emu, "cloudservers", vm_id))[0] == 404
    assert deleted["polls"] >= 1

    # Deleted already: nothing to do; a new clone test makes a new clone.
    emu.clear_request_log()
    gone = run_module("sms_task_action", dict(args, task_id=task_id, operation="delete_clone", wait=True))
    assert gone["changed"] is False and gone["results"][0]["outcome"] == "already" and _writes(emu) == []
    with _fast(emu):
        remade = run_module("sms_task_action", dict(args, task_id=task_id, operation="clone_test",
                                                    template_id=template_id, **WAIT))
    assert remade["changed"] is True and remade["results"][0]["outcome"] == "sent", remade.get("msg")
    assert remade["results"][0]["clone_server"]["vm_id"] not in (None, vm_id)


def test_delete_clone_of_a_task_without_a_clone_is_unchanged_and_a_clone_being_made_is_refused(emu, args):
    (_s1, plain), (_s2, cloning) = _syncing(emu, 2)
    template_id = _template(emu)
    assert emu.client.request("POST", "/v3/tasks/%s/action" % cloning,
                              body={"operation": "clone_test", "template_id": template_id})[0] == 200
    emu.clear_request_log()
    result = run_module("sms_task_action", dict(args, task_id=plain, operation="delete_clone", wait=True))
    assert result["changed"] is False and result["results"][0]["outcome"] == "already"
    assert result["results"][0]["clone_server"] is None
    refused = run_module("sms_task_action", dict(args, task_ids=[plain, cloning], operation="delete_clone"))
    assert refused.get("failed") and refused["msg"].startswith("nothing was sent") and "being made" in refused["msg"]
    assert [r["task_id"] for r in refused["refused"]] == [cloning]
    assert _writes(emu) == []


def test_check_mode_reads_and_writes_nothing(emu, args):
    ((_s1, task_id),) = _syncing(emu)
    template_id = _template(emu)
    emu.clear_request_log()
    for operation, extra in (("clone_test", dict(template_id=template_id)), ("migration_test", {}),
                             ("collect_log", dict(log_bucket="sms-logs")), ("delete_clone", {}),
                             ("sync_failed_rollback", {}), ("cutover", dict(launch_operation="test"))):
        if operation == "sync_failed_rollback":
            continue  # refused for a SYNCING task: checked with the guards
        result = run_module("sms_task_action", dict(args, task_id=task_id, operation=operation, **dict(WAIT, **extra)),
                            check_mode=True)
        assert not result.get("failed"), (operation, result.get("msg"))
        expected = "already" if operation == "delete_clone" else "would_send"
        assert result["results"][0]["outcome"] == expected, operation
        assert result["changed"] is (operation != "delete_clone")
    assert _writes(emu) == []
    # The clone made for real, check mode for delete_clone reads ECS and still writes nothing.
    with _fast(emu):
        assert not run_module("sms_task_action", dict(args, task_id=task_id, operation="clone_test",
                                                      template_id=template_id, **WAIT)).get("failed")
    emu.clear_request_log()
    preview = run_module("sms_task_action", dict(args, task_id=task_id, operation="delete_clone", **WAIT), check_mode=True)
    vm_id = preview["results"][0]["clone_server"]["vm_id"]
    assert preview["changed"] is True and preview["results"][0]["outcome"] == "would_send"
    assert preview["results"][0]["request"] == {"servers": [{"id": vm_id}], "delete_publicip": True, "delete_volume": True}
    assert _writes(emu) == [] and "ecs_job" not in preview["results"][0]


def test_a_drill_is_waited_for_and_a_failed_one_fails_naming_the_task(emu, args):
    (_s1, passing), (_s2, failing) = _syncing(emu, 2)
    emu.set_rehearsal_fault(failing, drill_fails=True)
    emu.clear_request_log()
    with _fast(emu):
        result = run_module("sms_task_action", dict(args, task_ids=[passing, failing], operation="migration_test", **WAIT))
    assert result.get("failed") and result["sent"] == 2
    assert _bodies(emu, "/action") == [{"operation": "migration_test"}] * 2
    drills = dict((r["task_id"], r["drill"]) for r in result["results"])
    assert drills == {passing: "passed", failing: "failed"}
    assert failing in result["msg"] and "premigfailed" in result["msg"] and passing not in result["msg"]
    assert dict((t["id"], t["phase"]) for t in result["tasks"]) == {passing: "drilled", failing: "drill_failed"}
    # A passed drill is not run again; a failed one is.
    emu.clear_request_log()
    with _fast(emu):
        again = run_module("sms_task_action", dict(args, task_ids=[passing, failing], operation="migration_test", **WAIT))
    assert not again.get("failed"), again.get("msg")
    assert [r["outcome"] for r in again["results"]] == ["already", "sent"]
    assert [r["drill"] for r in again["results"]] == ["passed", "passed"]
    # A drilled task is launched the usual way (the value of launch_operation).
    emu.clear_request_log()
    launch = run_module("sms_task_action", dict(args, task_id=passing, operation="cutover", launch_operation="test"))
    assert not launch.get("failed"), launch.get("msg")
    assert launch["results"][0]["outcome"] == "sent" and _bodies(emu, "/action") == [{"operation": "test"}]


def test_a_drill_needs_the_full_copy_done(emu, args):
    source = emu.client.request("POST", "/v3/sources", body=dict(LINUX_BODY, name="drill-early", networks=[
        {"mac": "fa:16:3e:56:00:01"}]))[1]["id"]
    task_id = emu.client.request("POST", "/v3/tasks", body=task_body(emu, source))[1]["id"]
    emu.client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "start"})
    emu.clear_request_log()
    result = run_module("sms_task_action", dict(args, task_id=task_id, operation="migration_test"))
    assert result.get("failed") and "nothing was sent" in result["msg"] and "RUNNING" in result["msg"]
    assert _writes(emu) == []


def test_collect_log_posts_the_bucket_and_waits_for_the_upload(emu, args):
    (_s1, ok), (_s2, bad) = _syncing(emu, 2)
    emu.set_rehearsal_fault(bad, log_upload_fails=True)
    emu.clear_request_log()
    with _fast(emu):
        result = run_module("sms_task_action", dict(args, task_ids=[ok, bad], operation="collect_log",
                                                    log_bucket="sms-wave-logs", **WAIT))
    assert result.get("failed")
    assert sorted(path for _m, path in _writes(emu)) == sorted("/v3/tasks/%s/log" % t for t in (ok, bad))
    assert _bodies(emu, "/log") == [{"log_bucket": "sms-wave-logs"}] * 2
    statuses = dict((r["task_id"], r["log_collect_status"]) for r in result["results"])
    assert statuses == {ok: "UPLOADED", bad: "UPLOAD_FAIL"}
    assert bad in result["msg"] and "UPLOAD_FAIL" in result["msg"] and ok not in result["msg"]
    assert all(r["request"] == {"log_bucket": "sms-wave-logs"} for r in result["results"])


def test_launch_operation_is_the_value_cutover_sends(emu, args):
    (_s1, first), (_s2, second) = _syncing(emu, 2)
    emu.clear_request_log()
    default = run_module("sms_task_action", dict(args, task_id=first, operation="cutover"))
    chosen = run_module("sms_task_action", dict(args, task_id=second, operation="cutover", launch_operation="test"))
    assert not default.get("failed") and not chosen.get("failed")
    assert _bodies(emu, "/action") == [{"operation": "cutover"}, {"operation": "test"}]
    assert chosen["results"][0]["request"] == {"operation": "test"}


def test_sms_task_info_shows_the_test_phases_in_both_read_modes(emu, args):
    (src_a, cloned), (_s2, drilling) = _syncing(emu, 2)
    template_id = _template(emu, target_server_name="info-clone")
    with _fast(emu):
        assert not run_module("sms_task_action", dict(args, task_id=cloned, operation="clone_test",
                                                      template_id=template_id, **WAIT)).get("failed")
    emu.client.request("POST", "/v3/tasks/%s/action" % drilling, body={"operation": "migration_test"})
    emu.advance(2)  # the agent takes the drill: premiging
    by_id = run_module("sms_task_info", dict(args, task_ids=[cloned, drilling]))
    listed = run_module("sms_task_info", dict(args, name="task-rehearse"))
    for result in (by_id, listed):
        assert not result.get("failed"), result.get("msg")
        phases = dict((t["id"], t["phase"]) for t in result["tasks"])
        assert phases[cloned] == "cloned" and phases[drilling] == "drilling"
        assert result["summary"]["cloned"] >= 1 and result["summary"]["drilling"] >= 1
        clone = [t for t in result["tasks"] if t["id"] == cloned][0]["clone_server"]
        # As SMS gives it: GET /v3/tasks/{id}'s CloneServer.
        assert clone == emu.client.request("GET", "/v3/tasks/" + cloned)[1]["clone_server"]
        assert clone["clone_state"] == "FINISHED" and clone["name"] == "info-clone"
    # The listing's brief clone was completed by one GET of that task only.
    assert sum(result["summary"].values()) == result["count"]


def test_sync_failed_rollback_waits_for_the_rollback_though_it_stays_in_phase_failed(emu, args):
    source = emu.client.request("POST", "/v3/sources", body=dict(LINUX_BODY, name="rollback-1", networks=[
        {"mac": "fa:16:3e:57:00:01"}]))[1]["id"]
    task_id = emu.client.request("POST", "/v3/tasks", body=task_body(emu, source))[1]["id"]
    emu.client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "start"})
    emu.advance(86400)
    assert emu.store.get_task(task_id)["state"] == "MIGRATE_SUCCESS"
    refused = run_module("sms_task_action", dict(args, task_id=task_id, operation="sync_failed_rollback"))
    assert refused.get("failed") and "allowed from: SYNC_FAIL" in refused["msg"]
    emu.set_task_fault(task_id, fail_at="SYNC_LINUX_FILE")
    emu.client.request("POST", "/v3/tasks/%s/action" % task_id, body={"operation": "start"})  # the incremental sync
    emu.advance(86400)
    assert emu.store.get_task(task_id)["state"] == "SYNC_FAIL"
    emu.clear_request_log()
    with _fast(emu, 500):
        result = run_module("sms_task_action", dict(args, task_id=task_id, operation="sync_failed_rollback", **WAIT))
    assert not result.get("failed"), result.get("msg")
    assert _bodies(emu, "/action") == [{"operation": "sync_failed_rollback"}]
    assert result["tasks"][0]["state"] == "SYNC_F_ROLLBACK_SUCCESS" and result["tasks"][0]["phase"] == "failed"
    again = run_module("sms_task_action", dict(args, task_id=task_id, operation="sync_failed_rollback"))
    assert again["changed"] is False and again["results"][0]["outcome"] == "already"


def test_a_wave_named_by_source_ids_sees_its_clones_through_the_listing(emu, args):
    made = _syncing(emu, 2)
    template_id = _template(emu)
    source_ids = [source_id for source_id, _task in made]
    with _fast(emu):
        first = run_module("sms_task_action", dict(args, source_ids=source_ids, operation="clone_test",
                                                   template_id=template_id, **WAIT))
    assert not first.get("failed"), first.get("msg")
    emu.clear_request_log()
    again = run_module("sms_task_action", dict(args, source_ids=source_ids, operation="clone_test", template_id=template_id))
    assert again["changed"] is False and [r["outcome"] for r in again["results"]] == ["already", "already"]
    assert [r["clone_server"]["clone_state"] for r in again["results"]] == ["FINISHED", "FINISHED"]
    assert _writes(emu) == []


def test_an_ecs_deletion_job_that_fails_fails_the_module_naming_the_task_and_ecs_fields(emu, args, monkeypatch):
    # The emulator's ECS jobs always succeed: the job's answer is stood in for, the requests are real.
    from ansible_collections.hwcloud.sms.plugins.modules import sms_task_action

    ((_source, task_id),) = _syncing(emu)
    with _fast(emu):
        assert not run_module("sms_task_action", dict(args, task_id=task_id, operation="clone_test",
                                                      template_id=_template(emu), **WAIT)).get("failed")

    def failed_jobs(_client, jobs, *_args, **_kwargs):
        for job in jobs:
            job.update(status="FAIL", error_code="Ecs.0001", fail_reason="the server is locked")
        return dict(polls=1, failed_polls=0, waited_seconds=0.5)

    monkeypatch.setattr(sms_task_action, "wait_for_ecs_jobs", failed_jobs)
    result = run_module("sms_task_action", dict(args, task_id=task_id, operation="delete_clone", **WAIT))
    assert result.get("failed") and result["changed"] is True
    assert task_id in result["msg"] and "Ecs.0001" in result["msg"] and "the server is locked" in result["msg"]
    entry = result["results"][0]
    assert entry["ecs_job"]["status"] == "FAIL" and "the server is locked" in entry["msg"]
    assert entry["clone_server"]["clone_state"] == "FINISHED"


def test_collect_log_of_one_task_reads_the_listing_which_alone_has_log_collect_status(emu, args):
    ((_source, task_id),) = _syncing(emu)
    emu.clear_request_log()
    with _fast(emu):
        result = run_module("sms_task_action", dict(args, task_id=task_id, operation="collect_log", log_bucket="one", **WAIT))
    assert not result.get("failed"), result.get("msg")
    assert result["results"][0]["log_collect_status"] == "UPLOADED"
    assert result["tasks"][0]["log_collect_status"] == "UPLOADED"
    # GET /v3/tasks/{id} (ShowTaskResponse) has no log_collect_status: the task is read with GET /v3/tasks?id=.
    reads = [e for e in emu.request_log() if e["method"] == "GET" and "/v3/tasks" in e["path"]]
    assert reads and all(e["path"] == "/v3/tasks" for e in reads)
    # A second collection while one uploads is left alone.
    emu.set_agent(agent_delay=3600)
    try:
        first = run_module("sms_task_action", dict(args, task_id=task_id, operation="collect_log", log_bucket="one"))
        again = run_module("sms_task_action", dict(args, task_id=task_id, operation="collect_log", log_bucket="one"))
    finally:
        emu.set_agent(agent_delay=1)
    assert first["results"][0]["outcome"] == "sent" and first["results"][0]["log_collect_status"] == "UPLOADING"
    assert again["changed"] is False and again["results"][0]["outcome"] == "already"


def test_a_listed_task_with_a_clone_keeps_the_listing_fields(emu, args):
    made = _syncing(emu, 2)
    with _fast(emu):
        assert not run_module("sms_task_action", dict(args, task_id=made[0][1], operation="clone_test",
                                                      template_id=_template(emu), **WAIT)).get("failed")
    listed = run_module("sms_task_info", dict(args, task_ids=[task_id for _s, task_id in made]))
    task = [t for t in listed["tasks"] if t["id"] == made[0][1]][0]
    assert task["phase"] == "cloned" and task["clone_server"]["clone_state"] == "FINISHED"
    assert "log_collect_status" in task  # a field of the listing that GET /v3/tasks/{id} does not have


def test_a_cloned_wave_costs_one_get_per_task_only_while_its_phase_hangs_on_the_clone(emu, args):
    made = _syncing(emu, count=3)
    task_ids = [task_id for _source, task_id in made]
    template_id = _template(emu)
    with _fast(emu):
        cloned = run_module("sms_task_action", dict(args, task_ids=task_ids, operation="clone_test",
                                                    template_id=template_id, **WAIT))
    assert not cloned.get("failed"), cloned.get("msg")

    def task_gets():
        return [e["path"] for e in emu.request_log() if e["method"] == "GET" and e["path"].startswith("/v3/tasks/")]

    # In continuous sync the listing cannot tell cloned from syncing: one GET per task tells it.
    emu.clear_request_log()
    info = run_module("sms_task_info", dict(args, task_ids=task_ids))
    assert sorted(task["phase"] for task in info["tasks"]) == ["cloned"] * 3
    assert sorted(task_gets()) == sorted("/v3/tasks/" + task_id for task_id in task_ids)

    # Launched, the phase comes from the listing alone: a cut-over wait of a cloned wave sends no
    # GET per task per poll.
    with _fast(emu):
        launched = run_module("sms_task_action", dict(args, task_ids=task_ids, operation="cutover", **WAIT))
    assert not launched.get("failed"), launched.get("msg")
    emu.clear_request_log()
    info = run_module("sms_task_info", dict(args, task_ids=task_ids))
    assert sorted(task["phase"] for task in info["tasks"]) == ["finished"] * 3
    assert task_gets() == []
