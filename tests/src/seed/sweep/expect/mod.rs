//! What the sweep must report on a seeded account, per (check, resource, Region): one module
//! per service, each a function over the spec (see the parent module for how to register a
//! check). Written from the spec's terms, independently of the sweep's code.

mod accessanalyzer;
mod cloudtrail;
mod guardduty;
mod iam;
mod kms;
mod lambda;
mod rds;
mod s3;
mod secrets;
mod ssm;

use serde::Serialize;

use super::create::Seeded;
use super::spec::Spec;

/// The Region the sweep gives account-wide findings (IAM, S3 account settings).
pub const GLOBAL: &str = "global";

/// A verdict, spelt as the sweep's `Status` serialises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    Pass,
    Fail,
    Error,
    NotApplicable,
}

/// One expected finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Expected {
    pub check: &'static str,
    pub resource: String,
    pub region: String,
    pub verdict: Verdict,
}

/// The spec, the ARNs it was seeded with, and the expectations gathered so far.
pub struct Expect<'a> {
    pub spec: &'a Spec,
    pub seeded: &'a Seeded,
    /// Stock moto: facts its answers leave out are ERROR.
    pub stock: bool,
    out: Vec<Expected>,
}

/// One expectation being written: its verdict comes next.
#[must_use = "say the verdict: pass, fail, pass_if, error or not_applicable"]
pub struct On<'e, 'a> {
    e: &'e mut Expect<'a>,
    check: &'static str,
    resource: String,
    region: String,
}

impl On<'_, '_> {
    fn is(self, verdict: Verdict) {
        self.e.out.push(Expected {
            check: self.check,
            resource: self.resource,
            region: self.region,
            verdict,
        });
    }

    pub fn pass(self) {
        self.is(Verdict::Pass)
    }

    pub fn fail(self) {
        self.is(Verdict::Fail)
    }

    pub fn pass_if(self, ok: bool) {
        self.is(if ok { Verdict::Pass } else { Verdict::Fail })
    }

    pub fn error(self) {
        self.is(Verdict::Error)
    }

    pub fn not_applicable(self) {
        self.is(Verdict::NotApplicable)
    }
}

impl<'a> Expect<'a> {
    /// The expectation of `check` on `resource` in `region`.
    pub fn on(
        &mut self,
        check: &'static str,
        resource: impl Into<String>,
        region: &str,
    ) -> On<'_, 'a> {
        On {
            e: self,
            check,
            resource: resource.into(),
            region: region.to_owned(),
        }
    }

    /// The ARN the resource named `name` was seeded with.
    pub fn arn(&self, name: &str) -> String {
        self.seeded.a(name).to_owned()
    }

    /// The account, as the subject of account-level findings.
    pub fn root(&self) -> String {
        format!("arn:aws:iam::{}:root", self.spec.id)
    }
}

/// Every service's expectations, in the sweep's service order.
const SERVICES: &[fn(&mut Expect)] = &[
    iam::expect,
    s3::expect,
    kms::expect,
    secrets::expect,
    guardduty::expect,
    cloudtrail::expect,
    cloudtrail::expect_monitoring,
    rds::expect,
    lambda::expect,
    ssm::expect,
    accessanalyzer::expect,
];

/// What the sweep must find on `seeded`, seeded from `spec`, sorted.
pub fn expected(spec: &Spec, seeded: &Seeded) -> Vec<Expected> {
    let mut e = Expect {
        spec,
        seeded,
        stock: seeded.stock,
        out: Vec::new(),
    };
    for service in SERVICES {
        service(&mut e);
    }
    let mut out = e.out;
    out.sort();
    out
}
