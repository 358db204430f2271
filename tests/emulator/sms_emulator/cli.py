"""Command line of the emulator."""

import argparse
import ipaddress
import json
import os
import shlex
import signal
import sys
import threading

from .fleet import DEFAULT_OS_MIX, DEFAULT_STATES, parse_mix
from .inferences import SOURCE_QUOTA
from .server import DEFAULT_REGION, Emulator
from .task_actions import DEFAULT_MAX_RUNNING


def _mix_text(mix):
    return ",".join("%s=%s" % item for item in mix.items())


def build_parser():
    parser = argparse.ArgumentParser(prog="sms_emulator", description="Local Huawei Cloud SMS v3 API emulator.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: pick a free one)")
    parser.add_argument("--db", dest="db_path", help="SQLite file (default: a temporary file removed at exit); "
                        "an existing file is reused and not re-seeded")
    parser.add_argument("--region", default=DEFAULT_REGION)
    parser.add_argument("--project-id", help="project id (default: derived from the region)")
    parser.add_argument("--random-credentials", action="store_true", help="random AK/SK/token instead of the fixed fake ones")
    parser.add_argument("--command-generation", choices=("new", "old"), default="new",
                        help="agent command names: new (START/STOP/SKIP/PREMIGRATE) or old (adds SYNC/DELETE)")
    lifecycle = parser.add_argument_group("migration lifecycle")
    lifecycle.add_argument("--speedup", type=float, default=1.0,
                           help="run the emulator's clock this many times faster (replication, launches, agent)")
    lifecycle.add_argument("--auto-agent", action="store_true",
                           help="connected sources answer their agent commands themselves (success)")
    lifecycle.add_argument("--agent-delay", type=float, default=5.0, help="seconds (emulator clock) before the auto agent answers")
    lifecycle.add_argument("--replication-mbps", type=float, default=100.0, help="copy speed of a task without speed_limit")
    lifecycle.add_argument("--max-running", type=int, default=DEFAULT_MAX_RUNNING,
                           help="tasks migrating at once before a start is refused (default %d, SMS's limit)" % DEFAULT_MAX_RUNNING)
    lifecycle.add_argument("--source-quota", type=int, default=SOURCE_QUOTA,
                           help="source servers per account; a registration beyond it is refused (default %d, "
                           "as SMS; the generated fleet is not limited)" % SOURCE_QUOTA)
    lifecycle.add_argument("--target-ip", help="the address of every target and test clone SMS launches, e.g. "
                           "127.0.0.1 for checks that really connect, or a network such as 127.0.0.0/8 (each new server the next "
                           "address of it; default: one of 192.168.0.0/16 each)")
    fleet = parser.add_argument_group("fleet")
    fleet.add_argument("--sources", type=int, default=0, help="number of generated source servers")
    fleet.add_argument("--seed", type=int, default=0)
    fleet.add_argument("--os-mix", default=_mix_text(DEFAULT_OS_MIX))
    fleet.add_argument("--states", default=_mix_text(DEFAULT_STATES))
    fleet.add_argument("--enterprise-projects", type=int, default=1)
    fleet.add_argument("--duplicate-names", type=int, default=0, help="how many sources reuse another's name")
    faults = parser.add_argument_group("faults")
    faults.add_argument("--latency-ms", type=int, default=0)
    faults.add_argument("--rate-429", type=float, default=0.0)
    faults.add_argument("--retry-after", type=int, default=1)
    faults.add_argument("--rate-5xx", type=float, default=0.0)
    faults.add_argument("--status-5xx", default="503", help="500, 502, 503, 504 or random")
    faults.add_argument("--drop", type=float, default=0.0)
    faults.add_argument("--fail-after-acting-5xx", type=float, default=0.0)
    faults.add_argument("--fault-seed", type=int)
    output = parser.add_argument_group("output")
    output.add_argument("--json", action="store_true", help="print the credentials as one JSON line")
    output.add_argument("--env-file", help="write the export lines to this file")
    output.add_argument("--ready-file", help="write the credentials JSON here once the server listens")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        parse_mix(args.os_mix, ("LINUX", "WINDOWS"), "--os-mix")
        parse_mix(args.states, None, "--states")
        if args.source_quota < 0:
            raise ValueError("--source-quota must be 0 or more")
        if args.target_ip is not None:
            ipaddress.IPv4Network(args.target_ip, strict=False)
    except ValueError as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 2
    if args.max_running < 1:
        print("error: --max-running must be at least 1, got %d" % args.max_running, file=sys.stderr)
        return 2
    status_5xx = None if args.status_5xx == "random" else int(args.status_5xx)
    emulator = Emulator(
        sources=args.sources, seed=args.seed, db_path=args.db_path, host=args.host, port=args.port,
        region=args.region, project_id=args.project_id, random_credentials=args.random_credentials,
        os_mix=args.os_mix, states=args.states, enterprise_projects=args.enterprise_projects,
        duplicate_names=args.duplicate_names, command_generation=args.command_generation,
        speedup=args.speedup, auto_agent=args.auto_agent, agent_delay=args.agent_delay,
        replication_mbps=args.replication_mbps,
        max_running=args.max_running,
        source_quota=args.source_quota, target_ip=args.target_ip,
        fault_seed=args.fault_seed, latency_ms=args.latency_ms, rate_429=args.rate_429,
        retry_after=args.retry_after, rate_5xx=args.rate_5xx, status_5xx=status_5xx, drop=args.drop,
        fail_after_acting_5xx=args.fail_after_acting_5xx)
    emulator.start()
    exports = "".join("export %s=%s\n" % (name, shlex.quote(value)) for name, value in emulator.env().items())
    credentials = dict(emulator.credentials, sources=emulator.store.count_sources())
    if args.json:
        print(json.dumps(credentials), flush=True)
    else:
        print("SMS emulator listening on %s (%d sources, fleet built in %.2fs)"
              % (emulator.url, credentials["sources"], emulator.fleet_seconds))
        print("auth token: %s" % emulator.auth_token)
        print(exports, end="", flush=True)
    if args.env_file:
        with open(args.env_file, "w", encoding="utf-8") as handle:
            handle.write(exports)
    if args.ready_file:
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(credentials, handle)
        os.replace(tmp, args.ready_file)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    while not stop.wait(0.5):
        pass
    emulator.stop()
    return 0
