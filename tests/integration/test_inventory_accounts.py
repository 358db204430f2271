# -*- coding: utf-8 -*-
"""ansible-inventory with the ``accounts`` option against two emulators (two accounts whose
fleets have the same names and IDs), as AWX imports it: `--list --export`, stored verbatim."""

import json
import os
import subprocess
import sys

from support.ansible import base_env
from support.awx import awx_import

from integration.test_inventory_sms_sources import api_requests, run_inventory

ANSIBLE_VAULT = os.path.join(os.path.dirname(sys.executable), "ansible-vault")


def _twins(emulator_factory):
    # The same seed gives the same fleet: every name and ID of one account exists in the other.
    first = emulator_factory(sources=6, seed=31, random_credentials=True)
    second = emulator_factory(sources=6, seed=31, random_credentials=True)
    assert [(r["id"], r["name"]) for r in first.store.list_sources()] == \
        [(r["id"], r["name"]) for r in second.store.list_sources()]
    assert first.secret_key != second.secret_key
    return first, second


def _account(name, emu, secret_key=None):
    return ("  - name: %s\n    endpoint: %s\n    project_id: %s\n    access_key: %s\n    secret_key: %s\n"
            % (name, emu.url, emu.project_id, emu.access_key, secret_key or emu.secret_key))


def test_two_accounts_with_the_same_fleet_give_distinct_hosts_as_awx_stores_them(emulator_factory, tmp_path):
    east, west = _twins(emulator_factory)
    config = "accounts:\n" + _account("east", east) + _account("west", west)
    process = run_inventory(east, tmp_path, config, "--list", "--export")
    imported = awx_import(json.loads(process.stdout), instance_id_var="sms_id")
    hosts, groups = imported["hosts"], imported["groups"]
    names = [r["name"] for r in east.store.list_sources()]
    assert sorted(hosts) == sorted(names + [name + "_west" for name in names])
    for name in names:
        # What AWX stores: plain text, no {"__ansible_unsafe": ...} wrapper.
        assert hosts[name]["variables"]["sms_account"] == "east"
        assert hosts[name + "_west"]["variables"]["sms_account"] == "west"
        assert hosts[name]["instance_id"] == hosts[name + "_west"]["instance_id"]
    assert sorted(groups["account_east"]["hosts"]) == sorted(names)
    assert sorted(groups["account_west"]["hosts"]) == sorted(name + "_west" for name in names)
    assert "%d hostname(s) were given by sources of several accounts" % len(names) in process.stderr
    # each account was asked with its own keys: both logs hold the same listing
    assert [e["path"] for e in api_requests(east)] == [e["path"] for e in api_requests(west)] != []
    for emu in (east, west):
        assert emu.secret_key not in process.stdout + process.stderr


def test_an_account_that_cannot_be_listed_fails_the_inventory_naming_it(emulator_factory, tmp_path):
    east, west = _twins(emulator_factory)
    config = "accounts:\n" + _account("east", east) + _account("west", west, secret_key="wrong-secret-key-0123")
    process = run_inventory(east, tmp_path, config, "--list", check=False)
    assert process.returncode != 0
    assert "could not list the source servers of account west" in process.stderr
    assert "401" in process.stderr
    assert '"_meta"' not in process.stdout  # no partial inventory of account east
    assert "wrong-secret-key-0123" not in process.stdout + process.stderr


def test_account_credentials_from_templates_and_the_vault_and_a_cached_run(emulator_factory, tmp_path):
    east, west = _twins(emulator_factory)
    password_file = tmp_path / "vault-password"
    password_file.write_text("correct horse\n")
    vaulted = subprocess.run([ANSIBLE_VAULT, "encrypt_string", "--vault-password-file", str(password_file),
                              "--", west.secret_key], env=base_env(), capture_output=True, text=True, timeout=120,
                             check=True).stdout
    cache_dir = tmp_path / "cache"
    config = ("accounts:\n" + _account("east", east, secret_key="\"{{ lookup('ansible.builtin.env', 'EAST_SK') }}\"")
              + _account("west", west).replace("    secret_key: %s\n" % west.secret_key, "    secret_key: " +
                                               vaulted.strip().replace("\n", "\n  ") + "\n")
              + "cache: true\ncache_plugin: ansible.builtin.jsonfile\ncache_connection: %s\n" % cache_dir)
    args = ("--list", "--vault-password-file", str(password_file))
    first = run_inventory(east, tmp_path, config, *args, env={"EAST_SK": east.secret_key})
    assert len(json.loads(first.stdout)["_meta"]["hostvars"]) == 12
    east.clear_request_log()
    west.clear_request_log()
    second = run_inventory(east, tmp_path, config, *args, env={"EAST_SK": east.secret_key})
    assert api_requests(east) == api_requests(west) == []
    assert json.loads(second.stdout) == json.loads(first.stdout)
    files = list(cache_dir.iterdir())
    content = files[0].read_text()
    cached = json.loads(json.loads(json.loads(content)["__payload__"])["records_json"])
    assert len(files) == 1 and [(account, len(records)) for account, records in cached] == [("east", 6), ("west", 6)]
    for emu in (east, west):
        assert emu.secret_key not in content + first.stdout + first.stderr + second.stderr
