# -*- coding: utf-8 -*-
"""wait_for_tasks against the emulator over HTTP, with a scripted clock: what happens between two
polls is done by the ``sleep`` the wait calls, so outages, recoveries and deletions land exactly
between the polls a test names, and no test sleeps."""

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._client import SmsClient
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError
from ansible_collections.hwcloud.sms.plugins.module_utils._task_describe import describe
from ansible_collections.hwcloud.sms.plugins.module_utils._task_wait import WaitFailed, wait_for_tasks


class Script(object):
    """A fake clock plus the ``sleep`` of a wait: the n-th sleep runs steps[n] (if any), then moves
    the clock on by the time slept."""

    def __init__(self, steps):
        self.now, self.steps, self.sleeps = 0.0, list(steps), 0

    def clock(self):
        return self.now

    def sleep(self, seconds):
        if self.sleeps < len(self.steps) and self.steps[self.sleeps] is not None:
            self.steps[self.sleeps]()
        self.sleeps += 1
        self.now += seconds


@pytest.fixture
def emu(emulator_factory):
    return emulator_factory(sources=3, seed=4, states="waiting=1")


def _client(emu):
    return SmsClient(endpoint=emu.url, access_key=emu.access_key, secret_key=emu.secret_key,
                     project_id=emu.project_id, retries=0)


def _ready_task(emu):
    source = emu.store.list_sources(state="waiting")[0]
    return emu.store.create_task({"name": "t", "type": "MIGRATE_FILE", "source_server": {"id": source["id"]}})


def _wait(emu, task_id, script, **options):
    client = _client(emu)
    initial = {task_id: describe(client.request("GET", "/v3/tasks/" + task_id))}
    args = dict(poll_interval=10, wait_timeout=1000, outage_timeout=25, initial=initial, sleep=script.sleep,
                clock=script.clock)
    args.update(options)
    return wait_for_tasks(client, [task_id], ["replicating"], **args)


def test_a_poll_that_succeeds_starts_the_outage_count_again(emu):
    task_id = _ready_task(emu)

    def fail_next(count):
        return lambda: emu.set_faults(fail_next=[503] * count)

    # polls at t=10, 20 fail, t=30 succeeds, t=40, 50 fail, t=60 sees the task replicating: 40 s of
    # failures in all, never 25 s in a row
    script = Script([fail_next(2), None, None, fail_next(2), None, lambda: emu.store.task_action(task_id, "start")])
    tasks, stats = _wait(emu, task_id, script)
    assert tasks[0]["phase"] == "replicating"
    assert stats["failed_polls"] == 4 and stats["polls"] == 7 and stats["last_error"] is None


def test_failed_polls_past_the_bound_fail_with_the_last_error(emu):
    task_id = _ready_task(emu)
    script = Script([lambda: emu.set_faults(fail_next=[503, 502, 503, 504])])
    with pytest.raises(WaitFailed) as caught:
        _wait(emu, task_id, script)
    # failures at t=10, 20, 30, 40: 30 s in a row at the fourth (from the start of the first)
    assert script.now == 40
    assert "every poll failed for 30 seconds (outage_timeout 25, 4 failed poll(s) in a row)" in str(caught.value)
    assert caught.value.error.status == 504
    result = caught.value.result
    assert result["status"] == 504 and result["error_code"] and result["request_id"]
    assert [t["id"] for t in result["pending_tasks"]] == [task_id] and result["pending_tasks"][0]["phase"] == "ready"


def test_an_answer_that_waiting_cannot_change_ends_the_wait_at_once(emu):
    task_id = _ready_task(emu)
    script = Script([lambda: emu.add_user(emu.access_key, emu.secret_key, denied_actions=("sms:task:get",))])
    with pytest.raises(SmsApiError) as caught:
        _wait(emu, task_id, script)
    assert caught.value.status == 403 and script.sleeps == 1


def test_a_task_deleted_between_polls_is_gone_even_when_waiting_for_any(emu):
    task_id = _ready_task(emu)
    script = Script([lambda: emu.store.delete_task(task_id)])
    with pytest.raises(WaitFailed) as caught:
        _wait(emu, task_id, script, wait_mode="any")
    assert script.sleeps == 1
    gone = caught.value.result["gone_tasks"]
    assert [t["id"] for t in gone] == [task_id] and gone[0]["last_state"] == "READY" and gone[0]["gone"] is True
    assert caught.value.result["summary"]["unknown"] == 1


def test_bad_wait_options_raise_naming_the_option_and_the_rule(tmp_path):
    from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsInputError
    from ansible_collections.hwcloud.sms.plugins.module_utils._task_wait import check_wait_options
    good = dict(wait_timeout=10.0, poll_interval=1.0, outage_timeout=0.0, progress_file=None, wait_for=["finished"],
                fail_on=["failed", "SYNC_FAIL"])
    check_wait_options(good)
    for change, message in (
            (dict(poll_interval=float("nan")), "poll_interval must be a finite number of seconds greater than 0, got nan"),
            (dict(outage_timeout=-1.0), "outage_timeout must be a finite number of seconds, 0 or more, got -1.0"),
            (dict(progress_file=str(tmp_path / "no" / "p.txt")), "its directory %s does not exist" % (tmp_path / "no")),
            (dict(fail_on=["Failed"]), "fail_on must list phases"),
            (dict(wait_for=[]), "wait_for must list at least one phase or task state")):
        with pytest.raises(SmsInputError) as caught:
            check_wait_options(dict(good, **change))
        assert message in str(caught.value)


def test_an_unwritable_progress_file_raises_with_what_was_already_done(tmp_path):
    from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsError
    from ansible_collections.hwcloud.sms.plugins.module_utils._task_wait import note_warnings, progress_writer
    write = progress_writer(str(tmp_path), sent=1)  # a directory: the file cannot replace it
    with pytest.raises(SmsError) as caught:
        write([describe({"id": "t", "state": "READY"})], dict(polls=1, waited_seconds=0.0, failed_polls=0))
    assert str(caught.value).startswith("progress_file %s cannot be written: " % tmp_path)
    assert caught.value.result == {"sent": 1}
    progress_writer(None)([], {})  # no file asked for: nothing written, nothing raised
    assert note_warnings(["a", "b", "a", "c"], limit=2) == ["a", "b", "1 more value(s) from SMS were not usable and are shown as null"]
