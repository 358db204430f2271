# -*- coding: utf-8 -*-
"""The in-process module runner (tests/support/module_runner.py) returns what Ansible would get:
the module's result, its failure with the API's fields, check mode, and secrets masked."""

from support.module_runner import emulator_args, run_module


def test_a_module_run_in_process_reads_the_emulator(emulator_factory):
    emulator = emulator_factory(sources=8)
    result = run_module("sms_source_info", emulator_args(emulator, limit=5))
    assert not result.get("failed") and not result["changed"]
    assert len(result["source_servers"]) == 5 and result["count"] == 8
    assert all(source["id"] for source in result["source_servers"])


def test_a_failure_carries_the_api_fields_and_hides_the_secret(sms_emulator):
    result = run_module("sms_source_info", emulator_args(sms_emulator, secret_key="not-the-secret-key-1234"))
    assert result["failed"] and result["status"] == 401
    assert result["error_code"] and result["request_id"]
    assert "not-the-secret-key-1234" not in str(result)


def test_bad_input_fails_before_any_request(sms_emulator):
    before = len(sms_emulator.request_log())
    result = run_module("sms_command", emulator_args(sms_emulator, server_id=" padded "))
    assert result["failed"] and "server_id must not start or end with white space" in result["msg"]
    assert len(sms_emulator.request_log()) == before


def test_check_mode_reaches_the_module(sms_emulator):
    source = sms_emulator.store.list_sources()[0]
    result = run_module("sms_command_result", emulator_args(
        sms_emulator, server_id=source["id"], command_name="START", result="success"), check_mode=True)
    assert not result.get("failed") and result["changed"]
    assert not any(source["id"] in entry["path"] for entry in sms_emulator.write_requests())
