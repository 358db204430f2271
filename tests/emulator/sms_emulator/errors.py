"""The error answers of the emulator: bodies as the SMS API reference documents them (``error_code``
and ``error_msg``; a 403 adds ``encoded_authorization_message``, ``error_param`` and ``details``; an
API-gateway error such as APIGW.0301 adds ``request_id``)."""

import secrets


class ApiError(Exception):
    """An SMS/API-gateway error answer: HTTP status + JSON body."""

    def __init__(self, status, error_code, error_msg, extra=None, headers=()):
        super().__init__("%s %s: %s" % (status, error_code, error_msg))
        self.status = status
        self.error_code = error_code
        self.error_msg = error_msg
        self.extra = extra or {}
        self.headers = list(headers)  # extra response headers, e.g. Retry-After

    def body(self, request_id):
        body = {"error_code": self.error_code, "error_msg": self.error_msg}
        body.update(self.extra)
        if self.error_code.startswith("APIGW."):
            body["request_id"] = request_id
        return body


# INFERENCE: the v3 error code table of the SMS API reference publishes no "invalid parameter" /
# "not found" codes; these are the emulator's choices, documented in the README.
INVALID_PARAMETER = "SMS.6101"
NOT_FOUND = "SMS.0404"


def invalid_parameter(name, rule):
    return ApiError(400, INVALID_PARAMETER, "Invalid parameter %s: %s" % (name, rule))


def not_found(what, ident):
    return ApiError(404, NOT_FOUND, "The %s does not exist: %s" % (what, ident))


def bad_signature():
    return ApiError(401, "APIGW.0301", "Incorrect IAM authentication information: verify aksk signature fail")


def no_api():
    return ApiError(404, "APIGW.0101", "The API does not exist or has not been published in the environment")


def throttled(retry_after):
    return ApiError(429, "APIGW.0308", "The throttling threshold has been reached",
                    headers=[("Retry-After", str(retry_after))])


def server_error(status):
    return ApiError(status, "SMS.2007", "Background exception (injected fault, HTTP %d)" % status)


def forbidden(action, resource):
    text = "You do not have permission to perform action %s on resource %s." % (action, resource)
    return ApiError(403, "SMS.9004",
                    "The current account does not have the permission to execute policy. " + text,
                    {"encoded_authorization_message": secrets.token_urlsafe(48),
                     "error_param": [text],
                     "details": [{"error_code": "SMS.9004", "error_msg": text}]})
