//! The seeded accounts, described once as data: [`Spec::baseline`] is an account configured as
//! the catalogue wants it, and [`INSECURE`] lists the changes that make every check fail, each
//! named for what it breaks. `seed` (in `seed.rs`) creates whatever a spec describes.

use compliance_sweep::config::Thresholds;

use super::{LEAKED_PASSWORD, REGION};

/// A whole account as the tests seed it. Resources carry the short name the assertions use
/// (`Account::a`) where they are asserted on.
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
    pub detector: Detector,
    /// The trail's CloudWatch Logs group, with the 15 CIS metric filters and their alarms on an
    /// SNS topic with one subscriber.
    pub log_group: LogGroup,
    pub trail: Trail,
    /// Alarms besides the CIS ones.
    pub alarms: Vec<Alarm>,
    pub databases: Vec<Database>,
    pub function: Function,
}

#[derive(Debug, Clone)]
pub struct PasswordPolicy {
    pub minimum_length: i32,
    pub reuse_prevention: Option<i32>,
    /// Symbols, numbers, upper and lower case.
    pub every_character_class: bool,
    pub max_age_days: Option<i32>,
}

/// A customer-managed policy; `document` may name `{account}`.
#[derive(Debug, Clone)]
pub struct Policy {
    pub name: &'static str,
    pub document: String,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub name: &'static str,
    /// Names of [`Policy`]s.
    pub attached: Vec<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Console {
    None,
    Password,
    PasswordAndMfa,
}

#[derive(Debug, Clone)]
pub struct User {
    pub name: &'static str,
    pub console: Console,
    pub access_keys: usize,
    pub groups: Vec<&'static str>,
    pub attached: Vec<&'static str>,
    /// (policy name, document)
    pub inline: Vec<(&'static str, String)>,
}

impl User {
    fn new(name: &'static str) -> Self {
        User {
            name,
            console: Console::None,
            access_keys: 0,
            groups: vec![],
            attached: vec![],
            inline: vec![],
        }
    }
}

/// A role Lambda may assume, with one inline policy.
#[derive(Debug, Clone)]
pub struct Role {
    pub name: &'static str,
    pub inline: String,
}

#[derive(Debug, Clone)]
pub struct Key {
    pub name: &'static str,
    /// The key policy; KMS's default when `None`.
    pub policy: Option<String>,
    pub rotation_days: Option<i32>,
    pub scheduled_for_deletion: bool,
}

impl Key {
    fn new(name: &'static str) -> Self {
        Key {
            name,
            policy: None,
            rotation_days: None,
            scheduled_for_deletion: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketPolicy {
    /// Deny every request without TLS.
    TlsOnly,
    /// Let S3 server access logging write.
    AccessLogDelivery,
    /// Anyone may read the objects.
    PublicRead,
}

#[derive(Debug, Clone)]
pub struct Bucket {
    pub name: &'static str,
    /// `<name>-<account id>`: bucket names are global.
    pub bucket: String,
    pub block: bool,
    pub policy: Option<BucketPolicy>,
    /// Default encryption with this [`Key`]; none configured when `None`.
    pub encrypted_with: Option<&'static str>,
    /// Server access logs to this bucket.
    pub logs_to: Option<&'static str>,
    pub expire_after_days: Option<i32>,
}

impl Bucket {
    fn new(name: &'static str, id: &str) -> Self {
        Bucket {
            name,
            bucket: format!("{name}-{id}"),
            block: false,
            policy: None,
            encrypted_with: None,
            logs_to: None,
            expire_after_days: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    Off,
    /// Rotated every 30 days; the last rotation finished.
    Finished,
    /// Rotated every 30 days; the last rotation started and never finished.
    Stuck,
}

#[derive(Debug, Clone)]
pub struct Secret {
    pub name: &'static str,
    /// The secret's name in Secrets Manager.
    pub secret: &'static str,
    pub encrypted_with: Option<&'static str>,
    pub rotation: Rotation,
}

#[derive(Debug, Clone)]
pub struct Detector {
    pub enabled: bool,
    pub features: Vec<String>,
    /// GuardDuty's publishing destination (given through the sweep's seam: the emulator has
    /// no publishing-destination API).
    pub export: Export,
}

#[derive(Debug, Clone)]
pub struct Export {
    pub status: &'static str,
    pub encrypted_with: Option<&'static str>,
    pub bucket: &'static str,
    pub prefix: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub struct LogGroup {
    pub name: &'static str,
    pub retention_days: i32,
}

#[derive(Debug, Clone)]
pub struct Trail {
    pub name: &'static str,
    pub bucket: &'static str,
    pub multi_region: bool,
    pub log_file_validation: bool,
    pub encrypted_with: Option<&'static str>,
    /// Delivers to the [`LogGroup`] (delivered an hour ago).
    pub to_cloudwatch: bool,
}

#[derive(Debug, Clone)]
pub struct Alarm {
    pub name: &'static str,
    pub actions_enabled: bool,
}

#[derive(Debug, Clone)]
pub struct ParameterGroup {
    pub name: &'static str,
    pub family: &'static str,
}

/// An RDS instance, or an Aurora cluster.
#[derive(Debug, Clone)]
pub struct Database {
    pub name: &'static str,
    pub identifier: &'static str,
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
}

/// A Lambda function (given through the sweep's seam, not deployed into the emulator).
#[derive(Debug, Clone)]
pub struct Function {
    pub name: &'static str,
    pub env: Vec<(&'static str, String)>,
}

fn document(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":{statements}}}"#)
}

impl Spec {
    /// An account where (almost) everything is configured as the catalogue wants. What the
    /// emulator cannot configure is said where the tests assert on it (root MFA).
    pub fn baseline(id: &str) -> Spec {
        let bucket = |name| Bucket::new(name, id);
        Spec {
            id: id.to_owned(),
            password_policy: PasswordPolicy {
                minimum_length: 14,
                reuse_prevention: Some(24),
                every_character_class: true,
                max_age_days: Some(90),
            },
            policies: vec![Policy {
                name: "read-policy",
                document: document(&format!(
                    r#"[{{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::data-bucket-{id}/*"}}]"#
                )),
            }],
            groups: vec![Group {
                name: "readers",
                attached: vec!["read-policy"],
            }],
            users: vec![
                User {
                    groups: vec!["readers"],
                    ..User::new("grouped")
                },
                User {
                    console: Console::PasswordAndMfa,
                    ..User::new("console-mfa")
                },
                User {
                    access_keys: 1,
                    ..User::new("keyed")
                },
            ],
            roles: vec![Role {
                name: "scoped-role",
                inline: document(&format!(
                    r#"[{{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:{REGION}:{id}:key/abc"}}]"#
                )),
            }],
            keys: vec![Key {
                rotation_days: Some(365),
                ..Key::new("good-key")
            }],
            account_block: true,
            buckets: vec![
                Bucket {
                    block: true,
                    policy: Some(BucketPolicy::TlsOnly),
                    encrypted_with: Some("good-key"),
                    ..bucket("data-bucket")
                },
                Bucket {
                    policy: Some(BucketPolicy::AccessLogDelivery),
                    ..bucket("logs-bucket")
                },
                Bucket {
                    block: true,
                    logs_to: Some("logs-bucket"),
                    ..bucket("trail-bucket")
                },
                Bucket {
                    expire_after_days: Some(400),
                    ..bucket("findings-bucket")
                },
            ],
            secrets: vec![Secret {
                name: "rotated-secret",
                secret: "app/db",
                encrypted_with: Some("good-key"),
                rotation: Rotation::Finished,
            }],
            detector: Detector {
                enabled: true,
                // What GD-02 requires by default.
                features: Thresholds::default().guardduty_features,
                export: Export {
                    status: "PUBLISHING",
                    encrypted_with: Some("good-key"),
                    bucket: "findings-bucket",
                    prefix: Some("guardduty"),
                },
            },
            log_group: LogGroup {
                name: "trail-logs",
                retention_days: 365,
            },
            trail: Trail {
                name: "trail",
                bucket: "trail-bucket",
                multi_region: true,
                log_file_validation: true,
                encrypted_with: Some("good-key"),
                to_cloudwatch: true,
            },
            alarms: vec![],
            databases: vec![
                Database {
                    name: "db",
                    identifier: "good-db",
                    cluster: false,
                    engine: "postgres",
                    engine_version: "14.9",
                    encrypted: true,
                    public: false,
                    iam_auth: true,
                    backup_days: 7,
                    deletion_protection: true,
                    force_ssl: Some(ParameterGroup {
                        name: "pg-tls",
                        family: "postgres14",
                    }),
                },
                // Aurora: TLS comes from the cluster parameter group, judged on the cluster.
                Database {
                    name: "cluster",
                    identifier: "good-cluster",
                    cluster: true,
                    engine: "aurora-postgresql",
                    engine_version: "14.9",
                    encrypted: true,
                    public: false,
                    iam_auth: true,
                    backup_days: 7,
                    deletion_protection: true,
                    force_ssl: Some(ParameterGroup {
                        name: "aurora-tls",
                        family: "aurora-postgresql14",
                    }),
                },
            ],
            function: Function {
                name: "clean-fn",
                env: vec![
                    ("LOG_LEVEL", "debug".into()),
                    (
                        "SECRET_ARN",
                        format!("arn:aws:secretsmanager:{REGION}:{id}:secret:app/db"),
                    ),
                ],
            },
        }
    }

    /// This spec with `changes` made.
    pub fn with(mut self, changes: &[Change]) -> Spec {
        for change in changes {
            (change.make)(&mut self);
        }
        self
    }

    fn bucket(&mut self, name: &str) -> &mut Bucket {
        self.buckets
            .iter_mut()
            .find(|b| b.name == name)
            .unwrap_or_else(|| panic!("no bucket {name} in the spec"))
    }

    fn database(&mut self, name: &str) -> &mut Database {
        self.databases
            .iter_mut()
            .find(|d| d.name == name)
            .unwrap_or_else(|| panic!("no database {name} in the spec"))
    }

    fn add_bucket(&mut self, bucket: Bucket) {
        self.buckets.push(bucket);
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
                name: "star-policy",
                document: document(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#),
            });
            s.users.push(User {
                attached: vec!["star-policy"],
                inline: vec![(
                    "passrole",
                    document(r#"[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]"#),
                )],
                ..User::new("direct")
            });
        },
    },
    Change {
        name: "a role allowed everything but S3 (LP-01)",
        make: |s| {
            s.roles.push(Role {
                name: "notaction-role",
                inline: document(r#"[{"Effect":"Allow","NotAction":["s3:*"],"Resource":"*"}]"#),
            })
        },
    },
    Change {
        name: "a role allowed to decrypt with every key (LP-03)",
        make: |s| {
            s.roles.push(Role {
                name: "decrypt-role",
                inline: document(
                    r#"[{"Effect":"Allow","Action":["kms:Decrypt"],"Resource":["*"]}]"#,
                ),
            })
        },
    },
    Change {
        name: "a key without rotation (KMS-01)",
        make: |s| s.keys.push(Key::new("norotate-key")),
    },
    Change {
        name: "a key rotated every 730 days (KMS-02)",
        make: |s| {
            s.keys.push(Key {
                rotation_days: Some(730),
                ..Key::new("slow-key")
            })
        },
    },
    Change {
        name: "a key whose policy lets everyone in (KMS-03)",
        make: |s| {
            s.keys.push(Key {
                policy: Some(document(
                    r#"[{"Sid":"Everyone","Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]"#,
                )),
                ..Key::new("open-key")
            })
        },
    },
    Change {
        name: "a key scheduled for deletion (KMS-04)",
        make: |s| {
            s.keys.push(Key {
                scheduled_for_deletion: true,
                ..Key::new("doomed-key")
            })
        },
    },
    Change {
        name: "no account-level Block Public Access (S3-01)",
        make: |s| s.account_block = false,
    },
    Change {
        name: "a bucket with no Block Public Access, TLS policy or KMS encryption (S3-02..04)",
        make: |s| {
            let open = Bucket::new("open-bucket", &s.id);
            s.add_bucket(open)
        },
    },
    Change {
        name: "a bucket protected by its own Block Public Access only (S3-02 passes)",
        make: |s| {
            let blocked = Bucket {
                block: true,
                ..Bucket::new("blocked-bucket", &s.id)
            };
            s.add_bucket(blocked)
        },
    },
    Change {
        name: "a secret never rotated, under the AWS managed key (SM-01, SM-04)",
        make: |s| {
            s.secrets.push(Secret {
                name: "plain-secret",
                secret: "plain",
                encrypted_with: None,
                rotation: Rotation::Off,
            })
        },
    },
    Change {
        name: "a secret whose rotation never finished (SM-03)",
        make: |s| {
            s.secrets.push(Secret {
                name: "stuck-secret",
                secret: "stuck",
                encrypted_with: None,
                rotation: Rotation::Stuck,
            })
        },
    },
    Change {
        name: "the detector disabled, with S3 protection only (GD-01, GD-02)",
        make: |s| {
            s.detector.enabled = false;
            s.detector.features = vec!["S3_DATA_EVENTS".into()];
        },
    },
    Change {
        name: "findings exported without KMS, the destination not verified (GD-03)",
        make: |s| {
            s.detector.export = Export {
                status: "PENDING_VERIFICATION",
                encrypted_with: None,
                prefix: None,
                ..s.detector.export.clone()
            }
        },
    },
    Change {
        name: "the findings bucket expiring objects after 30 days (GD-04)",
        make: |s| s.bucket("findings-bucket").expire_after_days = Some(30),
    },
    Change {
        name: "the trail single-Region, unvalidated, unencrypted and not in CloudWatch Logs (CT-01..03, CT-06, CW-01..15)",
        make: |s| {
            s.trail = Trail {
                multi_region: false,
                log_file_validation: false,
                encrypted_with: None,
                to_cloudwatch: false,
                ..s.trail.clone()
            }
        },
    },
    Change {
        name: "the trail bucket public, unlogged, expiring objects after 30 days (CT-04, CT-05, CT-07)",
        make: |s| {
            let b = s.bucket("trail-bucket");
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
                name: "orphan-alarm",
                actions_enabled: false,
            })
        },
    },
    Change {
        name: "the database on MySQL, unencrypted, public, without IAM authentication or TLS, backups kept a day, unprotected (RDS-01..06)",
        make: |s| {
            *s.database("db") = Database {
                name: "db",
                identifier: "bad-db",
                cluster: false,
                engine: "mysql",
                engine_version: "8.0.35",
                encrypted: false,
                public: true,
                iam_auth: false,
                backup_days: 1,
                deletion_protection: false,
                force_ssl: None,
            }
        },
    },
    Change {
        name: "a password in the Lambda function's environment (LAM-01)",
        make: |s| {
            s.function = Function {
                name: "leaky-fn",
                env: vec![
                    ("DB_PASSWORD", LEAKED_PASSWORD.into()),
                    ("LOG_LEVEL", "info".into()),
                ],
            }
        },
    },
];
