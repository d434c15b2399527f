"""STS AssumeRole as AWS answers it: only an existing role, only with the external id its
trust policy requires.

moto lets any caller assume any role ARN, even one that does not exist, and ignores the
`sts:ExternalId` condition. AWS refuses both with AccessDenied ("... is not authorized to
perform: sts:AssumeRole on resource ..."). Restored here so the GuardDuty responder's
member-account tests see a missing member role or a wrong external id fail as they would in
AWS. Other trust-policy conditions and principals are not evaluated (any principal may assume
a role whose trust policy has no external-id condition).
"""

import json
import re

from moto.iam.models import iam_backends
from moto.sts import models
from moto.sts.exceptions import STSClientError

_original = models.STSBackend.assume_role


def _external_ids(document):
    """Every sts:ExternalId value the trust policy's Allow statements require."""
    try:
        policy = json.loads(document) if isinstance(document, str) else document
    except ValueError:
        return []
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    wanted = []
    for s in statements:
        if s.get("Effect") != "Allow":
            continue
        for operator, pairs in (s.get("Condition") or {}).items():
            if operator.startswith("StringEquals") and "sts:ExternalId" in pairs:
                values = pairs["sts:ExternalId"]
                wanted.extend(values if isinstance(values, list) else [values])
    return wanted


def assume_role(self, region_name, role_session_name, role_arn, policy, duration, external_id):
    refused = STSClientError(
        "AccessDenied",
        f"User is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
    )
    match = re.match(r"arn:(aws[a-z-]*):iam::([0-9]{12}):role/(.+)$", role_arn or "")
    if not match:
        raise refused
    partition, account, _ = match.groups()
    try:
        role = iam_backends[account][partition].get_role_by_arn(role_arn)
    except Exception:
        raise refused
    wanted = _external_ids(role.assume_role_policy_document)
    if wanted and external_id not in wanted:
        raise refused
    return _original(self, region_name, role_session_name, role_arn, policy, duration, external_id)


models.STSBackend.assume_role = assume_role
