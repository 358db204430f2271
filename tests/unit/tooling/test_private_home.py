# -*- coding: utf-8 -*-
"""Nothing a test runs writes into the user's home: tests/conftest.py gives every test process (and
the processes it starts) a HOME of its own in its private temp dir."""

import os
import pwd
import subprocess
import sys
import tempfile

import pytest


def _inside(path, directory):
    return os.path.commonpath([os.path.realpath(path), os.path.realpath(directory)]) == os.path.realpath(directory)


def test_home_is_private_to_the_test_process():
    home = os.environ["HOME"]
    assert home != pwd.getpwuid(os.getuid()).pw_dir
    assert _inside(home, tempfile.gettempdir()) and os.path.isdir(home)
    assert os.path.expanduser("~") == home


def test_the_sdk_keeps_its_application_id_in_the_private_home():
    pytest.importorskip("huaweicloudsdkcore")
    # A fresh interpreter with this process's environment, as every subprocess of a test gets it:
    # the SDK writes ~/.huaweicloud/application_id when its user agent module is imported.
    code = ("from huaweicloudsdkcore.http import user_agent; import os; "
            "print(user_agent._UserAgent()._app_file_path); print(os.path.isfile(user_agent._UserAgent()._app_file_path))")
    lines = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert lines[0] == os.path.join(os.environ["HOME"], ".huaweicloud", "application_id")
    assert lines[1] == "True"
    assert _inside(lines[0], tempfile.gettempdir())
