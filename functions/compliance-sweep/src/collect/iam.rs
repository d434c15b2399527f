//! IAM, account-wide: the account summary, virtual MFA devices, the password policy, the
//! credential report (generated and polled with back-off), the authorization details and the
//! server certificates, all through the one IAM bound (IAM is serialised).

use std::time::Duration;

use vigil::aws::AwsFailure;

use super::Collector;
use crate::aws::iam;
use crate::facts::{ApiError, CredentialReport, Fetched, IamFacts, Service};

pub(super) async fn collect(c: &Collector) -> IamFacts {
    let client = &c.clients.iam;
    let region = c.home_region.as_str();
    let (
        summary,
        credential_report,
        virtual_mfa,
        password_policy,
        authorization,
        server_certificates,
    ) = tokio::join!(
        c.limited(Service::Iam, region, iam::summary(client)),
        credential_report(c),
        c.limited(Service::Iam, region, iam::virtual_mfa_devices(client)),
        c.limited(Service::Iam, region, iam::password_policy(client)),
        c.limited(Service::Iam, region, iam::authorization_details(client)),
        c.limited(Service::Iam, region, iam::server_certificates(client)),
    );
    IamFacts {
        summary,
        credential_report,
        virtual_mfa,
        password_policy,
        authorization,
        server_certificates,
    }
}

/// Generate, poll with back-off until COMPLETE, get. AWS reuses a report younger than four
/// hours; its generation time goes into the evidence.
async fn credential_report(c: &Collector) -> Fetched<CredentialReport> {
    let client = &c.clients.iam;
    let region = c.home_region.as_str();
    let mut wait = Duration::from_millis(250);
    for _ in 0..12 {
        let complete = c
            .limited(
                Service::Iam,
                region,
                iam::generate_credential_report(client),
            )
            .await?;
        if complete
            && let Some(report) = c
                .limited(Service::Iam, region, iam::credential_report(client))
                .await?
        {
            return Ok(report);
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(8));
    }
    Err(ApiError::new(
        "iam:GenerateCredentialReport",
        AwsFailure::Throttled,
        Some("ReportInProgress"),
        "the credential report was not complete after about a minute of polling",
    ))
}
