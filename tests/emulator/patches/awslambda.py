"""Lambda GetFunction as AWS answers it when a function's reserved concurrency is 0.

AWS returns `Concurrency: {ReservedConcurrentExecutions: 0}` for a function throttled to
zero; moto leaves `Concurrency` out whenever the reservation is falsy, so 0 looks like "no
reservation". Restored here: `Concurrency` is present whenever a reservation is set.
"""

from moto.awslambda import models

_original = models.LambdaFunction.get_code


def get_code(self):
    answer = _original(self)
    if self.reserved_concurrency is not None and "Concurrency" not in answer:
        answer["Concurrency"] = {"ReservedConcurrentExecutions": int(self.reserved_concurrency)}
    return answer


models.LambdaFunction.get_code = get_code
