# -*- coding: utf-8 -*-
"""JSON stdout callback for the tests: ansible-core 2.19 ships none (ansible.builtin.json
redirects to ansible.posix, which is not installed). Same document layout as ansible.posix.json."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: json
type: stdout
short_description: JSON document of every task result (tests only)
description:
  - Prints one JSON document with plays, tasks, per-host results and stats at the end.
"""

import json

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "json"

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display)
        self.results = []

    def v2_playbook_on_play_start(self, play):
        self.results.append({"play": {"name": play.get_name(), "id": str(play._uuid)}, "tasks": []})

    def _new_task(self, task):
        self.results[-1]["tasks"].append({"task": {"name": task.get_name(), "id": str(task._uuid)}, "hosts": {}})

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._new_task(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._new_task(task)

    def _record(self, result, **flags):
        host = result._host.get_name()
        data = dict(result._result)
        data.update(flags)
        data["action"] = result._task.action
        if self.results and self.results[-1]["tasks"]:
            self.results[-1]["tasks"][-1]["hosts"][host] = data

    def v2_runner_on_ok(self, result):
        self._record(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, failed=True)

    def v2_runner_on_unreachable(self, result):
        self._record(result, unreachable=True)

    def v2_runner_on_skipped(self, result):
        self._record(result, skipped=True)

    def v2_playbook_on_stats(self, stats):
        summary = {}
        for host in sorted(stats.processed):
            summary[host] = stats.summarize(host)
        output = {"custom_stats": {}, "global_custom_stats": {}, "plays": self.results, "stats": summary}
        self._display.display(json.dumps(output, indent=4, sort_keys=True, default=str))
