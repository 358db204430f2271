"""The command line: the lifecycle flags reach the running emulator."""

import json
import os
import subprocess
import sys
import time
import urllib.request

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
