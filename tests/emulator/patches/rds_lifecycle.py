"""Two fields of DescribeDBInstances / DescribeDBClusters that AWS always sends and moto never
does: `EngineLifecycleSupport` and an instance's `CertificateDetails`.

`EngineLifecycleSupport` (RDS Extended Support enrolment): moto drops the value given to
CreateDBInstance / CreateDBCluster. AWS keeps it, and when none is given enrols the engines
Extended Support exists for (MySQL, PostgreSQL, Aurora MySQL, Aurora PostgreSQL) with
`open-source-rds-extended-support`; the other engines have no such field.

`CertificateDetails` (the server certificate's CA and expiry): AWS issues each instance a
server certificate signed by its `CACertificateIdentifier`. Its expiry follows the CA: the
retired rds-ca-2019 expired on 2024-08-22; the current CAs (rds-ca-rsa2048-g1 and its
siblings) issue certificates valid for a year, renewed by RDS. moto's made-up default CA
`rds-ca-default` is read as AWS's default, rds-ca-rsa2048-g1.
"""

import datetime

from moto.rds import models as rds

EXTENDED_SUPPORT_ENGINES = {"mysql", "postgres", "aurora-mysql", "aurora-postgresql"}

# The CAs whose end AWS has published: a server certificate cannot outlive its CA.
CA_EXPIRY = {
    "rds-ca-2019": datetime.datetime(2024, 8, 22, 17, 8, 50, tzinfo=datetime.timezone.utc),
    "rds-ca-2015": datetime.datetime(2020, 3, 5, 22, 3, 0, tzinfo=datetime.timezone.utc),
}


def _lifecycle(engine, given):
    if given:
        return given
    if engine in EXTENDED_SUPPORT_ENGINES:
        return "open-source-rds-extended-support"
    return None


def _wrap_init(cls):
    original = cls.__init__

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.engine_lifecycle_support = _lifecycle(
            getattr(self, "engine", None), kwargs.get("engine_lifecycle_support")
        )
        self.vigil_created = datetime.datetime.now(datetime.timezone.utc)

    cls.__init__ = __init__


_wrap_init(rds.DBInstance)
_wrap_init(rds.DBCluster)


def _certificate_details(self):
    ca = getattr(self, "ca_certificate_identifier", None) or "rds-ca-default"
    if ca == "rds-ca-default":
        ca = "rds-ca-rsa2048-g1"
    valid_till = CA_EXPIRY.get(ca) or getattr(
        self, "vigil_created", datetime.datetime.now(datetime.timezone.utc)
    ) + datetime.timedelta(days=365)
    return {"CAIdentifier": ca, "ValidTill": valid_till}


rds.DBInstance.certificate_details = property(_certificate_details)
