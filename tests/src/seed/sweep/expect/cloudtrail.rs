//! CloudTrail (per Region and per trail in its home Region) and the CloudWatch monitoring of
//! the trails' log groups (CW-01..16).

use super::super::spec::{BucketPolicy, REGIONS};
use super::Expect;

pub(super) fn expect(e: &mut Expect) {
    let spec = e.spec;
    // CT-01: each Region is recorded by a multi-Region trail (every seeded trail logs
    // management events, read and write).
    let covered = spec.trails.iter().any(|t| t.multi_region);
    for region in REGIONS {
        let all = format!("arn:aws:cloudtrail:{region}:{}:trail/*", spec.id);
        e.on("CT-01", &all, region).pass_if(covered);
        // CT-08, CT-09: a trail recording the Region logs S3 object writes, reads.
        let logs = |directions: &[&str]| {
            spec.trails.iter().any(|t| {
                (t.multi_region || t.region == region)
                    && t.s3_data_events.is_some_and(|rw| directions.contains(&rw))
            })
        };
        e.on("CT-08", &all, region)
            .pass_if(logs(&["All", "WriteOnly"]));
        e.on("CT-09", all, region)
            .pass_if(logs(&["All", "ReadOnly"]));
    }
    for t in &spec.trails {
        let arn = e.arn(&t.name);
        let r = t.region;
        // CT-02: validation on (no digest delivery is reported by the emulator yet).
        e.on("CT-02", &arn, r).pass_if(t.log_file_validation);
        // CT-03: SSE-KMS.
        e.on("CT-03", &arn, r).pass_if(t.encrypted_with.is_some());
        let bucket = spec
            .buckets
            .iter()
            .find(|b| b.name == t.bucket)
            .expect("trail bucket");
        // CT-04: the bucket is public only through its policy, when nothing blocks it.
        let public = !(spec.account_block || bucket.block)
            && bucket.policy == Some(BucketPolicy::PublicRead);
        e.on("CT-04", &arn, r).pass_if(!public);
        // CT-05: server access logging.
        e.on("CT-05", &arn, r).pass_if(bucket.logs_to.is_some());
        // CT-06: delivered an hour ago (the patched emulator says so; stock moto never
        // delivered).
        let delivered = t.log_group.is_some() && !e.stock;
        e.on("CT-06", &arn, r).pass_if(delivered);
        // CT-07: log group and bucket keep logs at least 90 days.
        let group_keeps = t.log_group.as_ref().is_none_or(|g| g.retention_days >= 90);
        let bucket_keeps = bucket.expire_after_days.is_none_or(|d| d >= 90);
        e.on("CT-07", &arn, r).pass_if(group_keeps && bucket_keeps);
        // CT-10: insight selectors on a logging trail. Stock moto's DescribeTrails always says
        // HasInsightSelectors false (PutInsightSelectors stores them all the same).
        let stock = e.stock;
        e.on("CT-10", &arn, r).pass_if(t.insights && !stock);
    }
}

pub(super) fn expect_monitoring(e: &mut Expect) {
    let spec = e.spec;
    let id = &spec.id;
    for region in REGIONS {
        // CW-01..15: on the log group of each multi-Region trail homed in the Region; where
        // none is, NOT_APPLICABLE if a multi-Region trail elsewhere is monitored, else FAIL.
        let here: Vec<_> = spec
            .trails
            .iter()
            .filter(|t| t.region == region && t.multi_region)
            .filter_map(|t| t.log_group.as_ref())
            .collect();
        let elsewhere = spec
            .trails
            .iter()
            .any(|t| t.multi_region && t.region != region && t.log_group.is_some());
        for n in 1..=15 {
            let check = CW[n - 1];
            if here.is_empty() {
                let all = format!("arn:aws:logs:{region}:{id}:log-group:*");
                if elsewhere {
                    e.on(check, all, region).not_applicable();
                } else {
                    e.on(check, all, region).fail();
                }
            }
            for g in &here {
                let arn = e.arn(&g.name);
                e.on(check, arn, region).pass_if(g.cis_alarms);
            }
        }
        // CW-16: every alarm has an enabled ALARM action (the CIS ones do).
        for t in spec.trails.iter().filter(|t| t.region == region) {
            for g in t.log_group.iter().filter(|g| g.cis_alarms) {
                for n in 1..=15 {
                    let arn = e.arn(&format!("{}-cis-{n:02}", g.name));
                    e.on("CW-16", arn, region).pass();
                }
            }
        }
        for a in spec.alarms.iter().filter(|a| a.region == region) {
            let arn = e.arn(&a.name);
            e.on("CW-16", arn, region).pass_if(a.actions_enabled);
        }
        // CW-17: at least 365 days or never; CW-18: a KMS key. The trails' groups have none.
        for t in spec.trails.iter().filter(|t| t.region == region) {
            if let Some(g) = &t.log_group {
                let arn = format!("arn:aws:logs:{region}:{id}:log-group:{}", g.name);
                e.on("CW-17", &arn, region).pass_if(g.retention_days >= 365);
                e.on("CW-18", &arn, region).fail();
            }
        }
        for g in spec.log_groups.iter().filter(|g| g.region == region) {
            let arn = e.arn(&g.name);
            e.on("CW-17", &arn, region)
                .pass_if(g.retention_days.is_none_or(|d| d >= 365));
            e.on("CW-18", &arn, region)
                .pass_if(g.encrypted_with.is_some());
        }
    }
}

const CW: [&str; 15] = [
    "CW-01", "CW-02", "CW-03", "CW-04", "CW-05", "CW-06", "CW-07", "CW-08", "CW-09", "CW-10",
    "CW-11", "CW-12", "CW-13", "CW-14", "CW-15",
];
