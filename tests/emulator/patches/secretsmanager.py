"""Secrets Manager RotateSecret as AWS does it.

moto: without a RotationLambdaARN it moves AWSCURRENT to a new, empty version; with one it
wants to run the Lambda in Docker and then moves AWSCURRENT anyway; its "rotation in progress"
check is inverted. AWS: RotateSecret creates a version labelled AWSPENDING with no value,
leaves AWSCURRENT where it is, refuses to start while an earlier rotation's AWSPENDING sits on
a version that is not AWSCURRENT, and invokes the rotation function, which here is the test
itself: tests drive the four steps by calling the handler, so nothing is invoked.
"""


import time

from moto.secretsmanager import models as sm
from moto.secretsmanager.exceptions import (
    InvalidParameterException,
    InvalidRequestException,
    SecretNotFoundException,
)
from moto.moto_api._internal import mock_random


def rotate_secret(
    self,
    secret_id,
    client_request_token=None,
    rotation_lambda_arn=None,
    rotation_rules=None,
    rotate_immediately=True,
):
    if not self._is_valid_identifier(secret_id):
        raise SecretNotFoundException()
    secret = self.secrets[secret_id]
    if secret.is_deleted():
        raise InvalidRequestException(
            "You tried to perform the operation on a secret that's currently marked deleted."
        )
    days = (rotation_rules or {}).get("AutomaticallyAfterDays")
    if days is not None and not 1 <= int(days) <= 1000:
        raise InvalidParameterException(
            "RotationRules.AutomaticallyAfterDays must be within 1-1000."
        )
    for version in secret.versions.values():
        stages = version["version_stages"]
        if "AWSPENDING" in stages and "AWSCURRENT" not in stages:
            raise InvalidRequestException(
                "A previous rotation isn't complete. That rotation will be reattempted."
            )
    if client_request_token:
        self._client_request_token_validator(client_request_token)
        version_id = client_request_token
    else:
        version_id = str(mock_random.uuid4())
    secret.remove_version_stages_from_old_versions(["AWSPENDING"])
    secret.versions[version_id] = {
        "createdate": int(time.time()),
        "version_id": version_id,
        "version_stages": ["AWSPENDING"],
    }
    secret.rotation_requested = True
    if rotation_lambda_arn:
        secret.rotation_lambda_arn = rotation_lambda_arn
    if days is not None:
        secret.auto_rotate_after_days = int(days)
        secret.next_rotation_date = int(time.time()) + int(days) * 86400
    secret.rotation_enabled = True
    secret.last_rotation_date = int(time.time())
    return secret.to_short_dict(version_id=version_id)


sm.SecretsManagerBackend.rotate_secret = rotate_secret
