"""KMS rotation periods and AWS managed keys, as AWS reports them.

moto: EnableKeyRotation ignores RotationPeriodInDays and GetKeyRotationStatus answers only
KeyRotationEnabled; keys created behind the reserved aliases (alias/aws/*) report KeyManager
CUSTOMER. AWS: EnableKeyRotation takes RotationPeriodInDays (90-2560, default 365);
GetKeyRotationStatus returns it and, while rotation is on, NextRotationDate (here: the time
rotation was enabled plus the period, as before a key's first rotation); keys behind
alias/aws/* are AWS managed (KeyManager AWS). moto also leaves KeyUsage empty when CreateKey
does not name it; AWS defaults it to ENCRYPT_DECRYPT. Likewise MultiRegion: moto answers null
for a key created without it, AWS false.
"""

import json
import time

from moto.kms import models, responses
from moto.kms.exceptions import ValidationException

_original_enable = responses.KmsResponse.enable_key_rotation
_original_default_keys = models.KmsBackend._generate_default_keys
_original_create_key = models.KmsBackend.create_key


def create_key(self, policy, key_usage, key_spec, description, tags, multi_region=False, *args, **kwargs):
    return _original_create_key(
        self, policy, key_usage or "ENCRYPT_DECRYPT", key_spec, description, tags,
        bool(multi_region), *args, **kwargs,
    )


def enable_key_rotation(self):
    key_id = self._get_param("KeyId")
    period = self._get_param("RotationPeriodInDays")
    if period is not None and not 90 <= int(period) <= 2560:
        raise ValidationException(
            "1 validation error detected: Value at 'rotationPeriodInDays' failed to satisfy "
            "constraint: Member must have value between 90 and 2560"
        )
    result = _original_enable(self)
    key = self.kms_backend.keys[self.kms_backend.get_key_id(key_id)]
    key.rotation_period_in_days = int(period) if period is not None else 365
    key.rotation_enabled_at = time.time()
    return result


def get_key_rotation_status(self):
    key_id = self._get_param("KeyId")
    self._validate_cmk_id(key_id)
    key = self.kms_backend.keys[self.kms_backend.get_key_id(key_id)]
    answer = {"KeyId": key.arn, "KeyRotationEnabled": key.key_rotation_status}
    if key.key_rotation_status:
        period = getattr(key, "rotation_period_in_days", 365)
        answer["RotationPeriodInDays"] = period
        answer["NextRotationDate"] = getattr(key, "rotation_enabled_at", time.time()) + period * 86400
    return json.dumps(answer)


def _generate_default_keys(self, alias_name):
    key_id = _original_default_keys(self, alias_name)
    if key_id:
        self.keys[key_id].key_manager = "AWS"
    return key_id


responses.KmsResponse.enable_key_rotation = enable_key_rotation
responses.KmsResponse.get_key_rotation_status = get_key_rotation_status
models.KmsBackend._generate_default_keys = _generate_default_keys
models.KmsBackend.create_key = create_key
