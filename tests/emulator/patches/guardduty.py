"""GuardDuty as AWS behaves, where moto 5.2.5 is thin (detectors and filters only).

Restored, because detector-guard repairs and proves these and a seam would prove nothing:
- CreateDetector: one detector per Region (a second answers BadRequestException); an optional
  protection plan the call does not name is ENABLED (RUNTIME_MONITORING excepted), as the API
  documents - so code that means "foundational sources only" must name every plan.
- GetDetector lists the foundational sources (CLOUD_TRAIL, DNS_LOGS, FLOW_LOGS) as ENABLED with
  the plans; UpdateDetector changes only the plans it names (moto replaced the whole list).
- DeleteDetector of an unknown detector is BadRequestException (moto answered 200).
- A filter created without an action is NOOP (moto stored null); ListFilters (moto: 500).
- Publishing destinations (findings export): Create, List, Describe, Update, Delete. A new
  destination is PUBLISHING. Nothing is exported here, so whether GuardDuty could write is not
  computed: tests say what GuardDuty last reported through

      POST /moto-api/vigil/guardduty/destination-status
      {"account_id": "...", "region": "us-east-1", "detector_id": "...",
       "destination_id": "...", "status": "UNABLE_TO_PUBLISH_FIX_DESTINATION_PROPERTY",
       "publishingFailureStartTimestamp": 1710490951000}

- GetAdministratorAccount in the API's casing (moto sent PascalCase, which the SDKs drop), and
  ListMembers; both answer what a test said through

      POST /moto-api/vigil/guardduty/relationships
      {"account_id": "...", "region": "...", "detector_id": "...",
       "administrator": {"accountId": "...", "relationshipStatus": "Enabled"} | null,
       "members": [{"accountId": "...", "relationshipStatus": "Disabled"}]}

- CreateSampleFindings: one sample finding per type (service.additionalInfo.sample = true, the
  type's default severity), sent to EventBridge's default bus as a "GuardDuty Finding" event,
  as GuardDuty does - unless an ARCHIVE filter (suppression rule) matches it on severity or
  type, which hides it as AWS does. A rule that targets an SQS queue delivers it there; moto
  cannot invoke Lambda targets, so tests relay from a queue to the responder.
"""

import json
import time
import uuid
from datetime import datetime, timezone

from moto.core.exceptions import JsonRESTError
from moto.events.models import events_backends
from moto.guardduty import models, responses, urls
from moto.guardduty.exceptions import DetectorNotFoundException
from moto.moto_api._internal import mock_random
from moto.moto_api._internal import urls as moto_api_urls

from patches.cloudtrail import _request_json

FOUNDATIONAL = ("CLOUD_TRAIL", "DNS_LOGS", "FLOW_LOGS")
OPTIONAL = (
    "S3_DATA_EVENTS",
    "EKS_AUDIT_LOGS",
    "EBS_MALWARE_PROTECTION",
    "RDS_LOGIN_EVENTS",
    "LAMBDA_NETWORK_LOGS",
    "RUNTIME_MONITORING",
    "AI_PROTECTION",
)
# The API documents every optional plan but RUNTIME_MONITORING as on by default.
DEFAULT_OFF = ("RUNTIME_MONITORING",)
SEVERITY = {
    "Backdoor:EC2/C&CActivity.B!DNS": 8.0,
    "CryptoCurrency:EC2/BitcoinTool.B!DNS": 8.0,
    "UnauthorizedAccess:EC2/TorClient": 8.0,
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS": 8.0,
    "Exfiltration:S3/MaliciousIPCaller": 8.0,
    "Impact:S3/MaliciousIPCaller": 8.0,
    "Discovery:S3/MaliciousIPCaller": 8.0,
}


class BadRequestException(JsonRESTError):
    code = 400

    def __init__(self, message):
        super().__init__("BadRequestException", message)


def _now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _plans(detector):
    if not hasattr(detector, "vigil_plans"):
        detector.vigil_plans = {}
    return detector.vigil_plans


def _extra(detector):
    if not hasattr(detector, "vigil"):
        detector.vigil = {"destinations": {}, "administrator": None, "members": []}
    return detector.vigil


# ---- detectors -------------------------------------------------------------------------------

_original_create = models.GuardDutyBackend.create_detector


def create_detector(self, enable, finding_publishing_frequency, data_sources, tags, features):
    if self.detectors:
        raise BadRequestException(
            "The request is rejected because a detector already exists for the current account."
        )
    detector_id = _original_create(
        self, enable, finding_publishing_frequency, data_sources, tags, features
    )
    detector = self.detectors[detector_id]
    plans = _plans(detector)
    for name in OPTIONAL:
        plans[name] = "DISABLED" if name in DEFAULT_OFF else "ENABLED"
    for f in features or []:
        plans[f["name"]] = f.get("status", "ENABLED")
    return detector_id


def update(self, enable, finding_publishing_frequency, data_sources, features):
    _original_update(self, enable, finding_publishing_frequency, data_sources, None)
    for f in features or []:
        _plans(self)[f["name"]] = f.get("status", "ENABLED")
    self.updated_at = datetime.now()


_original_update = models.Detector.update
_original_to_json = models.Detector.to_json


def to_json(self):
    out = _original_to_json(self)
    # A feature's updatedAt is a timestamp (epoch seconds on the wire), not a string.
    now = time.time()
    out["features"] = [
        {"name": name, "status": "ENABLED", "updatedAt": now} for name in FOUNDATIONAL
    ] + [
        {"name": name, "status": status, "updatedAt": now}
        for name, status in sorted(_plans(self).items())
    ]
    return out


def delete_detector(self, detector_id):
    if detector_id not in self.detectors:
        raise DetectorNotFoundException()
    self.detectors.pop(detector_id)


models.GuardDutyBackend.create_detector = create_detector
models.GuardDutyBackend.delete_detector = delete_detector
models.Detector.update = update
models.Detector.to_json = to_json


# ---- filters ---------------------------------------------------------------------------------

_original_filter_init = models.Filter.__init__


def filter_init(self, name, action, description, finding_criteria, rank):
    _original_filter_init(self, name, action or "NOOP", description, finding_criteria, rank)


models.Filter.__init__ = filter_init


def list_filters(self):
    detector_id = self.path.split("/")[-2]
    detector = self.guardduty_backend.get_detector(detector_id)
    return json.dumps({"filterNames": sorted(detector.filters)})


responses.GuardDutyResponse.list_filters = list_filters


# ---- publishing destinations -----------------------------------------------------------------


def _destination(self, position):
    parts = self.path.split("/")
    detector = self.guardduty_backend.get_detector(parts[position])
    return detector, _extra(detector)["destinations"]


def create_publishing_destination(self):
    detector, destinations = _destination(self, -2)
    destination_id = mock_random.get_random_hex(length=32)
    destinations[destination_id] = {
        "destinationId": destination_id,
        "destinationType": self._get_param("destinationType") or "S3",
        "status": "PUBLISHING",
        "publishingFailureStartTimestamp": 0,
        "destinationProperties": self._get_param("destinationProperties") or {},
        "tags": self._get_param("tags") or {},
    }
    return json.dumps({"destinationId": destination_id})


def list_publishing_destinations(self):
    _, destinations = _destination(self, -2)
    return json.dumps(
        {
            "destinations": [
                {k: d[k] for k in ("destinationId", "destinationType", "status")}
                for d in destinations.values()
            ]
        }
    )


def _one(self):
    _, destinations = _destination(self, -3)
    destination_id = self.path.split("/")[-1]
    if destination_id not in destinations:
        raise BadRequestException(
            "The request is rejected because the input destinationId is not owned by the current account."
        )
    return destinations, destination_id


def describe_publishing_destination(self):
    destinations, destination_id = _one(self)
    return json.dumps(destinations[destination_id])


def update_publishing_destination(self):
    destinations, destination_id = _one(self)
    given = self._get_param("destinationProperties") or {}
    destinations[destination_id]["destinationProperties"].update(given)
    return "{}"


def delete_publishing_destination(self):
    destinations, destination_id = _one(self)
    destinations.pop(destination_id)
    return "{}"


for fn in (
    create_publishing_destination,
    list_publishing_destinations,
    describe_publishing_destination,
    update_publishing_destination,
    delete_publishing_destination,
):
    setattr(responses.GuardDutyResponse, fn.__name__, fn)


# ---- administrator and members ---------------------------------------------------------------


def get_administrator_account(self):
    detector_id = self.path.split("/")[-2]
    detector = self.guardduty_backend.get_detector(detector_id)
    administrator = _extra(detector)["administrator"]
    return json.dumps({"administrator": administrator} if administrator else {})


def list_members(self):
    detector_id = self.path.split("/")[-2]
    detector = self.guardduty_backend.get_detector(detector_id)
    members = [
        {
            "accountId": m["accountId"],
            "detectorId": m.get("detectorId", ""),
            "administratorId": self.current_account,
            "masterId": self.current_account,
            "email": m.get("email", "member@example.com"),
            "relationshipStatus": m.get("relationshipStatus", "Enabled"),
            "invitedAt": _now(),
            "updatedAt": _now(),
        }
        for m in _extra(detector)["members"]
    ]
    return json.dumps({"members": members})


responses.GuardDutyResponse.get_administrator_account = get_administrator_account
responses.GuardDutyResponse.list_members = list_members


# ---- sample findings -------------------------------------------------------------------------


def _matches(criterion, value):
    """A filter condition against one finding value (severity or type); None: not evaluated."""
    checks = []
    for key in ("eq", "equals"):
        if key in criterion:
            checks.append(str(value) in [str(v) for v in criterion[key]] or (
                isinstance(value, float) and str(int(value)) in [str(v) for v in criterion[key]]))
    for key in ("neq", "notEquals"):
        if key in criterion:
            checks.append(str(value) not in [str(v) for v in criterion[key]])
    for keys, test in (
        (("gt", "greaterThan"), lambda v, n: v > n),
        (("gte", "greaterThanOrEqual"), lambda v, n: v >= n),
        (("lt", "lessThan"), lambda v, n: v < n),
        (("lte", "lessThanOrEqual"), lambda v, n: v <= n),
    ):
        for key in keys:
            if key in criterion:
                checks.append(isinstance(value, (int, float)) and test(value, criterion[key]))
    return all(checks) if checks else None


def _suppressed(detector, finding):
    """Whether an ARCHIVE filter matches the finding (severity and type criteria only)."""
    values = {"severity": finding["severity"], "type": finding["type"]}
    for f in detector.filters.values():
        if f.action != "ARCHIVE":
            continue
        criteria = (f.finding_criteria or {}).get("criterion", {})
        if not criteria or any(field not in values for field in criteria):
            continue
        if all(_matches(c, values[field]) for field, c in criteria.items()):
            return True
    return False


def _resource(kind):
    if ":IAMUser/" in kind:
        return {
            "resourceType": "AccessKey",
            "accessKeyDetails": {
                "accessKeyId": "GeneratedFindingAccessKeyId",
                "principalId": "GeneratedFindingPrincipalId",
                "userType": "IAMUser",
                "userName": "GeneratedFindingUserName",
            },
        }
    if ":S3/" in kind:
        return {
            "resourceType": "S3Bucket",
            "s3BucketDetails": [
                {
                    "arn": "arn:aws:s3:::generated-finding-bucket",
                    "name": "generated-finding-bucket",
                    "type": "Destination",
                }
            ],
        }
    return {
        "resourceType": "Instance",
        "instanceDetails": {"instanceId": "i-99999999", "instanceType": "m3.xlarge"},
    }


def create_sample_findings(self):
    detector_id = self.path.split("/")[-3]
    detector = self.guardduty_backend.get_detector(detector_id)
    types = self._get_param("findingTypes") or list(SEVERITY)
    bus = events_backends[self.current_account][self.region]
    for kind in types:
        finding_id = uuid.uuid4().hex
        now = _now()
        finding = {
            "schemaVersion": "2.0",
            "accountId": self.current_account,
            "region": self.region,
            "partition": "aws",
            "id": finding_id,
            "arn": f"arn:aws:guardduty:{self.region}:{self.current_account}:detector/{detector_id}/finding/{finding_id}",
            "type": kind,
            "resource": _resource(kind),
            "service": {
                "serviceName": "guardduty",
                "detectorId": detector_id,
                "archived": False,
                "count": 1,
                "eventFirstSeen": now,
                "eventLastSeen": now,
                "additionalInfo": {"sample": True, "type": "default", "value": "{}"},
            },
            "severity": SEVERITY.get(kind, 5.0),
            "createdAt": now,
            "updatedAt": now,
            "title": f"Sample finding of type {kind}",
            "description": "This is a sample finding.",
        }
        if _suppressed(detector, finding):
            continue
        bus.put_events(
            [
                {
                    "Source": "aws.guardduty",
                    "DetailType": "GuardDuty Finding",
                    "Detail": json.dumps(finding),
                }
            ]
        )
    return "{}"


responses.GuardDutyResponse.create_sample_findings = create_sample_findings

detector = "{0}/detector/(?P<detector_id>[^/]+)"
urls.url_paths[detector + "/publishingDestination$"] = responses.GuardDutyResponse.dispatch
urls.url_paths[
    detector + "/publishingDestination/(?P<destination_id>[^/]+)$"
] = responses.GuardDutyResponse.dispatch
urls.url_paths[detector + "/member$"] = responses.GuardDutyResponse.dispatch
urls.url_paths[detector + "/findings/create$"] = responses.GuardDutyResponse.dispatch


# ---- what tests say GuardDuty reported -------------------------------------------------------


def _answer(status, body):
    return status, {"content-type": "application/json"}, json.dumps(body)


def _detector_of(body):
    backend = models.guardduty_backends[body["account_id"]][body["region"]]
    return backend.get_detector(body["detector_id"])


def set_destination_status(request, full_url, headers):
    try:
        body = _request_json(request, headers)
        destinations = _extra(_detector_of(body))["destinations"]
        destination = destinations[body["destination_id"]]
    except (KeyError, ValueError, TypeError, DetectorNotFoundException) as e:
        return _answer(400, {"error": f"{type(e).__name__}: {e}"})
    destination["status"] = body.get("status", destination["status"])
    destination["publishingFailureStartTimestamp"] = body.get(
        "publishingFailureStartTimestamp", 0
    )
    return _answer(200, destination)


def set_relationships(request, full_url, headers):
    try:
        body = _request_json(request, headers)
        extra = _extra(_detector_of(body))
    except (KeyError, ValueError, TypeError, DetectorNotFoundException) as e:
        return _answer(400, {"error": f"{type(e).__name__}: {e}"})
    if "administrator" in body:
        extra["administrator"] = body["administrator"]
    if "members" in body:
        extra["members"] = body["members"]
    return _answer(200, {"administrator": extra["administrator"], "members": extra["members"]})


moto_api_urls.url_paths["{0}/moto-api/vigil/guardduty/destination-status"] = set_destination_status
moto_api_urls.url_paths["{0}/moto-api/vigil/guardduty/relationships"] = set_relationships
