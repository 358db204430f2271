# -*- coding: utf-8 -*-
"""docs/user_guide.md as a reader runs it: no command warns "No inventory was parsed", step 3 names
the host variables the inventory really exports, and step 5's play can be run again without
starting more migrations."""

import json
import os
import re
import subprocess

import yaml

from support.ansible import BIN_DIR, REPO_ROOT, base_env, emulator_env, run_playbook

GUIDE = os.path.join(REPO_ROOT, "docs", "user_guide.md")
PLUGIN = os.path.join(REPO_ROOT, "plugins", "inventory", "sms_sources.py")


def _guide():
    with open(GUIDE) as handle:
        return handle.read()


def _section(heading):
    return _guide().split("## " + heading, 1)[1].split("\n## ", 1)[0]


def _heredoc(text, path):
    """The text the guide writes to ``path`` with cat > path <<'YAML'."""
    match = re.search(r"^cat > %s <<'YAML'\n(.*?)^YAML$" % re.escape(path), text, re.S | re.M)
    assert match, "the guide does not write %s" % path
    return match.group(1)


def _bash_commands():
    blocks = re.findall(r"^```bash\n(.*?)^```", _guide(), re.S | re.M)
    lines = "\n".join(blocks).replace("\\\n", " ").splitlines()
    return [line.strip() for line in lines if re.match(r"\s*ansible(-playbook|-inventory)?\s", line)]


def _warnings_env(emu, **extra):
    env = base_env(emulator_env(emu, HUAWEICLOUD_REGION=emu.region))
    # The test harness silences these two warnings; a reader's shell does not.
    env.update(ANSIBLE_INVENTORY_UNPARSED_WARNING="True", ANSIBLE_LOCALHOST_WARNING="True",
               ANSIBLE_STDOUT_CALLBACK="default")
    env.pop("ANSIBLE_PYTHON_INTERPRETER")
    env.update(extra)
    return env


def test_every_command_runs_against_an_inventory(emulator_factory, tmp_path):
    setup = _section("0. Set up")
    exported = re.search(r"^export ANSIBLE_INVENTORY=(\S+)$", setup, re.M)
    commands = _bash_commands()
    assert len(commands) >= 10, commands
    without = [command for command in commands if not re.search(r"\s-i\s", command)]
    assert not without or exported, "commands without -i and no ANSIBLE_INVENTORY: %s" % without
    inventory = tmp_path / "controller.yml"
    inventory.write_text(_heredoc(setup, exported.group(1)))
    emu = emulator_factory(sources=4, seed=3)
    command = [os.path.join(BIN_DIR, "ansible"), "localhost", "-m", "hwcloud.sms.sms_source_info", "-a", "state=waiting"]
    plain = subprocess.run(command, env=_warnings_env(emu), capture_output=True, text=True, timeout=300, check=False)
    assert "No inventory was parsed" in plain.stdout + plain.stderr  # what the guide's commands printed
    guided = subprocess.run(command, env=_warnings_env(emu, ANSIBLE_INVENTORY=str(inventory)), capture_output=True,
                            text=True, timeout=300, check=False)
    output = guided.stdout + guided.stderr
    assert guided.returncode == 0, output[-3000:]
    assert "No inventory was parsed" not in output and "[WARNING]" not in output, output[-3000:]


def test_step_3_names_the_host_variables_the_inventory_exports(emulator_factory, tmp_path):
    with open(PLUGIN) as handle:
        documentation = yaml.safe_load(handle.read().split('DOCUMENTATION = r"""', 1)[1].split('"""', 1)[0])
    defaults = documentation["options"]["hostvar_fields"]["default"]
    section = _section("3. Inventory of the wave")
    # The paragraph on the default host variables (the one on several accounts names sms_account).
    paragraph = "Hosts are named" + section.split("Hosts are named", 1)[1].split("\n\n", 1)[0]
    named = re.findall(r"`(sms_\w+)`", paragraph)
    assert named == ["sms_" + field for field in defaults], named
    assert "every API field" not in paragraph and "%d:" % len(defaults) in paragraph.replace("those ", "")
    emu = emulator_factory(sources=3, seed=3)
    config = tmp_path / "wave1.sms_sources.yml"
    config.write_text(_heredoc(_guide(), "/tmp/sms-wave/wave1.sms_sources.yml"))
    env = base_env(emulator_env(emu, HUAWEICLOUD_REGION=emu.region))
    listing = subprocess.run([os.path.join(BIN_DIR, "ansible-inventory"), "-i", str(config), "--list"], env=env,
                             capture_output=True, text=True, timeout=300, check=False)
    assert listing.returncode == 0, listing.stderr[-3000:]
    hostvars = json.loads(listing.stdout)["_meta"]["hostvars"]
    assert hostvars
    for variables in hostvars.values():
        assert sorted(key for key in variables if key.startswith("sms_")) == sorted(named)


def test_step_5_run_again_starts_no_more_migrations(emulator_factory):
    emu = emulator_factory(sources=20, seed=3)
    env = emulator_env(emu, HUAWEICLOUD_REGION=emu.region)
    play = _heredoc(_guide(), "/tmp/sms-wave/start_three.yml")
    before = _task_ids(emu)
    first = run_playbook(play, env=env)
    assert first.rc == 0, [(r["task"], r["result"].get("msg")) for r in first.results if r["result"].get("failed")]
    created = _task_ids(emu) - before
    assert len(created) == 3, created
    emu.clear_request_log()
    again = run_playbook(play, env=env)
    assert again.rc == 0, again
    assert _task_ids(emu) - before == created
    assert [(e["method"], e["path"]) for e in emu.request_log() if e["method"] != "GET"] == []
    assert [r["task"] for r in again.results if r["result"].get("changed")] == []


def _task_ids(emu):
    ids = set()
    for source in emu.store.list_sources():
        current = emu.store.get_source_record(source["id"])["current_task"]
        if current:
            ids.add(current["id"])
    return ids
