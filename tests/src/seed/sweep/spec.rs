//! The seeded accounts, described once as data: [`Spec::baseline`] is an account configured as
//! the catalogue wants it, [`INSECURE`] lists the changes that make every check fail, each
//! named for what it breaks, and [`Spec::preset`] scales that account up over three Regions
//! with generated resources, good and bad, for the ground truth and the benchmark.
//! `create.rs` creates whatever a spec describes; `expect/` says what the sweep must find.

/// Where account-wide resources and most of the hand-written ones live.
pub const REGION: &str = "us-east-1";
/// The Regions the presets spread resources over (and the sweep covers).
pub const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];
/// A value that must never appear in any output of the sweep.
pub const LEAKED_PASSWORD: &str = "Sup3r-S3cret-Pa55word-7f1e9c";
/// The GuardDuty protection plans the seeded detectors enable, and that the sweep's rig requires
/// for GD-02 (`VIGIL_SWEEP_GUARDDUTY_FEATURES`; by default the sweep requires none, as the
/// seeds' foundational-sources guardrail asks).
pub const GUARDDUTY_FEATURES: [&str; 6] = [
    "S3_DATA_EVENTS",
    "EKS_AUDIT_LOGS",
    "EBS_MALWARE_PROTECTION",
    "RDS_LOGIN_EVENTS",
    "LAMBDA_NETWORK_LOGS",
    "RUNTIME_MONITORING",
];

/// A whole account as the tests seed it. Resources carry the name the assertions and the
/// expectations use (`Seeded::arn`).
#[derive(Debug, Clone)]
pub struct Spec {
    pub id: String,
    pub password_policy: PasswordPolicy,
    pub policies: Vec<Policy>,
    pub groups: Vec<Group>,
    pub users: Vec<User>,
    pub roles: Vec<Role>,
    pub keys: Vec<Key>,
    /// Account-level Block Public Access, all four settings.
    pub account_block: bool,
    pub buckets: Vec<Bucket>,
    pub secrets: Vec<Secret>,
    pub detectors: Vec<Detector>,
    pub trails: Vec<Trail>,
    /// Alarms besides the CIS ones of monitored log groups.
    pub alarms: Vec<Alarm>,
    pub databases: Vec<Database>,
    pub functions: Vec<Function>,
    /// Log groups besides the trails' (CW-17, CW-18).
    pub log_groups: Vec<AppLogGroup>,
    /// GD-05: the drill records detector-guard left in the evidence bucket.
    pub drill: Drill,
    /// SSM Parameter Store parameters (SSM-01).
    pub parameters: Vec<Parameter>,
    /// EventBridge rules for GuardDuty findings on the default bus (GD-06).
    pub alert_rules: Vec<AlertRule>,
    /// Server certificates stored in IAM (IAM-31).
    pub server_certificates: Vec<ServerCertificate>,
    /// IAM Access Analyzer analyzers (AA-01, AA-02).
    pub analyzers: Vec<Analyzer>,
}

/// A server certificate uploaded to IAM: self-signed, valid from a year ago until
/// `valid_days` from now (negative: expired that many days ago).
#[derive(Debug, Clone)]
pub struct ServerCertificate {
    pub name: String,
    pub valid_days: i64,
}

/// An IAM Access Analyzer analyzer of a Region, with the findings the emulator is told it has
/// (stock moto has no Access Analyzer: nothing is created there).
#[derive(Debug, Clone)]
pub struct Analyzer {
    /// Its name in the spec; also its name in Access Analyzer (unique per Region there, across
    /// the spec here).
    pub name: String,
    pub region: &'static str,
    /// `ACCOUNT`, `ORGANIZATION`, `ACCOUNT_UNUSED_ACCESS`, ...
    pub kind: &'static str,
    /// The status of each of its findings (`ACTIVE`, `ARCHIVED`, `RESOLVED`).
    pub findings: Vec<&'static str>,
}

impl Analyzer {
    fn new(name: impl Into<String>, region: &'static str, kind: &'static str) -> Self {
        Analyzer {
            name: name.into(),
            region,
            kind,
            findings: vec![],
        }
    }

    /// Whether it looks for external access (AA-01 counts only these).
    pub fn external(&self) -> bool {
        matches!(self.kind, "ACCOUNT" | "ORGANIZATION")
    }

    /// How many of its findings are ACTIVE (AA-02).
    pub fn active_findings(&self) -> usize {
        self.findings.iter().filter(|s| **s == "ACTIVE").count()
    }
}

/// A rule on a Region's default event bus matching GuardDuty findings of `min_severity` and
/// up (GD-06: its pattern must match severity 7, be enabled and have a target).
#[derive(Debug, Clone)]
pub struct AlertRule {
    pub name: String,
    pub region: &'static str,
    pub min_severity: u8,
    pub enabled: bool,
    /// An SNS topic as its target; none otherwise.
    pub target: bool,
}

impl AlertRule {
    /// Its event pattern.
    pub fn pattern(&self) -> String {
        format!(
            r#"{{"source":["aws.guardduty"],"detail-type":["GuardDuty Finding"],"detail":{{"severity":[{{"numeric":[">=",{}]}}]}}}}"#,
            self.min_severity
        )
    }

    fn new(name: &str, region: &'static str) -> Self {
        AlertRule {
            name: name.into(),
            region,
            min_severity: 7,
            enabled: true,
            target: true,
        }
    }
}

/// An SSM parameter of a Region.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// The parameter's name in Parameter Store (a path); also its name in the spec.
    pub name: String,
    pub region: &'static str,
    /// `String`, `StringList` or `SecureString` (SSM-01 judges the first two only).
    pub kind: &'static str,
    pub value: String,
    /// Whether the name or value looks like a secret (what SSM-01 must find).
    pub secret: bool,
}

impl Parameter {
    fn new(name: impl Into<String>, region: &'static str, kind: &'static str) -> Self {
        Parameter {
            name: name.into(),
            region,
            kind,
            value: String::new(),
            secret: false,
        }
    }
}

/// Where the sweep reads drill records (its `VIGIL_EVIDENCE_BUCKET`) and the latest drill,
/// signed with the evidence key as detector-guard writes it (GD-05).
#[derive(Debug, Clone)]
pub struct Drill {
    /// The [`Bucket`] (by name) the sweep is told is its evidence bucket.
    pub bucket: String,
    /// `None`: no drill has run.
    pub latest: Option<DrillRun>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrillRun {
    pub passed: bool,
    /// How long before seeding it finished.
    pub days_ago: i64,
}

/// A CloudWatch Logs group of an application.
#[derive(Debug, Clone)]
pub struct AppLogGroup {
    pub name: String,
    pub region: &'static str,
    /// `None`: never expire.
    pub retention_days: Option<i32>,
    /// Encrypted with this [`Key`] (of the group's Region).
    pub encrypted_with: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PasswordPolicy {
    pub minimum_length: i32,
    pub reuse_prevention: Option<i32>,
    /// Symbols, numbers, upper and lower case.
    pub every_character_class: bool,
    pub max_age_days: Option<i32>,
}

/// What a policy document allows, from a small set of shapes whose least-privilege meaning is
/// known (the expectations read it from here, not from the JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Doc {
    /// s3:Get* on one bucket's objects.
    Read { bucket: String },
    /// Allow * on *.
    Admin,
    /// iam:PassRole on *.
    PassRoleAny,
    /// Every action except s3:* on *: administrator-equivalent through NotAction.
    AllButS3,
    /// kms:Decrypt on *.
    DecryptAny,
    /// kms:Decrypt on one key.
    DecryptOne,
    /// iam:CreatePolicyVersion on *: rewrite any customer policy, its own included.
    PolicyVersions,
    /// aws-marketplace:Subscribe on * (IAM-23).
    MarketplaceAny,
    /// sts:AssumeRole on `arn:aws:iam::ACCOUNT:role/*` (IAM-24; not on `*`, so not LP-02).
    AssumeEveryRole,
    /// bedrock-agentcore:GetWorkloadAccessToken on * (IAM-25).
    WorkloadTokensAny,
    /// What AgentCore needs, scoped: PassRole of `role/agentcore-*` pinned to AgentCore, and
    /// workload access tokens for one named workload identity (IAM-25 and IAM-26 pass).
    AgentCoreScoped,
}

impl Doc {
    /// The JSON document in account `account`.
    pub fn json(&self, account: &str) -> String {
        let statements = match self {
            Doc::Read { bucket } => format!(
                r#"[{{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::{bucket}/*"}}]"#
            ),
            Doc::Admin => r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#.to_owned(),
            Doc::PassRoleAny => {
                r#"[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]"#.to_owned()
            }
            Doc::AllButS3 => {
                r#"[{"Effect":"Allow","NotAction":["s3:*"],"Resource":"*"}]"#.to_owned()
            }
            Doc::DecryptAny => {
                r#"[{"Effect":"Allow","Action":["kms:Decrypt"],"Resource":["*"]}]"#.to_owned()
            }
            Doc::DecryptOne => format!(
                r#"[{{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:{REGION}:{account}:key/abc"}}]"#
            ),
            Doc::PolicyVersions => {
                r#"[{"Effect":"Allow","Action":"iam:CreatePolicyVersion","Resource":"*"}]"#
                    .to_owned()
            }
            Doc::MarketplaceAny => {
                r#"[{"Effect":"Allow","Action":"aws-marketplace:Subscribe","Resource":"*"}]"#
                    .to_owned()
            }
            Doc::AssumeEveryRole => format!(
                r#"[{{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::{account}:role/*"}}]"#
            ),
            Doc::WorkloadTokensAny => {
                r#"[{"Effect":"Allow","Action":"bedrock-agentcore:GetWorkloadAccessToken","Resource":"*"}]"#
                    .to_owned()
            }
            Doc::AgentCoreScoped => format!(
                r#"[{{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::{account}:role/agentcore-*","Condition":{{"StringEquals":{{"iam:PassedToService":"bedrock-agentcore.amazonaws.com"}}}}}},{{"Effect":"Allow","Action":["bedrock-agentcore:GetWorkloadAccessToken","bedrock-agentcore:GetWorkloadAccessTokenForJWT"],"Resource":["arn:aws:bedrock-agentcore:{REGION}:{account}:workload-identity-directory/default","arn:aws:bedrock-agentcore:{REGION}:{account}:workload-identity-directory/default/workload-identity/support-agent"]}}]"#
            ),
        };
        format!(r#"{{"Version":"2012-10-17","Statement":{statements}}}"#)
    }

    /// Allow * on * (IAM-13).
    pub fn star_star(&self) -> bool {
        *self == Doc::Admin
    }

    /// Administrator-equivalent (LP-01).
    pub fn admin_equivalent(&self) -> bool {
        matches!(self, Doc::Admin | Doc::AllButS3)
    }

    /// PassRole or AssumeRole on * (LP-02).
    pub fn roles_on_any(&self) -> bool {
        *self == Doc::PassRoleAny
    }

    /// A sensitive action on * (LP-03).
    pub fn sensitive_on_any(&self) -> bool {
        *self == Doc::DecryptAny
    }

    /// Every CloudTrail action on * (IAM-18).
    pub fn all_of_cloudtrail(&self) -> bool {
        matches!(self, Doc::Admin | Doc::AllButS3)
    }

    /// Every KMS action on * (IAM-21): through * or NotAction.
    pub fn all_of_kms(&self) -> bool {
        matches!(self, Doc::Admin | Doc::AllButS3)
    }

    /// A privilege-escalation combination (IAM-19): IAM writes, through *, NotAction or
    /// iam:CreatePolicyVersion (PassRole alone hands a role to nothing).
    pub fn escalates(&self) -> bool {
        matches!(self, Doc::Admin | Doc::AllButS3 | Doc::PolicyVersions)
    }

    /// aws-marketplace:Subscribe on * (IAM-23): by name, through * or NotAction.
    pub fn marketplace_on_any(&self) -> bool {
        matches!(self, Doc::Admin | Doc::AllButS3 | Doc::MarketplaceAny)
    }

    /// sts:AssumeRole on a wildcard resource (IAM-24).
    pub fn assumes_by_wildcard(&self) -> bool {
        matches!(self, Doc::Admin | Doc::AllButS3 | Doc::AssumeEveryRole)
    }

    /// AgentCore workload access tokens for every workload identity (IAM-25).
    pub fn tokens_for_every_identity(&self) -> bool {
        matches!(self, Doc::Admin | Doc::AllButS3 | Doc::WorkloadTokensAny)
    }

    /// iam:PassRole of every role, not pinned away from AgentCore (IAM-26).
    pub fn passes_every_role(&self) -> bool {
        matches!(self, Doc::Admin | Doc::AllButS3 | Doc::PassRoleAny)
    }
}

/// A customer-managed policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub name: String,
    pub doc: Doc,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    /// Names of [`Policy`]s.
    pub attached: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Console {
    None,
    Password,
    /// A console password and a virtual MFA device (an authenticator app).
    PasswordAndMfa,
    /// A console password and a hardware MFA device (IAM-22).
    PasswordAndHardwareMfa,
}

impl Console {
    /// Any MFA device at all.
    pub fn mfa(self) -> bool {
        matches!(
            self,
            Console::PasswordAndMfa | Console::PasswordAndHardwareMfa
        )
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub name: String,
    pub console: Console,
    pub access_keys: usize,
    pub groups: Vec<String>,
    /// Names of [`Policy`]s.
    pub attached: Vec<String>,
    /// (policy name, document)
    pub inline: Vec<(String, Doc)>,
}

impl User {
    pub fn new(name: impl Into<String>) -> Self {
        User {
            name: name.into(),
            console: Console::None,
            access_keys: 0,
            groups: vec![],
            attached: vec![],
            inline: vec![],
        }
    }
}

/// A role, with one inline policy named `inline`.
#[derive(Debug, Clone)]
pub struct Role {
    pub name: String,
    pub inline: Doc,
    pub trust: Trust,
}

/// Who may assume a role (IAM-15, IAM-16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// Lambda, for functions of this account only (aws:SourceAccount).
    LambdaPinned,
    /// Lambda, for anyone's function: a confused deputy.
    Lambda,
    /// Another account ([`PARTNER`]), presenting an sts:ExternalId.
    PartnerWithExternalId,
    /// Another account, without an external id.
    Partner,
}

/// The other account partner roles trust.
pub const PARTNER: &str = "999988887777";

#[derive(Debug, Clone)]
pub struct Key {
    pub name: String,
    pub region: &'static str,
    /// A policy letting everyone in; KMS's default otherwise.
    pub open: bool,
    pub rotation_days: Option<i32>,
    pub scheduled_for_deletion: bool,
    /// RSA SIGN_VERIFY (the evidence signing key): rotation does not apply.
    pub signing: bool,
    /// Disabled (KMS-05): rotation and Regions are not judged.
    pub disabled: bool,
    pub multi_region: bool,
    /// The account root may administer the key (KMS's default policy); otherwise its policy
    /// names one role only (KMS-07).
    pub emergency_access: bool,
}

impl Key {
    pub fn new(name: impl Into<String>, region: &'static str) -> Self {
        Key {
            name: name.into(),
            region,
            open: false,
            rotation_days: None,
            scheduled_for_deletion: false,
            signing: false,
            disabled: false,
            multi_region: false,
            emergency_access: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketPolicy {
    /// Deny every request without TLS.
    TlsOnly,
    /// Deny every request without TLS or over TLS older than 1.2 (S3-03, S3-08).
    Tls12Only,
    /// Let S3 server access logging write.
    AccessLogDelivery,
    /// Anyone may read the objects.
    PublicRead,
    /// The [`PARTNER`] account may read the objects (S3-09).
    PartnerRead,
}

#[derive(Debug, Clone)]
pub struct Bucket {
    pub name: String,
    /// `<name>-<account id>`: bucket names are global.
    pub bucket: String,
    pub region: &'static str,
    pub block: bool,
    pub policy: Option<BucketPolicy>,
    /// Default encryption with this [`Key`] (of the bucket's Region); none configured when
    /// `None` (SSE-S3 by default).
    pub encrypted_with: Option<String>,
    /// Server access logs to this bucket.
    pub logs_to: Option<String>,
    pub expire_after_days: Option<i32>,
    /// Versioning enabled (S3-06).
    pub versioned: bool,
    /// The canned ACL `public-read`: AllUsers may list it (S3-05 unless Block Public Access).
    pub public_acl: bool,
}

impl Bucket {
    pub fn new(name: impl Into<String>, id: &str, region: &'static str) -> Self {
        let name = name.into();
        Bucket {
            bucket: format!("{name}-{id}"),
            name,
            region,
            block: false,
            policy: None,
            encrypted_with: None,
            logs_to: None,
            expire_after_days: None,
            versioned: false,
            public_acl: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    Off,
    /// Rotated every 30 days; the last rotation finished.
    Finished,
    /// Rotated every 30 days; the last rotation started and never finished (stock moto cannot
    /// leave one unfinished: there it is finished).
    Stuck,
}

#[derive(Debug, Clone)]
pub struct Secret {
    pub name: String,
    /// The secret's name in Secrets Manager.
    pub secret: String,
    pub region: &'static str,
    pub encrypted_with: Option<String>,
    pub rotation: Rotation,
    /// A resource policy letting anyone read it (SM-06); none otherwise.
    pub public: bool,
}

#[derive(Debug, Clone)]
pub struct Detector {
    pub name: String,
    pub region: &'static str,
    pub enabled: bool,
    pub features: Vec<String>,
    /// GuardDuty's findings export (the patched emulator serves the API; stock moto has none).
    pub export: Option<Export>,
    /// AI Protection named at creation, ENABLED or DISABLED (GD-07). `None`: not named; the
    /// patched emulator then enables it, as the API documents for optional plans, and stock
    /// moto does not report it.
    pub ai_protection: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct Export {
    pub status: &'static str,
    pub encrypted_with: Option<String>,
    pub bucket: String,
    pub prefix: Option<&'static str>,
}

/// A trail's CloudWatch Logs group, in the trail's Region.
#[derive(Debug, Clone)]
pub struct LogGroup {
    pub name: String,
    pub retention_days: i32,
    /// The 15 CIS metric filters, their alarms on an SNS topic with one subscriber.
    pub cis_alarms: bool,
}

#[derive(Debug, Clone)]
pub struct Trail {
    pub name: String,
    /// Its home Region.
    pub region: &'static str,
    pub bucket: String,
    pub multi_region: bool,
    pub log_file_validation: bool,
    pub encrypted_with: Option<String>,
    /// Delivers here (delivered an hour ago on the patched emulator; never on stock moto).
    pub log_group: Option<LogGroup>,
    /// S3 object-level events of every bucket, with this ReadWriteType (`All`, `WriteOnly`,
    /// `ReadOnly`): CT-08 (writes), CT-09 (reads) in the Regions the trail records.
    pub s3_data_events: Option<&'static str>,
    /// Insight selectors (CT-10: ApiCallRateInsight).
    pub insights: bool,
    /// Which functions' invocations it records as Lambda data events (LAM-09), in the Regions
    /// it records.
    pub invocations: Invocations,
}

/// The Lambda data events a trail records (a basic selector, ReadWriteType All).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocations {
    None,
    /// Every function (`arn:aws:lambda`).
    Every,
    /// The [`Function`]s named, by their ARNs.
    Of(Vec<String>),
}

impl Invocations {
    /// Whether the invocations of the function named `name` are recorded.
    pub fn of(&self, name: &str) -> bool {
        match self {
            Invocations::None => false,
            Invocations::Every => true,
            Invocations::Of(names) => names.iter().any(|n| n == name),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Alarm {
    pub name: String,
    pub region: &'static str,
    pub actions_enabled: bool,
}

#[derive(Debug, Clone)]
pub struct ParameterGroup {
    pub name: String,
    pub family: &'static str,
    /// `ssl_min_protocol_version` set in the group (RDS-12); the engine default otherwise.
    pub min_tls: Option<&'static str>,
}

/// An RDS instance, or an Aurora cluster.
#[derive(Debug, Clone)]
pub struct Database {
    pub name: String,
    pub identifier: String,
    pub region: &'static str,
    pub cluster: bool,
    pub engine: &'static str,
    pub engine_version: &'static str,
    pub encrypted: bool,
    pub public: bool,
    pub iam_auth: bool,
    pub backup_days: i32,
    pub deletion_protection: bool,
    /// A custom (cluster) parameter group with `rds.force_ssl = 1`.
    pub force_ssl: Option<ParameterGroup>,
    /// The master user name (RDS-07: `admin` and `postgres` are defaults).
    pub master_username: &'static str,
    /// Multi-AZ, automatic minor upgrades, tags copied to snapshots, logs exported to
    /// CloudWatch Logs (RDS-08..11; an Aurora cluster without instances is in one zone).
    pub resilient: bool,
    /// Enhanced Monitoring, a non-default port, in a VPC (a DB subnet group), opted out of
    /// RDS Extended Support, a current CA (RDS-13..17); backtracking on an Aurora MySQL
    /// cluster (RDS-18). Not hardened: none of these (the CA is rds-ca-2019, expired).
    pub hardened: bool,
}

/// A Lambda function, run as the role `role`.
#[derive(Debug, Clone)]
pub struct Function {
    pub name: String,
    pub region: &'static str,
    pub role: String,
    pub env: Vec<(String, String)>,
    /// Whether a variable holds a secret (what LAM-01 must find).
    pub leaks: bool,
    /// Its runtime (LAM-02: python3.8 is deprecated).
    pub runtime: &'static str,
    /// Environment encrypted with this [`Key`] (of the function's Region); Lambda's AWS
    /// managed key when `None` (LAM-03).
    pub encrypted_with: Option<String>,
    /// A resource-policy statement letting anyone invoke it (LAM-04); otherwise S3 of this
    /// account only (aws:SourceAccount).
    pub public_policy: bool,
    /// A function URL with this AuthType (`NONE` fails LAM-04, `AWS_IAM` passes).
    pub url_auth: Option<&'static str>,
    /// The URL's CORS allows every origin, `*` (fails LAM-05); otherwise one named origin.
    pub url_cors_any: bool,
    /// Attached to a VPC (LAM-06).
    pub vpc: bool,
    /// Failed asynchronous invocations go to an SQS queue of its Region (LAM-07; stock moto
    /// drops DeadLetterConfig).
    pub dead_letter: bool,
    /// A layer it uses, and whose it is (LAM-08).
    pub layer: Option<LayerOwner>,
}

/// Who published a function's layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LayerOwner {
    /// This account.
    Own,
    /// Another account (stock moto cannot attach it: it looks layers up in the function's
    /// account, so there the function has no layer).
    Partner,
}

/// The runtime of functions on a supported one.
pub const SUPPORTED_RUNTIME: &str = "python3.12";
/// A runtime past its deprecation date (2024-10-14).
pub const DEPRECATED_RUNTIME: &str = "python3.8";

fn bucket<'a>(s: &'a mut Spec, name: &str) -> &'a mut Bucket {
    s.buckets
        .iter_mut()
        .find(|b| b.name == name)
        .unwrap_or_else(|| panic!("no bucket {name} in the spec"))
}

impl Spec {
    /// An account where (almost) everything is configured as the catalogue wants. What the
    /// emulator cannot configure is said where the tests assert on it (root MFA).
    pub fn baseline(id: &str) -> Spec {
        let b = |name: &str| Bucket::new(name, id, REGION);
        Spec {
            id: id.to_owned(),
            password_policy: PasswordPolicy {
                minimum_length: 14,
                reuse_prevention: Some(24),
                every_character_class: true,
                max_age_days: Some(90),
            },
            policies: vec![Policy {
                name: "read-policy".into(),
                doc: Doc::Read {
                    bucket: format!("data-bucket-{id}"),
                },
            }],
            groups: vec![Group {
                name: "readers".into(),
                attached: vec!["read-policy".into()],
            }],
            users: vec![
                User {
                    groups: vec!["readers".into()],
                    ..User::new("grouped")
                },
                User {
                    console: Console::PasswordAndMfa,
                    ..User::new("console-mfa")
                },
                User {
                    console: Console::PasswordAndHardwareMfa,
                    ..User::new("console-token")
                },
                User {
                    access_keys: 1,
                    ..User::new("keyed")
                },
            ],
            roles: vec![Role {
                name: "scoped-role".into(),
                inline: Doc::DecryptOne,
                trust: Trust::LambdaPinned,
            }],
            keys: vec![
                Key {
                    rotation_days: Some(365),
                    ..Key::new("good-key", REGION)
                },
                Key {
                    signing: true,
                    ..Key::new("signing-key", REGION)
                },
            ],
            account_block: true,
            buckets: vec![
                Bucket {
                    block: true,
                    policy: Some(BucketPolicy::Tls12Only),
                    encrypted_with: Some("good-key".into()),
                    versioned: true,
                    logs_to: Some("logs-bucket".into()),
                    ..b("data-bucket")
                },
                Bucket {
                    policy: Some(BucketPolicy::AccessLogDelivery),
                    ..b("logs-bucket")
                },
                Bucket {
                    block: true,
                    logs_to: Some("logs-bucket".into()),
                    ..b("trail-bucket")
                },
                Bucket {
                    expire_after_days: Some(400),
                    ..b("findings-bucket")
                },
            ],
            secrets: vec![Secret {
                name: "rotated-secret".into(),
                secret: "app/db".into(),
                region: REGION,
                encrypted_with: Some("good-key".into()),
                rotation: Rotation::Finished,
                public: false,
            }],
            detectors: vec![Detector {
                name: "detector".into(),
                region: REGION,
                enabled: true,
                features: GUARDDUTY_FEATURES.map(String::from).to_vec(),
                export: Some(Export {
                    status: "PUBLISHING",
                    encrypted_with: Some("good-key".into()),
                    bucket: "findings-bucket".into(),
                    prefix: Some("guardduty"),
                }),
                ai_protection: Some(true),
            }],
            trails: vec![Trail {
                name: "trail".into(),
                region: REGION,
                bucket: "trail-bucket".into(),
                multi_region: true,
                log_file_validation: true,
                encrypted_with: Some("good-key".into()),
                log_group: Some(LogGroup {
                    name: "trail-logs".into(),
                    retention_days: 365,
                    cis_alarms: true,
                }),
                s3_data_events: Some("All"),
                insights: true,
                invocations: Invocations::Every,
            }],
            alarms: vec![],
            databases: vec![
                Database {
                    name: "db".into(),
                    identifier: "good-db".into(),
                    region: REGION,
                    cluster: false,
                    engine: "postgres",
                    engine_version: "14.9",
                    encrypted: true,
                    public: false,
                    iam_auth: true,
                    backup_days: 7,
                    deletion_protection: true,
                    force_ssl: Some(ParameterGroup {
                        name: "pg-tls".into(),
                        family: "postgres14",
                        min_tls: Some("TLSv1.2"),
                    }),
                    master_username: "app_owner",
                    resilient: true,
                    hardened: true,
                },
                // Aurora: TLS comes from the cluster parameter group, judged on the cluster.
                Database {
                    name: "cluster".into(),
                    identifier: "good-cluster".into(),
                    region: REGION,
                    cluster: true,
                    engine: "aurora-postgresql",
                    engine_version: "14.9",
                    encrypted: true,
                    public: false,
                    iam_auth: true,
                    backup_days: 7,
                    deletion_protection: true,
                    force_ssl: Some(ParameterGroup {
                        name: "aurora-tls".into(),
                        family: "aurora-postgresql14",
                        min_tls: None,
                    }),
                    master_username: "app_owner",
                    resilient: true,
                    hardened: true,
                },
            ],
            functions: vec![Function {
                name: "clean-fn".into(),
                region: REGION,
                role: "scoped-role".into(),
                env: vec![
                    ("LOG_LEVEL".into(), "debug".into()),
                    (
                        "SECRET_ARN".into(),
                        format!("arn:aws:secretsmanager:{REGION}:{id}:secret:app/db"),
                    ),
                ],
                leaks: false,
                runtime: SUPPORTED_RUNTIME,
                encrypted_with: Some("good-key".into()),
                public_policy: false,
                url_auth: Some("AWS_IAM"),
                url_cors_any: false,
                vpc: true,
                dead_letter: true,
                layer: Some(LayerOwner::Own),
            }],
            log_groups: vec![AppLogGroup {
                name: "app-logs".into(),
                region: REGION,
                retention_days: Some(400),
                encrypted_with: Some("good-key".into()),
            }],
            drill: Drill {
                bucket: "logs-bucket".into(),
                latest: Some(DrillRun {
                    passed: true,
                    days_ago: 1,
                }),
            },
            // Configuration in String parameters, the database password in a SecureString.
            parameters: vec![
                Parameter {
                    value: "info".into(),
                    ..Parameter::new("/app/log-level", REGION, "String")
                },
                Parameter {
                    value: "us-east-1,eu-west-1".into(),
                    ..Parameter::new("/app/regions", REGION, "StringList")
                },
                Parameter {
                    value: LEAKED_PASSWORD.into(),
                    ..Parameter::new("/app/db/password", REGION, "SecureString")
                },
            ],
            alert_rules: vec![AlertRule::new("guardduty-high", REGION)],
            server_certificates: vec![ServerCertificate {
                name: "tls-current".into(),
                valid_days: 300,
            }],
            // An external access analyzer with nothing to report.
            analyzers: vec![Analyzer::new("external-access", REGION, "ACCOUNT")],
        }
    }

    /// This spec with `changes` made.
    pub fn with(mut self, changes: &[Change]) -> Spec {
        for change in changes {
            (change.make)(&mut self);
        }
        self
    }

    /// The insecure account scaled up as `preset` says, over [`REGIONS`]: every category has
    /// good and bad resources in every Region (see [`Scale`]).
    pub fn preset(id: &str, preset: Preset) -> Spec {
        let mut s = Spec::baseline(id).with(INSECURE);
        scale(&mut s, preset.scale());
        s
    }
}

/// One named change to an account.
pub struct Change {
    /// What it breaks, and the checks that must fail for it.
    pub name: &'static str,
    pub make: fn(&mut Spec),
}

/// The changes that turn the baseline into an account where every check has something to
/// fail on.
pub const INSECURE: &[Change] = &[
    Change {
        name: "the latest drill failed at delivery (GD-05)",
        make: |s| {
            s.drill.latest = Some(DrillRun {
                passed: false,
                days_ago: 1,
            })
        },
    },
    Change {
        name: "password policy of 8 characters and nothing else (IAM-05)",
        make: |s| {
            s.password_policy = PasswordPolicy {
                minimum_length: 8,
                reuse_prevention: None,
                every_character_class: false,
                max_age_days: None,
            }
        },
    },
    Change {
        name: "a console user without MFA and with a key never used (IAM-06, IAM-07)",
        make: |s| {
            s.users.push(User {
                console: Console::Password,
                access_keys: 1,
                ..User::new("console-nomfa")
            })
        },
    },
    Change {
        name: "a user with two active keys (IAM-09, IAM-11)",
        make: |s| {
            s.users.push(User {
                access_keys: 2,
                ..User::new("two-keys")
            })
        },
    },
    Change {
        name: "a user with Allow * on * attached and PassRole on * inline (IAM-12, IAM-13, LP-01, LP-02)",
        make: |s| {
            s.policies.push(Policy {
                name: "star-policy".into(),
                doc: Doc::Admin,
            });
            s.users.push(User {
                attached: vec!["star-policy".into()],
                inline: vec![("passrole".into(), Doc::PassRoleAny)],
                ..User::new("direct")
            });
        },
    },
    Change {
        name: "an unattached customer policy with Allow * on * (IAM-13)",
        make: |s| {
            s.policies.push(Policy {
                name: "unused-admin-policy".into(),
                doc: Doc::Admin,
            })
        },
    },
    Change {
        name: "a role allowed everything but S3 (LP-01)",
        make: |s| {
            s.roles.push(Role {
                name: "notaction-role".into(),
                inline: Doc::AllButS3,
                trust: Trust::Lambda,
            })
        },
    },
    Change {
        name: "a role allowed to decrypt with every key (LP-03)",
        make: |s| {
            s.roles.push(Role {
                name: "decrypt-role".into(),
                inline: Doc::DecryptAny,
                trust: Trust::Lambda,
            })
        },
    },
    Change {
        name: "roles Lambda may assume for any account's function (IAM-15: notaction-role, decrypt-role), a role another account may assume without an external id (IAM-16)",
        make: |s| {
            s.roles.push(Role {
                name: "partner-role".into(),
                inline: Doc::DecryptOne,
                trust: Trust::Partner,
            })
        },
    },
    Change {
        name: "an unattached customer policy allowing new policy versions (IAM-19; Prowler 5.46.0 passes every policy)",
        make: |s| {
            s.policies.push(Policy {
                name: "versions-policy".into(),
                doc: Doc::PolicyVersions,
            })
        },
    },
    Change {
        name: "an administrator group (Allow * on *) whose member has no MFA (IAM-20, LP-01)",
        make: |s| {
            s.groups.push(Group {
                name: "admins".into(),
                attached: vec!["star-policy".into()],
            });
            s.users
                .iter_mut()
                .find(|u| u.name == "console-nomfa")
                .expect("an earlier change adds console-nomfa")
                .groups
                .push("admins".into());
        },
    },
    Change {
        name: "unattached customer policies allowing aws-marketplace:Subscribe on * (IAM-23), sts:AssumeRole on role/* (IAM-24) and AgentCore workload access tokens on * (IAM-25), next to one scoped as AgentCore wants (IAM-25, IAM-26 pass); PassRole on * (IAM-26) comes with the user direct",
        make: |s| {
            for (name, doc) in [
                ("marketplace-policy", Doc::MarketplaceAny),
                ("assume-any-role-policy", Doc::AssumeEveryRole),
                ("agent-tokens-policy", Doc::WorkloadTokensAny),
                ("agentcore-scoped-policy", Doc::AgentCoreScoped),
            ] {
                s.policies.push(Policy {
                    name: name.into(),
                    doc,
                })
            }
        },
    },
    Change {
        name: "CloudWatch cross-account sharing on: CloudWatch-CrossAccountSharingRole trusts another account (IAM-27)",
        make: |s| {
            s.roles.push(Role {
                name: "CloudWatch-CrossAccountSharingRole".into(),
                inline: Doc::DecryptOne,
                trust: Trust::PartnerWithExternalId,
            })
        },
    },
    Change {
        name: "a key without rotation (KMS-01)",
        make: |s| s.keys.push(Key::new("norotate-key", REGION)),
    },
    Change {
        name: "a key rotated every 730 days (KMS-02)",
        make: |s| {
            s.keys.push(Key {
                rotation_days: Some(730),
                ..Key::new("slow-key", REGION)
            })
        },
    },
    Change {
        name: "a key whose policy lets everyone in (KMS-03)",
        make: |s| {
            s.keys.push(Key {
                open: true,
                ..Key::new("open-key", REGION)
            })
        },
    },
    Change {
        name: "a key scheduled for deletion (KMS-04)",
        make: |s| {
            s.keys.push(Key {
                scheduled_for_deletion: true,
                ..Key::new("doomed-key", REGION)
            })
        },
    },
    Change {
        name: "a disabled key (KMS-05), a multi-Region key (KMS-06), a key only one role may administer (KMS-07)",
        make: |s| {
            s.keys.push(Key {
                disabled: true,
                ..Key::new("disabled-key", REGION)
            });
            s.keys.push(Key {
                rotation_days: Some(365),
                multi_region: true,
                ..Key::new("multi-key", REGION)
            });
            s.keys.push(Key {
                rotation_days: Some(365),
                emergency_access: false,
                ..Key::new("locked-key", REGION)
            });
        },
    },
    Change {
        name: "no account-level Block Public Access (S3-01)",
        make: |s| s.account_block = false,
    },
    Change {
        name: "a bucket with no Block Public Access, TLS policy, KMS encryption, versioning or access logs, listable by anyone through its ACL (S3-02..07)",
        make: |s| {
            let open = Bucket {
                public_acl: true,
                ..Bucket::new("open-bucket", &s.id, REGION)
            };
            s.buckets.push(open)
        },
    },
    Change {
        name: "a bucket protected by its own Block Public Access only (S3-02 passes)",
        make: |s| {
            let blocked = Bucket {
                block: true,
                ..Bucket::new("blocked-bucket", &s.id, REGION)
            };
            s.buckets.push(blocked)
        },
    },
    Change {
        name: "a bucket another account may read through its policy, Block Public Access on (S3-09)",
        make: |s| {
            let shared = Bucket {
                block: true,
                policy: Some(BucketPolicy::PartnerRead),
                ..Bucket::new("partner-bucket", &s.id, REGION)
            };
            s.buckets.push(shared)
        },
    },
    Change {
        name: "a secret never rotated, under the AWS managed key (SM-01, SM-04)",
        make: |s| {
            s.secrets.push(Secret {
                name: "plain-secret".into(),
                secret: "plain".into(),
                region: REGION,
                encrypted_with: None,
                rotation: Rotation::Off,
                public: false,
            })
        },
    },
    Change {
        name: "a secret anyone may read through its resource policy (SM-06)",
        make: |s| {
            s.secrets.push(Secret {
                name: "public-secret".into(),
                secret: "shared/public".into(),
                region: REGION,
                encrypted_with: Some("good-key".into()),
                rotation: Rotation::Finished,
                public: true,
            })
        },
    },
    Change {
        name: "a secret whose rotation never finished (SM-03)",
        make: |s| {
            s.secrets.push(Secret {
                name: "stuck-secret".into(),
                secret: "stuck".into(),
                region: REGION,
                encrypted_with: None,
                rotation: Rotation::Stuck,
                public: false,
            })
        },
    },
    Change {
        name: "the detector disabled, with S3 protection only, AI Protection off (GD-01, GD-02, GD-07)",
        make: |s| {
            let d = &mut s.detectors[0];
            d.enabled = false;
            d.features = vec!["S3_DATA_EVENTS".into()];
            d.ai_protection = Some(false);
        },
    },
    Change {
        name: "findings exported without KMS, the destination not verified (GD-03)",
        make: |s| {
            let export = s.detectors[0]
                .export
                .as_mut()
                .expect("the baseline exports");
            export.status = "PENDING_VERIFICATION";
            export.encrypted_with = None;
            export.prefix = None;
        },
    },
    Change {
        name: "the findings bucket expiring objects after 30 days (GD-04)",
        make: |s| bucket(s, "findings-bucket").expire_after_days = Some(30),
    },
    Change {
        name: "the trail single-Region, unvalidated, unencrypted, not in CloudWatch Logs, logging S3 object reads only, without Insights (CT-01..03, CT-06, CT-08, CT-10, CW-01..15)",
        make: |s| {
            let t = &mut s.trails[0];
            t.multi_region = false;
            t.log_file_validation = false;
            t.encrypted_with = None;
            t.log_group = None;
            t.s3_data_events = Some("ReadOnly");
            t.insights = false;
        },
    },
    Change {
        name: "the trail bucket public, unlogged, expiring objects after 30 days (CT-04, CT-05, CT-07)",
        make: |s| {
            let b = bucket(s, "trail-bucket");
            b.block = false;
            b.policy = Some(BucketPolicy::PublicRead);
            b.logs_to = None;
            b.expire_after_days = Some(30);
        },
    },
    Change {
        name: "an alarm with its actions disabled (CW-16)",
        make: |s| {
            s.alarms.push(Alarm {
                name: "orphan-alarm".into(),
                region: REGION,
                actions_enabled: false,
            })
        },
    },
    Change {
        name: "the database on MySQL, unencrypted, public, without IAM authentication or TLS, backups kept a day, unprotected, master user admin (RDS-01..07)",
        make: |s| {
            let db = s
                .databases
                .iter_mut()
                .find(|d| d.name == "db")
                .expect("the baseline has db");
            *db = Database {
                name: "db".into(),
                identifier: "bad-db".into(),
                region: REGION,
                cluster: false,
                engine: "mysql",
                engine_version: "8.0.35",
                encrypted: false,
                public: true,
                iam_auth: false,
                backup_days: 1,
                deletion_protection: false,
                force_ssl: None,
                master_username: "admin",
                resilient: false,
                hardened: false,
            }
        },
    },
    Change {
        name: "a PostgreSQL database that requires TLS but accepts TLS 1.1 (RDS-12)",
        make: |s| {
            s.databases.push(Database {
                name: "tls11-db".into(),
                identifier: "tls11-db".into(),
                region: REGION,
                cluster: false,
                engine: "postgres",
                engine_version: "14.9",
                encrypted: true,
                public: false,
                iam_auth: true,
                backup_days: 7,
                deletion_protection: true,
                force_ssl: Some(ParameterGroup {
                    name: "pg-tls11".into(),
                    family: "postgres14",
                    min_tls: Some("TLSv1.1"),
                }),
                master_username: "app_owner",
                resilient: true,
                hardened: true,
            })
        },
    },
    Change {
        name: "two Aurora MySQL clusters, one with backtracking and one hardened in nothing: default port, enrolled in Extended Support (RDS-14, RDS-16, RDS-18)",
        make: |s| {
            for (name, hardened) in [("rewind-cluster", true), ("no-rewind-cluster", false)] {
                s.databases.push(Database {
                    name: name.into(),
                    identifier: name.into(),
                    region: REGION,
                    cluster: true,
                    engine: "aurora-mysql",
                    engine_version: "8.0.mysql_aurora.3.05.2",
                    encrypted: true,
                    public: false,
                    iam_auth: true,
                    backup_days: 7,
                    deletion_protection: true,
                    force_ssl: Some(ParameterGroup {
                        name: format!("{name}-tls"),
                        family: "aurora-mysql8.0",
                        min_tls: Some("TLSv1.2"),
                    }),
                    master_username: "app_owner",
                    resilient: true,
                    hardened,
                })
            }
        },
    },
    Change {
        name: "a password in the Lambda function's environment (LAM-01)",
        make: |s| {
            s.functions[0] = Function {
                name: "leaky-fn".into(),
                region: REGION,
                role: "scoped-role".into(),
                env: vec![
                    ("DB_PASSWORD".into(), LEAKED_PASSWORD.into()),
                    ("LOG_LEVEL".into(), "info".into()),
                ],
                leaks: true,
                runtime: SUPPORTED_RUNTIME,
                encrypted_with: Some("good-key".into()),
                public_policy: false,
                url_auth: None,
                url_cors_any: false,
                vpc: true,
                dead_letter: true,
                layer: Some(LayerOwner::Own),
            }
        },
    },
    Change {
        name: "a function on python3.8, its variables under Lambda's AWS managed key, anyone may invoke it, outside a VPC, without a dead-letter queue, with another account's layer (LAM-02, LAM-03, LAM-04, LAM-06, LAM-07, LAM-08)",
        make: |s| {
            s.functions.push(Function {
                name: "public-fn".into(),
                region: REGION,
                role: "scoped-role".into(),
                env: vec![("STAGE".into(), "prod".into())],
                leaks: false,
                runtime: DEPRECATED_RUNTIME,
                encrypted_with: None,
                public_policy: true,
                url_auth: None,
                url_cors_any: false,
                vpc: false,
                dead_letter: false,
                layer: Some(LayerOwner::Partner),
            })
        },
    },
    Change {
        name: "a log group kept 30 days without a KMS key (CW-17, CW-18)",
        make: |s| {
            s.log_groups.push(AppLogGroup {
                name: "short-logs".into(),
                region: REGION,
                retention_days: Some(30),
                encrypted_with: None,
            })
        },
    },
    Change {
        name: "a function with a URL anyone may call without authentication, from any web origin (LAM-04, LAM-05)",
        make: |s| {
            s.functions.push(Function {
                name: "open-url-fn".into(),
                region: REGION,
                role: "scoped-role".into(),
                env: vec![],
                leaks: false,
                runtime: SUPPORTED_RUNTIME,
                encrypted_with: None,
                public_policy: false,
                url_auth: Some("NONE"),
                url_cors_any: true,
                vpc: false,
                dead_letter: false,
                layer: None,
            })
        },
    },
    Change {
        name: "the trail records the invocations of leaky-fn only (LAM-09: public-fn and open-url-fn unrecorded)",
        make: |s| s.trails[0].invocations = Invocations::Of(vec!["leaky-fn".into()]),
    },
    Change {
        name: "the GuardDuty alert rule disabled; one rule matching severity 8 and up only, another without a target (GD-06)",
        make: |s| {
            for r in &mut s.alert_rules {
                r.enabled = false;
            }
            s.alert_rules.push(AlertRule {
                min_severity: 8,
                ..AlertRule::new("guardduty-critical", REGION)
            });
            s.alert_rules.push(AlertRule {
                target: false,
                ..AlertRule::new("guardduty-untargeted", REGION)
            });
        },
    },
    Change {
        name: "the database password in a String parameter, an access key in a StringList (SSM-01)",
        make: |s| {
            for p in &mut s.parameters {
                if p.name == "/app/db/password" {
                    p.kind = "String";
                    p.secret = true;
                }
            }
            s.parameters.push(Parameter {
                value: "eu-west-1,AKIAIOSFODNN7EXAMPLE".into(),
                secret: true,
                ..Parameter::new("/build/settings", REGION, "StringList")
            });
        },
    },
    Change {
        name: "an expired server certificate kept in IAM (IAM-31)",
        make: |s| {
            s.server_certificates.push(ServerCertificate {
                name: "tls-expired".into(),
                valid_days: -30,
            });
        },
    },
    Change {
        name: "the Region's only analyzer finds unused access, not external access, and has active findings (AA-01, AA-02)",
        make: |s| {
            for a in &mut s.analyzers {
                if a.name == "external-access" {
                    a.name = "unused-access".into();
                    a.kind = "ACCOUNT_UNUSED_ACCESS";
                    a.findings = vec!["ACTIVE", "ACTIVE", "ARCHIVED"];
                }
            }
        },
    },
];

/// How big a preset account is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// `make test`: a few of each, in every Region (seeded in seconds).
    Small,
    /// The benchmark: thousands of users, hundreds of roles, keys, secrets, buckets.
    Large,
}

/// Generated resources added to the insecure account, each kind spread over [`REGIONS`].
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub users: usize,
    pub roles: usize,
    pub keys: usize,
    pub secrets: usize,
    pub buckets: usize,
    pub databases: usize,
    pub functions: usize,
    pub parameters: usize,
}

impl Preset {
    pub fn scale(self) -> Scale {
        match self {
            Preset::Small => Scale {
                users: 12,
                roles: 5,
                keys: 8,
                secrets: 6,
                buckets: 8,
                databases: 4,
                functions: 6,
                parameters: 12,
            },
            Preset::Large => Scale {
                users: 2000,
                roles: 500,
                keys: 300,
                secrets: 500,
                buckets: 200,
                databases: 24,
                functions: 90,
                parameters: 300,
            },
        }
    }
}

/// Adds the generated resources. Deterministic: resource `i` of a kind is good or bad by `i`,
/// and lives in `REGIONS[i % 3]`.
fn scale(s: &mut Spec, n: Scale) {
    let id = s.id.clone();
    let region = |i: usize| REGIONS[i % REGIONS.len()];
    // A customer key per Region for what the generated resources encrypt there.
    for r in REGIONS {
        s.keys.push(Key {
            rotation_days: Some(365),
            ..Key::new(format!("region-key-{r}"), r)
        });
    }
    // An administrator group whose members all have MFA (IAM-20 PASS).
    s.groups.push(Group {
        name: "mfa-admins".into(),
        attached: vec!["star-policy".into()],
    });
    for i in 0..n.users {
        let name = format!("user-{i:04}");
        s.users.push(match i % 8 {
            0 => User {
                console: Console::PasswordAndMfa,
                groups: if i % 16 == 0 {
                    vec!["mfa-admins".into()]
                } else {
                    vec![]
                },
                ..User::new(name)
            },
            1 => User {
                console: Console::Password,
                ..User::new(name)
            },
            2 => User {
                access_keys: 1,
                ..User::new(name)
            },
            3 => User {
                access_keys: 2,
                ..User::new(name)
            },
            4 => User {
                attached: vec!["read-policy".into()],
                ..User::new(name)
            },
            _ => User {
                groups: vec!["readers".into()],
                ..User::new(name)
            },
        });
    }
    for i in 0..n.roles {
        s.roles.push(Role {
            name: format!("role-{i:03}"),
            trust: match i % 4 {
                0 => Trust::Lambda,
                1 => Trust::LambdaPinned,
                2 => Trust::Partner,
                _ => Trust::PartnerWithExternalId,
            },
            inline: match i % 5 {
                0 => Doc::DecryptAny,
                1 => Doc::Admin,
                2 => Doc::PassRoleAny,
                _ => Doc::DecryptOne,
            },
        });
    }
    for i in 0..n.keys {
        let name = format!("key-{i:03}");
        s.keys.push(match i % 4 {
            0 => Key::new(name, region(i)),
            1 => Key {
                rotation_days: Some(730),
                ..Key::new(name, region(i))
            },
            _ => Key {
                rotation_days: Some(365),
                ..Key::new(name, region(i))
            },
        });
    }
    for i in 0..n.secrets {
        let r = region(i);
        s.secrets.push(Secret {
            name: format!("secret-{i:03}"),
            secret: format!("generated/secret-{i:03}"),
            region: r,
            encrypted_with: (i % 3 != 0).then(|| format!("region-key-{r}")),
            rotation: if i % 2 == 0 {
                Rotation::Off
            } else {
                Rotation::Finished
            },
            public: i % 5 == 4,
        });
    }
    for i in 0..n.buckets {
        let r = region(i);
        let b = Bucket::new(format!("bucket-{i:03}"), &id, r);
        s.buckets.push(match i % 4 {
            0 => Bucket {
                public_acl: i % 8 == 0,
                ..b
            },
            1 => Bucket { block: true, ..b },
            2 => Bucket {
                block: true,
                policy: Some(BucketPolicy::Tls12Only),
                encrypted_with: Some(format!("region-key-{r}")),
                versioned: true,
                ..b
            },
            _ => Bucket {
                block: true,
                policy: Some(BucketPolicy::TlsOnly),
                ..b
            },
        });
    }
    for i in 0..n.databases {
        let good = i % 2 == 0;
        s.databases.push(Database {
            name: format!("db-{i:02}"),
            identifier: format!("generated-db-{i:02}"),
            region: region(i),
            cluster: false,
            engine: "postgres",
            engine_version: if good { "16.3" } else { "14.9" },
            encrypted: good,
            public: !good,
            iam_auth: good,
            backup_days: if good { 7 } else { 0 },
            deletion_protection: good,
            force_ssl: None,
            master_username: if good { "app_owner" } else { "postgres" },
            resilient: good,
            hardened: good,
        });
    }
    for r in REGIONS {
        s.log_groups.push(AppLogGroup {
            name: format!("app-logs-{r}"),
            region: r,
            retention_days: None,
            encrypted_with: Some(format!("region-key-{r}")),
        });
    }
    for i in 0..n.functions {
        let leaks = i % 3 == 0;
        s.functions.push(Function {
            name: format!("fn-{i:03}"),
            region: region(i),
            role: "scoped-role".into(),
            env: if leaks {
                vec![(
                    "DATABASE".into(),
                    format!("host=db{i}.internal user=app password=Qm7vT2xK{i:04}pLr"),
                )]
            } else {
                vec![("STAGE".into(), "prod".into())]
            },
            leaks,
            runtime: if i % 4 == 1 {
                DEPRECATED_RUNTIME
            } else {
                SUPPORTED_RUNTIME
            },
            encrypted_with: (i % 2 == 0).then(|| format!("region-key-{}", region(i))),
            public_policy: i % 5 == 2,
            url_auth: match i % 6 {
                1 => Some("NONE"),
                4 => Some("AWS_IAM"),
                _ => None,
            },
            url_cors_any: i % 12 == 4,
            vpc: i % 2 == 1,
            dead_letter: i % 3 != 2,
            layer: match i % 5 {
                0 => Some(LayerOwner::Own),
                3 => Some(LayerOwner::Partner),
                _ => None,
            },
        });
    }
    // Parameters: a connection string with its password, configuration in String and
    // StringList parameters, a token in a SecureString (not judged), a name that says
    // "password" holding a reference to Secrets Manager.
    for i in 0..n.parameters {
        let r = region(i);
        s.parameters.push(match i % 4 {
            0 => Parameter {
                value: format!("host=db{i}.internal user=app password=Qm7vT2xK{i:04}pLr"),
                secret: true,
                ..Parameter::new(format!("/generated/app-{i:03}/dsn"), r, "String")
            },
            1 => Parameter {
                value: format!("stage-{i},blue,green"),
                ..Parameter::new(format!("/generated/app-{i:03}/pools"), r, "StringList")
            },
            2 => Parameter {
                value: format!("ghp_{i:04}abcdefghijklmnopqrstuvwxyzABCDEFGH"),
                ..Parameter::new(format!("/generated/app-{i:03}/token"), r, "SecureString")
            },
            _ => Parameter {
                value: format!("arn:aws:secretsmanager:{r}:{id}:secret:generated/secret-{i:03}"),
                ..Parameter::new(format!("/generated/app-{i:03}/db-password"), r, "String")
            },
        });
    }
    // A certificate that expires tomorrow: still valid (IAM-31 PASS).
    s.server_certificates.push(ServerCertificate {
        name: "tls-expires-tomorrow".into(),
        valid_days: 1,
    });
    // Access Analyzer: REGIONS[0] has the insecure account's unused-access analyzer; in the
    // second Region an external one with an active and an archived finding (AA-01 PASS, AA-02
    // FAIL) beside an unused-access one with none (AA-02 PASS); none in the last (AA-01 FAIL).
    s.analyzers.push(Analyzer {
        findings: vec!["ACTIVE", "ARCHIVED"],
        ..Analyzer::new(format!("external-{}", REGIONS[1]), REGIONS[1], "ACCOUNT")
    });
    s.analyzers.push(Analyzer::new(
        format!("unused-{}", REGIONS[1]),
        REGIONS[1],
        "ACCOUNT_UNUSED_ACCESS",
    ));
    // GuardDuty in every Region but the last; a good multi-Region trail homed in the second
    // Region with its CIS alarms (the hand-written trail is single-Region and bad).
    s.alert_rules
        .push(AlertRule::new("guardduty-high-eu", REGIONS[1]));
    s.detectors.push(Detector {
        name: "detector-eu".into(),
        region: REGIONS[1],
        enabled: true,
        features: GUARDDUTY_FEATURES.map(String::from).to_vec(),
        export: None,
        ai_protection: None,
    });
    // Server access logs go to a bucket of the same Region (S3 refuses another).
    s.buckets.push(Bucket {
        policy: Some(BucketPolicy::AccessLogDelivery),
        ..Bucket::new("logs-bucket-eu", &id, REGIONS[1])
    });
    s.buckets.push(Bucket {
        block: true,
        policy: Some(BucketPolicy::TlsOnly),
        logs_to: Some("logs-bucket-eu".into()),
        ..Bucket::new("org-trail-bucket", &id, REGIONS[1])
    });
    s.trails.push(Trail {
        name: "org-trail".into(),
        region: REGIONS[1],
        bucket: "org-trail-bucket".into(),
        multi_region: true,
        log_file_validation: true,
        encrypted_with: Some(format!("region-key-{}", REGIONS[1])),
        log_group: Some(LogGroup {
            name: "org-trail-logs".into(),
            retention_days: 400,
            cis_alarms: true,
        }),
        s3_data_events: Some("WriteOnly"),
        insights: true,
        // One generated function in four, whatever its Region (the trail is multi-Region).
        invocations: Invocations::Of(
            (0..n.functions)
                .step_by(4)
                .map(|i| format!("fn-{i:03}"))
                .collect(),
        ),
    });
    s.alarms.push(Alarm {
        name: "quiet-alarm".into(),
        region: REGIONS[2],
        actions_enabled: true,
    });
}
