# -*- coding: utf-8 -*-
"""`make demo` as the README promises it: the fleet's inventory graph, the fleet summary and a
whole migration wave on the emulator, in a venv with only the runtime requirements."""

import os
import re
import subprocess

from support.ansible import REPO_ROOT


def test_demo_shows_the_inventory_the_fleet_and_a_finished_wave(tmp_path):
    env = dict(os.environ, DEMO_SOURCES="40", DEMO_WAVE_SIZE="3", ANSIBLE_NOCOLOR="1", TMPDIR=str(tmp_path))
    env.pop("ANSIBLE_COLLECTIONS_PATH", None)  # the demo finds the collection by itself
    process = subprocess.run(["bash", os.path.join(REPO_ROOT, "tests", "tooling", "demo.sh")], env=env,
                             capture_output=True, text=True, timeout=600, check=False)
    output = process.stdout + process.stderr
    assert process.returncode == 0, output[-6000:]
    assert "No inventory was parsed" not in output
    assert "Using a template for task args is unsafe" not in output
    assert re.search(r"^  \|--@state_waiting:$", output, re.M), output[:3000]
    assert "emulator ready at http://127.0.0.1:" in output
    # The plan lists three servers; the report finds all three launched, with template and project ids.
    plan_lines = re.findall(r"^\S+,demo-wave-app,demo-wave,standard,yes$", output, re.M)
    assert len(plan_lines) == 3, output[-6000:]
    assert "| finished | 3 |" in output, output[-6000:]
    assert re.search(r"^\| template \| demo-wave-app \| [0-9a-f-]{36} \|$", output, re.M)
    assert re.search(r"^\| migration project \| demo-wave \| [0-9a-f-]{36} \|$", output, re.M)
    # The demo removes its temporary directory (emulator state, plan, reports) on exit.
    assert os.listdir(str(tmp_path)) == []
