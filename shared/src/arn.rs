//! ARNs split into their parts, and the names inside them that several functions read.
//!
//! Six colon-separated fields are all Vigil needs (partition, service, region, account,
//! resource); a dedicated crate would add a dependency for one `splitn`.

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut parts = text.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let arn = Arn {
            partition: parts.next()?,
            service: parts.next()?,
            region: parts.next()?,
            account: parts.next()?,
            resource: parts.next()?,
        };
        (!arn.partition.is_empty() && !arn.service.is_empty()).then_some(arn)
    }
}

/// The partition of an ARN, `aws` when it cannot be read.
pub fn partition(arn: &str) -> &str {
    Arn::parse(arn).map_or("aws", |a| a.partition)
}

/// The account of an ARN, if it names one.
pub fn account(arn: &str) -> Option<&str> {
    Arn::parse(arn).map(|a| a.account).filter(|a| !a.is_empty())
}

/// The region of an ARN, if it names one.
pub fn region(arn: &str) -> Option<&str> {
    Arn::parse(arn).map(|a| a.region).filter(|r| !r.is_empty())
}

/// The key id (UUID or `mrk-...`) of a KMS key ARN, or the input when it is already an id.
pub fn key_id(key: &str) -> &str {
    key.rsplit_once(":key/").map_or(key, |(_, id)| id)
}

/// Whether two names of KMS keys (ARNs or key ids) can be the same key: the same key id, and
/// the same account where both name one. The region is not compared: the replicas of a
/// multi-Region key share its id.
pub fn same_key(a: &str, b: &str) -> bool {
    key_id(a) == key_id(b)
        && match (account(a), account(b)) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        }
}

/// The log group name in a CloudWatch Logs log-group ARN
/// (`arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*`).
pub fn log_group_name(arn: &str) -> Option<&str> {
    let rest = Arn::parse(arn)?.resource.strip_prefix("log-group:")?;
    Some(rest.strip_suffix(":*").unwrap_or(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_arns_and_reads_resource_names() {
        let arn = Arn::parse("arn:aws:cloudtrail:eu-west-1:123456789012:trail/main").unwrap();
        assert_eq!(arn.region, "eu-west-1");
        assert_eq!(arn.account, "123456789012");
        assert_eq!(arn.resource, "trail/main");
        assert_eq!(partition("arn:aws-cn:s3:::b"), "aws-cn");
        assert_eq!(account("arn:aws:s3:::b"), None);
        assert_eq!(
            key_id("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab"),
            "1234abcd-12ab"
        );
        assert_eq!(key_id("1234abcd-12ab"), "1234abcd-12ab");
        let key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab";
        assert!(same_key(key, "1234abcd-12ab"));
        assert!(same_key(
            key,
            "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab"
        ));
        assert!(!same_key(
            key,
            "arn:aws:kms:us-east-1:210987654321:key/1234abcd-12ab"
        ));
        assert!(!same_key(key, "5678efgh-12ab"));
        assert_eq!(
            log_group_name("arn:aws:logs:us-east-1:123456789012:log-group:CloudTrail/main:*"),
            Some("CloudTrail/main")
        );
        assert_eq!(Arn::parse("not-an-arn"), None);
    }
}
