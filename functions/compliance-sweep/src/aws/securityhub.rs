//! Security Hub: findings imported as their provider (`BatchImportFindings`), and the workflow
//! updates a customer makes (`BatchUpdateFindings`). Each answers the findings it rejected.

use aws_sdk_securityhub::types::{
    AwsSecurityFinding, AwsSecurityFindingIdentifier, NoteUpdate, WorkflowStatus, WorkflowUpdate,
};
use vigil::aws::AwsCallError;

/// A finding Security Hub did not take, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rejected {
    pub id: String,
    pub code: String,
    pub message: String,
}

/// Imports `findings` (at most 100); answers those rejected.
pub(crate) async fn import(
    client: &aws_sdk_securityhub::Client,
    findings: Vec<AwsSecurityFinding>,
) -> Result<Vec<Rejected>, AwsCallError> {
    let out = client
        .batch_import_findings()
        .set_findings(Some(findings))
        .send()
        .await
        .map_err(|e| AwsCallError::new("securityhub:BatchImportFindings", e))?;
    Ok(out
        .failed_findings()
        .iter()
        .map(|f| Rejected {
            id: f.id().unwrap_or_default().to_owned(),
            code: f.error_code().unwrap_or_default().to_owned(),
            message: f.error_message().unwrap_or_default().to_owned(),
        })
        .collect())
}

/// Sets the workflow status of findings `ids` (at most 100) of `product_arn`, with `note`;
/// answers those not updated.
pub(crate) async fn set_workflow(
    client: &aws_sdk_securityhub::Client,
    product_arn: &str,
    ids: &[String],
    status: WorkflowStatus,
    note: &str,
) -> Result<Vec<Rejected>, AwsCallError> {
    let out = client
        .batch_update_findings()
        .set_finding_identifiers(Some(
            ids.iter()
                .map(|id| {
                    AwsSecurityFindingIdentifier::builder()
                        .id(id)
                        .product_arn(product_arn)
                        .build()
                })
                .collect(),
        ))
        .workflow(WorkflowUpdate::builder().status(status).build())
        .note(
            NoteUpdate::builder()
                .text(note)
                .updated_by("vigil-compliance-sweep")
                .build(),
        )
        .send()
        .await
        .map_err(|e| AwsCallError::new("securityhub:BatchUpdateFindings", e))?;
    Ok(out
        .unprocessed_findings()
        .iter()
        .map(|u| Rejected {
            id: u
                .finding_identifier()
                .and_then(|i| i.id())
                .unwrap_or_default()
                .to_owned(),
            code: u.error_code().unwrap_or_default().to_owned(),
            message: u.error_message().unwrap_or_default().to_owned(),
        })
        .collect())
}
