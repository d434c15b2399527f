"""IAM Access Analyzer, which moto 5.2.5 lacks entirely: a minimal service answering the four
operations the compliance sweep and its seeder use, in AWS's REST-JSON shapes.

- `PUT /analyzer` (CreateAnalyzer): `analyzerName`, `type` (ACCOUNT, ORGANIZATION,
  ACCOUNT_UNUSED_ACCESS, ...). The analyzer is ACTIVE at once (AWS: CREATING for a moment).
  AWS allows one analyzer of each type per account and Region: a second one of the same type
  is a ConflictException, as is a name already taken.
- `GET /analyzer` (ListAnalyzers): every analyzer of the Region, `type` filter, paged with
  `maxResults` / `nextToken`.
- `POST /finding` (ListFindings) and `POST /findingv2` (ListFindingsV2): the findings of
  `analyzerArn` (ResourceNotFoundException for an unknown one), filtered by the `eq` / `neq`
  criteria of `filter` on `status`, `resourceType` and `resource`, paged like AWS. ListFindings
  (v1) answers ValidationException for an unused-access or internal-access analyzer, as AWS
  does: only ListFindingsV2 serves every type.

The Region comes from the request's SigV4 credential scope, the account from moto's
`x-moto-account-id` header (default 123456789012). State is kept per account and Region and
cleared by `POST /moto-api/reset`.

AWS makes findings by analysing policies; here a test says which exist, through an extra
endpoint (an analyzer named there that does not exist is a 404):

    POST /moto-api/vigil/accessanalyzer/finding
    {"account_id": "111122223333", "region": "us-east-1", "analyzer_name": "account",
     "resource": "arn:aws:s3:::shared-bucket", "resource_type": "AWS::S3::Bucket",
     "status": "ACTIVE"}

The answer is the new finding's id.
"""

import datetime
import json
import uuid
from urllib.parse import parse_qs

from moto.moto_api._internal import models as moto_api_models
from moto.moto_api._internal import urls as moto_api_urls
from moto.moto_server import werkzeug_app

DEFAULT_ACCOUNT = "123456789012"
TYPES = (
    "ACCOUNT",
    "ORGANIZATION",
    "ACCOUNT_UNUSED_ACCESS",
    "ORGANIZATION_UNUSED_ACCESS",
    "ACCOUNT_INTERNAL_ACCESS",
    "ORGANIZATION_INTERNAL_ACCESS",
)
FINDING_TYPE = {
    "ACCOUNT": "ExternalAccess",
    "ORGANIZATION": "ExternalAccess",
    "ACCOUNT_UNUSED_ACCESS": "UnusedPermission",
    "ORGANIZATION_UNUSED_ACCESS": "UnusedPermission",
    "ACCOUNT_INTERNAL_ACCESS": "InternalAccess",
    "ORGANIZATION_INTERNAL_ACCESS": "InternalAccess",
}

# (account, region) -> {name: analyzer dict with a "findings" list}
_state = {}


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _analyzers(account, region):
    return _state.setdefault((account, region), {})


def _scope(environ):
    """(region, service) of a SigV4-signed request, or None."""
    auth = environ.get("HTTP_AUTHORIZATION") or ""
    try:
        credential = auth.split(",")[0].split()[1]
        _, _, region, service, _ = credential.split("=", 1)[1].split("/")
    except (IndexError, ValueError):
        return None
    return region, service


def _respond(start_response, status, body, error=None):
    headers = [("Content-Type", "application/json")]
    if error:
        headers.append(("x-amzn-ErrorType", error))
        body = {"message": body}
    data = json.dumps(body).encode("utf-8")
    headers.append(("Content-Length", str(len(data))))
    reasons = {200: "OK", 400: "Bad Request", 404: "Not Found", 409: "Conflict"}
    start_response(f"{status} {reasons.get(status, 'Error')}", headers)
    return [data]


def _page(items, params, key):
    start = int(params.get("nextToken") or 0)
    size = int(params.get("maxResults") or 100)
    answer = {key: items[start : start + size]}
    if start + size < len(items):
        answer["nextToken"] = str(start + size)
    return answer


def _summary(a):
    return {k: v for k, v in a.items() if k != "findings"}


def _matches(finding, criteria):
    for field, criterion in (criteria or {}).items():
        value = finding.get(field)
        if "eq" in criterion and value not in criterion["eq"]:
            return False
        if "neq" in criterion and value in criterion["neq"]:
            return False
        if "exists" in criterion and (value is not None) != criterion["exists"]:
            return False
    return True


def _app(environ, start_response):
    region, _ = _scope(environ)
    account = environ.get("HTTP_X_MOTO_ACCOUNT_ID") or DEFAULT_ACCOUNT
    method = environ.get("REQUEST_METHOD", "GET")
    path = environ.get("PATH_INFO", "")
    size = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(size).decode("utf-8") if size else ""
    body = json.loads(raw or "{}")
    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    analyzers = _analyzers(account, region)

    if path == "/analyzer" and method == "PUT":
        name, kind = body.get("analyzerName"), body.get("type")
        if not name or kind not in TYPES:
            return _respond(start_response, 400, "analyzerName and a valid type are required", "ValidationException")
        if name in analyzers or any(a["type"] == kind for a in analyzers.values()):
            return _respond(start_response, 409, f"An analyzer of type {kind} or named {name} already exists", "ConflictException")
        arn = f"arn:aws:access-analyzer:{region}:{account}:analyzer/{name}"
        analyzers[name] = {
            "arn": arn,
            "name": name,
            "type": kind,
            "createdAt": _now(),
            "status": "ACTIVE",
            "tags": body.get("tags") or {},
            "findings": [],
        }
        return _respond(start_response, 200, {"arn": arn})

    if path == "/analyzer" and method == "GET":
        items = [_summary(a) for a in analyzers.values() if not query.get("type") or a["type"] == query["type"]]
        return _respond(start_response, 200, _page(items, query, "analyzers"))

    if path in ("/finding", "/findingv2") and method == "POST":
        analyzer = next((a for a in analyzers.values() if a["arn"] == body.get("analyzerArn")), None)
        if analyzer is None:
            return _respond(start_response, 404, f"Analyzer {body.get('analyzerArn')} not found", "ResourceNotFoundException")
        if path == "/finding" and FINDING_TYPE[analyzer["type"]] != "ExternalAccess":
            return _respond(
                start_response,
                400,
                "ListFindings serves external access analyzers only: use ListFindingsV2",
                "ValidationException",
            )
        items = [f for f in analyzer["findings"] if _matches(f, body.get("filter"))]
        if path == "/finding":
            items = [dict(f, condition={}) for f in items]
            for f in items:
                f.pop("findingType", None)
        return _respond(start_response, 200, _page(items, body, "findings"))

    return _respond(start_response, 404, f"{method} {path} is not emulated", "ResourceNotFoundException")


_original_get_application = werkzeug_app.DomainDispatcherApplication.get_application


def get_application(self, environ):
    scope = _scope(environ)
    if scope and scope[1] == "access-analyzer" and not environ.get("PATH_INFO", "").startswith("/moto-api"):
        return _app
    return _original_get_application(self, environ)


werkzeug_app.DomainDispatcherApplication.get_application = get_application


def add_finding(request, full_url, headers):
    # Read as moto's own /moto-api endpoints do: Werkzeug has not parsed the body.
    size = int(headers.get("Content-Length") or 0)
    body = json.loads(request.environ["wsgi.input"].read(size).decode("utf-8") or "{}")
    analyzers = _analyzers(body.get("account_id", DEFAULT_ACCOUNT), body.get("region", "us-east-1"))
    analyzer = analyzers.get(body.get("analyzer_name"))
    if analyzer is None:
        return 404, {"Content-Type": "application/json"}, json.dumps({"error": "no such analyzer"})
    now = _now()
    finding = {
        "id": str(uuid.uuid4()),
        "resource": body.get("resource"),
        "resourceType": body.get("resource_type", "AWS::S3::Bucket"),
        "resourceOwnerAccount": body.get("account_id", DEFAULT_ACCOUNT),
        "status": body.get("status", "ACTIVE"),
        "createdAt": now,
        "analyzedAt": now,
        "updatedAt": now,
        "findingType": FINDING_TYPE[analyzer["type"]],
    }
    analyzer["findings"].append(finding)
    return 200, {"Content-Type": "application/json"}, json.dumps({"id": finding["id"]})


moto_api_urls.url_paths["{0}/moto-api/vigil/accessanalyzer/finding"] = add_finding

_original_reset = moto_api_models.MotoAPIBackend.reset


def reset(self):
    _state.clear()
    _original_reset(self)


moto_api_models.MotoAPIBackend.reset = reset
