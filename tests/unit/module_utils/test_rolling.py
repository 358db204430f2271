# -*- coding: utf-8 -*-
"""RollingStart against the emulator over HTTP with a scripted clock (as test_task_wait.py): what
happens between two polls is done by the ``sleep`` the rolling calls, so slots free, outages
begin and end exactly between the polls a test names, and no test sleeps."""

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils._client import SmsClient
from ansible_collections.hwcloud.sms.plugins.module_utils._errors import SmsApiError
from ansible_collections.hwcloud.sms.plugins.module_utils._rolling import (
    RollingFailed,
    RollingStart,
    is_limit_code,
    slots_taken,
)
from ansible_collections.hwcloud.sms.plugins.module_utils._task_describe import describe
from ansible_collections.hwcloud.sms.plugins.module_utils._task_operations import plan_operation

from unit.module_utils.test_task_wait import Script  # the scripted clock of the wave wait's tests


@pytest.fixture
def emu(emulator_factory):
    return emulator_factory(sources=8, seed=4, states="waiting=1", max_running=2)


def _client(emu):
    return SmsClient(endpoint=emu.url, access_key=emu.access_key, secret_key=emu.secret_key,
                     project_id=emu.project_id, retries=0)


def _rolling(emu, count, max_running=2):
    """A RollingStart of ``count`` new READY tasks, planned as sms_task_action plans them."""
    client = _client(emu)
    task_ids = [emu.store.create_task({"name": "t-%s" % source["name"], "type": "MIGRATE_FILE",
                                       "source_server": {"id": source["id"]}})
                for source in emu.store.list_sources(state="waiting")
                if not emu.store.list_tasks(source_server_id=source["id"])[0]][:count]
    tasks = [describe(client.request("GET", "/v3/tasks/" + task_id)) for task_id in task_ids]
    results, to_send = plan_operation("start", tasks, {"operation": "start"})
    return RollingStart(client, "start", {"operation": "start"}, max_running).plan(tasks, results, to_send), task_ids


def _stop_running(emu, task_ids):
    """A step: the running tasks among ``task_ids`` leave their slot (removed, as if deleted by someone)."""
    def step():
        for task_id in task_ids:
            if (emu.store.get_task(task_id) or {}).get("state") == "RUNNING":
                emu.remove_task(task_id)
    return step


def test_one_listing_per_poll_starts_what_fits_in_order(emu):
    rolling, task_ids = _rolling(emu, 5)
    started = []

    def note():
        started.append([task_id for task_id in task_ids if (emu.store.get_task(task_id) or {}).get("state") == "RUNNING"])

    script = Script([note, _stop_running(emu, task_ids[:2]), note, _stop_running(emu, task_ids[2:4])])
    emu.clear_request_log()
    rolling.run(1000, 10, sleep=script.sleep, clock=script.clock)
    assert started[0] == task_ids[:2]  # the first poll started the first two
    assert started[1] == task_ids[2:4]  # the next poll, once they left, the next two
    assert rolling.queued_ids() == [] and [r["outcome"] for r in rolling.results] == ["sent"] * 5
    # Polls: start 2, full, start 2, full, start the last.
    assert rolling.stats["polls"] == 5 and rolling.stats["peak_running"] == 2 and emu.peak_running == 2
    listings = [e for e in emu.request_log() if e["method"] == "GET" and e["path"] == "/v3/tasks"]
    assert len(listings) == 5  # one page (8 tasks at most) per poll, nothing else read
    assert rolling.stats["max_requests_per_poll"] == 3  # the listing and two starts


def test_an_outage_is_ridden_through(emu):
    rolling, task_ids = _rolling(emu, 3)

    def outage():
        emu.set_faults(fail_next=[503, 503])  # the next two requests fail

    script = Script([outage, None, _stop_running(emu, task_ids[:2])])
    rolling.run(1000, 10, outage_timeout=100, sleep=script.sleep, clock=script.clock)
    assert rolling.queued_ids() == [] and rolling.stats["polls"] == 4
    assert [r["outcome"] for r in rolling.results] == ["sent"] * 3


def test_a_long_outage_fails_and_keeps_the_queue(emu):
    rolling, task_ids = _rolling(emu, 3, max_running=1)
    script = Script([lambda: emu.set_faults(status_5xx=503, rate_5xx=1.0)])
    try:
        with pytest.raises(RollingFailed) as caught:
            rolling.run(1000, 10, outage_timeout=25, sleep=script.sleep, clock=script.clock)
    finally:
        emu.reset_faults()
    assert isinstance(caught.value.error, SmsApiError) and caught.value.error.status == 503
    assert "every poll failed" in str(caught.value) and "2 task(s) still queued" in str(caught.value)
    assert rolling.queued_ids() == task_ids[1:] and [r["outcome"] for r in rolling.results] == ["sent", "queued", "queued"]


def test_counts_of_the_progress_file(emu):
    rolling, task_ids = _rolling(emu, 3, max_running=1)
    assert rolling.counts(rolling.tasks()) == dict(queued=3, migrating=0, done=3 - 3)
    script = Script([])
    with pytest.raises(RollingFailed) as caught:
        rolling.run(25, 10, sleep=script.sleep, clock=script.clock)
    assert "timed out after 25 seconds (4 polls) with 2 task(s) still waiting for one of the 1" in str(caught.value)
    assert rolling.counts(rolling.tasks()) == dict(queued=2, migrating=1, done=0)
    rolling.results[1]["outcome"] = "error"
    rolling.queue = rolling.queue[1:]
    assert rolling.counts(rolling.tasks()) == dict(queued=1, migrating=1, done=0, refused=1)


def test_the_refusal_for_the_limit_is_recognised_by_its_code():
    limit = SmsApiError("POST", "u", 400, "SMS.1045", "limit")
    assert is_limit_code(limit)
    assert not is_limit_code(SmsApiError("POST", "u", 400, "SMS.1039", "Only paused tasks can be resumed"))
    assert not is_limit_code(SmsApiError("POST", "u", 503, "SMS.1045", "a 5xx is an outage, not the limit"))
    assert slots_taken([{"state": "RUNNING"}, {"state": "SYNCING"}, {"state": "ABORTING"}, {"id": "x"}]) == 2


def test_a_queued_task_missing_from_the_listing_is_read_by_id_and_fails_only_when_gone(emu, monkeypatch):
    rolling, task_ids = _rolling(emu, 3, max_running=1)
    listing = emu.store.tasks.list_tasks

    def lagging(**query):
        count, tasks = listing(**query)  # the listing lags: it does not show the second task yet
        return count - 1, [task for task in tasks if task["id"] != task_ids[1]]

    monkeypatch.setattr(emu.store.tasks, "list_tasks", lagging)
    script = Script([_stop_running(emu, task_ids[:1]), lambda: emu.remove_task(task_ids[2]),
                     _stop_running(emu, task_ids[1:2])])
    emu.clear_request_log()
    rolling.run(1000, 10, sleep=script.sleep, clock=script.clock)
    outcomes = dict((r["task_id"], (r["outcome"], r.get("msg"))) for r in rolling.results)
    assert outcomes[task_ids[0]] == ("sent", None) and outcomes[task_ids[1]] == ("sent", None)
    assert outcomes[task_ids[2]] == ("error", "task %s no longer exists" % task_ids[2])
    reads = [e["path"] for e in emu.request_log() if e["method"] == "GET" and e["path"] != "/v3/tasks"]
    assert reads and set(reads) <= set("/v3/tasks/" + task_id for task_id in task_ids[1:])
