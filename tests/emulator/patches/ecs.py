"""ECS DescribeTasks as AWS answers it: each container with its image digest and runtime id.

AWS reports `containers[].imageDigest` (the digest of the image the container runs) and
`runtimeId` once a task runs; moto's containers have neither. Restored here with a digest
derived from the image reference and a runtime id from the container's ARN, so the GuardDuty
responder's record of a task it stops names the digest as it would in AWS.
"""

import hashlib

from moto.ecs import models

_original_init = models.Container.__init__


def __init__(self, task_def):
    _original_init(self, task_def)
    image = self.image or ""
    self.image_digest = "sha256:" + hashlib.sha256(image.encode()).hexdigest()
    self.runtime_id = hashlib.sha256(self.container_arn.encode()).hexdigest()[:64]


models.Container.__init__ = __init__
