# -*- coding: utf-8 -*-
"""The collection driven the way AWX drives it, against the emulator.

* The environment comes from our custom credential type (docs/awx/credential_type.yml): its
  injector templates are rendered with test inputs the way AWX renders them (Jinja2 sandbox,
  empty optional fields left out of the namespace so they render as "").
* Jobs run through ansible-runner, AWX's runner library, with that environment.
* Inventory updates run `ansible-inventory --list --export -i <source> --output <file>` with
  the variables AWX always sets for an inventory update (AWX's import path).
Results are compared with the emulator's own store, and the secret key is searched for in
everything the runs leave behind."""

import json
import os
import subprocess
import sys

import ansible_runner
import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from support.ansible import BIN_DIR, COLLECTIONS_PATH, REPO_ROOT
from support.awx import awx_import, awx_job_inventory_script

CREDENTIAL_TYPE_FILE = os.path.join(REPO_ROOT, "docs", "awx", "credential_type.yml")

# What AWX sets for every inventory update (awx STANDARD_INVENTORY_UPDATE_ENV) plus the ids
# it adds; the credential's variables come on top.
AWX_INVENTORY_UPDATE_ENV = {
    "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True",
    "ANSIBLE_INVENTORY_EXPORT": "True",
    "ANSIBLE_VERBOSE_TO_STDERR": "True",
    "ANSIBLE_HOST_PATTERN_MISMATCH": "error",
    "INVENTORY_SOURCE_ID": "7",
    "INVENTORY_UPDATE_ID": "42",
}


def credential_type():
    with open(CREDENTIAL_TYPE_FILE) as handle:
        return yaml.safe_load(handle)


def injected_env(inputs):
    """The environment AWX injects for a credential of our type with these inputs."""
    namespace = dict((k, v) for k, v in inputs.items() if v not in (None, ""))
    sandbox = ImmutableSandboxedEnvironment()
    return dict((name, sandbox.from_string(template).render(**namespace))
                for name, template in credential_type()["injectors"]["env"].items())


def credential_inputs(emu, **overrides):
    creds = emu.credentials
    inputs = {
        "access_key": creds["access_key"],
        "secret_key": creds["secret_key"],
        "project_id": creds["project_id"],
        "endpoint": creds["endpoint"],
        # Left empty as a user would: AWX renders them as "" and the collection must cope.
        "security_token": "",
        "region": "",
        "iam_endpoint": "",
    }
    inputs.update(overrides)
    return inputs


def controller_env():
    """What the execution environment provides besides the credential: the collection,
    the Python with requests/jmespath, the ansible binaries."""
    return {
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_PATH,
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "PATH": BIN_DIR + os.pathsep + os.environ.get("PATH", ""),
        "PYTHONDONTWRITEBYTECODE": "1",
        "ANSIBLE_NOCOLOR": "1",
    }


@pytest.fixture(autouse=True)
def _no_developer_credentials(monkeypatch):
    # ansible-runner starts from os.environ: only the credential may provide HUAWEICLOUD_*.
    for name in list(os.environ):
        if name.startswith(("HUAWEICLOUD_", "CLOUD_SDK_")):
            monkeypatch.delenv(name)


def run_job(tmp_path, playbook, envvars, extravars=None, verbosity=0):
    """One AWX-style job: a project directory with the playbook, run by ansible-runner."""
    private_data_dir = tmp_path / "job"
    (private_data_dir / "project").mkdir(parents=True)
    (private_data_dir / "project" / "job.yml").write_text(yaml.safe_dump(playbook, sort_keys=False))
    runner = ansible_runner.run(
        private_data_dir=str(private_data_dir), playbook="job.yml",
        inventory="localhost ansible_connection=local",
        envvars=envvars, extravars=extravars or {}, verbosity=verbosity,
        quiet=True, suppress_env_files=True, timeout=300)
    events = list(runner.events)
    return runner, events, private_data_dir


def task_results(events, task_name):
    return [e["event_data"]["res"] for e in events
            if e.get("event") in ("runner_on_ok", "runner_on_failed") and e["event_data"].get("task") == task_name]


def files_containing(root, secret):
    found = []
    for folder, _dirs, files in os.walk(str(root)):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                if secret.encode() in handle.read():
                    found.append(os.path.relpath(path, str(root)))
    return sorted(found)


# --- the credential type itself -----------------------------------------------------------

def test_credential_type_is_what_awx_accepts_and_feeds_our_variables():
    ctype = credential_type()
    with open(os.path.join(REPO_ROOT, "docs", "awx", "credential_type.json")) as handle:
        assert json.load(handle) == ctype, "credential_type.json must be credential_type.yml as JSON"
    fields = dict((f["id"], f) for f in ctype["inputs"]["fields"])
    assert ctype["kind"] == "cloud"
    assert set(ctype["inputs"]["required"]) <= set(fields)
    assert fields["secret_key"].get("secret") is True and fields["security_token"].get("secret") is True
    assert not fields["access_key"].get("secret")
    env = ctype["injectors"]["env"]
    # AWX refuses ANSIBLE_* names and its own variables in credential injectors.
    reserved = ("PATH", "PYTHONPATH", "VIRTUAL_ENV", "JOB_ID", "INVENTORY_ID", "INVENTORY_SOURCE_ID",
                "INVENTORY_UPDATE_ID", "HOME")
    assert not [n for n in env if n.startswith("ANSIBLE_") or n in reserved]
    # extra_vars injectors are skipped for inventory updates: only env reaches both consumers.
    assert set(ctype["injectors"]) == {"env"}
    # Every injected variable is the first (preferred) environment fallback of an option of
    # the shared client, i.e. what both the modules and the inventory plugin read.
    sys.path.insert(0, COLLECTIONS_PATH)
    try:
        from ansible_collections.hwcloud.sms.plugins.module_utils._config import CONNECTION_ENV
    finally:
        sys.path.remove(COLLECTIONS_PATH)
    preferred = dict((names[0], option) for option, names in CONNECTION_ENV.items() if names)
    for name, template in env.items():
        assert name in preferred, name
        # Input ids are the option names, so the guide can say "field X is option X".
        assert preferred[name] in fields and template == "{{ %s }}" % preferred[name], (name, template)


# --- jobs through ansible-runner ------------------------------------------------------------

def test_job_lists_the_fleet_with_only_the_injected_credential(tmp_path, emulator_factory):
    emu = emulator_factory(sources=230, seed=11)
    envvars = dict(controller_env(), **injected_env(credential_inputs(emu)))
    playbook = [{
        "name": "Fleet report",
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [
            {"name": "List the fleet", "hwcloud.sms.sms_source_info": {}, "register": "fleet"},
            {"name": "List sources waiting", "hwcloud.sms.sms_source_info": {"state": "waiting"}},
        ],
    }]
    runner, events, _pdd = run_job(tmp_path, playbook, envvars)
    assert runner.rc == 0 and runner.status == "successful", runner.stdout.read()[-4000:]
    (fleet,) = task_results(events, "List the fleet")
    stored = emu.store.list_sources()
    assert fleet["count"] == len(stored) == 230
    assert sorted(s["id"] for s in fleet["source_servers"]) == sorted(s["id"] for s in stored)
    (waiting,) = task_results(events, "List sources waiting")
    assert sorted(s["id"] for s in waiting["source_servers"]) == \
        sorted(s["id"] for s in emu.store.list_sources(state="waiting"))


MODULE_DEFAULTS_PLAYBOOK = [{
    "name": "Endpoint from module_defaults, keys from the credential",
    "hosts": "localhost",
    "gather_facts": False,
    "module_defaults": {"group/hwcloud.sms.sms": {"endpoint": "{{ sms_endpoint }}", "retries": 2}},
    "tasks": [
        {"name": "Disconnected sources", "hwcloud.sms.sms_source_info": {"connected": False}},
    ],
}]


def test_module_defaults_group_supplies_what_the_credential_does_not(tmp_path, emulator_factory):
    emu = emulator_factory(sources=40, seed=5)
    # The credential carries no endpoint; the job template passes it as an extra variable
    # (a survey answer) and the play hands it to every module through the action group.
    envvars = dict(controller_env(), **injected_env(credential_inputs(emu, endpoint="")))
    assert envvars["HUAWEICLOUD_SMS_ENDPOINT"] == ""
    runner, events, _pdd = run_job(tmp_path, MODULE_DEFAULTS_PLAYBOOK, envvars,
                                   extravars={"sms_endpoint": emu.credentials["endpoint"]})
    assert runner.rc == 0, runner.stdout.read()[-4000:]
    (result,) = task_results(events, "Disconnected sources")
    assert sorted(s["id"] for s in result["source_servers"]) == \
        sorted(s["id"] for s in emu.store.list_sources(connected=False))

    # Control: the same play without module_defaults has no endpoint and fails before sending.
    plain = [dict(MODULE_DEFAULTS_PLAYBOOK[0])]
    del plain[0]["module_defaults"]
    before = len(emu.request_log())
    runner, events, _pdd = run_job(tmp_path / "control", plain, envvars,
                                   extravars={"sms_endpoint": emu.credentials["endpoint"]})
    assert runner.rc != 0
    (failed,) = task_results(events, "Disconnected sources")
    assert "endpoint or region" in failed["msg"]
    assert len(emu.request_log()) == before


def test_secret_key_stays_out_of_job_output_and_events(tmp_path, emulator_factory):
    emu = emulator_factory(sources=5, seed=2)
    secret = emu.credentials["secret_key"]
    envvars = dict(controller_env(), **injected_env(credential_inputs(emu)))
    playbook = [{
        "hosts": "localhost",
        "gather_facts": False,
        "module_defaults": {"group/hwcloud.sms.sms": {"timeout": 20}},
        "tasks": [
            {"name": "List the fleet", "hwcloud.sms.sms_source_info": {}},
            {"name": "Bad filter fails", "hwcloud.sms.sms_source_info": {"limit": 500}, "ignore_errors": True},
        ],
    }]
    runner, events, private_data_dir = run_job(tmp_path, playbook, envvars, verbosity=4)
    assert runner.rc == 0, runner.stdout.read()[-4000:]
    (listed,) = task_results(events, "List the fleet")
    assert listed["count"] == 5
    # -vvvv shows module arguments where the core still returns them (2.21 leaves `invocation` out):
    # whatever the events carry, the key is not in them.
    assert secret not in json.dumps(events) and secret not in runner.stdout.read()
    # Stdout, job events, status, rc and facts are clean. The one file with the key is the
    # runner's own record of the process environment (artifacts/<ident>/command, mode 0600),
    # which holds every injected variable by design, as it does in AWX's private data dir.
    leaks = files_containing(private_data_dir, secret)
    assert [p for p in leaks if os.path.basename(p) != "command"] == []
    for path in leaks:
        assert os.stat(os.path.join(str(private_data_dir), path)).st_mode & 0o077 == 0


# --- inventory updates the AWX way -------------------------------------------------------------

def run_inventory_update(tmp_path, emu, config):
    """`ansible-inventory --list --export --output` as AWX's inventory update runs it; the parsed
    output file (as written, wrappers and all) and the process."""
    source = tmp_path / "project" / "inventories" / "wave.sms_sources.yml"
    source.parent.mkdir(parents=True)
    source.write_text(yaml.safe_dump(config))
    output = tmp_path / "artifacts" / "output.json"
    output.parent.mkdir()
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_", "CLOUD_SDK_", "ANSIBLE_")))
    env.update(controller_env())
    env.update(AWX_INVENTORY_UPDATE_ENV)
    env.update(injected_env(credential_inputs(emu)))
    cmd = [os.path.join(BIN_DIR, "ansible-inventory"), "--list", "--export", "-i", str(source),
           "--output", str(output), "--playbook-dir", str(source.parent), "-vvv"]
    process = subprocess.run(cmd, env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=300, check=False)
    assert process.returncode == 0, process.stderr[-4000:]
    return json.loads(output.read_text()), process, output


def guide_inventory_config():
    # The example inventory file of the AWX guide, minus its site-specific filter.
    with open(os.path.join(REPO_ROOT, "docs", "awx", "project", "inventories", "wave1.sms_sources.yml")) as handle:
        config = yaml.safe_load(handle)
    config.pop("filters", None)
    return config


def test_inventory_update_imports_plain_variables_with_enabled_and_instance_id(tmp_path, emulator_factory):
    emu = emulator_factory(sources=260, seed=8)
    data, process, output = run_inventory_update(tmp_path, emu, guide_inventory_config())
    imported = awx_import(data, enabled_var="sms_connected", enabled_value="true", instance_id_var="sms_id")
    stored = dict((record["id"], record) for record in emu.store.list_sources())
    hosts = imported["hosts"]
    assert len(hosts) == len(stored) == 260
    for name, host in hosts.items():
        record = stored[host["instance_id"]]
        # Plain values as AWX shows them in the UI and API, not {"__ansible_unsafe": ...} dicts.
        for field in ("id", "name", "ip", "state", "os_type", "migration_cycle", "connected"):
            assert host["variables"]["sms_" + field] == record[field], (name, field, host["variables"].get("sms_" + field))
        assert host["variables"]["ansible_host"] == record["ip"]
        assert host["enabled"] is record["connected"]
    # enabled_var on a string field with enabled_value, as a user may configure it instead
    by_state = awx_import(data, enabled_var="sms_state", enabled_value="waiting", instance_id_var="sms_id")["hosts"]
    assert set(h["instance_id"] for h in by_state.values() if h["enabled"]) == \
        set(r["id"] for r in stored.values() if r["state"] == "waiting") != set()
    # The groups of the example file exist and hold what the store says.
    needs_attention = [r for r in stored.values() if r["state"] in ("error", "unavailable", "clearfailed")]
    assert set(hosts[h]["instance_id"] for h in imported["groups"]["needs_attention"]["hosts"]) == \
        set(r["id"] for r in needs_attention)
    secret = emu.credentials["secret_key"]
    assert secret not in process.stdout + process.stderr + output.read_text()


def test_jinja_in_api_data_stays_text_through_an_awx_import_and_job(tmp_path, emulator_factory):
    """A source named like a template: AWX stores it marked unsafe and a job given AWX's inventory
    prints it as text; nothing runs on the controller, and its other variables are plain."""
    emu = emulator_factory(sources=3, seed=4)
    marker = tmp_path / "templated"
    payload = "{{ lookup('ansible.builtin.pipe', 'touch %s') }}" % marker
    source_id, _created = emu.store.register_source({
        "name": payload, "os_type": "LINUX", "os_version": "UBUNTU_22_64BIT", "agent_version": "25.1.0",
        "ip": "10.9.9.9", "networks": [{"name": "eth0", "ip": "10.9.9.9", "mac": "fa:16:3e:99:99:99"}]})
    data, _process, _output = run_inventory_update(tmp_path, emu, guide_inventory_config())
    imported = awx_import(data, enabled_var="sms_connected", enabled_value="true", instance_id_var="sms_id")
    (name,) = [n for n, h in imported["hosts"].items() if h["instance_id"] == source_id]
    # a name with template delimiters is not used as the hostname; the next item (the IP) is
    assert name == "10.9.9.9"
    host_vars = imported["hosts"][name]["variables"]
    assert host_vars["sms_name"] == {"__ansible_unsafe": payload}
    assert host_vars["sms_id"] == source_id and imported["hosts"][name]["enabled"] is True
    script = awx_job_inventory_script(imported, tmp_path / "awx_inventory.py")
    playbook = [{"hosts": "all", "gather_facts": False, "connection": "local", "tasks": [
        {"name": "show", "ansible.builtin.debug": {"msg": "{{ sms_name }} / {{ sms_id }}"}}]}]
    private_data_dir = tmp_path / "job"
    (private_data_dir / "project").mkdir(parents=True)
    (private_data_dir / "project" / "job.yml").write_text(yaml.safe_dump(playbook))
    runner = ansible_runner.run(private_data_dir=str(private_data_dir), playbook="job.yml", inventory=script,
                                limit=name, envvars=controller_env(), quiet=True, suppress_env_files=True, timeout=300)
    events = list(runner.events)
    assert runner.rc == 0, runner.stdout.read()[-4000:]
    (shown,) = task_results(events, "show")
    assert shown["msg"] == "%s / %s" % (payload, source_id)
    assert not marker.exists()
