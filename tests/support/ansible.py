# -*- coding: utf-8 -*-
"""Run real ansible / ansible-playbook subprocesses against the collection and parse results."""

import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS_PATH = os.path.join(REPO_ROOT, ".build", "collections")
BIN_DIR = os.path.dirname(sys.executable)
CALLBACK_PLUGINS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "callback_plugins")

# Variables a developer's shell may hold that would change what a test sees.
_SCRUBBED_PREFIXES = ("HUAWEICLOUD_", "CLOUD_SDK_")

_scratch = None


def scratch_dir():
    """This test process's own directory for everything Ansible writes (its temp files, its
    ~/.ansible, generated playbooks): never the user's home, never shared with a concurrent run or
    another xdist worker (under pytest it lies in the process's private TMPDIR, see conftest.py)."""
    global _scratch  # pylint: disable=global-statement
    if _scratch is None:
        _scratch = tempfile.mkdtemp(prefix="ansible-")
        atexit.register(shutil.rmtree, _scratch, True)
    return _scratch


class AnsibleRun:
    """A finished ansible subprocess: return code, full output, and per-task results."""

    def __init__(self, process, results):
        self.rc = process.returncode
        self.stdout = process.stdout
        self.stderr = process.stderr
        self.results = results

    @property
    def output(self):
        return self.stdout + self.stderr

    def result(self, task_name=None, host="localhost"):
        """The result of the (last) task named ``task_name``, or of the only/last task."""
        matches = [r for r in self.results if (task_name is None or r["task"] == task_name) and r["host"] == host]
        if not matches:
            raise AssertionError("no result for task %r on %s in:\n%s" % (task_name, host, self.output[-4000:]))
        return matches[-1]["result"]

    def __repr__(self):
        return "AnsibleRun(rc=%s)\n%s" % (self.rc, self.output[-4000:])


def base_env(extra=None):
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES))
    scratch = scratch_dir()
    env.update({
        "ANSIBLE_HOME": os.path.join(scratch, "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": os.path.join(scratch, "local-tmp"),
        "ANSIBLE_REMOTE_TMP": os.path.join(scratch, "remote-tmp"),
        "TMPDIR": scratch,
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_PATH,
        "ANSIBLE_STDOUT_CALLBACK": "json",
        "ANSIBLE_CALLBACK_PLUGINS": CALLBACK_PLUGINS,
        "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "PATH": BIN_DIR + os.pathsep + os.environ.get("PATH", ""),
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    env.update(extra or {})
    return env


def emulator_env(emu, **overrides):
    """HUAWEICLOUD_* variables that point the collection at an emulator."""
    creds = emu.credentials
    env = {
        "HUAWEICLOUD_SMS_ENDPOINT": creds["endpoint"],
        "HUAWEICLOUD_ACCESS_KEY": creds["access_key"],
        "HUAWEICLOUD_SECRET_KEY": creds["secret_key"],
        "HUAWEICLOUD_PROJECT_ID": creds["project_id"],
        "HUAWEICLOUD_ECS_ENDPOINT": creds["ecs_endpoint"],
    }
    env.update(overrides)
    return dict((k, v) for k, v in env.items() if v is not None)


_JSON_DOCUMENT = re.compile(r'^\{\s*"custom_stats"', re.MULTILINE)


def _parse_json_callback(stdout):
    # With -v the json callback's document follows verbose lines; it starts at column 0.
    match = _JSON_DOCUMENT.search(stdout)
    if not match:
        return []
    try:
        data, _end = json.JSONDecoder().raw_decode(stdout[match.start():])
    except ValueError:
        return []
    results = []
    for play in data.get("plays", []):
        for task in play.get("tasks", []):
            for host, result in task.get("hosts", {}).items():
                results.append({"task": task["task"]["name"], "host": host, "result": result})
    return results


def run_playbook(playbook, env=None, extra_vars=None, check=False, inventory="localhost,", verbosity=0,
                 callback="json", timeout=600, extra_args=()):
    """Run ``playbook`` (a path, or YAML text written to a temp file) and parse the json callback."""
    cleanup = None
    if "\n" in playbook or not os.path.exists(playbook):
        handle = tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False, dir=scratch_dir())
        handle.write(playbook)
        handle.close()
        playbook = cleanup = handle.name
    cmd = [os.path.join(BIN_DIR, "ansible-playbook"), "-i", inventory, playbook] + list(extra_args)
    if extra_vars:
        # Last, so that extra_vars win over any -e in extra_args.
        cmd += ["-e", json.dumps(extra_vars)]
    if check:
        cmd.append("--check")
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    full_env = base_env(env)
    if callback != "json":
        full_env["ANSIBLE_STDOUT_CALLBACK"] = callback
    try:
        process = subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=timeout, check=False)
    finally:
        if cleanup:
            os.unlink(cleanup)
    return AnsibleRun(process, _parse_json_callback(process.stdout) if callback == "json" else [])


def run_module(module, args, env=None, check=False, verbosity=0):
    """Run one module on localhost through a one-task playbook and return its result dict."""
    if not module.startswith("hwcloud.") and "." not in module:
        module = "hwcloud.sms." + module
    playbook = [{
        "hosts": "localhost",
        "gather_facts": False,
        "connection": "local",
        "tasks": [{"name": "module under test", module: args, "ignore_errors": True}],
    }]
    run = run_playbook(json.dumps(playbook) + "\n", env=env, check=check, verbosity=verbosity)
    result = run.result("module under test")
    result["_run"] = run
    return result


def untag_unsafe(value):
    """ansible-core 2.19 writes `ansible-inventory --list` in its "inventory_legacy" profile, where a
    string not trusted as a template is {"__ansible_unsafe": "..."}; give the plain values back, as an
    importer such as AWX reads them."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return dict((key, untag_unsafe(item)) for key, item in value.items())
    if isinstance(value, list):
        return [untag_unsafe(item) for item in value]
    return value
