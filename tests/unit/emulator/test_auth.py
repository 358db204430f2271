"""Authentication (AK/SK signature, token, temporary credentials) and denied actions over HTTP."""

import datetime

from sms_emulator import signing

from support.emulator_client import SignedClient


def test_bad_secret_gives_apigw_0301_with_same_request_id(emu):
    bad = SignedClient(emu, secret_key="wrong-secret")
    status, body, headers = bad.request("GET", "/v3/sources")
    assert status == 401
    assert body == {"error_msg": "Incorrect IAM authentication information: verify aksk signature fail",
                    "error_code": "APIGW.0301", "request_id": headers["X-Request-Id"]}
    assert "wrong-secret" not in str(body) and emu.secret_key not in str(body)


def test_missing_auth_and_bad_token_are_401_good_token_works(emu):
    signed = SignedClient(emu)
    status, _body, _headers = signed.request("GET", "/v3/sources", headers={"authorization": ""},
                                             tamper=lambda m, p, q, d, h: (m, p, q, d, {"content-type": "application/json"}))
    assert status == 401
    assert SignedClient(emu, auth_token="nope").request("GET", "/v3/sources")[0] == 401
    status, body, _headers = SignedClient(emu, auth_token=emu.auth_token).request("GET", "/v3/sources", {"limit": 1})
    assert status == 200 and body["count"] == 120


def test_stale_date_over_http_is_rejected(emu, client):
    old = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)).strftime(signing.DATE_FORMAT)

    def tamper(method, path, query, data, headers):
        return method, path, query, data, client.headers_for(method, path, query, data, date=old)
    assert client.request("GET", "/v3/sources", tamper=tamper)[0] == 401
    assert emu.request_log()[-1]["status"] == 401


def test_temporary_credentials_need_the_signed_security_token(emu):
    emu.add_user("TEMPAK", "tempsecret", security_token="STS-TOKEN")
    assert SignedClient(emu, "TEMPAK", "tempsecret", security_token="STS-TOKEN").request("GET", "/v3/sources")[0] == 200
    assert SignedClient(emu, "TEMPAK", "tempsecret").request("GET", "/v3/sources")[0] == 401
    assert SignedClient(emu, "TEMPAK", "tempsecret", security_token="OTHER").request("GET", "/v3/sources")[0] == 401


def test_denied_action_is_403_sms_9004(emu):
    emu.add_user("LIMITEDAK", "limited", denied_actions=["sms:server:getCommand"])
    limited = SignedClient(emu, "LIMITEDAK", "limited")
    source_id = emu.store.list_sources(limit=1)[0]["id"]
    status, body, _headers = limited.request("GET", "/v3/sources/%s/command" % source_id)
    assert status == 403
    assert body["error_code"] == "SMS.9004"
    assert "sms:server:getCommand" in body["error_msg"]
    assert body["encoded_authorization_message"]
    assert body["details"][0]["error_code"] == "SMS.9004" and body["error_param"]
    assert limited.request("GET", "/v3/sources", {"limit": 1})[0] == 200
