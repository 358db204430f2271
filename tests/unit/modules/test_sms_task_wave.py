# -*- coding: utf-8 -*-
"""sms_task over a wave against the emulator: what a row that SMS refused or that another job
created first looks like, a summary that counts only what SMS created, the immutability check on
the SDK model each field comes from (the wave_plan -> sms_task -> wave_problems chain a playbook runs
is in tests/integration/test_sms_task_wave.py).
Run in this process against the emulator (moved from tests/integration/test_sms_task_wave.py, assertions unchanged)."""

import threading
import time

import pytest

from sms_emulator import Emulator
from support.module_runner import emulator_args
from support.fleet import take_fresh_sources
from ansible_collections.hwcloud.sms.tests.unit.modules.sms_task_runner import run_module

from ansible_collections.hwcloud.sms.plugins.module_utils import _task_body

models = pytest.importorskip("huaweicloudsdksms.v3.model")


@pytest.fixture(scope="module")
def emu():
    with Emulator(sources=40, seed=23, states="waiting=1") as emulator:
        yield emulator


@pytest.fixture
def env(emu):
    return emulator_args(emu, region=emu.region)


def _posts(emu):
    return [e for e in emu.request_log() if e["method"] == "POST" and e["path"] == "/v3/tasks"]


def test_a_refused_row_is_failed_with_the_api_fields_and_the_summary_counts_only_what_sms_created(emu, env):
    sources = take_fresh_sources(emu, 3, os_type="LINUX")
    rows = [{"source_name": s["name"], "template_id": "t"} for s in sources]
    emu.clear_request_log()
    with emu.faults(methods=["POST"], fail_next=[500]):  # SMS refuses the first creation (workers=1: row 1)
        result = run_module("sms_task", {"tasks": rows, "workers": 1}, env=env)
    assert result.get("failed") and "1 of 3 row(s) failed" in result["msg"]
    assert result["summary"] == {"failed": 1, "created": 2}
    assert sum(result["summary"].values()) == len(result["results"])
    refused = result["results"][0]
    assert refused["outcome"] == "failed" and refused["attempted"] == "created" and refused["changed"] is False
    assert (refused["source_name"], refused["source_id"], refused["index"]) == (sources[0]["name"], sources[0]["id"], 0)
    error = refused["error"]
    assert error["status"] == 500 and error["error_code"] == "SMS.2007" and error["request_id"] and error["error_msg"]
    # No task: a record without an ID rather than null, so that templates reading task.id do not crash.
    assert refused["task"] == {"id": None, "state": None, "phase": None} and refused["phase"] is None
    assert emu.store.get_source_record(sources[0]["id"])["current_task"] is None
    assert [item["outcome"] for item in result["results"][1:]] == ["created", "created"]
    assert all(item["task"]["id"] for item in result["results"][1:])
    assert len(_posts(emu)) == 3


def test_a_task_created_by_someone_else_first_is_found_and_reported_as_existing(emu, env):
    sources = take_fresh_sources(emu, 2, os_type="LINUX")
    rows = [{"source_name": s["name"], "template_id": "t"} for s in sources]
    emu.clear_request_log()
    # SMS creates the first task, the gateway answers 503, the client sends the POST again and SMS
    # refuses it (the source has a task): the same answer as when another job created it first.
    with emu.faults(methods=["POST"], fail_next_after_acting=[503], fault_path_prefix="/v3/tasks"):
        result = run_module("sms_task", {"tasks": rows, "workers": 1}, env=env)
    assert not result.get("failed"), result.get("msg")
    assert result["summary"] == {"exists": 1, "created": 1}
    existing = result["results"][0]
    stored = emu.store.get_source_record(sources[0]["id"])["current_task"]
    assert existing["outcome"] == "exists" and existing["changed"] is False
    assert existing["task"]["id"] == stored["id"] and existing["phase"] == "ready"
    assert existing["source_name"] == sources[0]["name"] and existing["source_id"] == sources[0]["id"]
    assert existing["create_error"]["status"] == 400 and existing["create_error"]["request_id"]
    assert len(_posts(emu)) == 3


def test_a_task_another_job_created_first_with_syncing_false_fails_the_row(emu, env):
    source = take_fresh_sources(emu, 1, os_type="LINUX")[0]
    other = {"name": "by-another-job", "type": "MIGRATE_FILE", "source_server": {"id": source["id"]},
             "syncing": False, "vm_template_id": "t"}

    def create_after_the_listing():
        # The module has listed the source's tasks (none) and sends its POST, which waits: another
        # job creates the task meanwhile, with syncing false.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(e["method"] == "GET" and e["path"] == "/v3/tasks" for e in emu.request_log()):
                emu.store.create_task(other)
                return
            time.sleep(0.02)

    emu.clear_request_log()
    racer = threading.Thread(target=create_after_the_listing)
    racer.start()
    try:
        with emu.faults(methods=["POST"], latency_ms=3000):
            result = run_module("sms_task", {"tasks": [{"source_id": source["id"], "template_id": "t",
                                                        "syncing": True}]}, env=env)
    finally:
        racer.join()
    stored = emu.store.get_source_record(source["id"])["current_task"]
    assert stored is not None and emu.store.get_task(stored["id"])["syncing"] is False
    # Not "exists" (which the wave's replicate phase would start): the row failed, saying why.
    assert result.get("failed"), result
    item = result["results"][0]
    assert item["outcome"] == "failed" and item["attempted"] == "exists" and item["changed"] is False
    assert "syncing False -> True" in item["error"]["msg"] and item["create_error"]["status"] == 400
    assert item["task"]["id"] == stored["id"]


def test_a_single_task_refused_by_sms_fails_with_outcome_failed(emu, env):
    source = take_fresh_sources(emu, 1)[0]
    with emu.faults(methods=["POST"], fail_next=[500]):
        result = run_module("sms_task", {"source_id": source["id"], "template_id": "t"}, env=env)
    assert result.get("failed") and result["outcome"] == "failed" and result["attempted"] == "created"
    assert result["status"] == 500 and result["error_code"] == "SMS.2007" and result["request_id"]
    assert result["source_id"] == source["id"]


def test_the_immutability_check_reads_each_field_from_the_sdk_model_it_comes_from():
    # The existing task's record is an item of GET /v3/tasks; only what it lacks is read from
    # GET /v3/tasks/{id}.
    listing = {"": set(models.TasksResponseBody.attribute_map),
               "target_server": set(models.TargetServerAssociatedWithTask.attribute_map)}
    shown = {"": set(models.ShowTaskResponse.attribute_map)}
    for fields, immutable in ((listing, _task_body.IMMUTABLE), (shown, _task_body.IMMUTABLE_SHOWN)):
        for option, path in immutable:
            assert path[-1] in fields[path[0] if len(path) > 1 else ""], (option, path)
    for option, path in _task_body.IMMUTABLE_SHOWN:
        assert path[0] not in listing[""], (option, path)  # read with a GET only when the listing lacks it
    compared = set(option for option, _path in _task_body.IMMUTABLE + _task_body.IMMUTABLE_SHOWN)
    assert set(("syncing", "template_id")) <= compared
    # Options documented as not comparable are in neither answer.
    for option in ("use_public_ip", "use_ipv6", "clonevm_template_id", "start_network_check"):
        assert option not in compared and option not in listing[""] and option not in shown[""]


def test_an_existing_task_with_syncing_false_is_a_difference_not_a_task_to_start(emu, env):
    source = take_fresh_sources(emu, 1, os_type="LINUX")[0]
    created = run_module("sms_task", {"source_id": source["id"], "template_id": "t", "use_public_ip": True,
                                      "syncing": False}, env=env)
    assert created["changed"], created
    emu.clear_request_log()
    # The wave's rows always say syncing true: a task made with syncing false would be launched
    # by SMS without the approved cut-over, so it must not pass as the planned task.
    row = {"source_id": source["id"], "template_id": "t", "syncing": True}
    refused = run_module("sms_task", {"tasks": [row], "start": True}, env=env)
    assert refused.get("failed"), refused
    assert "syncing False -> True" in refused["msg"], refused["msg"]
    assert [(entry["row"], entry["option"]) for entry in refused["row_problems"]] == [(1, "syncing")]
    assert all(e["method"] == "GET" for e in emu.request_log())
    # The template is read from GET /v3/tasks/{id}, once, since the listing does not show it.
    task_id = created["task"]["id"]
    assert [e["path"] for e in emu.request_log()].count("/v3/tasks/%s" % task_id) == 1
    # A ready task's template is changed in place (PUT /v3/tasks/{id}; check mode sends nothing).
    other = run_module("sms_task", {"source_id": source["id"], "template_id": "t-other", "syncing": False},
                       env=env, check=True)
    assert not other.get("failed") and other["updated"] == ["template_id"], other
    assert other["update_request"]["body"] == {"vm_template_id": "t-other"}
    # use_public_ip is in neither answer: not compared.
    again = run_module("sms_task", {"source_id": source["id"], "template_id": "t", "use_public_ip": False,
                                    "syncing": False}, env=env)
    assert not again.get("failed"), again.get("msg")
    assert again["outcome"] == "unchanged"
    # target_server.name is (TargetServerAssociatedWithTask.name): still compared.
    renamed = run_module("sms_task", {"source_id": source["id"], "template_id": "t",
                                      "target_server_name": "other-name"}, env=env)
    assert renamed.get("failed") and "target_server_name %r -> 'other-name'" % source["name"] in renamed["msg"]
