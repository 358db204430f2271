"""The command line: the lifecycle flags reach the running emulator."""

import json
import os
import subprocess
import sys
import time
import types
import urllib.request

from support.emulator_client import LINUX_BODY, SignedClient

RUN = os.path.join(os.path.dirname(__file__), "..", "..", "emulator", "run_emulator.py")


def test_lifecycle_flags(tmp_path):
    ready = tmp_path / "ready.json"
    process = subprocess.Popen([sys.executable, RUN, "--sources", "2", "--speedup", "500", "--auto-agent",
                                "--agent-delay", "1", "--replication-mbps", "250", "--ready-file", str(ready), "--json"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        endpoint = json.loads(ready.read_text())["endpoint"]
        with urllib.request.urlopen(endpoint + "/_emulator/clock") as response:
            clock = json.load(response)
        assert (clock["speedup"], clock["auto_agent"], clock["agent_delay"], clock["replication_mbps"]) == (500.0, True, 1.0, 250.0)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.returncode == 0, process.stderr.read()


def test_source_quota_flag(tmp_path):
    """--source-quota reaches the registration: with 2 generated sources and a quota of 2, an agent is refused."""
    ready = tmp_path / "ready.json"
    process = subprocess.Popen([sys.executable, RUN, "--sources", "2", "--source-quota", "2", "--ready-file", str(ready),
                                "--json"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        credentials = json.loads(ready.read_text())
        emulator = types.SimpleNamespace(url=credentials["endpoint"], project_id=credentials["project_id"],
                                         access_key=credentials["access_key"], secret_key=credentials["secret_key"])
        client = SignedClient(emulator)
        status, body, _headers = client.request("POST", "/v3/sources", body=LINUX_BODY)
        client.close()
        assert (status, body["error_code"]) == (400, "SMS.2250"), body
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.returncode == 0, process.stderr.read()
    refused = subprocess.run([sys.executable, RUN, "--source-quota", "-1"], capture_output=True, text=True, timeout=60,
                             check=False)
    assert refused.returncode == 2 and "--source-quota must be 0 or more" in refused.stderr
