"""IAM credential report with the root user's row, as AWS writes it.

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
