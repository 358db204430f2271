"""A tiny signed HTTP client for the emulator's own tests (http.client, keep-alive)."""

import datetime
import http.client
import json
from urllib.parse import quote, urlsplit

from sms_emulator import signing


class SignedClient:
    def __init__(self, emulator, access_key=None, secret_key=None, security_token=None, auth_token=None):
        parts = urlsplit(emulator.url)
        self.host = parts.netloc
        self.access_key = access_key or emulator.access_key
        self.secret_key = secret_key or emulator.secret_key
        self.security_token = security_token
        self.auth_token = auth_token
        self.project_id = emulator.project_id
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)

    def close(self):
        self.conn.close()

    def headers_for(self, method, path, query, body, date=None):
        headers = {"content-type": "application/json", "host": self.host, "x-project-id": self.project_id,
                   "x-sdk-date": date or datetime.datetime.now(datetime.timezone.utc).strftime(signing.DATE_FORMAT)}
        if self.auth_token:
            return {"content-type": "application/json", "x-auth-token": self.auth_token}
        if self.security_token:
            headers["x-security-token"] = self.security_token
        names = sorted(headers)
        text = signing.canonical_request(method, path, query, headers, names, body)
        sig = signing.signature(self.secret_key, signing.string_to_sign(headers["x-sdk-date"], text))
        headers["authorization"] = "SDK-HMAC-SHA256 Access=%s, SignedHeaders=%s, Signature=%s" % (
            self.access_key, ";".join(names), sig)
        return headers

    def request(self, method, path, params=None, body=None, headers=None, tamper=None):
        """Send a request; return (status, parsed JSON body, response headers)."""
        query = "&".join(quote(str(k), safe="~") + "=" + quote(str(v), safe="~") for k, v in sorted((params or {}).items()))
        data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        sent_headers = self.headers_for(method, path, query, data)
        sent_headers.update(headers or {})
        if tamper:
            method, path, query, data, sent_headers = tamper(method, path, query, data, sent_headers)
        self.conn.request(method, path + ("?" + query if query else ""), body=data or None, headers=sent_headers)
        response = self.conn.getresponse()
        raw = response.read()
        return response.status, (json.loads(raw) if raw else None), dict(response.getheaders())


LINUX_BODY = {"name": "reg-01", "hostname": "reg-01", "ip": "192.168.0.10", "os_type": "LINUX",
              "os_version": "CENTOS7.9", "agent_version": "25.1.0", "cpu_quantity": 2, "memory": 4096,
              "networks": [{"name": "eth0", "ip": "192.168.0.10", "mac": "fa:16:3e:99:00:01", "mtu": 1500}],
              "disks": [{"name": "/dev/vda", "size": 42949672960, "device_use": "OS"}],
              "btrfs_list": [], "volume_groups": [], "has_rsync": True, "has_tc": True, "boot_loader": "GRUB"}


def task_body(emu, source_id, **changes):
    """A complete PostTask body for a source, disks copied from its init_target_server (as sms_task does)."""
    record = emu.store.get_source_record(source_id)
    disks = [{key: disk[key] for key in ("name", "size", "device_use", "used_size", "physical_volumes") if key in disk}
             for disk in record["init_target_server"]["disks"]]
    body = {"name": "task-" + record["name"], "type": "MIGRATE_FILE" if record["os_type"] == "LINUX" else "MIGRATE_BLOCK",
            "os_type": record["os_type"], "source_server": {"id": source_id},
            "target_server": {"vm_id": "", "name": record["name"], "disks": disks}, "vm_template_id": "tmpl-1",
            "region_name": emu.region, "region_id": emu.region, "project_name": emu.region, "project_id": emu.project_id}
    body.update(changes)
    return body


def new_task(emu, client, body=None, **changes):
    """Register a source (LINUX_BODY, or ``body``) and create a READY task for it over HTTP;
    return (source_id, task_id)."""
    source_id = client.request("POST", "/v3/sources", body=body or LINUX_BODY)[1]["id"]
    status, answer, _headers = client.request("POST", "/v3/tasks", body=task_body(emu, source_id, **changes))
    assert status == 200, answer
    return source_id, answer["id"]
