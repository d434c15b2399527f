"""IAM credential report with the root user's row, as AWS writes it; server certificates
with the expiration their body says (see below).

moto: the report lists IAM users only. AWS: the first data row is `<root_account>` (ARN
`arn:aws:iam::ACCOUNT:root`, password columns `not_supported`, `mfa_active` and the access
key columns for the root user). moto keeps the root user's MFA and access-key state in the
account summary (AccountMFAEnabled, AccountAccessKeysPresent), so the row is built from there.
"""

from moto.iam.models import IAMBackend

_original = IAMBackend.get_credential_report


def get_credential_report(self):
    report = _original(self)
    header, _, rest = report.partition("\n")
    summary = self.account_summary
    mfa = "true" if summary._account_mfa_enabled else "false"
    keys = "true" if summary._account_access_keys_present else "false"
    root = (
        f"<root_account>,arn:aws:iam::{self.account_id}:root,2020-01-01T00:00:00+00:00,"
        f"not_supported,no_information,not_supported,not_supported,{mfa},"
        f"{keys},N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
    )
    return header + "\n" + root + rest


IAMBackend.get_credential_report = get_credential_report


# Server certificates: moto answers every one with `Expiration` 2012-05-08 (a constant), whatever
# the certificate says. AWS reads it from the certificate body (its notAfter), so a sweep of
# stock moto sees every server certificate as expired. Here ListServerCertificates and
# GetServerCertificate give the body's notAfter; the rest of moto's answer is kept.

import datetime  # noqa: E402

from cryptography import x509  # noqa: E402
from moto.iam.responses import IamResponse  # noqa: E402


def _not_after(body):
    cert = x509.load_pem_x509_certificate(body.encode("utf-8"))
    when = cert.not_valid_after_utc.astimezone(datetime.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _with_expiration(original, listed):
    def answer(self):
        result = original(self)
        certs = {c.cert_name: c for c in self.backend.certificates.values()}
        for meta in listed(result.result if hasattr(result, "result") else result):
            cert = certs.get(meta.get("ServerCertificateName"))
            if cert is not None and cert.cert_body:
                try:
                    meta["Expiration"] = _not_after(cert.cert_body)
                except ValueError:
                    pass  # not a PEM certificate: moto's answer as it was
        return result

    return answer


IamResponse.list_server_certificates = _with_expiration(
    IamResponse.list_server_certificates,
    lambda r: r["ServerCertificateMetadataList"],
)
IamResponse.get_server_certificate = _with_expiration(
    IamResponse.get_server_certificate,
    lambda r: [r["ServerCertificate"]["ServerCertificateMetadata"]],
)
