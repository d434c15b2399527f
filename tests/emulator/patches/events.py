"""EventBridge: TestEventPattern, and DISABLED rules that deliver nothing, as in AWS.

- TestEventPattern: moto 5.2.5 answers it with an empty 200 (`responses.py`: `pass`). AWS takes
  {"EventPattern": str, "Event": str}, requires the event's id, account, source, time, region,
  resources and detail-type, and answers {"Result": bool}. Here the matcher moto uses for
  PutEvents decides, so the answer agrees with what delivery does.
- A rule whose state is DISABLED delivers nothing on PutEvents (moto delivered to its targets
  anyway), so a disabled routing rule breaks a drill as it would in AWS.
"""

import json

from moto.core.exceptions import JsonRESTError
from moto.events import models, responses

MANDATORY = ("id", "account", "source", "time", "region", "resources", "detail-type")


def test_event_pattern(self):
    pattern = models.EventPattern.load(self._get_param("EventPattern"))
    try:
        event = json.loads(self._get_param("Event") or "")
    except ValueError:
        raise JsonRESTError("InvalidEventPatternException", "Event is not valid JSON")
    missing = [f for f in MANDATORY if f not in event]
    if missing:
        raise JsonRESTError(
            "InvalidEventPatternException",
            f"Parameter Event is not valid. Reason: missing {', '.join(missing)}",
        )
    return json.dumps({"Result": pattern.matches_event(event)})


responses.EventsHandler.test_event_pattern = test_event_pattern

_original_send = models.Rule.send_to_targets


def send_to_targets(self, original_event, transform_input=True):
    if self.state == "DISABLED":
        return
    return _original_send(self, original_event, transform_input)


models.Rule.send_to_targets = send_to_targets
