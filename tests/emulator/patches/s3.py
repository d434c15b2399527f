"""S3: ExpectedBucketOwner as AWS enforces it, and bucket-policy conditions on object requests.

moto ignores the `x-amz-expected-bucket-owner` header. AWS answers 403 AccessDenied when the
bucket named in a request belongs to another account than the one in that header, which is
how a caller makes sure it changes (e.g. PutBucketPolicy) or reads only its own account's
bucket. Restored for bucket-level requests (HEAD, GET, PUT, DELETE and POST on a bucket).
"""

from moto.s3 import responses as s3_responses
from moto.s3.exceptions import S3AccessDeniedError
from moto.s3.models import s3_backends

_original_bucket_response = s3_responses.S3Response._bucket_response


def _bucket_response(self, request, full_url):
    expected = request.headers.get("x-amz-expected-bucket-owner")
    bucket_name = self.parse_bucket_name_from_url(request, full_url)
    if expected and bucket_name:
        owner = s3_backends.bucket_accounts.get(bucket_name)
        if owner is not None and owner[1] != expected:
            raise S3AccessDeniedError()
    return _original_bucket_response(self, request, full_url)


s3_responses.S3Response._bucket_response = _bucket_response


# ---- Bucket-policy conditions on object requests ----------------------------------------------
# moto checks a bucket policy on every object request, but ignores each statement's Condition:
# a conditional Deny applies unconditionally. The TLS-only statement every well-kept bucket has
# (Deny s3:* when aws:SecureTransport is "false") then denies every object read and write with
# a bare 403. AWS applies a statement only when its conditions hold. The emulator stands in for
# AWS's HTTPS endpoints, so requests are evaluated as sent over TLS (aws:SecureTransport =
# "true"); any other condition key is absent from the request context, and a condition on an
# absent key holds only for the negated operators, ...IfExists and Null:true, as in IAM.

import json

from moto.iam.access_control import IAMPolicyStatement, PermissionResult
from moto.s3.models import FakeBucket

REQUEST_CONTEXT = {"aws:securetransport": ["true"]}


def _condition_holds(operator, key, expected):
    expected = [str(v).lower() for v in (expected if isinstance(expected, list) else [expected])]
    actual = REQUEST_CONTEXT.get(key.lower())
    if operator == "Null":
        return ("true" in expected) == (actual is None)
    if actual is None:
        return operator.endswith("IfExists") or "Not" in operator
    base = operator.removesuffix("IfExists")
    if base in ("Bool", "StringEquals", "StringEqualsIgnoreCase"):
        return any(a.lower() in expected for a in actual)
    if base in ("StringNotEquals", "StringNotEqualsIgnoreCase"):
        return not any(a.lower() in expected for a in actual)
    # Operators this patch does not evaluate on known keys: treated as not holding.
    return False


def _conditions_hold(conditions):
    return all(
        _condition_holds(operator, key, expected)
        for operator, pairs in conditions.items()
        for key, expected in pairs.items()
    )


def get_permission(self, action, resource):
    if self.policy is None:
        return PermissionResult.NEUTRAL
    statements = json.loads(self.policy).get("Statement", [])
    result = PermissionResult.NEUTRAL
    for statement in statements if isinstance(statements, list) else [statements]:
        if statement.get("Condition") and not _conditions_hold(statement["Condition"]):
            continue
        bare = {k: v for k, v in statement.items() if k != "Condition"}
        verdict = IAMPolicyStatement(bare).is_action_permitted(action, resource)
        if verdict == PermissionResult.DENIED:
            return PermissionResult.DENIED
        if verdict == PermissionResult.PERMITTED:
            result = PermissionResult.PERMITTED
    return result


FakeBucket.get_permission = get_permission


# ---- GetBucketVersioning ------------------------------------------------------------------------
# moto answers GetBucketVersioning with a <GetBucketVersioningResponse> root element, which no
# SDK that checks the root (the Rust SDK does) can read. AWS answers <VersioningConfiguration>,
# with <Status> once versioning was ever turned on, and an empty element before that
# (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketVersioning.html).

from xml.sax.saxutils import escape


def get_bucket_versioning(self):
    status = self.backend.get_bucket_versioning(self.bucket_name)
    inner = f"<Status>{escape(status)}</Status>" if status else ""
    return (
        200,
        {"Content-Type": "application/xml"},
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{inner}'
        "</VersioningConfiguration>",
    )


s3_responses.S3Response.get_bucket_versioning = get_bucket_versioning
