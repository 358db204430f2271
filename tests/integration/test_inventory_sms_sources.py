# -*- coding: utf-8 -*-
"""ansible-inventory with the hwcloud.sms.sms_sources plugin against the SMS emulator (real HTTP)."""

import collections
import json
import os
import subprocess
import sys

import pytest

from support.ansible import base_env, emulator_env, untag_unsafe

from ansible_collections.hwcloud.sms.plugins.module_utils._client import PAGE_SIZE, SmsClient
from ansible_collections.hwcloud.sms.plugins.module_utils._listing import MAX_OFFSET

ANSIBLE_INVENTORY = os.path.join(os.path.dirname(sys.executable), "ansible-inventory")


def run_inventory(emu, tmp_path, config, *args, name="fleet.sms_sources.yml", env=None, check=True):
    path = tmp_path / name
    path.write_text("plugin: hwcloud.sms.sms_sources\n" + config)
    environment = base_env(emulator_env(emu))
    environment["ANSIBLE_INVENTORY_UNPARSED_FAILED"] = "True"
    environment["ANSIBLE_VERBOSE_TO_STDERR"] = "True"  # as AWX runs it: stdout stays JSON
    environment.update(env or {})
    process = subprocess.run([ANSIBLE_INVENTORY, "-i", str(path)] + list(args or ["--list"]), env=environment,
                             cwd=str(tmp_path), capture_output=True, text=True, timeout=600, check=False)
    if check:
        assert process.returncode == 0, process.stderr[-4000:]
    return process


def listed(emu, tmp_path, config="", **kwargs):
    process = run_inventory(emu, tmp_path, config, "--list", **kwargs)
    return untag_unsafe(json.loads(process.stdout)), process


def group_hosts(inventory, group):
    return set(inventory.get(group, {}).get("hosts", []))


def api_requests(emu):
    return [entry for entry in emu.request_log() if entry["path"].startswith("/v3/")]


def test_hosts_groups_and_variables_match_the_store(sms_emulator, tmp_path):
    stored = sms_emulator.store.list_sources()
    inventory, _process = listed(sms_emulator, tmp_path, "hostvar_fields: [all]\n")
    hostvars = inventory["_meta"]["hostvars"]
    assert len(hostvars) == len(stored) == 60
    by_state, by_os = collections.defaultdict(set), collections.defaultdict(set)
    for record in stored:
        by_state[record["state"]].add(record["name"])
        by_os[record["os_type"].lower()].add(record["name"])
        host_vars = hostvars[record["name"]]
        assert host_vars["ansible_host"] == record["ip"]
        for field, value in record.items():
            assert host_vars["sms_" + field] == value, field
    for state, names in by_state.items():
        assert group_hosts(inventory, "state_" + state) == names
    for os_type, names in by_os.items():
        assert group_hosts(inventory, "os_" + os_type) == names
    assert len(by_os) == 2 and len(by_state) >= 3


def test_graph_and_export(sms_emulator, tmp_path):
    stored = sms_emulator.store.list_sources()
    graph = run_inventory(sms_emulator, tmp_path, "", "--graph").stdout
    for record in stored:
        assert "|--@state_%s:" % record["state"] in graph
        assert "--%s\n" % record["name"] in graph
    exported = untag_unsafe(json.loads(run_inventory(sms_emulator, tmp_path, "", "--list", "--export").stdout))
    assert len(exported["_meta"]["hostvars"]) == len(stored)
    assert set(exported["all"]["children"]) >= {"os_linux", "os_windows"}


def test_list_valued_server_side_filter_is_merged_without_duplicates(emulator_factory, tmp_path):
    emu = emulator_factory(sources=600, seed=3)
    expected = {r["id"] for r in emu.store.list_sources() if r["state"] in ("waiting", "replicate") and r["connected"]}
    emu.clear_request_log()
    inventory, _process = listed(emu, tmp_path, "filters:\n  state: [waiting, replicate]\n  connected: true\n")
    ids = [v["sms_id"] for v in inventory["_meta"]["hostvars"].values()]
    assert len(ids) == len(set(ids)) and set(ids) == expected
    queried = {dict(p.split("=") for p in e["query"].split("&"))["state"] for e in api_requests(emu)}
    assert queried == {"waiting", "replicate"}
    assert all("connected=true" in e["query"] for e in api_requests(emu))


def test_client_side_include_and_exclude_filters(sms_emulator, tmp_path):
    stored = sms_emulator.store.list_sources()
    expected = {r["name"] for r in stored if r["os_type"] == "LINUX" and r["state"] != "waiting"}
    inventory, _process = listed(sms_emulator, tmp_path, "include_filters:\n  - sms_os_type == 'LINUX'\n"
                                 "exclude_filters:\n  - sms_state == 'waiting'\n")
    assert set(inventory["_meta"]["hostvars"]) == expected


def test_compose_winrm_keyed_groups_and_prefix(sms_emulator, tmp_path):
    stored = sms_emulator.store.list_sources()
    inventory, _process = listed(sms_emulator, tmp_path, (
        "default_groups_prefix: sms_\n"
        "compose:\n  ansible_connection: \"'winrm' if sms_os_type == 'WINDOWS' else 'ssh'\"\n"
        "keyed_groups:\n  - key: sms_migration_cycle\n    prefix: cycle\n"
        "groups:\n  winrm: ansible_connection == 'winrm'\n"))
    hostvars = inventory["_meta"]["hostvars"]
    windows = {r["name"] for r in stored if r["os_type"] == "WINDOWS"}
    assert {h for h, v in hostvars.items() if v["ansible_connection"] == "winrm"} == windows
    assert group_hosts(inventory, "winrm") == windows
    assert group_hosts(inventory, "sms_os_windows") == windows and "os_windows" not in inventory
    for cycle in {r["migration_cycle"] for r in stored}:
        assert group_hosts(inventory, "cycle_" + cycle) == {r["name"] for r in stored if r["migration_cycle"] == cycle}


def test_duplicate_names_are_suffixed_with_the_id_and_warned_once(emulator_factory, tmp_path):
    emu = emulator_factory(sources=80, seed=5, duplicate_names=6)
    stored = emu.store.list_sources()
    inventory, process = listed(emu, tmp_path)
    hostvars = inventory["_meta"]["hostvars"]
    assert len(hostvars) == len(stored) == 80
    assert {v["sms_id"] for v in hostvars.values()} == {r["id"] for r in stored}
    twins = collections.defaultdict(list)
    for record in stored:
        twins[record["name"]].append(record)
    shared = {name: records for name, records in twins.items() if len(records) > 1}
    assert shared
    for name, records in shared.items():
        records.sort(key=lambda r: (r["add_date"], r["id"]))
        assert hostvars[name]["sms_id"] == records[0]["id"]
        for later in records[1:]:
            assert hostvars["%s_%s" % (name, later["id"])]["sms_id"] == later["id"]
    assert process.stderr.count("were shared by several sources") == 1
    # the same names on every run
    again, _process = listed(emu, tmp_path)
    assert set(again["_meta"]["hostvars"]) == set(hostvars)


def test_collision_error_policy_fails(emulator_factory, tmp_path):
    emu = emulator_factory(sources=20, seed=5, duplicate_names=2)
    process = run_inventory(emu, tmp_path, "hostname_collision: error\n", "--list", check=False)
    assert process.returncode != 0 and "hostname_collision=error" in process.stderr


def test_cached_run_sends_no_request_and_caches_no_secret(emulator_factory, tmp_path):
    emu = emulator_factory(sources=300, seed=9)
    cache_dir = tmp_path / "cache"
    config = "cache: true\ncache_plugin: ansible.builtin.jsonfile\ncache_connection: %s\n" % cache_dir
    first, _process = listed(emu, tmp_path, config)
    assert len(api_requests(emu)) == 2
    emu.clear_request_log()
    second, _process = listed(emu, tmp_path, config + "keyed_groups:\n  - key: sms_state\n    prefix: cached\n")
    assert api_requests(emu) == []
    assert second["_meta"] == first["_meta"]
    # the cache holds raw records, so a changed keyed_groups applies without --flush-cache
    assert group_hosts(second, "cached_waiting") == group_hosts(first, "state_waiting")
    files = list(cache_dir.iterdir())
    assert len(files) == 1
    content = files[0].read_text()
    cached = json.loads(json.loads(json.loads(content)["__payload__"])["records_json"])
    assert [account for account, _records in cached] == [None]  # one listing, of no named account
    assert {r["id"] for r in cached[0][1]} == {r["id"] for r in emu.store.list_sources()}
    for secret in (emu.secret_key, emu.auth_token):
        assert secret not in content and secret not in files[0].name
    # --flush-cache fetches again
    emu.clear_request_log()
    run_inventory(emu, tmp_path, config, "--list", "--flush-cache")
    assert len(api_requests(emu)) == 2


def test_throttling_and_503_still_give_a_complete_inventory(emulator_factory, tmp_path):
    emu = emulator_factory(sources=2000, seed=11, rate_429=0.1, rate_5xx=0.1, status_5xx=503, retry_after=0,
                           fault_seed=4)
    inventory, _process = listed(emu, tmp_path, "retries: 10\n")
    emu.reset_faults()
    assert {v["sms_id"] for v in inventory["_meta"]["hostvars"].values()} == {r["id"] for r in emu.store.list_sources()}
    faults = [e["fault"] for e in api_requests(emu) if e["fault"]]
    assert "429" in faults and "503" in faults


def test_secrets_never_in_output_or_debug_log(sms_emulator, tmp_path):
    process = run_inventory(sms_emulator, tmp_path, "", "--list", "-vvvv")
    token_run = run_inventory(sms_emulator, tmp_path, "", "--list", "-vvvv",
                              env={"HUAWEICLOUD_ACCESS_KEY": "", "HUAWEICLOUD_SECRET_KEY": "",
                                   "HUAWEICLOUD_AUTH_TOKEN": sms_emulator.auth_token})
    assert json.loads(token_run.stdout)["_meta"]["hostvars"]
    for run in (process, token_run):
        for secret in (sms_emulator.secret_key, sms_emulator.auth_token):
            assert secret not in run.stdout and secret not in run.stderr


def test_bad_configuration_fails_before_any_request(emulator_factory, tmp_path):
    emu = emulator_factory(sources=5)
    for config, words in (("filters:\n  status: waiting\n", "unknown filter 'status'"),
                          ("filters:\n  state: sleeping\n", "state must be one of"),
                          ("page_workers: 0\n", "page_workers must be between 1 and 32")):
        process = run_inventory(emu, tmp_path, config, "--list", check=False)
        assert process.returncode != 0 and words in process.stderr, process.stderr
    assert api_requests(emu) == []


def test_api_error_fails_the_source_with_a_clear_message(emulator_factory, tmp_path):
    emu = emulator_factory(sources=5)
    process = run_inventory(emu, tmp_path, "", "--list", check=False, env={"HUAWEICLOUD_SECRET_KEY": "wrong-secret-key"})
    assert process.returncode != 0
    assert "could not list the source servers" in process.stderr and "401" in process.stderr
    assert "wrong-secret-key" not in process.stderr


def test_100000_sources_are_listed_completely(emulator_factory):
    """More sources than offsets reach: the listing must be split (by state) and still complete."""
    emu = emulator_factory(sources=100000, seed=2)
    client = SmsClient(endpoint=emu.url, access_key=emu.access_key, secret_key=emu.secret_key, project_id=emu.project_id)
    count, records = client.list_sources(workers=8)
    assert count == 100000 > MAX_OFFSET + PAGE_SIZE
    assert len({r["id"] for r in records}) == len(records)
    # The store's ids straight from its table: decoding 100,000 stored documents would take longer
    # than the listing under test (the emulator has no public "ids only" query).
    stored_ids = {row[0] for row in emu.store._conn().execute("SELECT id FROM sources")}  # pylint: disable=protected-access
    assert {r["id"] for r in records} == stored_ids and len(stored_ids) == 100000
    pages = [e for e in api_requests(emu) if e["path"] == "/v3/sources"]
    partitioned = [e for e in pages if "state=" in e["query"]]
    assert partitioned and max(int(dict(p.split("=") for p in e["query"].split("&"))["offset"])
                               for e in pages) <= MAX_OFFSET


@pytest.mark.parametrize("name", ["fleet.yml", "fleet.sms_sources.json"])
def test_other_file_names_are_not_taken_by_the_plugin(emulator_factory, tmp_path, name):
    emu = emulator_factory(sources=5)
    process = run_inventory(emu, tmp_path, "", "--list", name=name, check=False)
    assert process.returncode != 0
    assert api_requests(emu) == []


def test_api_data_is_never_templated(emulator_factory, tmp_path):
    """A source name is attacker-controlled text (whoever runs an agent chooses it): Jinja in it
    must reach playbooks as plain text, never run on the controller."""
    emu = emulator_factory(sources=2)
    marker = tmp_path / "templated"
    payload = "{{ lookup('ansible.builtin.pipe', 'touch %s') }}" % marker
    source_id, _created = emu.store.register_source({
        "name": payload, "os_type": "LINUX", "os_version": payload, "agent_version": "25.1.0", "ip": "10.9.9.9",
        "networks": [{"name": "eth0", "ip": "10.9.9.9", "mac": "fa:16:3e:99:99:99"}]})
    config = "hostnames: [id]\ncompose:\n  label: sms_name\n"
    (tmp_path / "fleet.sms_sources.yml").write_text("plugin: hwcloud.sms.sms_sources\n" + config)
    playbook = tmp_path / "show.yml"
    playbook.write_text(
        "- hosts: all\n  gather_facts: false\n  connection: local\n  tasks:\n"
        "    - name: show\n      ansible.builtin.debug:\n        msg: \"{{ sms_name }} {{ sms_os_version }} {{ label }}\"\n")
    env = base_env(emulator_env(emu))
    process = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i",
                              str(tmp_path / "fleet.sms_sources.yml"), "--limit", source_id, str(playbook)],
                             env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=600, check=False)
    assert not marker.exists()
    assert process.returncode == 0, process.stdout[-3000:] + process.stderr[-3000:]
    task = json.loads(process.stdout[process.stdout.index('{\n'):])["plays"][0]["tasks"][0]
    assert task["hosts"][source_id]["msg"] == "%s %s %s" % (payload, payload, payload)


def test_misspelt_option_fails_instead_of_listing_the_whole_fleet(emulator_factory, tmp_path):
    emu = emulator_factory(sources=5)
    process = run_inventory(emu, tmp_path, "filter:\n  state: waiting\n", "--list", check=False)
    assert process.returncode != 0
    assert "unknown option(s) 'filter' (did you mean 'filters'?)" in process.stderr
    assert api_requests(emu) == []


def _without_credentials(emu):
    return {"HUAWEICLOUD_ACCESS_KEY": "", "HUAWEICLOUD_SECRET_KEY": "", "MY_AK": emu.access_key, "MY_SK": emu.secret_key}


def test_credentials_from_lookup_templates_and_extra_vars(emulator_factory, tmp_path):
    emu = emulator_factory(sources=7)
    config = ("access_key: \"{{ lookup('ansible.builtin.env', 'MY_AK') }}\"\n"
              "secret_key: \"{{ lookup('ansible.builtin.env', 'MY_SK') }}\"\n"
              "endpoint: \"{{ sms_url }}\"\n")
    process = run_inventory(emu, tmp_path, config, "--list", "-e", "sms_url=%s" % emu.url,
                            env=dict(_without_credentials(emu), HUAWEICLOUD_SMS_ENDPOINT=""))
    inventory = untag_unsafe(json.loads(process.stdout))
    assert len(inventory["_meta"]["hostvars"]) == 7
    assert emu.secret_key not in process.stdout + process.stderr


def test_vaulted_secret_key(emulator_factory, tmp_path):
    emu = emulator_factory(sources=4)
    password_file = tmp_path / "vault-password"
    password_file.write_text("correct horse\n")
    encrypted = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-vault"), "encrypt_string",
                                "--vault-password-file", str(password_file), "--name", "secret_key", "--", emu.secret_key],
                               env=base_env(), capture_output=True, text=True, timeout=120, check=True).stdout
    process = run_inventory(emu, tmp_path, encrypted, "--list", "--vault-password-file", str(password_file),
                            env={"HUAWEICLOUD_SECRET_KEY": ""})
    assert len(json.loads(process.stdout)["_meta"]["hostvars"]) == 4
    assert emu.secret_key not in process.stdout + process.stderr


def test_wrong_template_in_a_secret_fails_without_showing_it(emulator_factory, tmp_path):
    emu = emulator_factory(sources=2)
    process = run_inventory(emu, tmp_path, "secret_key: \"{{ no_such_variable }}-%s\"\n" % emu.secret_key, "--list",
                            check=False)
    assert process.returncode != 0 and "cannot template the secret_key option" in process.stderr
    assert emu.secret_key not in process.stdout + process.stderr
    assert api_requests(emu) == []


def test_cache_file_is_readable_by_its_owner_only(emulator_factory, tmp_path):
    emu = emulator_factory(sources=3)
    cache_dir = tmp_path / "cache"
    listed(emu, tmp_path, "cache: true\ncache_plugin: ansible.builtin.jsonfile\ncache_connection: %s\n" % cache_dir)
    files = list(cache_dir.iterdir())
    assert len(files) == 1 and files[0].stat().st_mode & 0o777 == 0o600


def test_hostile_names_and_odd_fields_through_ansible_inventory(emulator_factory, tmp_path):
    """Sources named localhost, like groups, `ungrouped` and `<name>_<id of another>`, and a field that
    is not a variable name: the inventory still lists every source, none as localhost or a group."""
    emu = emulator_factory(sources=2, seed=3)
    first_id = emu.store.list_sources()[0]["id"]
    first_name = emu.store.list_sources()[0]["name"]
    names = ["localhost", "127.0.0.1", "ungrouped", "all", "os_linux", "state_waiting", first_name,
             "%s_%s" % (first_name, first_id)]
    for index, name in enumerate(names):
        emu.store.register_source({"name": name, "os_type": "LINUX", "os_version": "UBUNTU_22_64BIT",
                                   "agent_version": "25.1.0", "ip": "10.8.0.%d" % (index + 1),
                                   "networks": [{"name": "eth0", "ip": "10.8.0.%d" % (index + 1),
                                                 "mac": "fa:16:3e:00:00:%02x" % index}]})
    inventory, _process = listed(emu, tmp_path, "hostvar_fields: [all]\n")
    hostvars = inventory["_meta"]["hostvars"]
    assert sorted(v["sms_id"] for v in hostvars.values()) == sorted(r["id"] for r in emu.store.list_sources())
    assert not set(hostvars) & {"localhost", "127.0.0.1", "::1", "ungrouped", "all", "os_linux", "state_waiting"}
    groups = set(inventory) - {"_meta"}
    assert not set(hostvars) & groups
    assert set(inventory["os_linux"]["hosts"]) == set(h for h, v in hostvars.items() if v["sms_os_type"] == "LINUX")
    play = tmp_path / "where.yml"
    play.write_text("- hosts: localhost\n  gather_facts: false\n  tasks:\n"
                    "    - name: where\n      ansible.builtin.debug:\n        msg: \"{{ sms_id | default('implicit') }}\"\n")
    env = base_env(emulator_env(emu))
    process = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i",
                              str(tmp_path / "fleet.sms_sources.yml"), str(play)], env=env, cwd=str(tmp_path),
                             capture_output=True, text=True, timeout=300, check=False)
    assert process.returncode == 0, process.stderr[-3000:]
    task = json.loads(process.stdout[process.stdout.index('{\n'):])["plays"][0]["tasks"][0]
    # localhost is the implicit one, not a source reached over SSH
    assert list(task["hosts"]) == ["localhost"] and task["hosts"]["localhost"]["msg"] == "implicit"
