"""Task settings: time-window speed limits (SMS.6302 when none), advanced configurations merged by
key, consistency results; validation; the official SDK reads them."""

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdksms.v3 import (ShowConfigSettingRequest, ShowConsistencyResultRequest, ShowsSpeedLimitsRequest,
                                  SmsClient, SpeedLimit, SpeedLimitlJson, UpdateSpeedRequest)

from support.emulator_client import new_task

WINDOWS = [{"start": "08:00", "end": "18:00", "speed": 100, "over_speed_threshold": 20.0},
           {"start": "18:00", "end": "23:59", "speed": 1000}]


def _sdk(emulator):
    config = HttpConfig.get_default_config()
    config.timeout = (5, 30)
    credentials = BasicCredentials(emulator.access_key, emulator.secret_key, emulator.project_id)
    return SmsClient.new_builder().with_http_config(config).with_credentials(credentials).with_endpoint(emulator.url).build()


def test_speed_limits_replace_and_clear(emu, client):
    _source_id, task_id = new_task(emu, client)
    path = "/v3/tasks/%s/speed-limit" % task_id
    status, body, _headers = client.request("GET", path)
    assert (status, body["error_code"]) == (400, "SMS.6302")
    assert client.request("POST", path, body={"speed_limit": WINDOWS})[0] == 200
    assert client.request("GET", path)[1] == {"speed_limit": WINDOWS}
    assert client.request("POST", path, body={"speed_limit": WINDOWS[:1]})[0] == 200
    assert client.request("GET", path)[1] == {"speed_limit": WINDOWS[:1]}
    assert client.request("POST", path, body={"speed_limit": []})[0] == 200
    assert client.request("GET", path)[1]["error_code"] == "SMS.6302"
    for windows, name in (([{"start": "8:00", "end": "9:00", "speed": 1}], "start"),
                          ([{"start": "09:00", "end": "08:00", "speed": 1}], "before end"),
                          ([{"start": "08:00", "end": "09:00", "speed": 1001}], "speed"),
                          ([{"start": "08:00", "end": "10:00", "speed": 1}, {"start": "09:00", "end": "11:00", "speed": 2}], "overlap"),
                          ([{"start": "08:00", "end": "09:00", "speed": 1, "rate": 2}], "rate")):
        status, body, _headers = client.request("POST", path, body={"speed_limit": windows})
        assert (status, body["error_code"]) == (400, "SMS.6101") and name in body["error_msg"], body
    assert client.request("GET", "/v3/tasks/nope/speed-limit")[0] == 404


def test_configurations_merge_by_key_and_filter(emu, client):
    _source_id, task_id = new_task(emu, client)
    path = "/v3/tasks/%s/configuration-setting" % task_id
    assert client.request("GET", path)[1] == {"task_id": task_id, "migrate_type": "LINUX_MIGRATE_FILE", "configurations": []}
    client.request("POST", path, body={"configurations": [
        {"config_key": "MIGRATE_EXCLUDE_DIR", "config_value": "/tmp,/var/cache"},
        {"config_key": "LINUX_CPU_LIMIT", "config_value": "50"}]})
    client.request("POST", path, body={"configurations": [{"config_key": "LINUX_CPU_LIMIT", "config_value": "30"}]})
    configurations = client.request("GET", path)[1]["configurations"]
    assert [(c["config_key"], c["config_value"]) for c in configurations] == [
        ("MIGRATE_EXCLUDE_DIR", "/tmp,/var/cache"), ("LINUX_CPU_LIMIT", "30")]
    only = client.request("GET", path, params={"config_key": "LINUX_CPU_LIMIT"})[1]["configurations"]
    assert [c["config_key"] for c in only] == ["LINUX_CPU_LIMIT"]
    status, body, _headers = client.request("POST", path, body={"configurations": [{"config_key": "TURBO", "config_value": "1"}]})
    assert (status, body["error_code"]) == (400, "SMS.6101")


def test_consistency_results_and_the_official_sdk(emu, client):
    _source_id, task_id = new_task(emu, client)
    result = {"finished_time": 1700000000000, "check_result": "OK", "consistency_result": [
        {"dir_check": "/", "num_total_files": 10, "num_different_files": 0, "num_target_miss_files": 0,
         "num_target_more_files": 0}]}
    emu.store.set_consistency_results(task_id, [result])
    assert client.request("GET", "/v3/tasks/%s/consistency-result" % task_id)[1] == {"task_id": task_id, "result_list": [result]}
    sdk = _sdk(emu)
    sdk.update_speed(UpdateSpeedRequest(task_id=task_id, body=SpeedLimit(speed_limit=[
        SpeedLimitlJson(start="01:00", end="02:00", speed=10)])))
    shown = sdk.shows_speed_limits(ShowsSpeedLimitsRequest(task_id=task_id))
    assert [(w.start, w.end, w.speed) for w in shown.speed_limit] == [("01:00", "02:00", 10)]
    assert sdk.show_config_setting(ShowConfigSettingRequest(task_id=task_id)).migrate_type == "LINUX_MIGRATE_FILE"
    assert sdk.show_consistency_result(ShowConsistencyResultRequest(task_id=task_id)).task_id == task_id
