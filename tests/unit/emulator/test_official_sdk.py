"""The official SDK (huaweicloudsdksms, unchanged) works against the emulator."""

import pytest

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions import exceptions
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdksms.v3 import (CommandBody, CreateTaskRequest, ListServersRequest, NetWork, PostSourceServerBody,
                                  PostTask, RegisterServerRequest, ShowCommandRequest, ShowServerRequest,
                                  SmsClient, SourceServerByTask, TargetDisks, TargetServerByTask, UpdateCommandResultRequest,
                                  UpdateTaskStatusReq, UpdateTaskStatusRequest)


def sdk_client(emulator, secret_key=None):
    config = HttpConfig.get_default_config()
    config.timeout = (5, 30)
    credentials = BasicCredentials(emulator.access_key, secret_key or emulator.secret_key, emulator.project_id)
    return SmsClient.new_builder().with_http_config(config).with_credentials(credentials) \
        .with_endpoint(emulator.url).build()


@pytest.fixture
def emulator(emulator_factory):
    return emulator_factory(sources=250, seed=11)


def test_list_servers_with_filters_and_paging(emulator):
    client = sdk_client(emulator)
    seen = []
    offset = 0
    while True:
        page = client.list_servers(ListServersRequest(limit=100, offset=offset))
        assert page.count == 250
        seen.extend(server.id for server in page.source_servers)
        if len(page.source_servers) < 100:
            break
        offset += 100
    assert seen == [record["id"] for record in emulator.store.list_sources()]
    assert len(set(seen)) == 250

    waiting = client.list_servers(ListServersRequest(state="waiting", connected=True))
    expected = emulator.store.list_sources(state="waiting", connected=True)
    assert waiting.count == len(expected) > 0
    assert [server.id for server in waiting.source_servers] == [record["id"] for record in expected]
    assert all(server.state == "waiting" and server.connected for server in waiting.source_servers)


def test_show_server(emulator):
    client = sdk_client(emulator)
    record = emulator.store.list_sources(limit=1, offset=5)[0]
    shown = client.show_server(ShowServerRequest(source_id=record["id"]))
    assert shown.id == record["id"]
    assert shown.name == record["name"]
    assert shown.networks[0].ip == record["ip"]
    assert [check.name for check in shown.checks] == [check["name"] for check in record["checks"]]


def test_register_command_and_result_flow(emulator):
    client = sdk_client(emulator)
    body = PostSourceServerBody(
        name="sdk-host", os_type="LINUX", os_version="CENTOS_7_9_64BIT", agent_version="25.3.0",
        ip="192.168.50.10", has_rsync=True, has_tc=True, cpu_quantity=2, memory=4096,
        networks=[NetWork(name="eth0", ip="192.168.50.10", netmask="255.255.255.0", gateway="192.168.50.1",
                          mtu=1500, mac="fa:16:3e:aa:bb:cc")])
    source_id = client.register_server(RegisterServerRequest(body=body)).id
    stored = emulator.store.get_source(source_id)
    assert stored["name"] == "sdk-host" and stored["state"] == "waiting"
    # same MAC again: the same source comes back
    assert client.register_server(RegisterServerRequest(body=body)).id == source_id

    nothing = client.show_command(ShowCommandRequest(server_id=source_id))
    assert nothing.command_name is None

    task = PostTask(name="sdk-task", type="MIGRATE_FILE", os_type="LINUX", source_server=SourceServerByTask(id=source_id),
                    target_server=TargetServerByTask(vm_id="vm-1", name="sdk-target"), region_name=emulator.region,
                    region_id=emulator.region, project_name=emulator.region, project_id=emulator.project_id,
                    exist_server=True)
    with pytest.raises(exceptions.ClientRequestException) as caught:
        client.create_task(CreateTaskRequest(body=task))
    assert (caught.value.status_code, caught.value.error_code) == (400, "SMS.0515")
    task.target_server.disks = [TargetDisks(name="/dev/vda", size=42949672960, device_use="BOOT", disk_id="evs-1")]
    task_id = client.create_task(CreateTaskRequest(body=task)).id
    assert emulator.store.get_task(task_id)["state"] == "READY"
    client.update_task_status(UpdateTaskStatusRequest(task_id=task_id, body=UpdateTaskStatusReq(operation="start")))

    command = client.show_command(ShowCommandRequest(server_id=source_id))
    assert command.command_name == "START"
    assert command.command_param.task_id == task_id
    assert emulator.store.pending_command(source_id)["command_name"] == "START"

    client.update_command_result(UpdateCommandResultRequest(server_id=source_id, body=CommandBody(
        command_name="START", result="success", result_detail={"msg": "ok"})))
    assert emulator.store.pending_command(source_id) is None
    results = emulator.store.command_results(source_id)
    assert [(item["command_name"], item["result"], item["result_detail"]) for item in results] == [
        ("START", "success", {"msg": "ok"})]
    assert emulator.store.get_source(source_id)["state"] == "replicate"
    assert emulator.store.get_task(task_id)["state"] == "RUNNING"


def test_wrong_secret_key_gives_401_with_request_id(emulator):
    client = sdk_client(emulator, secret_key="not-the-secret")
    with pytest.raises(exceptions.ClientRequestException) as caught:
        client.list_servers(ListServersRequest(limit=1))
    assert caught.value.status_code == 401
    assert caught.value.error_code == "APIGW.0301"
    logged = emulator.request_log()[-1]
    assert logged["status"] == 401
    assert caught.value.request_id == logged["request_id"]
    assert "not-the-secret" not in str(caught.value)
