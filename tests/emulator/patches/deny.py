"""Denied calls on request: AWS answers AccessDenied when a role lacks a permission or a policy
refuses it; moto never does (it enforces no IAM unless told to, and then for every call).

Tests that prove a denied API becomes an ERROR naming the call (never a PASS, never a silent
skip) say which operations are denied for which account, through an extra endpoint:

    POST /moto-api/vigil/deny
    {"account_id": "111122223333", "operations": ["guardduty:ListPublishingDestinations"]}

Each operation is spelt as in IAM (`service:Action`, service prefix in any case) and answers, for
that account only, the error AWS gives for a missing permission in that service's protocol:
`AccessDeniedException` (JSON protocols), `AccessDenied` (query and REST-XML) or
`UnauthorizedOperation` (EC2), with HTTP 403. The list replaces the account's earlier one; an
empty list clears it. The answer is the account's list.
"""

import json

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, BaseResponse
from moto.core.utils import get_service_model
from moto.moto_api._internal import urls as moto_api_urls

_denied = {}


class _Denied(ServiceException):
    def __init__(self, code, operation):
        super().__init__(
            code,
            f"User is not authorized to perform: {operation} (denied by the test through /moto-api/vigil/deny)",
        )


def _code(service):
    protocol = get_service_model(service).metadata.get("protocol", "")
    if protocol == "ec2":
        return "UnauthorizedOperation"
    if protocol in ("query", "rest-xml"):
        return "AccessDenied"
    return "AccessDeniedException"


_original_call_action = BaseResponse.call_action


def call_action(self):
    denied = _denied.get(getattr(self, "current_account", None))
    if denied:
        operation = f"{self.boto3_service_name}:{self._get_action()}"
        if operation.lower() in denied:
            status, headers, body = self.serialized(
                ActionResult(_Denied(_code(self.boto3_service_name), operation))
            )
            return 403, headers, body
    return _original_call_action(self)


BaseResponse.call_action = call_action


def set_denied(request, full_url, headers):
    try:
        # Read as moto's own /moto-api endpoints do: Werkzeug has not parsed the body.
        size = int(headers.get("Content-Length") or 0)
        body = json.loads(request.environ["wsgi.input"].read(size).decode("utf-8") or "{}")
        account_id = body["account_id"]
        operations = [str(o).lower() for o in body.get("operations", [])]
    except (KeyError, ValueError, TypeError) as e:
        return (
            400,
            {"content-type": "application/json"},
            json.dumps({"error": f"{type(e).__name__}: {e}"}),
        )
    if operations:
        _denied[account_id] = set(operations)
    else:
        _denied.pop(account_id, None)
    return 200, {"content-type": "application/json"}, json.dumps(sorted(_denied.get(account_id, ())))


moto_api_urls.url_paths["{0}/moto-api/vigil/deny"] = set_denied
