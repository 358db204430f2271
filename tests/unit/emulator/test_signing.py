"""Server-side signature verification against test vectors: V0 is the example published in Huawei
Cloud's "API Request Signing Guide", V1-V6 were computed with the official SDK huaweicloudsdkcore
3.1.219 (huaweicloudsdkcore/signer/signer.py)."""

import datetime

import pytest

from sms_emulator import signing

AK = "QTWAOYTTINDUT2QVKYUC"
SK = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
PROJECT = "0123456789abcdef0123456789abcdef"
UA = "huaweicloud-usdk-python/3.0; test-vector"


def _sdk_headers(host, date="20240102T030405Z", **extra):
    headers = {"content-type": "application/json", "x-sdk-date": date, "user-agent": UA, "x-project-id": PROJECT,
               "host": host}
    headers.update(extra)
    return headers


VECTORS = {
    "V0": dict(method="GET", path="/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs",
               query="limit=2&marker=13551d6b-755d-4757-b956-536f674975c0", body=b"",
               headers={"content-type": "application/json", "host": "service.region.example.com",
                        "x-sdk-date": "20191115T033655Z"},
               signed="content-type;host;x-sdk-date",
               signature="7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe",
               canonical_hash="b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a"),
    "V1": dict(method="GET", path="/v3/sources",
               query="connected=true&limit=10&name=web%20server%2001&offset=0&state=waiting", body=b"",
               headers=_sdk_headers("sms.ap-southeast-3.myhuaweicloud.com"),
               signed="content-type;host;user-agent;x-project-id;x-sdk-date",
               signature="70e45982e1a63a3b4b78a9b512813d986c214033756ab3d90a9799e155c974ba",
               canonical_hash="d11e5efd5ecf27804e97213c151bb447ca167bb6a0d46fa93d3330cd97979b96"),
    "V2": dict(method="POST", path="/v3/sources/2f1a3b4c-5d6e-7f80-91a2-b3c4d5e6f708/command_result", query="",
               body=b'{"command_name": "START", "result": "success", "result_detail": {"msg": "ok"}}',
               headers=_sdk_headers("sms.ap-southeast-3.myhuaweicloud.com"),
               signed="content-type;host;user-agent;x-project-id;x-sdk-date",
               signature="b7d13258c3aaae9ca84b04e955c78b58fa3109916981a75ee9c2017ee4edf6ed",
               canonical_hash="ac5dd3a4eaf620e4b6015f37b2e981d3c9715284e35d9a4373866c6c1f90d2bf"),
    "V3": dict(method="GET", path="/v3/sources/a%20b%2Fc~d%2Be%25f%3A%E4%B8%AD", query="", body=b"",
               headers=_sdk_headers("sms.ap-southeast-3.myhuaweicloud.com"),
               signed="content-type;host;user-agent;x-project-id;x-sdk-date",
               signature="1828ee33b358c209fb41b4d11c0ee4dde28473a6e6ff24c1254a7658a852908c",
               canonical_hash="941ae662aea2db2b57cc1ed511579bf44c292b143b30827400e4f8f433d29276"),
    "V4": dict(method="GET", path="/v3/sources/2f1a3b4c-5d6e-7f80-91a2-b3c4d5e6f708/command", query="", body=b"",
               headers={"content-type": "application/json", "x-sdk-date": "20240102T030405Z",
                        "x-domain-id": "fedcba9876543210fedcba9876543210",
                        "host": "sms.ap-southeast-1.myhuaweicloud.com"},
               signed="content-type;host;x-domain-id;x-sdk-date",
               signature="51e0a598be60b157ba6bfa2980329f86bcde3832269d71d0413b8e59bb9bccb9",
               canonical_hash="f55404800b86cf5ed84837e9617756e55fd1149063931b11f9475d0b5b1b6742"),
    "V5": dict(method="POST", path="/v3/tasks", query="", body=b'{"name": "task-01", "type": "MIGRATE_FILE"}',
               headers={"content-type": "application/json", "x-sdk-date": "20240102T030405Z",
                        "x-project-id": PROJECT, "host": "127.0.0.1:8443"},
               signed="content-type;host;x-project-id;x-sdk-date",
               signature="6966bc3deb0184c83f6c78930d1e18a794f3b905631aec017af49c62b4f8bac3",
               canonical_hash="2181bd8bfc3b14d870d25c1fe76bc5b23bde94cf643b59c64813ab855e3ccadd"),
    "V6": dict(method="GET", path="/v3/tasks", query="limit=5&offset=0&state=RUNNING", body=b"",
               headers={"content-type": "application/json", "x-sdk-date": "20240102T030405Z",
                        "x-project-id": PROJECT, "x-security-token": "TEMPTOKEN123",
                        "host": "sms.cn-north-4.myhuaweicloud.com"},
               signed="content-type;host;x-project-id;x-sdk-date;x-security-token",
               signature="7dc3b755fc7ef68525d00402d51a60128622253e8fb3922246a9390ccbcf6264",
               canonical_hash="30df6103cb6277f0ce686a090fb166d77f6cf3bc8fd2ec7a8917cf8047310a44"),
}


def _request_headers(vector):
    headers = dict(vector["headers"])
    headers["authorization"] = "SDK-HMAC-SHA256 Access=%s, SignedHeaders=%s, Signature=%s" % (
        AK, vector["signed"], vector["signature"])
    return headers


def _at(vector, minutes=0):
    return signing.parse_sdk_date(vector["headers"]["x-sdk-date"]) + datetime.timedelta(minutes=minutes)


def _verify(vector, now=None, **changes):
    request = dict(vector, headers=_request_headers(vector))
    request.update(changes)
    return signing.verify(request["method"], request["path"], request["query"], request["headers"], request["body"],
                          {AK: SK}.get, now=now or _at(vector))


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_vector_canonical_request_and_signature(name):
    vector = VECTORS[name]
    text = signing.canonical_request(vector["method"], vector["path"], vector["query"], vector["headers"],
                                     vector["signed"].split(";"), vector["body"])
    to_sign = signing.string_to_sign(vector["headers"]["x-sdk-date"], text)
    assert to_sign.splitlines()[2] == vector["canonical_hash"]
    assert signing.signature(SK, to_sign) == vector["signature"]
    access_key, signed = _verify(vector)
    assert access_key == AK and signed == vector["signed"].split(";")


def test_v3_canonical_uri_turns_encoded_slash_into_segment():
    assert signing.canonical_uri("/v3/sources/a%20b%2Fc~d%2Be%25f%3A%E4%B8%AD") == \
        "/v3/sources/a%20b/c~d%2Be%25f%3A%E4%B8%AD/"


def test_query_is_sorted_and_reencoded_from_the_raw_string():
    assert signing.canonical_query("state=waiting&name=web+server&limit=10&name=a") == \
        "limit=10&name=a&name=web%20server&state=waiting"


def test_tampered_query_is_rejected():
    with pytest.raises(signing.SignatureError, match="mismatch"):
        _verify(VECTORS["V1"], query=VECTORS["V1"]["query"].replace("limit=10", "limit=11"))


def test_tampered_body_is_rejected():
    with pytest.raises(signing.SignatureError, match="mismatch"):
        _verify(VECTORS["V2"], body=VECTORS["V2"]["body"].replace(b"success", b"fail"))


def test_tampered_path_is_rejected():
    with pytest.raises(signing.SignatureError, match="mismatch"):
        _verify(VECTORS["V4"], path=VECTORS["V4"]["path"].replace("2f1a", "2f1b"))


def test_changed_signed_header_is_rejected_and_unsigned_header_ignored():
    vector = VECTORS["V5"]
    headers = _request_headers(vector)
    headers["x-project-id"] = "ffffffffffffffffffffffffffffffff"
    with pytest.raises(signing.SignatureError, match="mismatch"):
        _verify(vector, headers=headers)
    headers = _request_headers(vector)
    headers["user-agent"] = "anything"  # not in SignedHeaders of V5
    assert _verify(vector, headers=headers)[0] == AK


def test_missing_signed_header_is_rejected():
    headers = _request_headers(VECTORS["V6"])
    del headers["x-security-token"]
    with pytest.raises(signing.SignatureError, match="missing"):
        _verify(VECTORS["V6"], headers=headers)


def test_stale_and_future_dates_are_rejected_within_15_minutes_accepted():
    vector = VECTORS["V1"]
    assert _verify(vector, now=_at(vector, 14))[0] == AK
    assert _verify(vector, now=_at(vector, -14))[0] == AK
    for minutes in (16, -16):
        with pytest.raises(signing.SignatureError, match="15 minute"):
            _verify(vector, now=_at(vector, minutes))


def test_unknown_access_key_and_malformed_header_are_rejected():
    vector = VECTORS["V1"]
    headers = _request_headers(vector)
    headers["authorization"] = headers["authorization"].replace(AK, "UNKNOWNAK")
    with pytest.raises(signing.SignatureError, match="unknown access key"):
        _verify(vector, headers=headers)
    headers["authorization"] = "Bearer abc"
    with pytest.raises(signing.SignatureError, match="malformed"):
        _verify(vector, headers=headers)
