"""Who is calling and what they may do: AK/SK signatures (``signing``), X-Auth-Token,
temporary credentials (signed X-Security-Token) and per-user denied actions (403 SMS.9004)."""

import threading

from . import errors, signing

# Well-known fake credentials (not real; printed by the CLI).
DEFAULT_ACCESS_KEY = "SMSEMULATORACCESSKEY"
DEFAULT_SECRET_KEY = "SmsEmulatorSecretKey0000000000000000000000"
DEFAULT_AUTH_TOKEN = "sms-emulator-token-0000000000000000"


class User:
    """An IAM identity the emulator accepts."""

    def __init__(self, access_key, secret_key, security_token=None, denied_actions=(), auth_token=None):
        self.access_key = access_key
        self.secret_key = secret_key
        self.security_token = security_token
        self.denied_actions = frozenset(denied_actions or ())
        self.auth_token = auth_token


class Users:
    """The identities the emulator knows, by access key and by auth token."""

    def __init__(self):
        self._by_access_key = {}
        self._by_token = {}
        self._lock = threading.Lock()

    def add(self, access_key, secret_key, security_token=None, denied_actions=(), auth_token=None):
        user = User(access_key, secret_key, security_token, denied_actions, auth_token)
        with self._lock:
            self._by_access_key[access_key] = user
            if auth_token:
                self._by_token[auth_token] = user
        return user

    def authenticate(self, method, raw_path, raw_query, headers, body):
        """The User a request comes from, else 401 APIGW.0301."""
        token = headers.get("X-Auth-Token")
        if token is not None:
            with self._lock:
                user = self._by_token.get(token.strip())
            if user is None:
                raise errors.bad_signature()
            return user
        if headers.get("Authorization") is None:
            raise errors.bad_signature()

        def secret_of(access_key):
            with self._lock:
                user = self._by_access_key.get(access_key)
            return None if user is None else user.secret_key
        try:
            access_key, signed_headers = signing.verify(method, raw_path, raw_query, headers, body, secret_of)
        except signing.SignatureError as exc:
            raise errors.bad_signature() from exc
        with self._lock:
            user = self._by_access_key[access_key]
        if user.security_token is not None:
            if "x-security-token" not in signed_headers or headers.get("X-Security-Token") != user.security_token:
                raise errors.bad_signature()
        return user


def authorize(user, action, resource="*"):
    """403 SMS.9004 when ``action`` is one of the user's denied actions."""
    if action in user.denied_actions:
        raise errors.forbidden(action, resource)
