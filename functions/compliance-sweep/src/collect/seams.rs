//! Test seams: listings replaced by data, for what the local emulator cannot serve (see
//! EMULATOR.md). Production leaves every field `None` and makes the real calls; the
//! integration tests, the benchmark and the own-stack test fill them.

use std::collections::BTreeMap;

use crate::aws::lambda::Listing;
use crate::facts::PublishingDestination;

#[derive(Debug, Default)]
pub struct Seams {
    /// Lambda functions per Region with their environment variables, instead of
    /// `lambda:ListFunctions`: tests state a function's variables directly instead of building
    /// a deployment package for each function the emulator would have to hold.
    pub lambda_functions: Option<BTreeMap<String, Vec<Listing>>>,
    /// Publishing destinations per detector id, instead of GuardDuty's
    /// `ListPublishingDestinations` / `DescribePublishingDestination`, which moto lacks.
    pub guardduty_destinations: Option<BTreeMap<String, Vec<PublishingDestination>>>,
}
