"""moto's state dump (`GET /moto-api/data.json`) survives models with write-only attributes.

moto: the dump reads every public attribute of every model and skips only those raising
TypeError, AttributeError or ValueError; RDS DB instances have properties that raise
NotImplementedError when read (db_subnet_group_name, master_user_password), so the dump answers
500 as soon as a DB instance exists, and the harness reads published SNS messages from it.
Here any attribute that cannot be read or serialised is skipped, as those are. (This is
moto's own test API, not an AWS behaviour.)
"""

import json

from moto.moto_api._internal import urls
from moto.moto_api._internal.responses import MotoAPIResponse


def model_data(self, request, full_url, headers):
    from moto.core.model_instances import model_data as models_by_service

    results = {}
    for service in sorted(models_by_service):
        models = models_by_service[service]
        results[service] = {}
        for name in sorted(models):
            results[service][name] = []
            for instance in models[name].instances_tracked:
                fields = {}
                for attr in dir(instance):
                    if attr.startswith("_"):
                        continue
                    try:
                        value = getattr(instance, attr)
                        json.dumps(value)
                    except Exception:  # noqa: BLE001 - unreadable attributes are skipped
                        continue
                    fields[attr] = value
                results[service][name].append(fields)
    return 200, {"Content-Type": "application/javascript"}, json.dumps(results)


MotoAPIResponse.model_data = model_data
# The URL map holds a method bound at import time: point it at the new one.
urls.url_paths["{0}/moto-api/data.json"] = urls.response_instance.model_data
