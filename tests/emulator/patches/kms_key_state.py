"""KMS key state changes as AWS does them (kms.py beside this one patches rotation and AWS
managed keys; this module only EnableKey, DisableKey, CancelKeyDeletion, ScheduleKeyDeletion).

- EnableKey and DisableKey refuse a key that is pending deletion. moto turns such a key
  straight back to Enabled; AWS answers KMSInvalidStateException: the deletion must be
  cancelled first (CancelKeyDeletion leaves the key Disabled), then the key enabled. Restored so
  that code which gets that order wrong fails here as it would in AWS.
- All four accept the key ARN, as AWS does (moto looks the value up as a bare key id and fails
  with an internal error).
"""

from moto.core.exceptions import JsonRESTError
from moto.kms import models


class KMSInvalidStateException(JsonRESTError):
    def __init__(self, key_arn):
        super().__init__("KMSInvalidStateException", f"{key_arn} is pending deletion.")


def _refuse_pending_deletion(original):
    def guarded(self, key_id):
        key_id = self.get_key_id(key_id)
        key = self.keys[key_id]
        if key.key_state == "PendingDeletion":
            raise KMSInvalidStateException(key.arn)
        return original(self, key_id)

    return guarded


def _accept_arn(original):
    def by_id(self, key_id, *args, **kwargs):
        return original(self, self.get_key_id(key_id), *args, **kwargs)

    return by_id


models.KmsBackend.enable_key = _refuse_pending_deletion(models.KmsBackend.enable_key)
models.KmsBackend.disable_key = _refuse_pending_deletion(models.KmsBackend.disable_key)
models.KmsBackend.cancel_key_deletion = _accept_arn(models.KmsBackend.cancel_key_deletion)
models.KmsBackend.schedule_key_deletion = _accept_arn(models.KmsBackend.schedule_key_deletion)
