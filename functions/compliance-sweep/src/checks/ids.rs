//! Check ids as typed constants: the catalogue's rows and every check name their id through
//! these, so an id is written once and a misspelt one does not compile.

use std::fmt;

use serde::Serialize;

/// The id of a catalogue row (`KMS-01`). Only the constants below exist; a finding read back
/// from a stored run gets its id through the catalogue (see `catalogue`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct CheckId(&'static str);

impl CheckId {
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Lets tests and callers compare with an id as written in CHECKS.md.
impl PartialEq<str> for CheckId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for CheckId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

pub(crate) const IAM_01: CheckId = CheckId("IAM-01");
pub(crate) const IAM_02: CheckId = CheckId("IAM-02");
pub(crate) const IAM_03: CheckId = CheckId("IAM-03");
pub(crate) const IAM_04: CheckId = CheckId("IAM-04");
pub(crate) const IAM_05: CheckId = CheckId("IAM-05");
pub(crate) const IAM_06: CheckId = CheckId("IAM-06");
pub(crate) const IAM_07: CheckId = CheckId("IAM-07");
pub(crate) const IAM_08: CheckId = CheckId("IAM-08");
pub(crate) const IAM_09: CheckId = CheckId("IAM-09");
pub(crate) const IAM_10: CheckId = CheckId("IAM-10");
pub(crate) const IAM_11: CheckId = CheckId("IAM-11");
pub(crate) const IAM_12: CheckId = CheckId("IAM-12");
pub(crate) const IAM_13: CheckId = CheckId("IAM-13");
pub(crate) const IAM_14: CheckId = CheckId("IAM-14");
pub(crate) const IAM_15: CheckId = CheckId("IAM-15");
pub(crate) const IAM_16: CheckId = CheckId("IAM-16");
pub(crate) const IAM_17: CheckId = CheckId("IAM-17");
pub(crate) const IAM_18: CheckId = CheckId("IAM-18");
pub(crate) const IAM_19: CheckId = CheckId("IAM-19");
pub(crate) const IAM_20: CheckId = CheckId("IAM-20");
pub(crate) const IAM_21: CheckId = CheckId("IAM-21");
pub(crate) const IAM_22: CheckId = CheckId("IAM-22");
pub(crate) const IAM_23: CheckId = CheckId("IAM-23");
pub(crate) const IAM_24: CheckId = CheckId("IAM-24");
pub(crate) const IAM_25: CheckId = CheckId("IAM-25");
pub(crate) const IAM_26: CheckId = CheckId("IAM-26");
pub(crate) const IAM_27: CheckId = CheckId("IAM-27");
pub(crate) const IAM_28: CheckId = CheckId("IAM-28");
pub(crate) const IAM_29: CheckId = CheckId("IAM-29");
pub(crate) const IAM_30: CheckId = CheckId("IAM-30");
pub(crate) const IAM_31: CheckId = CheckId("IAM-31");

pub(crate) const LP_01: CheckId = CheckId("LP-01");
pub(crate) const LP_02: CheckId = CheckId("LP-02");
pub(crate) const LP_03: CheckId = CheckId("LP-03");
pub(crate) const LP_04: CheckId = CheckId("LP-04");

pub(crate) const KMS_01: CheckId = CheckId("KMS-01");
pub(crate) const KMS_02: CheckId = CheckId("KMS-02");
pub(crate) const KMS_03: CheckId = CheckId("KMS-03");
pub(crate) const KMS_04: CheckId = CheckId("KMS-04");
pub(crate) const KMS_05: CheckId = CheckId("KMS-05");
pub(crate) const KMS_06: CheckId = CheckId("KMS-06");
pub(crate) const KMS_07: CheckId = CheckId("KMS-07");

pub(crate) const SM_01: CheckId = CheckId("SM-01");
pub(crate) const SM_02: CheckId = CheckId("SM-02");
pub(crate) const SM_03: CheckId = CheckId("SM-03");
pub(crate) const SM_04: CheckId = CheckId("SM-04");
pub(crate) const SM_05: CheckId = CheckId("SM-05");
pub(crate) const SM_06: CheckId = CheckId("SM-06");

pub(crate) const GD_01: CheckId = CheckId("GD-01");
pub(crate) const GD_02: CheckId = CheckId("GD-02");
pub(crate) const GD_03: CheckId = CheckId("GD-03");
pub(crate) const GD_04: CheckId = CheckId("GD-04");
pub(crate) const GD_05: CheckId = CheckId("GD-05");
pub(crate) const GD_06: CheckId = CheckId("GD-06");
pub(crate) const GD_07: CheckId = CheckId("GD-07");

pub(crate) const CT_01: CheckId = CheckId("CT-01");
pub(crate) const CT_02: CheckId = CheckId("CT-02");
pub(crate) const CT_03: CheckId = CheckId("CT-03");
pub(crate) const CT_04: CheckId = CheckId("CT-04");
pub(crate) const CT_05: CheckId = CheckId("CT-05");
pub(crate) const CT_06: CheckId = CheckId("CT-06");
pub(crate) const CT_07: CheckId = CheckId("CT-07");
pub(crate) const CT_08: CheckId = CheckId("CT-08");
pub(crate) const CT_09: CheckId = CheckId("CT-09");
pub(crate) const CT_10: CheckId = CheckId("CT-10");

pub(crate) const CW_01: CheckId = CheckId("CW-01");
pub(crate) const CW_02: CheckId = CheckId("CW-02");
pub(crate) const CW_03: CheckId = CheckId("CW-03");
pub(crate) const CW_04: CheckId = CheckId("CW-04");
pub(crate) const CW_05: CheckId = CheckId("CW-05");
pub(crate) const CW_06: CheckId = CheckId("CW-06");
pub(crate) const CW_07: CheckId = CheckId("CW-07");
pub(crate) const CW_08: CheckId = CheckId("CW-08");
pub(crate) const CW_09: CheckId = CheckId("CW-09");
pub(crate) const CW_10: CheckId = CheckId("CW-10");
pub(crate) const CW_11: CheckId = CheckId("CW-11");
pub(crate) const CW_12: CheckId = CheckId("CW-12");
pub(crate) const CW_13: CheckId = CheckId("CW-13");
pub(crate) const CW_14: CheckId = CheckId("CW-14");
pub(crate) const CW_15: CheckId = CheckId("CW-15");
pub(crate) const CW_16: CheckId = CheckId("CW-16");
pub(crate) const CW_17: CheckId = CheckId("CW-17");
pub(crate) const CW_18: CheckId = CheckId("CW-18");

pub(crate) const RDS_01: CheckId = CheckId("RDS-01");
pub(crate) const RDS_02: CheckId = CheckId("RDS-02");
pub(crate) const RDS_03: CheckId = CheckId("RDS-03");
pub(crate) const RDS_04: CheckId = CheckId("RDS-04");
pub(crate) const RDS_05: CheckId = CheckId("RDS-05");
pub(crate) const RDS_06: CheckId = CheckId("RDS-06");
pub(crate) const RDS_07: CheckId = CheckId("RDS-07");
pub(crate) const RDS_08: CheckId = CheckId("RDS-08");
pub(crate) const RDS_09: CheckId = CheckId("RDS-09");
pub(crate) const RDS_10: CheckId = CheckId("RDS-10");
pub(crate) const RDS_11: CheckId = CheckId("RDS-11");
pub(crate) const RDS_12: CheckId = CheckId("RDS-12");
pub(crate) const RDS_13: CheckId = CheckId("RDS-13");
pub(crate) const RDS_14: CheckId = CheckId("RDS-14");
pub(crate) const RDS_15: CheckId = CheckId("RDS-15");
pub(crate) const RDS_16: CheckId = CheckId("RDS-16");
pub(crate) const RDS_17: CheckId = CheckId("RDS-17");
pub(crate) const RDS_18: CheckId = CheckId("RDS-18");

pub(crate) const S3_01: CheckId = CheckId("S3-01");
pub(crate) const S3_02: CheckId = CheckId("S3-02");
pub(crate) const S3_03: CheckId = CheckId("S3-03");
pub(crate) const S3_04: CheckId = CheckId("S3-04");
pub(crate) const S3_05: CheckId = CheckId("S3-05");
pub(crate) const S3_06: CheckId = CheckId("S3-06");
pub(crate) const S3_07: CheckId = CheckId("S3-07");
pub(crate) const S3_08: CheckId = CheckId("S3-08");
pub(crate) const S3_09: CheckId = CheckId("S3-09");

pub(crate) const LAM_01: CheckId = CheckId("LAM-01");
pub(crate) const LAM_02: CheckId = CheckId("LAM-02");
pub(crate) const LAM_03: CheckId = CheckId("LAM-03");
pub(crate) const LAM_04: CheckId = CheckId("LAM-04");
pub(crate) const LAM_05: CheckId = CheckId("LAM-05");
pub(crate) const LAM_06: CheckId = CheckId("LAM-06");
pub(crate) const LAM_07: CheckId = CheckId("LAM-07");
pub(crate) const LAM_08: CheckId = CheckId("LAM-08");
pub(crate) const LAM_09: CheckId = CheckId("LAM-09");

pub(crate) const SSM_01: CheckId = CheckId("SSM-01");

pub(crate) const AA_01: CheckId = CheckId("AA-01");
pub(crate) const AA_02: CheckId = CheckId("AA-02");

/// CW-01..CW-15, in the order of `checks::cloudwatch::PATTERNS`.
pub(crate) const CW_PATTERNS: [CheckId; 15] = [
    CW_01, CW_02, CW_03, CW_04, CW_05, CW_06, CW_07, CW_08, CW_09, CW_10, CW_11, CW_12, CW_13,
    CW_14, CW_15,
];
