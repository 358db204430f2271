"""Every route the emulator serves, called with the official SDK (huaweicloudsdksms, unchanged):
each answer holds only fields the SDK's model for that operation declares (recursively, with
their types), or fields of the emulator's one table of documented inferences
(``sms_emulator.inferences.INFERENCES``); the emulator's own field sets (``sms_emulator.shapes``)
are the SDK's models."""

import importlib.metadata
import json
import re

import pytest

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcore.region.region import Region
import huaweicloudsdksms.v3 as sdk

from sms_emulator import inferences, shapes
from sms_emulator.routes import ROUTES
from support.emulator_client import SignedClient

# Routes the SDK has no operation for, and why.
NO_SDK_OPERATION = {
    ("GET", "/v3/projects"): "IAM KeystoneListProjects, which huaweicloudsdkcore calls itself (BasicCredentials "
                             "without a project id) and parses without a model: only projects[].id is read",
    ("GET", "/v1/{project_id}/cloudservers/{server_id}"): "ECS ShowServer (huaweicloudsdkecs, not installed): the "
                                                          "servers SMS launched; test_ecs.py checks its fields",
    ("POST", "/v1/{project_id}/cloudservers/delete"): "ECS DeleteServers (huaweicloudsdkecs): test_ecs.py",
    ("GET", "/v1/{project_id}/jobs/{job_id}"): "ECS ShowJob (huaweicloudsdkecs): test_ecs.py",
}
# Keystone's project fields (IAM API reference, KeystoneListProjects response), for the route above.
KEYSTONE_PROJECT_FIELDS = {"id", "name", "domain_id", "enabled", "is_domain", "parent_id", "description", "links"}

_LIST = re.compile(r"^list\[(.+)\]$")
_DICT = re.compile(r"^dict\(([^,]+), (.+)\)$")
_SCALARS = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,), "object": (object,)}


def _is(value, types):
    if isinstance(value, bool) and bool not in types and object not in types:
        return False
    return isinstance(value, types)


def model_problems(value, type_name, where, inferred):
    """Fields of ``value`` that its SDK type ``type_name`` does not declare, or of another type."""
    if value is None:
        return []
    match = _LIST.match(type_name)
    if match:
        if not isinstance(value, list):
            return ["%s: %s, not a list" % (where, type(value).__name__)]
        problems = []
        for item in value:
            problems.extend(model_problems(item, match.group(1), where + "[]", inferred))
        return sorted(set(problems))
    match = _DICT.match(type_name)
    if match:
        if not isinstance(value, dict):
            return ["%s: %s, not an object" % (where, type(value).__name__)]
        problems = []
        for key, item in value.items():
            problems.extend(model_problems(item, match.group(2), "%s.%s" % (where, key), inferred))
        return problems
    if type_name in _SCALARS:
        if not _is(value, _SCALARS[type_name]):
            return ["%s: %s, the model says %s" % (where, type(value).__name__, type_name)]
        return []
    model = getattr(sdk, type_name)
    if not isinstance(value, dict):
        return ["%s: %s, the model %s is an object" % (where, type(value).__name__, type_name)]
    types = {model.attribute_map[attr]: kind for attr, kind in model.openapi_types.items()}
    problems = []
    for key, item in value.items():
        if (type_name, key) in inferred:
            continue
        if key not in types:
            problems.append("%s.%s: not a field of %s" % (where, key, type_name))
        else:
            problems.extend(model_problems(item, types[key], "%s.%s" % (where, key), inferred))
    return problems


def _camel(name):
    return "".join(part.capitalize() for part in name.split("_"))


def _http_info(operation):
    request_class = getattr(sdk, _camel(operation) + "Request")
    return getattr(sdk.SmsClient, "_%s_http_info" % operation)(request_class())


def _pattern(path):
    return re.sub(r"\{[^}]+\}", "{}", path)


# Every route of routes.py -> the SDK operation that calls it.
OPERATIONS = {
    ("GET", "/v3/sources"): "list_servers",
    ("POST", "/v3/sources"): "register_server",
    ("GET", "/v3/sources/overview"): "show_overview",
    ("GET", "/v3/sources/{source_id}"): "show_server",
    ("PUT", "/v3/sources/{source_id}"): "update_server_name",
    ("DELETE", "/v3/sources/{source_id}"): "delete_server",
    ("POST", "/v3/sources/delete"): "delete_servers",
    ("GET", "/v3/sources/{source_id}/command"): "show_command",
    ("POST", "/v3/sources/{source_id}/command_result"): "update_command_result",
    ("PUT", "/v3/sources/{source_id}/changestate"): "update_copy_state",
    ("GET", "/v3/errors"): "list_error_servers",
    ("POST", "/v3/tasks"): "create_task",
    ("GET", "/v3/tasks"): "list_tasks",
    ("GET", "/v3/tasks/{task_id}"): "show_task",
    ("DELETE", "/v3/tasks/{task_id}"): "delete_task",
    ("POST", "/v3/tasks/{task_id}/action"): "update_task_status",
    ("PUT", "/v3/tasks/{task_id}"): "update_task",
    ("POST", "/v3/tasks/{task_id}/log"): "collect_log",
    ("POST", "/v3/tasks/{task_id}/speed-limit"): "update_speed",
    ("GET", "/v3/tasks/{task_id}/speed-limit"): "shows_speed_limits",
    ("POST", "/v3/tasks/{task_id}/configuration-setting"): "upload_special_configuration_setting",
    ("GET", "/v3/tasks/{task_id}/configuration-setting"): "show_config_setting",
    ("GET", "/v3/tasks/{task_id}/consistency-result"): "show_consistency_result",
    ("POST", "/v3/vm/templates"): "create_template",
    ("GET", "/v3/vm/templates"): "list_templates",
    ("POST", "/v3/vm/templates/delete"): "delete_templates",
    ("GET", "/v3/vm/templates/{template_id}"): "show_template",
    ("PUT", "/v3/vm/templates/{template_id}"): "update_template",
    ("DELETE", "/v3/vm/templates/{template_id}"): "delete_template",
    ("GET", "/v3/vm/templates/{template_id}/target-password"): "show_target_password",
    ("POST", "/v3/migprojects"): "create_migproject",
    ("GET", "/v3/migprojects"): "list_migprojects",
    ("GET", "/v3/migprojects/{project_id}"): "show_migproject",
    ("PUT", "/v3/migprojects/{project_id}"): "update_migproject",
    ("PUT", "/v3/migprojects/{project_id}/default"): "update_default_migproject",
    ("DELETE", "/v3/migprojects/{project_id}"): "delete_migproject",
}


class Recorder:
    """An SmsClient whose calls keep (operation, raw answer)."""

    def __init__(self, client):
        self.client = client
        self.answers = []

    def __call__(self, operation, **fields):
        request = getattr(sdk, _camel(operation) + "Request")(**fields)
        response = getattr(self.client, operation)(request)
        raw = response.raw_content
        self.answers.append((operation, json.loads(raw) if raw else None))
        return response


def sdk_client(emulator, project_id=True):
    config = HttpConfig.get_default_config()
    config.timeout = (5, 30)
    if project_id:
        credentials = BasicCredentials(emulator.access_key, emulator.secret_key, emulator.project_id)
        return sdk.SmsClient.new_builder().with_http_config(config).with_credentials(credentials) \
            .with_endpoint(emulator.url).build()
    credentials = BasicCredentials(emulator.access_key, emulator.secret_key).with_iam_endpoint(emulator.url)
    return sdk.SmsClient.new_builder().with_http_config(config).with_credentials(credentials) \
        .with_region(Region(emulator.region, emulator.url)).build()


LINUX_HOST = dict(
    name="conformance-host", hostname="conformance-host", os_type="LINUX", os_version="CENTOS_7_9_64BIT",
    agent_version="25.3.0", ip="192.168.60.10", has_rsync=True, has_tc=True, cpu_quantity=2, memory=4096,
    firmware="BIOS", boot_loader="GRUB")


def _register(call, number):
    disks = [sdk.ServerDisk(name="/dev/vda", partition_style="MBR", device_use="BOOT", size=40 * 2 ** 30,
                            used_size=8 * 2 ** 30, os_disk=True, relation_name="/dev/vda", physical_volumes=[
                                sdk.PhysicalVolume(name="/dev/vda1", size=40 * 2 ** 30, used_size=8 * 2 ** 30,
                                                   mount_point="/", file_system="ext4", index=0, device_use="OS")])]
    body = sdk.PostSourceServerBody(
        networks=[sdk.NetWork(name="eth0", ip="192.168.60.%d" % number, netmask="255.255.255.0", gateway="192.168.60.1",
                              mtu=1500, mac="fa:16:3e:60:00:%02x" % number)],
        disks=disks, **dict(LINUX_HOST, name="conformance-%d" % number, ip="192.168.60.%d" % number))
    return call("register_server", body=body).id


def _task(emulator, call, source_id, **settings):
    shown = call("show_server", source_id=source_id)
    disks = [sdk.TargetDisks(name=disk.name, size=disk.size, used_size=disk.used_size, device_use=disk.device_use)
             for disk in shown.init_target_server.disks]
    body = sdk.PostTask(name="task-" + shown.name, type="MIGRATE_FILE", os_type="LINUX",
                        source_server=sdk.SourceServerByTask(id=source_id),
                        target_server=sdk.TargetServerByTask(vm_id="", name=shown.name, disks=disks),
                        region_name=emulator.region, region_id=emulator.region, project_name=emulator.region,
                        project_id=emulator.project_id, **settings)
    return call("create_task", body=body).id


@pytest.fixture(scope="module")
def driven(tmp_path_factory):
    """A fleet with tasks in every generated state, driven through every route with the SDK:
    (emulator, recorder, API log)."""
    from sms_emulator import Emulator  # pylint: disable=import-outside-toplevel
    emulator = Emulator(sources=40, seed=21, auto_agent=True, agent_delay=1,
                        db_path=str(tmp_path_factory.mktemp("conformance") / "sms.db")).start()
    try:
        call = Recorder(sdk_client(emulator))
        yield emulator, call, _drive(emulator, call)
    finally:
        emulator.stop()


def _drive(emulator, call):
    """Call every SDK operation of OPERATIONS at least once; return the emulator's request log."""
    # sources of the generated fleet, and the IAM project lookup of a client without a project id
    Recorder(sdk_client(emulator, project_id=False))("list_servers", limit=1)
    call("list_servers", limit=200)
    call("list_servers", state="replicate")
    call("show_overview")
    for record in emulator.store.list_sources(limit=40):
        call("show_server", source_id=record["id"])
    call("list_error_servers", limit=100)

    # a registered source, its task started and half copied, the agent answering by itself
    running_source = _register(call, 11)
    running = _task(emulator, call, running_source, syncing=True, speed_limit=0)
    call("update_task_status", task_id=running, body=sdk.UpdateTaskStatusReq(operation="start"))
    call("show_command", server_id=running_source)
    emulator.advance(400)
    call("list_tasks", limit=100)
    call("list_tasks", source_server_id=running_source)
    call("show_task", task_id=running)
    call("show_server", source_id=running_source)
    call("list_servers", id=running_source)

    # a task in continuous sync, and one launched (MIGRATE_SUCCESS, finished)
    emulator.advance(86400)
    call("show_task", task_id=running)
    launched_source = _register(call, 12)
    launched = _task(emulator, call, launched_source)
    call("update_task_status", task_id=launched, body=sdk.UpdateTaskStatusReq(operation="start"))
    emulator.advance(86400)
    call("show_task", task_id=launched)
    call("list_tasks", limit=100)
    call("list_servers", limit=200)

    # the rehearsal: a clone test of the task in continuous sync, the clone through ECS, a drill, an update
    clone_template = call("create_template", body=sdk.CreateTemplateReq(template=sdk.TemplateRequest(
        name="clone", target_server_name="conformance-clone"))).id
    call("update_task_status", task_id=running, body=sdk.UpdateTaskStatusReq(operation="clone_test",
                                                                             template_id=clone_template))
    call("show_task", task_id=running)
    call("show_server", source_id=running_source)
    emulator.advance(600)
    clone = call("show_task", task_id=running).clone_server
    assert clone.clone_state == "FINISHED"
    call("list_tasks", source_server_id=running_source)
    call("list_servers", id=running_source)
    ecs = SignedClient(emulator)
    try:
        ecs.request("GET", "/v1/%s/cloudservers/%s" % (emulator.project_id, clone.vm_id))
        job = ecs.request("POST", "/v1/%s/cloudservers/delete" % emulator.project_id, body={
            "servers": [{"id": clone.vm_id}], "delete_publicip": True, "delete_volume": True})[1]["job_id"]
        ecs.request("GET", "/v1/%s/jobs/%s" % (emulator.project_id, job))
    finally:
        ecs.close()
    call("update_task_status", task_id=running, body=sdk.UpdateTaskStatusReq(operation="migration_test"))
    emulator.advance(700)
    call("show_server", source_id=running_source)
    call("update_task", task_id=running, body=sdk.PutTaskReq(
        name="task-renamed", speed_limit=50, migration_ip="192.168.1.5", use_public_ip=False,
        target_server=sdk.TargetServer(name="renamed-target")))
    call("show_task", task_id=running)

    # agent commands answered by hand, and a collect_log command with its parameters
    emulator.set_agent(auto_agent=False)
    call("update_task_status", task_id=launched, body=sdk.UpdateTaskStatusReq(operation="collect_log"))
    call("show_command", server_id=launched_source)
    call("update_command_result", server_id=launched_source, body=sdk.CommandBody(
        command_name="UPLOAD_LOG", result="success", result_detail={"msg": "ok"}))
    call("collect_log", task_id=launched, body=sdk.UploadLogRequestBody(log_bucket="conformance-logs"))
    call("list_tasks", id=launched)
    call("update_copy_state", source_id=launched_source, body=sdk.PutCopyStateReq(copystate="finished"))

    # task settings
    call("update_speed", task_id=running, body=sdk.SpeedLimit(speed_limit=[
        sdk.SpeedLimitlJson(start="00:00", end="08:00", speed=100, over_speed_threshold=10.0)]))
    call("shows_speed_limits", task_id=running)
    call("upload_special_configuration_setting", task_id=running, body=sdk.ConfigurationRequestBody(
        configurations=[sdk.ConfigBody(config_key="MIGRATE_EXCLUDE_DIR", config_value="/tmp", config_status="true")]))
    call("show_config_setting", task_id=running)
    emulator.store.set_consistency_results(running, [
        {"dir_check": "/data", "num_total_files": 10, "num_different_files": 0, "num_target_miss_files": 0,
         "num_target_more_files": 0}])
    call("show_consistency_result", task_id=running)

    # templates
    template = sdk.TemplateRequest(
        name="conformance", is_template=True, region=emulator.region, projectid=emulator.project_id,
        target_server_name="target", availability_zone=emulator.region + "a", volumetype="SSD",
        flavor="s6.large.2", vpc=sdk.VpcObject(id="vpc-1", name="vpc", cidr="192.168.0.0/16"),
        nics=[sdk.Nics(id="subnet-1", name="subnet", cidr="192.168.0.0/24", ip="192.168.0.5")],
        security_groups=[sdk.SgObject(id="sg-1", name="default")],
        publicip=sdk.PublicIp(type="5_bgp", bandwidth_size=10, bandwidth_share_type="PER"),
        disk=[sdk.TemplateDisk(index=0, name="disk0", disktype="SSD", size=40, device_use="BOOT")],
        data_volume_type="SSD", target_password="not-a-real-password", image_id="image-1")
    template_id = call("create_template", body=sdk.CreateTemplateReq(template=template)).id
    other_id = call("create_template", body=sdk.CreateTemplateReq(template=sdk.TemplateRequest(name="other"))).id
    third_id = call("create_template", body=sdk.CreateTemplateReq(template=sdk.TemplateRequest(name="third"))).id
    call("list_templates")
    call("show_template", id=template_id)
    call("update_template", id=template_id, body=sdk.UpdateTemplateReq(template=sdk.TemplateRequest(name="renamed")))
    call("show_target_password", id=template_id)
    call("delete_template", id=other_id)
    call("delete_templates", body=sdk.DeletetemplatesReq(ids=[third_id]))

    # migration projects, and a source moved into one
    project_id = call("create_migproject", body=sdk.PostMigProjectBody(
        name="conformance", region=emulator.region, type="MIGRATE_FILE", description="d", isdefault=False,
        start_target_server=False, speed_limit=0, use_public_ip=True, exist_server=False,
        enterprise_project="default", syncing=True, start_network_check=False)).id
    call("list_migprojects")
    call("show_migproject", mig_project_id=project_id)
    call("update_migproject", mig_project_id=project_id, body=sdk.MigProject(
        name="conformance-2", region=emulator.region, type="MIGRATE_FILE"))
    call("update_default_migproject", mig_project_id=project_id)
    spare_project = call("create_migproject", body=sdk.PostMigProjectBody(
        name="spare", region=emulator.region, type="MIGRATE_FILE")).id
    call("delete_migproject", mig_project_id=spare_project)
    spare_source = _register(call, 13)
    call("update_server_name", source_id=spare_source, body=sdk.PutSourceServerBody(
        name="renamed", migprojectid=project_id, disks=[sdk.PutDisk(id="/dev/vda", need_migration=True, adjust_size=0)]))
    call("show_server", source_id=spare_source)

    # deletions last
    stopped = _task(emulator, call, spare_source)
    call("delete_task", task_id=stopped)
    call("delete_server", source_id=spare_source)
    call("delete_servers", body=sdk.DeleteIds(ids=[_register(call, 14), _register(call, 15)]))
    return emulator.request_log()


def _route_of(method, path):
    for route_method, pattern, _action, _resource, _handler in ROUTES:
        regex = "^" + re.sub(r"\{[^}]+\}", "[^/]+", pattern) + "$"
        if route_method == method and re.match(regex, path):
            return route_method, pattern
    return None


def test_every_route_has_an_sdk_operation_or_a_reason():
    routes = {(method, pattern) for method, pattern, _action, _resource, _handler in ROUTES}
    assert routes == set(OPERATIONS) | set(NO_SDK_OPERATION)
    for (method, pattern), operation in OPERATIONS.items():
        info = _http_info(operation)
        assert (info["method"], _pattern(info["resource_path"])) == (method, _pattern(pattern)), operation


def test_the_sdk_calls_every_route_successfully(driven):
    _emulator, _call, log = driven
    failed = [(entry["method"], entry["path"], entry["status"]) for entry in log if entry["status"] != 200]
    assert failed == []
    called = {_route_of(entry["method"], entry["path"]) for entry in log}
    assert called == set(OPERATIONS) | set(NO_SDK_OPERATION)


def test_every_answer_holds_only_fields_of_its_sdk_model(driven):
    _emulator, call, _log = driven
    inferred = set(inferences.inferred_fields())
    problems = []
    for operation, answer in call.answers:
        problems.extend(model_problems(answer, _http_info(operation)["response_type"], operation, inferred))
    assert sorted(set(problems)) == [], "\n".join(sorted(set(problems)))


def test_the_iam_project_lookup_answers_keystone_fields(driven):
    emulator, _call, _log = driven
    client = SignedClient(emulator)
    try:
        status, answer, _headers = client.request("GET", "/v3/projects", params={"name": emulator.region})
    finally:
        client.close()
    assert status == 200
    assert [project["id"] for project in answer["projects"]] == [emulator.project_id]
    assert set(answer) == {"projects", "links"}
    assert set(answer["projects"][0]) <= KEYSTONE_PROJECT_FIELDS


def _sdk_fields(model_name):
    model = getattr(sdk, model_name)
    return {model.attribute_map[attr]: kind for attr, kind in model.openapi_types.items()}


def test_the_emulators_field_sets_are_the_sdk_models():
    # another SDK release may add fields: then the sets must only be within the models
    same_release = importlib.metadata.version("huaweicloudsdksms") == shapes.SDK_VERSION
    for model_name, fields in shapes.MODELS.items():
        declared = _sdk_fields(model_name)
        if same_release:
            assert set(fields) == set(declared), model_name
        else:
            assert set(fields) <= set(declared), model_name
        for field, nested in fields.items():
            kind = declared[field]
            inner = _LIST.match(kind).group(1) if _LIST.match(kind) else kind
            assert nested is None or nested == inner, (model_name, field)


def test_every_inference_names_a_model_field_the_sdk_lacks_and_a_source():
    for entry in inferences.INFERENCES:
        assert entry.model in shapes.MODELS or hasattr(sdk, entry.model), entry
        assert entry.field not in _sdk_fields(entry.model) or entry.kind == "type", entry
        assert entry.source.strip() and entry.why.strip(), entry


def test_the_readme_lists_the_inference_table():
    with open(inferences.README, encoding="utf-8") as readme:
        text = readme.read()
    assert inferences.markdown_table() in text


def test_the_check_finds_extra_fields_and_wrong_types_at_any_depth():
    answer = {"count": "2", "tasks": [{"id": "t", "remain_seconds": 5, "priority": True,
                                       "sub_tasks": [{"id": 1, "user_op": "x"}], "target_server": {"ip": 3}}]}
    assert sorted(model_problems(answer, "ListTasksResponse", "list_tasks", set())) == [
        "list_tasks.count: str, the model says int",
        "list_tasks.tasks[].priority: bool, the model says int",
        "list_tasks.tasks[].remain_seconds: not a field of TasksResponseBody",
        "list_tasks.tasks[].sub_tasks[].user_op: not a field of SubTaskAssociatedWithTask",
        "list_tasks.tasks[].target_server.ip: int, the model says str"]
    assert model_problems(answer, "ListTasksResponse", "list_tasks", {
        ("ListTasksResponse", "count"), ("TasksResponseBody", "remain_seconds"), ("TasksResponseBody", "priority"),
        ("SubTaskAssociatedWithTask", "user_op"), ("TargetServerAssociatedWithTask", "ip")}) == []
