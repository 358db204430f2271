# -*- coding: utf-8 -*-
"""docs/user_guide.md, section 10 ("Rehearse a wave"), as a reader runs it against the emulator: the
files the guide writes (the checks, the variables, the plan play, the targets inventory) and the
migrate_wave phases it runs in its order, with the guide's web server standing in for the application.
The rehearsal and the verification pass; with the health page removed the verification fails at the
guide's URL check, and the clean-up of the guide holds back every server."""

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time

from sms_emulator import Emulator
from support.ansible import BIN_DIR, REPO_ROOT, base_env, run_playbook

GUIDE = os.path.join(REPO_ROOT, "docs", "user_guide.md")
SECTION = "10. Rehearse a wave"
GUIDE_DIR = "/tmp/sms-wave"
GUIDE_PORT = "8080"


def _section():
    with open(GUIDE) as handle:
        text = handle.read()
    assert "## " + SECTION in text, "the guide has no section %r" % SECTION
    return text.split("## " + SECTION, 1)[1].split("\n## ", 1)[0]


def _heredoc(text, path):
    match = re.search(r"^cat > %s <<'YAML'\n(.*?)^YAML$" % re.escape(path), text, re.S | re.M)
    assert match, "section 10 does not write %s" % path
    return match.group(1)


def _commands(text):
    blocks = re.findall(r"^```bash\n(.*?)^```", text, re.S | re.M)
    return [line.strip() for line in "\n".join(blocks).replace("\\\n", " ").splitlines() if line.strip()]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _web_server(text, tmp_path, port):
    """The guide's web server, started with the guide's own command (its directory and port replaced)."""
    www = tmp_path / "www"
    www.mkdir()
    (www / "health").write_text("ok\n")
    [command] = [c for c in _commands(text) if c.startswith("python -m http.server")]
    argv = shlex.split(command.split(">", 1)[0].replace(GUIDE_DIR, str(tmp_path)).replace(GUIDE_PORT, str(port)))
    process = subprocess.Popen([sys.executable] + argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the guide's web server did not start: %s" % argv)


def _guide_files(tmp_path, port):
    """The files of section 10, with the guide's directory and port replaced by the test's."""
    text = _section()
    directory = str(tmp_path)

    def localized(body):
        return body.replace(GUIDE_DIR, directory).replace(GUIDE_PORT, str(port))

    files = {}
    for name in ("verify_web.yml", "rehearse-vars.yml", "make_rehearse_plan.yml", "wave3.sms_targets.yml"):
        path = tmp_path / name
        path.write_text(localized(_heredoc(text, "%s/%s" % (GUIDE_DIR, name))))
        files[name] = str(path)
    return text, files, localized


def _rehearse_args(text, localized):
    match = re.search(r'^REHEARSE="(.*)"$', text, re.M)
    assert match, "section 10 defines no REHEARSE"
    return shlex.split(localized(match.group(1)))


def _phases(text):
    """The migrate_wave phases section 10 runs, in its order."""
    return re.findall(r"^ansible-playbook hwcloud\.sms\.migrate_wave \$REHEARSE -e wave_phase=(\w+)", "\n".join(
        _commands(text)), re.M)


def _playbook(name, env, args, inventory=None):
    cmd = [os.path.join(BIN_DIR, "ansible-playbook")] + (["-i", inventory] if inventory else []) + [name] + list(args)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900, check=False)


def test_section_10_runs_as_written(tmp_path):
    port = _free_port()
    text, files, localized = _guide_files(tmp_path, port)
    assert _phases(text) == ["prepare", "replicate", "test", "report", "cutover", "verify"], _phases(text)
    # The emulator as the guide starts it (its command line, minus port and files).
    start = [c for c in _commands(text) if c.startswith("python tests/emulator/run_emulator.py")]
    assert len(start) == 1 and "--target-ip 127.0.0.1" in start[0] and "--sources 40 --seed 5" in start[0], start
    web = _web_server(text, tmp_path, port)
    try:
        with Emulator(sources=40, seed=5, states="waiting=1", speedup=20000, auto_agent=True,
                      target_ip="127.0.0.1") as emu:
            env = base_env(emu.env())
            env["ANSIBLE_STDOUT_CALLBACK"] = "default"
            plan = run_playbook(files["make_rehearse_plan.yml"], env=emu.env())
            assert plan.rc == 0, plan
            lines = (tmp_path / "wave3.csv").read_text().splitlines()
            assert lines[0] == "source,template,clone_template_id,ok_to_test,verify_port,ok_to_cutover", lines
            assert len(lines) == 5 and all(re.match(r"app-\d+,wave3-app,[\w-]+,yes,%d,yes$" % port, line) for line in lines[1:])

            args = _rehearse_args(text, localized)
            for phase in _phases(text):
                extra = ["-e", "wave_cutover_approved=true"] if phase == "cutover" else []
                run = _playbook("hwcloud.sms.migrate_wave", env, args + ["-e", "wave_phase=" + phase] + extra)
                assert run.returncode == 0, (phase, run.stdout[-6000:], run.stderr[-3000:])
            reports = tmp_path / "reports"
            tested = json.loads((reports / "wave3-test.json").read_text())
            assert tested["summary"] == {"passed": 4, "failed": 0, "not_checked": 0}, tested
            verified = json.loads((reports / "wave3-verify.json").read_text())
            assert verified["summary"] == {"passed": 4, "failed": 0, "not_checked": 0}, verified
            assert sorted(s["server"] for s in verified["servers"]) == sorted(l.split(",")[0] for l in lines[1:])

            # The targets inventory of the guide lists the four cut-over targets.
            graph = subprocess.run([os.path.join(BIN_DIR, "ansible-inventory"), "-i", files["wave3.sms_targets.yml"],
                                    "--list"], env=env, capture_output=True, text=True, timeout=300, check=False)
            assert graph.returncode == 0, graph.stderr[-3000:]
            listed = json.loads(graph.stdout)
            assert len(listed["kind_cutover"]["hosts"]) == 4, listed
            [adhoc] = [c for c in _commands(text) if c.startswith("ansible -i %s/wave3.sms_targets.yml" % GUIDE_DIR)]
            argv = shlex.split(localized(adhoc))
            checked = subprocess.run([os.path.join(BIN_DIR, "ansible")] + argv[1:], env=env, capture_output=True,
                                     text=True, timeout=300, check=False)
            assert checked.returncode == 0 and checked.stdout.count("SUCCESS") == 4, checked.stdout[-3000:]

            # The gate: without the health page the verification fails at the guide's URL check, and
            # the clean-up of the guide holds back all four.
            gate = re.findall(r"`(rm [^`]+)`", text)
            assert gate == ["rm %s/www/health" % GUIDE_DIR], gate
            (tmp_path / "www" / "health").unlink()
            again = _playbook("hwcloud.sms.migrate_wave", env, args + ["-e", "wave_phase=verify"])
            assert again.returncode != 0
            failed = json.loads((reports / "wave3-verify.json").read_text())
            assert failed["summary"]["failed"] == 4, failed
            assert all("The health page returns 200" in s["reason"] for s in failed["servers"]), failed["servers"]
            cleanup = [c for c in _commands(text) if c.startswith("ansible-playbook hwcloud.sms.wave_cleanup")]
            assert len(cleanup) == 1, cleanup
            dry = _playbook("hwcloud.sms.wave_cleanup", env, shlex.split(localized(cleanup[0]))[2:])
            assert dry.returncode == 0, dry.stdout[-6000:]
            assert dry.stdout.count("The health page returns 200") >= 4, dry.stdout[-6000:]
    finally:
        web.kill()
        web.wait()
