"""The emulator's pytest plugin keeps the official SDK from writing to the user's home."""

import os
import subprocess
import sys

import sms_emulator

EMULATOR_DIR = os.path.dirname(os.path.dirname(os.path.abspath(sms_emulator.__file__)))
USE_THE_SDK = ("from huaweicloudsdkcore.auth.credentials import BasicCredentials\n"
               "from huaweicloudsdksms.v3 import SmsClient\n"
               "SmsClient.new_builder().with_credentials(BasicCredentials('AK', 'SK', 'p'))"
               ".with_endpoint('http://127.0.0.1:9').build()\n")


def _run(tmp_path, code):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = dict(os.environ, HOME=str(home), TMPDIR=str(tmp_path), PYTHONPATH=EMULATOR_DIR)
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)
    return home / ".huaweicloud" / "application_id"


def test_the_sdk_alone_writes_an_application_id_into_home(tmp_path):
    # what the plugin prevents: the SDK's own behaviour
    assert _run(tmp_path, USE_THE_SDK).exists()


def test_with_the_plugin_loaded_first_home_stays_untouched(tmp_path):
    written = _run(tmp_path, "import sms_emulator.pytest_fixtures\n" + USE_THE_SDK +
                   "import os; assert os.environ['HOME'].endswith('home')\n")
    assert not written.exists()
    assert not (tmp_path / "home" / ".huaweicloud").exists()
    assert [path.name for path in tmp_path.glob("sdk-home-*/.huaweicloud/application_id")] == ["application_id"]
