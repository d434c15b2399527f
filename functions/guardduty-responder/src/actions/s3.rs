//! S3: turn on all four settings of a public bucket's public access block; quarantine a
//! malicious object version (and undo that on release).

use vigil::policy::PolicyDocument;
use vigil::policy::merge::{add_statements, keeps_every_statement};
use vigil::s3::PublicAccessBlock;

use super::record::Undo;
use super::{ActionError, Ctx, Step};
use crate::aws::Clients;
use crate::aws::s3::BucketBlock;

pub(crate) async fn block_public_access(ctx: &Ctx<'_>, bucket: &str) -> Result<Step, ActionError> {
    let s3 = &ctx.aws.s3;
    let before = match s3.public_access_block(bucket).await? {
        BucketBlock::NoBucket => {
            return Ok(Step::AlreadyDone(format!(
                "bucket {bucket} no longer exists: nothing is exposed"
            )));
        }
        BucketBlock::Configured(block) if block.all_on() => {
            return Ok(Step::AlreadyDone(format!(
                "bucket {bucket} already blocks all public access"
            )));
        }
        BucketBlock::Configured(block) => format!("{block:?}"),
        BucketBlock::Missing => "no public access block".to_owned(),
    };
    s3.put_public_access_block(bucket, PublicAccessBlock::ALL_ON)
        .await?;
    Ok(Step::Done(format!(
        "bucket {bucket}: all four public access block settings on (before: {before}); public ACLs and policies no longer grant access"
    )))
}

/// The tag the responder adds to a malicious object version it quarantines (value: the
/// finding id).
pub(crate) const QUARANTINE_TAG: &str = "vigil:quarantine";
/// The tag Malware Protection for S3 puts on a scanned object version when tagging is on.
const GUARDDUTY_TAG: &str = "GuardDutyMalwareScanStatus";
const GUARDDUTY_THREAT: &str = "THREATS_FOUND";
/// S3 allows at most 10 tags on an object.
const MAX_OBJECT_TAGS: usize = 10;

/// What the bucket-policy statement keys on to hit only the malicious version.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mark {
    /// GuardDuty's own `GuardDutyMalwareScanStatus=THREATS_FOUND`: nothing written on the
    /// object at all.
    GuardDutyVerdict,
    /// The responder's `vigil:quarantine=<finding id>`, already on the version.
    OurTag,
    /// The responder's tag, to be added (the whole tag set is written back with it).
    AddOurTag(Vec<(String, String)>),
    /// No tag can be used (the version has 10 tags, or rewriting the tag set was refused):
    /// the statement covers every version of the key.
    WholeKey(String),
}

/// How to mark the version, from its tags. Pure.
///
/// Why GuardDuty's tag is preferred: S3 has no call that adds one tag, PutObjectTagging
/// replaces the set, so adding ours means sending GuardDuty's tag back too, and AWS's
/// recommended bucket policy (`OnlyGuardDutyCanTagScanStatus`) denies exactly that to
/// everyone but GuardDuty; dropping it would erase GuardDuty's verdict. So when GuardDuty has
/// tagged the version THREATS_FOUND, the statement keys on that and the object is not
/// touched; only without it is the responder's own tag added (keeping every other tag).
fn mark(tags: &[(String, String)], finding_id: &str) -> Mark {
    if tags
        .iter()
        .any(|(k, v)| k == GUARDDUTY_TAG && v == GUARDDUTY_THREAT)
    {
        return Mark::GuardDutyVerdict;
    }
    if tags
        .iter()
        .any(|(k, v)| k == QUARANTINE_TAG && v == finding_id)
    {
        return Mark::OurTag;
    }
    let mut kept: Vec<(String, String)> = tags
        .iter()
        .filter(|(k, _)| k != QUARANTINE_TAG)
        .cloned()
        .collect();
    if kept.len() >= MAX_OBJECT_TAGS {
        return Mark::WholeKey(format!(
            "the version already has {MAX_OBJECT_TAGS} tags, the most S3 allows"
        ));
    }
    kept.push((QUARANTINE_TAG.to_owned(), finding_id.to_owned()));
    Mark::AddOurTag(kept)
}

/// The statement's Sid: one per object version, so release removes exactly it.
fn statement_sid(bucket: &str, key: &str, version: Option<&str>) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{bucket}\0{key}\0{}", version.unwrap_or("")));
    format!("VigilQuarantine{}", &hex::encode(digest)[..16])
}

/// The deny statement for reading the object (of the marked version, unless `WholeKey`),
/// for everyone but the quarantine readers.
fn statement(
    sid: &str,
    partition: &str,
    bucket: &str,
    key: &str,
    mark: &Mark,
    finding_id: &str,
    readers: &[String],
) -> serde_json::Value {
    let mut condition = serde_json::Map::new();
    match mark {
        Mark::GuardDutyVerdict => {
            condition.insert(
                "StringEquals".into(),
                serde_json::json!({ format!("s3:ExistingObjectTag/{GUARDDUTY_TAG}"): GUARDDUTY_THREAT }),
            );
        }
        Mark::OurTag | Mark::AddOurTag(_) => {
            condition.insert(
                "StringEquals".into(),
                serde_json::json!({ format!("s3:ExistingObjectTag/{QUARANTINE_TAG}"): finding_id }),
            );
        }
        Mark::WholeKey(_) => {}
    }
    if !readers.is_empty() {
        condition.insert(
            "ArnNotLike".into(),
            serde_json::json!({ "aws:PrincipalArn": readers }),
        );
    }
    let mut s = serde_json::json!({
        "Sid": sid,
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["s3:GetObject", "s3:GetObjectVersion"],
        "Resource": format!("arn:{partition}:s3:::{bucket}/{key}"),
    });
    if !condition.is_empty() {
        s["Condition"] = serde_json::Value::Object(condition);
    }
    s
}

fn policy_error(bucket: &str, e: vigil::policy::PolicyError) -> ActionError {
    ActionError::Refused(format!("the policy of bucket {bucket} cannot be read: {e}"))
}

/// Makes one object version unreadable to all but the quarantine readers: a tag condition on
/// the version (see [`mark`]) and a statement merged into the bucket policy, never replacing
/// it. The object is never deleted or moved.
pub(crate) async fn quarantine_object(
    ctx: &Ctx<'_>,
    bucket: &str,
    key: &str,
    version: Option<&str>,
) -> Result<Step, ActionError> {
    let s3 = &ctx.aws.s3;
    let finding_id = ctx.finding.id.as_str();
    let Some(tags) = s3.object_tags(bucket, key, version).await? else {
        return Err(ActionError::Refused(format!(
            "s3://{bucket}/{key} (version {}) does not exist (any more)",
            version.unwrap_or("current")
        )));
    };
    let mut chosen = mark(&tags, finding_id);
    let mut tagged_now = false;
    if let Mark::AddOurTag(all) = &chosen {
        match s3.put_object_tags(bucket, key, version, all).await {
            Ok(()) => tagged_now = true,
            Err(e) if e.failure == vigil::aws::AwsFailure::AccessDenied => {
                chosen = Mark::WholeKey(format!(
                    "rewriting the version's tag set was refused ({e}; a bucket policy may keep GuardDuty's tag for GuardDuty alone)"
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let sid = statement_sid(bucket, key, version);
    let partition = ctx.finding.partition.as_deref().unwrap_or("aws");
    let wanted = statement(
        &sid,
        partition,
        bucket,
        key,
        &chosen,
        finding_id,
        &ctx.settings.quarantine_readers,
    );
    let existing = s3.bucket_policy(bucket).await?;
    let before = existing
        .as_deref()
        .map(PolicyDocument::parse)
        .transpose()
        .map_err(|e| policy_error(bucket, e))?;
    let present = before.as_ref().is_some_and(|d| {
        d.statements
            .iter()
            .any(|s| s.sid.as_deref() == Some(sid.as_str()))
    });
    let object_tag = match chosen {
        Mark::OurTag | Mark::AddOurTag(_) => Some(QUARANTINE_TAG.to_owned()),
        _ => None,
    };
    ctx.remember(Undo::RestoreObjectAccess {
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        version_id: version.map(str::to_owned),
        statement_sid: sid.clone(),
        object_tag,
    });
    let how = match &chosen {
        Mark::GuardDutyVerdict => format!(
            "keyed on GuardDuty's own tag {GUARDDUTY_TAG}={GUARDDUTY_THREAT} on the version (the object was not written)"
        ),
        Mark::OurTag | Mark::AddOurTag(_) => format!(
            "keyed on the version's tag {QUARANTINE_TAG}={finding_id}{}",
            if tagged_now {
                " (added, every other tag kept)"
            } else {
                ""
            }
        ),
        Mark::WholeKey(why) => format!("covering every version of the key: {why}"),
    };
    let readers = if ctx.settings.quarantine_readers.is_empty() {
        "nobody (no quarantineReaders configured)".to_owned()
    } else {
        ctx.settings.quarantine_readers.join(", ")
    };
    if present {
        return Ok(if tagged_now {
            Step::Done(format!("statement {sid} already in the policy; {how}"))
        } else {
            Step::AlreadyDone(format!(
                "statement {sid} is already in the bucket policy; {how}; readable only by {readers}"
            ))
        });
    }
    let merged = add_statements(before.as_ref(), &[wanted]).map_err(|e| policy_error(bucket, e))?;
    if let Some(before) = &before
        && !keeps_every_statement(before, &merged.document)
    {
        return Err(ActionError::Refused(format!(
            "merging into the policy of bucket {bucket} would change its statements: not written"
        )));
    }
    s3.put_bucket_policy(bucket, &merged.document.to_value().to_string())
        .await?;
    Ok(Step::Done(format!(
        "s3://{bucket}/{key} (version {}): statement {sid} merged into the bucket policy (every other statement kept) denies reading it, {how}; readable only by {readers}; kept for forensics, not deleted",
        version.unwrap_or("current")
    )))
}

/// Release: the statement out of the bucket policy (the policy deleted only if nothing else
/// is left in it), the responder's tag off the version, each read back.
pub(crate) async fn restore_object_access(
    aws: &Clients,
    bucket: &str,
    key: &str,
    version: Option<&str>,
    sid: &str,
    object_tag: Option<&str>,
) -> Result<Step, ActionError> {
    let s3 = &aws.s3;
    let mut done = Vec::new();
    if let Some(text) = s3.bucket_policy(bucket).await? {
        let mut doc = PolicyDocument::parse(&text).map_err(|e| policy_error(bucket, e))?;
        let before = doc.statements.len();
        doc.statements.retain(|s| s.sid.as_deref() != Some(sid));
        if doc.statements.len() < before {
            if doc.statements.is_empty() {
                s3.delete_bucket_policy(bucket).await?;
            } else {
                s3.put_bucket_policy(bucket, &doc.to_value().to_string())
                    .await?;
            }
            done.push(format!("statement {sid} removed from the bucket policy"));
        }
    }
    if let Some(text) = s3.bucket_policy(bucket).await?
        && text.contains(sid)
    {
        return Err(ActionError::Refused(format!(
            "read back, the policy of bucket {bucket} still has statement {sid}"
        )));
    }
    if let Some(tag) = object_tag
        && let Some(tags) = s3.object_tags(bucket, key, version).await?
        && tags.iter().any(|(k, _)| k == tag)
    {
        let kept: Vec<(String, String)> = tags.into_iter().filter(|(k, _)| k != tag).collect();
        s3.put_object_tags(bucket, key, version, &kept).await?;
        let after = s3
            .object_tags(bucket, key, version)
            .await?
            .unwrap_or_default();
        if after.iter().any(|(k, _)| k == tag) {
            return Err(ActionError::Refused(format!(
                "read back, the version still has tag {tag}"
            )));
        }
        done.push(format!(
            "tag {tag} removed from the version (other tags kept)"
        ));
    }
    Ok(if done.is_empty() {
        Step::AlreadyDone(format!("s3://{bucket}/{key} was already readable"))
    } else {
        Step::Done(format!("{} (read back)", done.join("; ")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn guarddutys_own_verdict_is_used_without_writing_the_object() {
        assert_eq!(
            mark(
                &tags(&[("GuardDutyMalwareScanStatus", "THREATS_FOUND")]),
                "f1"
            ),
            Mark::GuardDutyVerdict
        );
        assert_eq!(
            mark(&tags(&[("vigil:quarantine", "f1")]), "f1"),
            Mark::OurTag
        );
        assert_eq!(
            mark(&tags(&[("team", "a")]), "f1"),
            Mark::AddOurTag(tags(&[("team", "a"), ("vigil:quarantine", "f1")])),
            "every other tag kept"
        );
        let full: Vec<(String, String)> = (0..10).map(|i| (format!("k{i}"), "v".into())).collect();
        assert!(matches!(mark(&full, "f1"), Mark::WholeKey(_)));
    }

    #[test]
    fn the_statement_denies_reads_of_the_marked_version_but_to_the_readers() {
        let sid = statement_sid("b", "k", Some("v1"));
        assert!(
            sid.starts_with("VigilQuarantine") && sid.len() == 31,
            "{sid}"
        );
        assert_ne!(sid, statement_sid("b", "k", Some("v2")), "one per version");
        let s = statement(
            &sid,
            "aws",
            "b",
            "dir/x.exe",
            &Mark::OurTag,
            "f1",
            &["arn:aws:iam::1:role/Forensics".into()],
        );
        assert_eq!(s["Effect"], "Deny");
        assert_eq!(s["Resource"], "arn:aws:s3:::b/dir/x.exe");
        assert_eq!(
            s["Condition"]["StringEquals"]["s3:ExistingObjectTag/vigil:quarantine"],
            "f1"
        );
        assert_eq!(
            s["Condition"]["ArnNotLike"]["aws:PrincipalArn"][0],
            "arn:aws:iam::1:role/Forensics"
        );
        let whole = statement(
            &sid,
            "aws",
            "b",
            "k",
            &Mark::WholeKey("x".into()),
            "f1",
            &[],
        );
        assert!(whole.get("Condition").is_none());
        vigil::policy::Statement::from_value(&s).expect("a valid statement");
    }
}
