# -*- coding: utf-8 -*-
"""The operations of issue 21 (clone_test, delete_clone, migration_test, collect_log,
sync_failed_rollback): their guards (allowed from, already done), request bodies, the ECS re-check
of a clone and what a wait reads as each one's outcome (pure functions and a stand-in client, no HTTP;
tests/unit/modules/test_sms_task_action_rehearsal.py runs them against the emulator)."""

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError, SmsError
from ansible_collections.hwcloud.sms.plugins.module_utils._task_describe import describe
from ansible_collections.hwcloud.sms.plugins.module_utils._task_operations import (
    OPERATIONS,
    action_body,
    clone_of,
    delete_clone_body,
    ecs_recheck,
    guard,
    log_body,
    plan_operation,
)
from ansible_collections.hwcloud.sms.plugins.module_utils._task_outcomes import operation_outcome, outcome_fields

CLONE = {"vm_id": "vm-1", "name": "app-01-clone", "clone_state": "FINISHED", "clone_error": None, "error_msg": None}


def _task(state, source_state, clone=None, **fields):
    record = {"id": "t1", "state": state, "source_server": {"name": "app-01", "state": source_state}}
    if clone is not None:
        record["clone_server"] = clone
    record.update(fields)
    return describe(record)


@pytest.mark.parametrize("operation, state, source_state, clone, fields, verdict", [
    # clone_test: in continuous sync only; a clone under way or made is done (ECS re-checks a made one).
    ("clone_test", "SYNCING", "syncing", None, {}, "send"),
    ("clone_test", "SYNCING", "syncing", dict(CLONE, clone_state="ERROR"), {}, "send"),
    ("clone_test", "SYNCING", "cloning", dict(CLONE, clone_state="PREPARING"), {}, "done"),
    ("clone_test", "SYNCING", "syncing", CLONE, {}, "done"),
    ("clone_test", "MIGRATE_SUCCESS", "waiting", None, {}, "refused"),
    ("clone_test", "MIGRATE_SUCCESS", "waiting", CLONE, {}, "done"),
    ("clone_test", "RUNNING", "replicate", None, {}, "refused"),
    ("clone_test", "SYNCING", "premiging", None, {}, "refused"),
    ("clone_test", "SYNCING", "cutovering", None, {}, "refused"),
    # delete_clone: no clone is done; a clone under way is refused; any other clone is sent.
    ("delete_clone", "SYNCING", "syncing", None, {}, "done"),
    ("delete_clone", "SYNCING", "syncing", dict(CLONE, vm_id=None, clone_state="ERROR"), {}, "done"),
    ("delete_clone", "SYNCING", "cloning", dict(CLONE, clone_state="CREATING"), {}, "refused"),
    ("delete_clone", "SYNCING", "syncing", CLONE, {}, "send"),
    ("delete_clone", "SYNCING", "syncing", dict(CLONE, clone_state="ERROR"), {}, "send"),
    ("delete_clone", "MIGRATE_SUCCESS", "finished", CLONE, {}, "send"),
    # migration_test: after the full copy; a drill under way or passed is done, a failed one runs again.
    ("migration_test", "SYNCING", "syncing", None, {}, "send"),
    ("migration_test", "MIGRATE_SUCCESS", "waiting", None, {}, "send"),
    ("migration_test", "SYNCING", "syncing", CLONE, {}, "send"),
    ("migration_test", "SYNCING", "premigfailed", None, {}, "send"),
    ("migration_test", "SYNCING", "premigready", None, {}, "done"),
    ("migration_test", "SYNCING", "premiging", None, {}, "done"),
    ("migration_test", "MIGRATE_SUCCESS", "premiged", None, {}, "done"),
    ("migration_test", "RUNNING", "replicate", None, {}, "refused"),
    ("migration_test", "SYNCING", "cloning", None, {}, "refused"),
    ("migration_test", "MIGRATE_SUCCESS", "finished", None, {}, "refused"),
    # collect_log: any state; an upload under way is done.
    ("collect_log", "MIGRATE_FAIL", "error", None, {"log_collect_status": "INIT"}, "send"),
    ("collect_log", "RUNNING", "replicate", None, {"log_collect_status": "UPLOADED"}, "send"),
    ("collect_log", "SYNCING", "syncing", None, {"log_collect_status": "UPLOAD_FAIL"}, "send"),
    ("collect_log", "SYNCING", "syncing", None, {"log_collect_status": "UPLOADING"}, "done"),
    # sync_failed_rollback: from SYNC_FAIL; rolling back or rolled back is done.
    ("sync_failed_rollback", "SYNC_FAIL", "finished", None, {}, "send"),
    ("sync_failed_rollback", "SYNC_F_ROLLBACKING", "finished", None, {}, "done"),
    ("sync_failed_rollback", "SYNC_F_ROLLBACK_SUCCESS", "finished", None, {}, "done"),
    ("sync_failed_rollback", "MIGRATE_FAIL", "error", None, {}, "refused"),
    # A launch from a tested task, not from one whose test runs.
    ("cutover", "SYNCING", "syncing", CLONE, {}, "send"),
    ("cutover", "SYNCING", "premiged", None, {}, "send"),
    ("cutover", "MIGRATE_SUCCESS", "premigfailed", None, {}, "send"),
    ("cutover", "SYNCING", "cloning", None, {}, "refused"),
    ("cutover", "SYNCING", "premiging", None, {}, "refused"),
    # Starts see a tested task as started.
    ("start", "SYNCING", "premiged", CLONE, {}, "done"),
])
def test_guards_of_the_rehearsal_operations(operation, state, source_state, clone, fields, verdict):
    task = _task(state, source_state, clone, **fields)
    got, reason = guard(operation, task)
    assert got == verdict, (task["phase"], reason)
    if verdict == "refused":
        assert "t1" in reason and operation in reason
    if verdict == "done":
        assert "t1" in reason


def test_a_clone_gone_is_made_again_only_where_a_clone_may_be_made():
    task = _task("MIGRATE_SUCCESS", "waiting", CLONE)  # cloned, but no longer in continuous sync
    verdict, reason = ecs_recheck(FakeEcs([]), "clone_test")(task, *guard("clone_test", task))
    assert verdict == "refused"
    assert "phase cloned" in reason and "allowed from: syncing, cloned with task state SYNCING" in reason


def test_bodies():
    assert action_body("clone_test", template_id="tpl-1") == {"operation": "clone_test", "template_id": "tpl-1"}
    assert action_body("clone_test") == {"operation": "clone_test"}
    assert action_body("sync_failed_rollback") == {"operation": "sync_failed_rollback"}
    assert log_body("sms-logs") == {"log_bucket": "sms-logs"}
    assert delete_clone_body("vm-1") == {"servers": [{"id": "vm-1"}], "delete_publicip": True, "delete_volume": True}
    assert OPERATIONS["collect_log"]["path"] == "/log"


class FakeEcs(object):
    """ecs_request of a client whose ECS holds ``servers``; every call is recorded."""

    def __init__(self, servers, status=404):
        self.servers, self.status, self.calls = set(servers), status, []

    def ecs_request(self, method, template, *params, **kwargs):
        self.calls.append((method, template % () if not params else template.format(*params)))
        if params[0] not in self.servers:
            raise SmsApiError(method, "https://ecs/v1/p" + template.format(*params), self.status, "Ecs.0114",
                              "Instance[%s] could not be found." % params[0])
        return {"server": {"id": params[0], "status": "ACTIVE"}}


def test_clone_test_makes_a_clone_again_once_ecs_no_longer_has_the_last_one():
    kept, deleted = dict(CLONE, vm_id="vm-kept"), dict(CLONE, vm_id="vm-gone")
    tasks = [dict(_task("SYNCING", "syncing", kept), id="a"), dict(_task("SYNCING", "syncing", deleted), id="b"),
             dict(_task("SYNCING", "syncing"), id="c")]
    ecs = FakeEcs(["vm-kept"])
    body = action_body("clone_test")
    results, to_send = plan_operation("clone_test", tasks, body, recheck=ecs_recheck(ecs, "clone_test"))
    assert [r["outcome"] for r in results] == ["already", "sent", "sent"]
    assert ecs.calls == [("GET", "/cloudservers/vm-kept"), ("GET", "/cloudservers/vm-gone")]
    assert to_send == results[1:]


def test_delete_clone_sends_one_ecs_deletion_per_clone_and_nothing_for_a_clone_gone_or_missing():
    tasks = [dict(_task("SYNCING", "syncing", dict(CLONE, vm_id="vm-1")), id="a"),
             dict(_task("SYNCING", "syncing", dict(CLONE, vm_id="vm-2")), id="b"),
             dict(_task("SYNCING", "syncing"), id="c")]
    ecs = FakeEcs(["vm-1"])
    results, to_send = plan_operation("delete_clone", tasks, None, check_mode=True, recheck=ecs_recheck(ecs, "delete_clone"))
    assert [r["outcome"] for r in results] == ["would_send", "already", "already"]
    assert results[0]["request"] == delete_clone_body("vm-1") and results[1]["request"] is None
    assert to_send == [results[0]]
    assert ecs_recheck(ecs, "start") is None


def test_an_ecs_error_other_than_404_is_not_taken_for_a_gone_clone():
    ecs = FakeEcs([], status=403)
    with pytest.raises(SmsError) as caught:
        plan_operation("delete_clone", [_task("SYNCING", "syncing", CLONE)], None, recheck=ecs_recheck(ecs, "delete_clone"))
    assert str(caught.value).startswith("Reading the test clone server vm-1 in ECS failed: ")
    assert caught.value.result["status"] == 403 and caught.value.result["error_code"] == "Ecs.0114"


def test_a_clone_under_way_refuses_delete_clone_for_the_whole_wave_before_anything_is_sent():
    tasks = [dict(_task("SYNCING", "syncing", CLONE), id="a"),
             dict(_task("SYNCING", "cloning", dict(CLONE, clone_state="CREATING")), id="b")]
    with pytest.raises(SmsError) as caught:
        plan_operation("delete_clone", tasks, None, recheck=ecs_recheck(FakeEcs(["vm-1"]), "delete_clone"))
    assert "nothing was sent" in str(caught.value) and [r["task_id"] for r in caught.value.result["refused"]] == ["b"]


@pytest.mark.parametrize("operation, state, source_state, clone, fields, expected", [
    ("clone_test", "SYNCING", "cloning", dict(CLONE, clone_state="PREPARING"), {}, None),
    ("clone_test", "SYNCING", "syncing", CLONE, {}, True),
    ("clone_test", "SYNCING", "syncing", None, {}, None),
    ("clone_test", "SYNCING", "syncing", dict(CLONE, clone_state="ERROR", clone_error="SMS.1702", error_msg="no quota"), {},
     "the clone failed: clone_state ERROR, clone_error SMS.1702, error_msg no quota"),
    ("migration_test", "SYNCING", "premiging", None, {}, None),
    ("migration_test", "SYNCING", "premiged", None, {}, True),
    ("migration_test", "SYNCING", "premigfailed", None, {}, "the drill failed: source state premigfailed"),
    ("migration_test", "SYNCING", "premigfailed", None, {"error_json": '{"error_code": "SMS.9", "error_msg": "boom"}'},
     "the drill failed: source state premigfailed, error_json SMS.9 boom"),
    ("collect_log", "SYNCING", "syncing", None, {"log_collect_status": "UPLOADING"}, None),
    ("collect_log", "SYNCING", "syncing", None, {"log_collect_status": "UPLOADED"}, True),
    ("collect_log", "SYNCING", "syncing", None, {"log_collect_status": "UPLOAD_FAIL", "log_bucket": "b"},
     "the log upload failed: log_collect_status UPLOAD_FAIL (log_bucket b)"),
])
def test_what_a_wait_reads_as_the_outcome(operation, state, source_state, clone, fields, expected):
    assert operation_outcome(operation, _task(state, source_state, clone, **fields)) == expected


def test_outcome_fields_per_result():
    cloned = _task("SYNCING", "syncing", {"vm_id": "vm-1", "name": "c", "clone_state": "FINISHED"})
    assert outcome_fields("clone_test", cloned) == {"clone_server": dict(CLONE, name="c")}
    assert outcome_fields("delete_clone", _task("SYNCING", "syncing")) == {"clone_server": None}
    assert [outcome_fields("migration_test", _task("SYNCING", source))["drill"]
            for source in ("premiging", "premiged", "premigfailed", "syncing")] == ["running", "passed", "failed", None]
    assert outcome_fields("collect_log", _task("SYNCING", "syncing", log_collect_status="UPLOADED")) == {
        "log_collect_status": "UPLOADED"}
    assert outcome_fields("start", cloned) == {}
    # The listing's brief clone (vm_id, name) still shows as a clone, with the other keys null.
    assert clone_of({"clone_server": {"vm_id": "v", "name": "n"}}) == dict(
        vm_id="v", name="n", clone_state=None, clone_error=None, error_msg=None)
    assert clone_of({"clone_server": {"vm_id": None, "name": None}}) is None


class FakeJobs(object):
    """ECS ShowJob answers: job_id -> the statuses of its successive reads (the last one repeats)."""

    def __init__(self, script):
        self.script, self.reads = dict((job, list(answers)) for job, answers in script.items()), []

    def ecs_request(self, method, template, *params, **kwargs):
        assert (method, template) == ("GET", "/jobs/{0}") and kwargs["expect"] == "object"
        self.reads.append(params[0])
        answers = self.script[params[0]]
        return answers.pop(0) if len(answers) > 1 else answers[0]


def test_the_ecs_jobs_are_polled_through_the_one_waiter_until_each_ended():
    from ansible_collections.hwcloud.sms.plugins.module_utils._task_wait import wait_for_ecs_jobs
    ecs = FakeJobs({"j1": [{"status": "RUNNING"}, {"status": "SUCCESS"}],
                    "j2": [{"status": "INIT"}, {"status": "RUNNING"}, {"status": "FAIL", "error_code": "Ecs.0001",
                                                                       "fail_reason": "the server is locked"}]})
    jobs = [{"job_id": "j1", "status": None}, {"job_id": "j2", "status": None}]
    slept = []
    stats = wait_for_ecs_jobs(ecs, jobs, wait_timeout=100, poll_interval=5, sleep=slept.append, clock=lambda: 0.0)
    assert jobs == [{"job_id": "j1", "status": "SUCCESS"},
                    {"job_id": "j2", "status": "FAIL", "error_code": "Ecs.0001", "fail_reason": "the server is locked"}]
    # An ended job is not read again.
    assert ecs.reads == ["j1", "j2", "j1", "j2", "j2"] and stats["polls"] == 3 and slept == [5, 5]


def test_an_ecs_job_that_never_ends_times_out():
    from ansible_collections.hwcloud.sms.plugins.module_utils._task_wait import wait_for_ecs_jobs
    from ansible_collections.hwcloud.sms.plugins.module_utils._waiter import WaitTimedOut
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds

    with pytest.raises(WaitTimedOut):
        wait_for_ecs_jobs(FakeJobs({"j": [{"status": "RUNNING"}]}), [{"job_id": "j"}], wait_timeout=12,
                          poll_interval=5, sleep=sleep, clock=lambda: now[0])


def test_the_first_read_after_a_request_that_still_shows_the_old_outcome_is_not_taken_for_the_new_one():
    from ansible_collections.hwcloud.sms.plugins.module_utils._task_outcomes import outcome_after
    failed_clone = dict(CLONE, clone_state="ERROR", clone_error="SMS.1702")
    before = [dict(_task("SYNCING", "syncing", failed_clone), id="a"), dict(_task("SYNCING", "premigfailed"), id="b")]
    clone_outcome = outcome_after("clone_test", before[:1])
    stale = dict(before[0])
    assert clone_outcome(stale) is None  # SMS has not shown the new clone yet
    assert clone_outcome(stale).startswith("the clone failed")  # a second read counts as it is
    # A read that shows the request (a new clone) counts at once, also when it already failed.
    fresh = outcome_after("clone_test", before[:1])
    assert fresh(dict(_task("SYNCING", "syncing", dict(failed_clone, vm_id="vm-2")), id="a")).startswith("the clone failed")
    drill_outcome = outcome_after("migration_test", before[1:])
    assert drill_outcome(before[1]) is None and drill_outcome(before[1]).startswith("the drill failed")
    # A task not sent (already in the outcome) is taken as it is.
    assert outcome_after("migration_test", [])(before[1]).startswith("the drill failed")
    uploaded = dict(_task("SYNCING", "syncing", log_collect_status="UPLOADED"), id="c")
    log_outcome = outcome_after("collect_log", [uploaded])
    assert log_outcome(uploaded) is None and log_outcome(uploaded) is True
