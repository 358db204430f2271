"""Server templates: CRUD, the field rules (SMS.0007 / SMS.6102 / SMS.6562), delete order (SMS.7111),
unknown templates (SMS.7101), cascade deletion with a task, and the official SDK's view of them."""

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdksms.v3 import (CreateTemplateReq, CreateTemplateRequest, ListTemplatesRequest, PublicIp,
                                  ShowTemplateRequest, SmsClient, TemplateRequest, VpcObject)

from support.emulator_client import new_task

VALID = {"name": "web_tier-1", "is_template": True, "region": "ap-southeast-3", "availability_zone": "ap-southeast-3a",
         "flavor": "s6.large.2", "volumetype": "SAS", "target_password": "S3cret!pass",
         "vpc": {"id": "autoCreate", "name": "vpc-sms", "cidr": "192.168.0.0/16"},
         "nics": [{"id": "autoCreate", "name": "subnet-sms", "cidr": "192.168.0.0/24"}],
         "security_groups": [{"id": "autoCreate", "name": "sg-sms"}],
         "publicip": {"type": "5_bgp", "bandwidth_size": 10},
         "disk": [{"index": 0, "name": "disk0", "disktype": "SAS", "size": 40}]}


def _sdk(emulator):
    """The official SDK client, unchanged, pointed at the emulator."""
    config = HttpConfig.get_default_config()
    config.timeout = (5, 30)
    credentials = BasicCredentials(emulator.access_key, emulator.secret_key, emulator.project_id)
    return SmsClient.new_builder().with_http_config(config).with_credentials(credentials).with_endpoint(emulator.url).build()


def _create(client, **changes):
    template = dict(VALID, **changes)
    template = dict((k, v) for k, v in template.items() if v is not None)
    return client.request("POST", "/v3/vm/templates", body={"template": template})


def test_create_show_list_update_and_password(client):
    status, body, _headers = _create(client)
    assert status == 200
    template_id = body["id"]
    shown = client.request("GET", "/v3/vm/templates/%s" % template_id)[1]["template"]
    assert shown["id"] == template_id and shown["name"] == "web_tier-1"
    assert shown["is_template"] == "true"  # a string, as TemplateResponseBody declares
    assert shown["disk"] == VALID["disk"] and shown["image_id"] is None
    assert client.request("GET", "/v3/vm/templates/%s/target-password" % template_id)[1] == {
        "template_id": template_id, "target_password": "S3cret!pass"}
    _create(client, name="db_tier")
    listed = client.request("GET", "/v3/vm/templates", params={"name": "tier"})[1]
    assert listed["count"] == 2 and [t["name"] for t in listed["templates"]] == ["web_tier-1", "db_tier"]
    page = client.request("GET", "/v3/vm/templates", params={"limit": 1, "offset": 1})[1]
    assert page["count"] == 2 and [t["name"] for t in page["templates"]] == ["db_tier"]
    assert client.request("GET", "/v3/vm/templates", params={"id": template_id})[1]["count"] == 1
    status, _body, _headers = client.request("PUT", "/v3/vm/templates/%s" % template_id,
                                             body={"template": {"name": "web_tier-1", "flavor": "s6.xlarge.2"}})
    assert status == 200
    shown = client.request("GET", "/v3/vm/templates/%s" % template_id)[1]["template"]
    assert shown["flavor"] == "s6.xlarge.2" and shown["availability_zone"] == "ap-southeast-3a"


def test_field_rules_answer_the_practitioner_codes(client):
    cases = [
        ({"vpc": {"id": "vpc-1", "name": "x"}}, "SMS.0007"),
        ({"nics": [{"id": "subnet-1", "name": "n"}]}, "SMS.6102"),
        ({"security_groups": [{"id": "sg-1"}]}, "SMS.6102"),
        ({"nics": [{"id": "autoCreate", "name": "a", "cidr": "192.168.0.0/24"},
                   {"id": "subnet-2", "name": "b", "cidr": "192.168.1.0/24"}]}, "SMS.6102"),
        ({"publicip": {"type": "5_bgp"}}, "SMS.6562"),
        ({"publicip": {"type": "5_bgp", "bandwidth_size": 320}}, "SMS.6101"),
        ({"name": "bad name!"}, "SMS.6101"),
        ({"disk": [{"index": 0, "name": "d", "size": 40}]}, "SMS.6101"),
        ({"flavour": "typo"}, "SMS.6101"),
        ({"is_template": "true"}, "SMS.6101"),
    ]
    for changes, code in cases:
        status, body, _headers = _create(client, **changes)
        assert (status, body["error_code"]) == (400, code), (changes, body)
    assert client.request("GET", "/v3/vm/templates")[1]["count"] == 0
    assert client.request("POST", "/v3/vm/templates", body={"name": "flat"})[1]["error_code"] == "SMS.6101"
    for size in (300, 350, 1500):
        assert _create(client, name="bw%d" % size, publicip={"type": "5_bgp", "bandwidth_size": size})[0] == 200


def test_delete_order_unknown_template_and_cascade(emu, client):
    generic = _create(client)[1]["id"]
    bound = _create(client, name="bound", is_template=False)[1]["id"]
    _source_id, task_id = new_task(emu, client)
    with emu.store.db.write() as conn:
        task = emu.store.db.load_task(task_id, conn)
        task["vm_template_id"] = bound
        emu.store.db.save_task(conn, task)
    status, body, _headers = client.request("DELETE", "/v3/vm/templates/%s" % bound)
    assert (status, body["error_code"]) == (400, "SMS.7111") and task_id in body["error_msg"]
    status, body, _headers = client.request("POST", "/v3/vm/templates/delete", body={"ids": [generic, bound]})
    assert body["error_code"] == "SMS.7111"
    assert client.request("GET", "/v3/vm/templates/%s" % generic)[0] == 200  # all or nothing
    assert client.request("DELETE", "/v3/tasks/%s" % task_id)[0] == 200
    status, body, _headers = client.request("GET", "/v3/vm/templates/%s" % bound)
    assert (status, body["error_code"]) == (404, "SMS.7101")  # went with its task
    assert client.request("DELETE", "/v3/vm/templates/%s" % bound)[1]["error_code"] == "SMS.7101"
    assert client.request("POST", "/v3/vm/templates/delete", body={"ids": [generic]})[0] == 200
    assert client.request("GET", "/v3/vm/templates")[1]["count"] == 0


def test_official_sdk_reads_and_writes_templates(emu):
    client = _sdk(emu)
    created = client.create_template(CreateTemplateRequest(body=CreateTemplateReq(template=TemplateRequest(
        name="sdk_tpl", is_template=True, availability_zone="ap-southeast-3a",
        vpc=VpcObject(id="autoCreate", name="vpc", cidr="192.168.0.0/16"),
        publicip=PublicIp(type="5_bgp", bandwidth_size=5)))))
    shown = client.show_template(ShowTemplateRequest(id=created.id)).template
    assert (shown.id, shown.name, shown.vpc.cidr, shown.publicip.bandwidth_size) == (created.id, "sdk_tpl", "192.168.0.0/16", 5)
    listed = client.list_templates(ListTemplatesRequest(name="sdk_tpl"))
    assert listed.count == 1 and listed.templates[0].id == created.id
