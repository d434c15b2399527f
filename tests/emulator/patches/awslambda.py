"""Lambda as AWS answers it, where moto 5.2.5 differs.

- GetFunction when a function's reserved concurrency is 0: AWS returns
  `Concurrency: {ReservedConcurrentExecutions: 0}` for a function throttled to zero; moto leaves
  `Concurrency` out whenever the reservation is falsy, so 0 looks like "no reservation".
  Restored: `Concurrency` is present whenever a reservation is set.
- DeadLetterConfig: moto drops it from CreateFunction and UpdateFunctionConfiguration and never
  returns it. AWS keeps `DeadLetterConfig.TargetArn` and returns it in the function's
  configuration (ListFunctions, GetFunction, GetFunctionConfiguration) until an update sets an
  empty TargetArn. Restored.
- Layers of another account: moto looks every layer version ARN up in the function's own
  account (by layer name only), so a function cannot use another account's layer, and a layer
  of the same name in its own account silently stands in for it. AWS resolves the ARN in the
  account it names. Restored: an ARN naming another account is looked up there (same Region,
  as AWS requires); a version that does not exist is ResourceNotFoundException as before. The
  layer's permission policy (AddLayerVersionPermission) is not evaluated.
"""

from moto.awslambda import models
from moto.awslambda.exceptions import UnknownLayerVersionException

# ---- reserved concurrency 0 ------------------------------------------------------------------

_original_get_code = models.LambdaFunction.get_code


def get_code(self):
    answer = _original_get_code(self)
    if self.reserved_concurrency is not None and "Concurrency" not in answer:
        answer["Concurrency"] = {"ReservedConcurrentExecutions": int(self.reserved_concurrency)}
    return answer


models.LambdaFunction.get_code = get_code

# ---- DeadLetterConfig ------------------------------------------------------------------------


def _dead_letter_target(config):
    return (config or {}).get("TargetArn") or None


_original_init = models.LambdaFunction.__init__


def init(self, account_id, spec, region, version=1):
    _original_init(self, account_id, spec, region, version)
    self.vigil_dead_letter_target = _dead_letter_target(spec.get("DeadLetterConfig"))


_original_get_configuration = models.LambdaFunction.get_configuration


def get_configuration(self, on_create=False):
    config = _original_get_configuration(self, on_create)
    target = getattr(self, "vigil_dead_letter_target", None)
    if target:
        config["DeadLetterConfig"] = {"TargetArn": target}
    return config


_original_update_configuration = models.LambdaFunction.update_configuration


def update_configuration(self, config_updates):
    if "DeadLetterConfig" in config_updates:
        self.vigil_dead_letter_target = _dead_letter_target(config_updates["DeadLetterConfig"])
    return _original_update_configuration(self, config_updates)


models.LambdaFunction.__init__ = init
models.LambdaFunction.get_configuration = get_configuration
models.LambdaFunction.update_configuration = update_configuration

# ---- layers of another account ---------------------------------------------------------------

_original_layers_data = models.LambdaFunction._get_layers_data


def _get_layers_data(self, layers_versions_arns):
    data = []
    for arn in layers_versions_arns:
        parts = arn.split(":")
        owner = parts[4] if len(parts) > 4 and parts[4] else self.account_id
        if owner == self.account_id:
            data.extend(_original_layers_data(self, [arn]))
            continue
        version = models.lambda_backends[owner][self.region].layers_versions_by_arn(arn)
        if version is None:
            raise UnknownLayerVersionException([arn])
        data.append({"Arn": version.arn, "CodeSize": version.code_size})
    return data


models.LambdaFunction._get_layers_data = _get_layers_data
