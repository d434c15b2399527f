"""ECS RunTask and DescribeTasks as AWS answers them for awsvpc tasks.

- RunTask of an awsvpc (Fargate) task fails in moto: it reads the task interface's
  `private_dns_name`, which moto's network interfaces lack. AWS names every interface
  `ip-<a>-<b>-<c>-<d>.<region>.compute.internal`; restored here.
- AWS reports `containers[].imageDigest` (the digest of the image the container runs) and
  `runtimeId` once a task runs; moto's containers have neither. Restored here with a digest
  derived from the image reference and a runtime id from the container's ARN, so the
  GuardDuty responder's record of a task it stops names the digest as it would in AWS.
"""

import hashlib

from moto.ec2.models.elastic_network_interfaces import NetworkInterface
from moto.ecs import models

if not hasattr(NetworkInterface, "private_dns_name"):

    def _private_dns_name(self):
        ip = (self.private_ip_address or "0.0.0.0").replace(".", "-")
        region = getattr(self.ec2_backend, "region_name", "us-east-1")
        return f"ip-{ip}.{region}.compute.internal"

    NetworkInterface.private_dns_name = property(_private_dns_name)

_original_init = models.Container.__init__


def __init__(self, task_def):
    _original_init(self, task_def)
    image = self.image or ""
    self.image_digest = "sha256:" + hashlib.sha256(image.encode()).hexdigest()
    self.runtime_id = hashlib.sha256(self.container_arn.encode()).hexdigest()[:64]


models.Container.__init__ = __init__
