//! The trail's CloudWatch Logs log group: does it still exist?

use vigil::alert::Severity;

use super::{Cause, CauseKind, runbook, unavailable};
use crate::facts::{Facts, TrailSettings};

pub(super) fn causes(s: &TrailSettings, facts: &Facts, causes: &mut Vec<Cause>) {
    let Some(group_arn) = &s.log_group_arn else {
        return;
    };
    let Some(group) = facts.log_groups.get(group_arn) else {
        return;
    };
    match &group.exists {
        Ok(true) => {}
        Ok(false) => causes.push(
            Cause::new(
                CauseKind::LogGroupMissing,
                group_arn,
                Severity::Medium,
                runbook::log_group_missing(group, s),
            )
            .evidence(format!(
                "DescribeLogGroups {}: not found in {}",
                group.name, group.region
            )),
        ),
        Err(e) => causes.push(unavailable(
            group_arn,
            "whether the trail's log group exists",
            e,
        )),
    }
}
