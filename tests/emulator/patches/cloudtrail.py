"""CloudTrail: delivery status that tests can set, and trail listings as AWS gives them.

moto's GetTrailStatus never reports a delivery problem: it has no LatestDeliveryError,
LatestDigestDeliveryError, LatestCloudWatchLogsDeliveryError or LatestNotificationError, and
it stamps LatestDeliveryTime with "now" on every call while logging. AWS reports the result of
its last delivery attempt in those fields. Nothing in moto delivers logs, so the result of a
delivery cannot be computed here; instead tests (and the demo) say what the last delivery
attempt did, through an extra endpoint:

    POST /moto-api/vigil/cloudtrail/trail-status
    {"account_id": "111122223333",
     "trail_arn": "arn:aws:cloudtrail:us-east-1:111122223333:trail/main",
     "status": {"LatestDeliveryError": "AccessDenied", "LatestDeliveryTime": 1710490951.5}}

Each field in "status" is reported by GetTrailStatus for that trail (in every region, since
shadow trails share their home trail's status) until it is set again; a null value removes it.
Times are epoch seconds, as GetTrailStatus returns them. A field set this way is never
overwritten by moto's own bookkeeping. The answer is the trail's injected fields.

Also restored:
- ListTrails lists every trail of the account, whatever its home region (moto lists only the
  trails of the called region plus multi-region ones).
- DescribeTrails reports HasCustomEventSelectors when PutEventSelectors stored selectors,
  and HasInsightSelectors when PutInsightSelectors stored some (moto always says false to
  both).
- PutInsightSelectors replaces the trail's insight selectors, as AWS does (an empty list turns
  Insights off); moto appended them to the ones already stored.
"""

import json

from moto.cloudtrail import models as ct
from moto.core.utils import utcnow
from moto.moto_api._internal import urls as moto_api_urls

STATUS_FIELDS = {
    "IsLogging",
    "LatestDeliveryError",
    "LatestNotificationError",
    "LatestDeliveryTime",
    "LatestNotificationTime",
    "StartLoggingTime",
    "StopLoggingTime",
    "LatestCloudWatchLogsDeliveryError",
    "LatestCloudWatchLogsDeliveryTime",
    "LatestDigestDeliveryTime",
    "LatestDigestDeliveryError",
}


def _overrides(status):
    if not hasattr(status, "vigil_overrides"):
        status.vigil_overrides = {}
    return status.vigil_overrides


_original_description = ct.TrailStatus.description


def status_description(self):
    desc = _original_description(self)
    desc.update(_overrides(self))
    return desc


ct.TrailStatus.description = status_description


_original_trail_description = ct.Trail.description


def trail_description(self, include_region=False):
    desc = _original_trail_description(self, include_region=include_region)
    desc["HasCustomEventSelectors"] = bool(
        self.event_selectors or self.advanced_event_selectors
    )
    desc["HasInsightSelectors"] = bool(self.insight_selectors)
    return desc


ct.Trail.description = trail_description


def put_insight_selectors(self, insight_selectors):
    self.insight_selectors = list(insight_selectors or [])


ct.Trail.put_insight_selectors = put_insight_selectors


def list_trails(self):
    trails = []
    for backend in ct.cloudtrail_backends[self.account_id].values():
        trails.extend(backend.trails.values())
    return trails


ct.CloudTrailBackend.list_trails = list_trails


class TrailMissing(Exception):
    pass


def _request_json(request, headers):
    # Read as moto's own /moto-api endpoints do: Werkzeug has not parsed the body.
    size = int(headers.get("Content-Length") or 0)
    return json.loads(request.environ["wsgi.input"].read(size).decode("utf-8") or "{}")


def _find_trail(account_id, trail_arn):
    parts = trail_arn.split(":")
    if len(parts) < 6 or not parts[5].startswith("trail/"):
        raise ValueError(f"{trail_arn!r} is not a trail ARN")
    region = parts[3]
    backend = ct.cloudtrail_backends[account_id][region]
    for trail in backend.trails.values():
        if trail.arn == trail_arn:
            return trail
    raise TrailMissing(f"no trail {trail_arn} in account {account_id}")


def set_trail_status(request, full_url, headers):
    try:
        body = _request_json(request, headers)
        account_id = body["account_id"]
        trail = _find_trail(account_id, body["trail_arn"])
        fields = body.get("status", {})
        unknown = set(fields) - STATUS_FIELDS
        if unknown:
            raise ValueError(
                f"unknown status fields {sorted(unknown)}; known: {sorted(STATUS_FIELDS)}"
            )
    except TrailMissing as e:
        return 404, {"content-type": "application/json"}, json.dumps({"error": str(e)})
    except (KeyError, ValueError, TypeError) as e:
        return (
            400,
            {"content-type": "application/json"},
            json.dumps({"error": f"{type(e).__name__}: {e}"}),
        )
    overrides = _overrides(trail.status)
    for name, value in fields.items():
        if value is None:
            overrides.pop(name, None)
        else:
            overrides[name] = value
    if "IsLogging" in fields and fields["IsLogging"] is not None:
        # Keep moto's own start/stop bookkeeping consistent with the injected state.
        trail.status.is_logging = bool(fields["IsLogging"])
        overrides.pop("IsLogging", None)
        if trail.status.is_logging:
            trail.status.started = trail.status.started or utcnow()
    return 200, {"content-type": "application/json"}, json.dumps(overrides)


moto_api_urls.url_paths["{0}/moto-api/vigil/cloudtrail/trail-status"] = set_trail_status
