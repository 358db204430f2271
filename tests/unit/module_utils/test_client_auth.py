# -*- coding: utf-8 -*-
"""The auth methods and the IAM project id cache on their own, no HTTP (the client's tests
send the same headers to a server)."""

import pytest

from ansible_collections.hwcloud.sms.plugins.module_utils import _auth, _signer
from ansible_collections.hwcloud.sms.plugins.module_utils._auth import AkSkAuth, TokenAuth, auth_for, iam_project_id
from ansible_collections.hwcloud.sms.plugins.module_utils._config import ConnectionConfig

AK, SK = "AKTESTTESTTESTTEST01", "sk-very-secret-value-0123456789"


def test_ak_sk_signs_every_header_it_sends():
    headers = AkSkAuth(AK, SK, "sts-1").headers("POST", "sms.example.com", "/v3/tasks", "a=1", b"{}", "p1")
    assert (headers["Host"], headers["X-Project-Id"], headers["X-Security-Token"]) == ("sms.example.com", "p1", "sts-1")
    authorization = headers.pop("Authorization")
    assert "SignedHeaders=content-type;host;x-project-id;x-sdk-date;x-security-token," in authorization
    assert authorization == _signer.authorization(AK, SK, "POST", "/v3/tasks", "a=1", headers, b"{}")
    assert SK not in authorization


def test_ak_sk_without_project_or_token_sends_neither():
    headers = AkSkAuth(AK, SK).headers("GET", "iam.example.com", "/v3/projects", "name=r", b"", None)
    assert "X-Project-Id" not in headers and "X-Security-Token" not in headers
    assert "SignedHeaders=content-type;host;x-sdk-date," in headers["Authorization"]


def test_token_auth_sends_the_token_and_signs_nothing():
    headers = TokenAuth("iam-token-1").headers("GET", "sms.example.com", "/v3/sources", "", b"", "p1")
    assert headers == {"Content-Type": "application/json", "Host": "sms.example.com",
                       "X-Auth-Token": "iam-token-1", "X-Project-Id": "p1"}


@pytest.mark.parametrize("credentials,kind", [
    (dict(access_key=AK, secret_key=SK), AkSkAuth),
    (dict(auth_token="tok"), TokenAuth),
    (dict(access_key=AK, secret_key=SK, auth_token="tok"), AkSkAuth),  # keys win over a token given with them
])
def test_the_configured_credentials_choose_the_auth(credentials, kind):
    auth = auth_for(ConnectionConfig(endpoint="https://sms.example.com", **credentials))
    assert isinstance(auth, kind)
    assert auth.access_key == credentials.get("access_key")


def test_the_project_id_is_asked_once_per_iam_key_and_region(monkeypatch):
    monkeypatch.setattr(_auth, "_project_id_cache", {})
    asked = []

    def list_projects(project_id):
        def ask():
            asked.append(project_id)
            return {"projects": [{"id": project_id}]}
        return ask

    assert iam_project_id(list_projects("p-a"), "https://iam", AK, "ap-southeast-3") == "p-a"
    assert iam_project_id(list_projects("p-other"), "https://iam", AK, "ap-southeast-3") == "p-a"
    assert iam_project_id(list_projects("p-b"), "https://iam", AK, "cn-north-4") == "p-b"
    assert iam_project_id(list_projects("p-c"), "https://iam", "AKOTHER", "ap-southeast-3") == "p-c"
    assert asked == ["p-a", "p-b", "p-c"]
