# -*- coding: utf-8 -*-
"""sms_command in-process against the emulator: one command read, waited for, its failures.
(Moved from tests/integration/test_sms_command.py with every assertion; the agent loop through
ansible-playbook stays in tests/integration/test_sms_command_result.py.)"""

import json
import threading
import time

import pytest

from support.module_runner import emulator_args, run_module

COMMAND_PATH = "/v3/sources/%s/command"


def _run(emu, check_mode=False, **args):
    return run_module("sms_command", emulator_args(emu, **args), check_mode=check_mode)


def _waiting_source(emu):
    return emu.store.list_sources(state="waiting")[0]["id"]


def _new_task(emu, source_id, name="wave-1"):
    return emu.store.create_task({"name": name, "type": "MIGRATE_FILE", "source_server": {"id": source_id}})


def _command_gets(emu, source_id):
    return [e for e in emu.request_log() if e["method"] == "GET" and e["path"] == COMMAND_PATH % source_id]


def test_idle_source_has_no_command(emulator_factory):
    emu = emulator_factory(sources=3, states="waiting=1")
    source_id = _waiting_source(emu)
    result = _run(emu, server_id=source_id)
    assert not result.get("failed"), result
    assert result["changed"] is False
    assert result["has_command"] is False
    assert result["command_name"] is None and result["command_param"] is None
    assert result["response"] == {}
    assert result["polls"] == 1
    assert result["waited_seconds"] == result["waited"] == 0.0
    assert emu.store.pending_command(source_id) is None
    assert len(_command_gets(emu, source_id)) == 1
    # The poll is what an agent does: SMS marks the source connected.
    assert emu.store.get_source_record(source_id)["connected"] is True


def test_started_task_makes_start_appear_with_its_task_id(emulator_factory):
    emu = emulator_factory(sources=3, states="waiting=1")
    source_id = _waiting_source(emu)
    task_id = _new_task(emu, source_id)
    assert _run(emu, server_id=source_id)["has_command"] is False
    emu.store.task_action(task_id, "start")

    result = _run(emu, server_id=source_id)
    assert not result.get("failed"), result
    pending = emu.store.pending_command(source_id)
    assert pending["command_name"] == "START" and pending["command_param"] == {"task_id": task_id}
    assert result["has_command"] is True
    assert result["command_name"] == pending["command_name"]
    assert result["command_param"] == pending["command_param"]
    assert result["changed"] is False


@pytest.mark.parametrize("operation, expected_name, expected_param", [
    ("collect_log", "UPLOAD_LOG", {"bucket": "sms-agent-logs"}),
    ("migration_test", "PREMIGRATE", {}),
    ("stop", "STOP", {}),
])
def test_other_commands_pass_through_with_their_parameters(emulator_factory, operation, expected_name, expected_param):
    emu = emulator_factory(sources=2, states="waiting=1")
    source_id = _waiting_source(emu)
    task_id = _new_task(emu, source_id)
    emu.store.task_action(task_id, "start")
    emu.store.task_action(task_id, operation)
    result = _run(emu, server_id=source_id)
    assert result["command_name"] == expected_name == emu.store.pending_command(source_id)["command_name"]
    assert result["command_param"] == dict(expected_param, task_id=task_id)


def test_old_generation_delete_and_unknown_future_names_pass_through(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1", command_generation="old")
    source_id = _waiting_source(emu)
    task_id = _new_task(emu, source_id)
    emu.store.delete_task(task_id)
    result = _run(emu, server_id=source_id)
    assert (result["command_name"], result["command_param"]) == ("DELETE", {"task_id": task_id})

    # A command name no document lists yet, with an extra parameter: returned untouched.
    with emu.store._write() as conn:  # pylint: disable=protected-access
        emu.store._enqueue(conn, source_id, "REBOOT_LATER", {"task_id": task_id, "when": "now"}, "future")  # pylint: disable=protected-access
    result = _run(emu, server_id=source_id, wait_for=["REBOOT_LATER"])
    assert not result.get("failed"), result
    assert result["has_command"] is True
    assert result["command_name"] == "REBOOT_LATER"
    assert result["command_param"] == {"task_id": task_id, "when": "now"}


def _act_after_first_poll(emu, source_id, task_id, operation):
    """Run a task action one second after the module's first poll, from a thread; the returned
    dict gets the time of the action under "at"."""
    acted = {}

    def act():
        deadline = time.time() + 60
        while not _command_gets(emu, source_id) and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)
        acted["at"] = time.time()
        emu.store.task_action(task_id, operation)

    thread = threading.Thread(target=act, daemon=True)
    thread.start()
    return thread, acted


def test_wait_picks_up_a_task_started_after_polling_began(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    source_id = _waiting_source(emu)
    task_id = _new_task(emu, source_id)
    starter, started = _act_after_first_poll(emu, source_id, task_id, "start")
    result = _run(emu, server_id=source_id, wait=True, wait_timeout=60, poll_interval=0.3)
    starter.join(timeout=5)
    assert not result.get("failed"), result
    assert result["command_name"] == "START" and result["command_param"] == {"task_id": task_id}
    gets = _command_gets(emu, source_id)
    assert gets[0]["time"] < started["at"] < gets[-1]["time"]
    assert result["polls"] == len(gets) >= 2
    assert result["waited"] >= 1.0
    assert result["waited_seconds"] == result["waited"]  # the deprecated key keeps the same value


def test_wait_for_ignores_other_commands_until_a_listed_one_arrives(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    source_id = _waiting_source(emu)
    task_id = _new_task(emu, source_id)
    emu.store.task_action(task_id, "start")  # START is pending, but we wait for STOP
    stopper, stopped = _act_after_first_poll(emu, source_id, task_id, "stop")
    result = _run(emu, server_id=source_id, wait_for=["STOP", "DELETE"], wait_timeout=60, poll_interval=0.3)
    stopper.join(timeout=5)
    assert not result.get("failed"), result
    assert result["command_name"] == "STOP"
    gets = _command_gets(emu, source_id)
    assert gets[0]["time"] < stopped["at"] < gets[-1]["time"]  # START was seen, and passed over
    assert result["polls"] == len(gets) >= 2


def test_wait_timeout_says_how_long_and_what_was_last_seen(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    source_id = _waiting_source(emu)
    task_id = _new_task(emu, source_id)
    emu.store.task_action(task_id, "start")
    began = time.time()
    result = _run(emu, server_id=source_id, wait_for=["STOP"], wait_timeout=2, poll_interval=0.5)
    assert result["failed"]
    assert time.time() - began >= 2
    msg = result["msg"]
    assert msg.startswith("Timed out after 2.")
    assert "one of the commands STOP" in msg and source_id in msg
    assert "last seen: command START with parameters {'task_id': '%s'}" % task_id in msg
    gets = _command_gets(emu, source_id)
    assert result["polls"] == len(gets) >= 2
    assert "polls" in msg and str(len(gets)) in msg
    assert result["waited_seconds"] == result["waited"] >= 2
    assert result["response"] == {"command_name": "START", "command_param": {"task_id": task_id}}


def test_wait_timeout_with_nothing_queued(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    source_id = _waiting_source(emu)
    result = _run(emu, server_id=source_id, wait=True, wait_timeout=1, poll_interval=0.4)
    assert result["failed"]
    assert "waiting for a command" in result["msg"] and "last seen: no command" in result["msg"]


def test_check_mode_reads_the_same(emulator_factory):
    emu = emulator_factory(sources=2, states="waiting=1")
    source_id = _waiting_source(emu)
    task_id = _new_task(emu, source_id)
    emu.store.task_action(task_id, "start")
    result = _run(emu, check_mode=True, server_id=source_id)
    assert result["changed"] is False and result["command_name"] == "START"
    assert len(_command_gets(emu, source_id)) == 1
    assert emu.store.pending_command(source_id)["command_name"] == "START"  # reading does not consume it


@pytest.mark.parametrize("args, message", [
    ({"server_id": ""}, "server_id must be a non-empty source server id"),
    ({"server_id": "   "}, "server_id must be a non-empty source server id"),
    ({"server_id": " abc"}, "server_id must not start or end with white space"),
    ({"server_id": "x" * 256}, "server_id must be at most 255 characters, got 256"),
    ({"server_id": ".."}, "server_id must not be '.' or '..'"),
    ({"server_id": "."}, "server_id must not be '.' or '..'"),
    ({"wait_timeout": 0}, "wait_timeout must be a finite number of seconds greater than 0"),
    ({"poll_interval": -1}, "poll_interval must be a finite number of seconds greater than 0"),
    ({"wait": True, "wait_timeout": "nan"}, "wait_timeout must be a finite number of seconds greater than 0, got nan"),
    ({"wait": True, "wait_timeout": "inf"}, "wait_timeout must be a finite number of seconds greater than 0, got inf"),
    ({"wait": True, "poll_interval": "nan"}, "poll_interval must be a finite number of seconds greater than 0, got nan"),
    ({"wait": True, "wait_timeout": 5, "poll_interval": 10}, "poll_interval (10.0) must not be greater than wait_timeout (5.0)"),
    ({"wait_for": []}, "wait_for must list at least one command name"),
    ({"wait_for": ["START", " "]}, "wait_for must not contain empty command names"),
    ({"wait": "perhaps"}, "wait"),
])
def test_bad_input_fails_before_any_request(emulator_factory, args, message):
    emu = emulator_factory(sources=1, states="waiting=1")
    args = dict({"server_id": _waiting_source(emu)}, **args)
    result = _run(emu, **args)
    assert result["failed"] and message in result["msg"], result
    assert emu.request_log() == []


def test_255_character_id_is_sent_without_warning(emulator_factory):
    emu = emulator_factory(sources=1)
    server_id = "a" * 255
    result = _run(emu, server_id=server_id)
    assert result["failed"] and result["status"] == 404
    assert not result.get("warnings")
    assert [e["path"] for e in emu.request_log()] == [COMMAND_PATH % server_id]


@pytest.mark.parametrize("server_id, encoded", [
    ("../x", "..%2Fx"),
    ("../../v3/tasks", "..%2F..%2Fv3%2Ftasks"),
    ("a?b#c", "a%3Fb%23c"),
])
def test_path_characters_stay_one_encoded_segment(emulator_factory, server_id, encoded):
    emu = emulator_factory(sources=1)
    result = _run(emu, server_id=server_id)
    assert result["failed"] and result["status"] == 404 and result["error_code"] == "SMS.0404", result
    log = emu.request_log()
    assert [(e["method"], e["path"], e["query"]) for e in log] == [("GET", COMMAND_PATH % encoded, "")]
    assert result["request_id"] == log[0]["request_id"]


def test_unknown_source_gives_404_with_request_id(emulator_factory):
    emu = emulator_factory(sources=1)
    result = _run(emu, server_id="f32ab4d6-d150-4fb3-aa55-edbb5cf9947f")
    assert result["failed"]
    assert (result["status"], result["error_code"]) == (404, "SMS.0404")
    assert "f32ab4d6-d150-4fb3-aa55-edbb5cf9947f" in result["error_msg"]
    assert result["request_id"] == emu.request_log()[-1]["request_id"]
    assert result["request_id"] in result["msg"]
    assert result["msg"].startswith("Reading the command for source server f32ab4d6-d150-4fb3-aa55-edbb5cf9947f failed: ")


def test_wrong_secret_key_gives_401_with_request_id(emulator_factory):
    emu = emulator_factory(sources=1, states="waiting=1")
    result = _run(emu, server_id=_waiting_source(emu), secret_key="not-the-right-secret-key")
    assert result["failed"]
    assert (result["status"], result["error_code"]) == (401, "APIGW.0301")
    assert result["error_msg"].startswith("Incorrect IAM authentication information")
    assert result["request_id"] == emu.request_log()[-1]["request_id"]
    assert "not-the-right-secret-key" not in json.dumps(result)  # all the module printed


def test_denied_action_gives_sms_9004(emulator_factory):
    emu = emulator_factory(sources=1, states="waiting=1")
    emu.add_user("AKCMDDENIED000000001", "sk-command-denied-secret", denied_actions=["sms:server:getCommand"])
    source_id = _waiting_source(emu)
    result = _run(emu, server_id=source_id, access_key="AKCMDDENIED000000001", secret_key="sk-command-denied-secret")
    assert result["failed"]
    assert (result["status"], result["error_code"]) == (403, "SMS.9004")
    assert "sms:server:getCommand" in result["error_msg"]
    assert result["encoded_authorization_message"]
    assert result["body"]["details"][0]["error_code"] == "SMS.9004"
    assert result["request_id"] == emu.request_log()[-1]["request_id"]


def test_server_error_surfaces_after_retries(emulator_factory):
    emu = emulator_factory(sources=1, states="waiting=1")
    source_id = _waiting_source(emu)
    emu.set_faults(fail_next=[500, 500])
    result = _run(emu, server_id=source_id, retries=1)
    assert result["failed"]
    assert (result["status"], result["error_code"]) == (500, "SMS.2007")
    log = emu.request_log()
    assert [e["status"] for e in log] == [500, 500]  # a GET is retried (here once), then the error is reported
    assert result["request_id"] == log[-1]["request_id"]


def test_a_single_server_error_on_get_is_retried_transparently(emulator_factory):
    emu = emulator_factory(sources=1, states="waiting=1")
    source_id = _waiting_source(emu)
    emu.set_faults(fail_next=[503])
    result = _run(emu, server_id=source_id)
    assert not result.get("failed"), result
    assert [e["status"] for e in emu.request_log()] == [503, 200]
    assert result["polls"] == 1  # retries are the client's business, not extra polls


def test_an_answer_that_is_not_json_fails_at_once_instead_of_waiting(emulator_factory):
    emu = emulator_factory(sources=1)
    source_id = emu.store.list_sources()[0]["id"]
    emu.set_faults(bad_body_next=["html"])
    result = _run(emu, server_id=source_id, wait=True, wait_timeout=60)
    assert result["failed"] and "the answer is not JSON" in result["msg"], result
    assert len(emu.request_log()) == 1


def test_timeout_bounds_an_answer_that_trickles_in(emulator_factory):
    emu = emulator_factory(sources=1, states="waiting=1")
    source_id = _waiting_source(emu)
    emu.store.task_action(_new_task(emu, source_id), "start")  # START pending: an answer of about 80 bytes
    emu.set_faults(trickle_bytes_per_s=2)
    started = time.monotonic()
    result = _run(emu, server_id=source_id, timeout=1, retries=0)
    assert result["failed"] and "did not arrive within timeout (1 s)" in result["msg"], result
    assert time.monotonic() - started < 20  # the answer alone would take about 40 s
