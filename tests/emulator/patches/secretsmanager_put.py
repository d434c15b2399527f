"""Secrets Manager PutSecretValue on a version that already holds a value, as AWS does it.

moto lets PutSecretValue with the ClientRequestToken of an AWSPENDING version replace that
version's value, whatever it held. AWS never changes a version's value: the same value again
succeeds and does nothing, a different one fails with ResourceExistsException. Only the
version RotateSecret created, which has no value yet, takes one. Rotation functions rely on
this to make a retried createSecret keep the password it stored the first time.
"""

from moto.secretsmanager import models as sm
from moto.secretsmanager.exceptions import ResourceExistsException

_check = sm.SecretsManagerBackend._check_with_existing_secrets_and_versions


def check_with_existing_secrets_and_versions(
    self, secret_name, client_request_token, secret_string, secret_binary, on_create=False
):
    secret = self.secrets.get(secret_name)
    version = (
        getattr(secret, "versions", {}).get(client_request_token)
        if client_request_token
        else None
    )
    has_value = version is not None and (
        version.get("secret_string") is not None or version.get("secret_binary") is not None
    )
    if has_value and "AWSPENDING" in version.get("version_stages", []):
        if (
            version.get("secret_string") == secret_string
            and version.get("secret_binary") == secret_binary
        ):
            return secret
        raise ResourceExistsException(
            f"You can't use ClientRequestToken {client_request_token} because that value is already in use for a version of secret {secret.arn}."
        )
    return _check(
        self, secret_name, client_request_token, secret_string, secret_binary, on_create
    )


sm.SecretsManagerBackend._check_with_existing_secrets_and_versions = (
    check_with_existing_secrets_and_versions
)
