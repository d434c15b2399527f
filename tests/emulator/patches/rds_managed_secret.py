"""RDS-managed master secrets as AWS keeps them, and endpoints tests can point at a server.

moto creates the managed secret (`ManageMasterUserPassword=True`: name `rds!db-…` /
`rds!cluster-…`, tags `aws:rds:primaryDBInstanceArn` / `aws:rds:primaryDBClusterArn` and
`aws:secretsmanager:owningService=rds`, OwningService `rds`), but its value is always
`{"username": "admin", "password": "P@55w0rd!"}`. AWS stores the instance's or cluster's
`MasterUsername` and a generated password. Restored here: the value holds the real master user
name and a random 32-character password.

RDS endpoints in moto are made-up host names with nothing behind them; AWS's point at the
database. Nothing in moto runs a database, so tests say where one answers, through an extra
endpoint (a test API, not an AWS behaviour):

    POST /moto-api/vigil/rds/endpoint
    {"account_id": "111122223333", "region": "us-east-1",
     "db_instance_identifier": "orders" | "db_cluster_identifier": "ledger",
     "address": "127.0.0.1", "port": 5432}

DescribeDBInstances / DescribeDBClusters then report that address and port.
"""

import json
import secrets
import string

from moto.moto_api._internal import urls as moto_api_urls
from moto.rds import models as rds

ALPHABET = string.ascii_letters + string.digits + "!#$%&()*+,-.:;<=>?[]^_{|}~"


def _generate_secret_string(self):
    password = "".join(secrets.choice(ALPHABET) for _ in range(32))
    username = getattr(self.resource, "master_username", None) or "admin"
    return json.dumps({"username": username, "password": password})


rds.MasterUserSecret._generate_secret_string = _generate_secret_string

_instance_address = rds.DBInstance.address


def _address(self):
    return getattr(self, "vigil_address", None) or _instance_address.fget(self)


rds.DBInstance.address = property(_address)

_cluster_endpoint = rds.DBCluster.endpoint


def _cluster_address(self):
    return getattr(self, "vigil_address", None) or _cluster_endpoint.fget(self)


rds.DBCluster.endpoint = property(_cluster_address)


def set_endpoint(request, full_url, headers):
    # Read as moto's own /moto-api endpoints do: Werkzeug has not parsed the body.
    size = int(headers.get("Content-Length") or 0)
    body = json.loads(request.environ["wsgi.input"].read(size).decode("utf-8") or "{}")
    backend = rds.rds_backends[body["account_id"]][body.get("region", "us-east-1")]
    if "db_instance_identifier" in body:
        resource = backend.databases.get(body["db_instance_identifier"])
    else:
        resource = backend.clusters.get(body.get("db_cluster_identifier"))
    if resource is None:
        return 404, {"content-type": "application/json"}, json.dumps({"error": "not found"})
    resource.vigil_address = body["address"]
    resource.port = int(body["port"])
    answer = {"address": body["address"], "port": resource.port}
    return 200, {"content-type": "application/json"}, json.dumps(answer)


moto_api_urls.url_paths["{0}/moto-api/vigil/rds/endpoint"] = set_endpoint
