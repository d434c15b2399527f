//! RDS: storage encryption, no public access, TLS required (RDS-03) and TLS 1.2 or newer
//! enforced (RDS-12 ★), IAM authentication, automated backups, deletion protection, and the
//! operational settings of RDS-08..18 (Multi-AZ, upgrades, monitoring, ports, VPC, Extended
//! Support, certificate expiry, backtracking). Settings that belong to a cluster are judged on
//! the cluster, not again on each of its instances.

use super::ids::{
    RDS_01, RDS_02, RDS_03, RDS_04, RDS_05, RDS_06, RDS_07, RDS_08, RDS_09, RDS_10, RDS_11, RDS_12,
    RDS_13, RDS_14, RDS_15, RDS_16, RDS_17, RDS_18,
};
use super::{Ctx, Finding, ResourceType, Subject, errors};
use crate::facts::{ApiError, Database, RdsFacts};

pub(crate) fn evaluate(f: &RdsFacts, ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    let all = [
        RDS_01, RDS_02, RDS_03, RDS_04, RDS_05, RDS_06, RDS_07, RDS_08, RDS_09, RDS_10, RDS_11,
        RDS_12, RDS_13, RDS_14, RDS_15, RDS_16, RDS_17,
    ];
    match &f.instances {
        Err(e) => out.extend(errors(
            &all,
            &Subject::new(
                ResourceType::AwsRdsDbInstance,
                format!("arn:aws:rds:{}:{}:db:*", f.region, ctx.account),
            )
            .in_region(&f.region),
            e,
        )),
        Ok(list) => list
            .iter()
            .for_each(|d| out.extend(judge(d, &f.region, ctx))),
    }
    if let (Ok(instances), Ok(clusters)) = (&f.instances, &f.clusters) {
        out.extend(unlisted_cluster_members(instances, clusters, &f.region));
    }
    match &f.clusters {
        Err(e) => out.extend(errors(
            &[
                RDS_01, RDS_03, RDS_04, RDS_05, RDS_06, RDS_07, RDS_08, RDS_09, RDS_10, RDS_11,
                RDS_12, RDS_14, RDS_16, RDS_18,
            ],
            &Subject::new(
                ResourceType::AwsRdsDbCluster,
                format!("arn:aws:rds:{}:{}:cluster:*", f.region, ctx.account),
            )
            .in_region(&f.region),
            e,
        )),
        Ok(list) => list
            .iter()
            .for_each(|d| out.extend(judge(d, &f.region, ctx))),
    }
    out
}

/// A member is judged on its cluster for RDS-01 and RDS-03..06: a member whose cluster
/// DescribeDBClusters did not list would be judged nowhere, so those checks are ERROR on it.
fn unlisted_cluster_members(
    instances: &[Database],
    clusters: &[Database],
    region: &str,
) -> Vec<Finding> {
    let listed = |id: &str| {
        clusters
            .iter()
            .any(|c| c.arn.rsplit(':').next() == Some(id))
    };
    let mut out = Vec::new();
    for d in instances {
        let Some(cluster) = d.cluster.as_deref().filter(|c| !listed(c)) else {
            continue;
        };
        let error = ApiError::incomplete(
            "rds:DescribeDBClusters",
            format!("cluster {cluster}, which instance {} belongs to", d.arn),
        );
        let mut checks = vec![
            RDS_01, RDS_04, RDS_05, RDS_06, RDS_07, RDS_08, RDS_11, RDS_14, RDS_16,
        ];
        if !tls_judged_here(true, &d.engine) {
            checks.extend([RDS_03, RDS_12]);
        }
        out.extend(errors(&checks, &database(d, region), &error));
    }
    out
}

fn database(d: &Database, region: &str) -> Subject {
    let kind = if d.is_cluster {
        ResourceType::AwsRdsDbCluster
    } else {
        ResourceType::AwsRdsDbInstance
    };
    Subject::new(kind, &d.arn).in_region(region)
}

fn judge(d: &Database, region: &str, ctx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    let in_cluster = d.cluster.is_some();
    if !in_cluster {
        out.push(rds_01_encrypted(d, region));
    }
    if !d.is_cluster {
        out.push(rds_02_not_public(d, region));
    }
    if tls_judged_here(in_cluster, &d.engine) {
        out.extend(rds_03_tls(d, region));
        out.push(rds_12_tls_version(d, region));
    }
    if !in_cluster {
        out.push(rds_04_iam_auth(d, region));
        out.push(rds_05_backups(d, region, ctx));
        out.push(rds_06_deletion_protection(d, region));
        out.push(rds_07_not_default_admin(d, region));
        out.push(rds_08_multi_az(d, region));
        out.push(rds_11_log_exports(d, region));
        out.push(rds_14_port(d, region));
        out.push(rds_16_extended_support(d, region));
    }
    if !d.is_cluster {
        out.push(rds_13_enhanced_monitoring(d, region));
        out.push(rds_15_in_vpc(d, region));
        out.push(rds_17_certificate(d, region, ctx));
    }
    if d.is_cluster && d.engine == "aurora-mysql" {
        out.push(rds_18_backtrack(d, region));
    }
    // Aurora: minor upgrades are set per instance, tags copied per cluster.
    let aurora = d.engine.starts_with("aurora");
    if !(d.is_cluster && aurora) {
        out.push(rds_09_minor_upgrades(d, region));
    }
    if !(in_cluster && aurora) {
        out.push(rds_10_copy_tags(d, region));
    }
    out
}

/// A boolean field of the listing, or ERROR naming it when the answer left it out.
fn flag(d: &Database, field: Option<bool>, name: &str) -> Result<bool, ApiError> {
    field.ok_or_else(|| {
        ApiError::incomplete(
            if d.is_cluster {
                "rds:DescribeDBClusters"
            } else {
                "rds:DescribeDBInstances"
            },
            format!("{name} of {}", d.arn),
        )
    })
}

/// RDS-08: Multi-AZ (instances outside a cluster, and clusters).
fn rds_08_multi_az(d: &Database, region: &str) -> Finding {
    let verdict = RDS_08.on(&database(d, region));
    match flag(d, d.multi_az, "MultiAZ") {
        Err(e) => verdict.error(&e),
        Ok(on) => verdict.pass_if(
            on,
            if on {
                "Multi-AZ"
            } else {
                "a single Availability Zone"
            },
        ),
    }
}

/// RDS-09: automatic minor version upgrades (instances, Aurora members included, and Multi-AZ
/// DB clusters; an Aurora cluster has no such setting of its own).
fn rds_09_minor_upgrades(d: &Database, region: &str) -> Finding {
    let verdict = RDS_09.on(&database(d, region));
    match flag(d, d.auto_minor_upgrade, "AutoMinorVersionUpgrade") {
        Err(e) => verdict.error(&e),
        Ok(on) => verdict.pass_if(
            on,
            if on {
                "automatic minor version upgrades on"
            } else {
                "automatic minor version upgrades off: security patches wait for a person"
            },
        ),
    }
}

/// RDS-10: tags copied to snapshots (Aurora members take it from their cluster).
fn rds_10_copy_tags(d: &Database, region: &str) -> Finding {
    let verdict = RDS_10.on(&database(d, region));
    match flag(d, d.copy_tags_to_snapshot, "CopyTagsToSnapshot") {
        Err(e) => verdict.error(&e),
        Ok(on) => verdict.pass_if(
            on,
            if on {
                "tags copied to snapshots"
            } else {
                "snapshots do not get the database's tags"
            },
        ),
    }
}

/// RDS-11: at least one log type exported to CloudWatch Logs.
fn rds_11_log_exports(d: &Database, region: &str) -> Finding {
    let verdict = RDS_11.on(&database(d, region));
    if d.log_exports.is_empty() {
        verdict.fail("no logs exported to CloudWatch Logs")
    } else {
        verdict.pass(format!(
            "exports {} to CloudWatch Logs",
            d.log_exports.join(", ")
        ))
    }
}

/// The operation whose answer a database's fields come from.
fn listing(d: &Database) -> &'static str {
    if d.is_cluster {
        "rds:DescribeDBClusters"
    } else {
        "rds:DescribeDBInstances"
    }
}

/// RDS-13: Enhanced Monitoring (per instance, Aurora members included: each has its own).
fn rds_13_enhanced_monitoring(d: &Database, region: &str) -> Finding {
    let verdict = RDS_13.on(&database(d, region));
    match d.monitoring_interval {
        None => verdict.error(&ApiError::incomplete(
            listing(d),
            format!("MonitoringInterval of {}", d.arn),
        )),
        Some(0) => verdict.fail("Enhanced Monitoring off (MonitoringInterval 0)"),
        Some(s) => verdict.pass(format!("Enhanced Monitoring every {s} s")),
    }
}

/// The port each engine listens on unless told otherwise (RDS's documented defaults; the
/// RDS API also lists Neptune and DocumentDB databases). Matched as Prowler does, by the
/// family name inside the engine name (`oracle-ee`, `custom-sqlserver-se`, ...).
const DEFAULT_PORTS: &[(&str, i32)] = &[
    ("mysql", 3306),
    ("mariadb", 3306),
    ("postgres", 5432),
    ("oracle", 1521),
    ("sqlserver", 1433),
    ("db2", 50000),
    ("neptune", 8182),
    ("docdb", 27017),
    // Aurora MySQL 5.6 kept the engine name `aurora`.
    ("aurora", 3306),
];

/// RDS-14: not on the engine's default port (where the port is set: instances outside a
/// cluster, and clusters). An engine whose default port is not known is ERROR, not a pass.
fn rds_14_port(d: &Database, region: &str) -> Finding {
    let verdict = RDS_14.on(&database(d, region));
    let Some(port) = d.port else {
        return verdict.error(&ApiError::incomplete(
            listing(d),
            format!("the port (Endpoint.Port / Port) of {}", d.arn),
        ));
    };
    let engine = d.engine.to_ascii_lowercase();
    match DEFAULT_PORTS
        .iter()
        .find(|(family, _)| engine.contains(family))
    {
        None => verdict.error(&ApiError::incomplete(
            listing(d),
            format!(
                "a known default port for engine {:?} of {}",
                d.engine, d.arn
            ),
        )),
        Some((_, default)) if *default == port => verdict.fail(format!(
            "listens on {port}, the default port of {}: the first port a scanner tries",
            d.engine
        )),
        Some((_, default)) => verdict.pass(format!(
            "listens on {port} (the {} default is {default})",
            d.engine
        )),
    }
}

/// RDS-15: the instance is in a VPC (it has a DB subnet group).
fn rds_15_in_vpc(d: &Database, region: &str) -> Finding {
    let verdict = RDS_15.on(&database(d, region));
    match &d.vpc_id {
        Some(vpc) => verdict.pass(format!("in {vpc}")),
        None => verdict.fail("no DB subnet group: the instance is not in a VPC"),
    }
}

/// Engines RDS Extended Support exists for; the others have no `EngineLifecycleSupport`.
fn extended_support_exists(engine: &str) -> bool {
    matches!(
        engine,
        "mysql" | "postgres" | "aurora-mysql" | "aurora-postgresql"
    )
}

/// RDS-16: not enrolled in RDS Extended Support, which keeps a major version past its end of
/// standard support running, at a charge, instead of upgraded (judged where the setting is:
/// the cluster for its members).
fn rds_16_extended_support(d: &Database, region: &str) -> Finding {
    let verdict = RDS_16.on(&database(d, region));
    match d.lifecycle_support.as_deref() {
        Some("open-source-rds-extended-support") => verdict.fail(format!(
            "enrolled in RDS Extended Support ({} {}): it keeps running past the end of standard support instead of being upgraded",
            d.engine, d.engine_version
        )),
        Some(other) => verdict.pass(format!("EngineLifecycleSupport {other}")),
        None if extended_support_exists(&d.engine) => verdict.error(&ApiError::incomplete(
            listing(d),
            format!("EngineLifecycleSupport of {}", d.arn),
        )),
        None => verdict.not_applicable(format!(
            "RDS Extended Support does not exist for {}",
            d.engine
        )),
    }
}

/// RDS-17: the server certificate stays valid for at least `rds_certificate_min_days`
/// (each instance has its own certificate).
fn rds_17_certificate(d: &Database, region: &str, ctx: &Ctx) -> Finding {
    let verdict = RDS_17.on(&database(d, region));
    let Some(till) = d.certificate.as_ref().and_then(|c| c.valid_till) else {
        return verdict.error(&ApiError::incomplete(
            listing(d),
            format!("CertificateDetails.ValidTill of {}", d.arn),
        ));
    };
    let ca = d
        .certificate
        .as_ref()
        .and_then(|c| c.ca.as_deref())
        .unwrap_or("an unnamed CA");
    let left = (till - ctx.now).num_days();
    let min = ctx.t.rds_certificate_min_days;
    let date = till.format("%Y-%m-%d");
    if till <= ctx.now {
        verdict.fail(format!("server certificate ({ca}) expired on {date}"))
    } else if left < min {
        verdict.fail(format!(
            "server certificate ({ca}) expires on {date}, in {left} days (fewer than {min})"
        ))
    } else {
        verdict.pass(format!("server certificate ({ca}) valid until {date}"))
    }
}

/// RDS-18: Aurora MySQL backtracking (the only engine that has it).
fn rds_18_backtrack(d: &Database, region: &str) -> Finding {
    let verdict = RDS_18.on(&database(d, region));
    if d.backtrack_seconds > 0 {
        verdict.pass(format!("backtrack window {} s", d.backtrack_seconds))
    } else {
        verdict.fail("backtracking off: a bad write can only be undone by a restore")
    }
}

/// Master user names an attacker tries first: the consoles' defaults (`admin`, `postgres`)
/// and the engines' built-in superusers. Prowler 5.46.0 knows only `admin` and `postgres`.
const DEFAULT_ADMINS: &[&str] = &[
    "admin",
    "administrator",
    "postgres",
    "root",
    "sa",
    "master",
    "mysql",
    "dbadmin",
];

/// RDS-07: the master user name is not a well-known default (members of a cluster are judged
/// on the cluster, whose master user they share).
fn rds_07_not_default_admin(d: &Database, region: &str) -> Finding {
    let verdict = RDS_07.on(&database(d, region));
    match d.master_username.as_deref() {
        None => verdict.error(&ApiError::incomplete(
            if d.is_cluster {
                "rds:DescribeDBClusters"
            } else {
                "rds:DescribeDBInstances"
            },
            format!("MasterUsername of {}", d.arn),
        )),
        Some(user) if DEFAULT_ADMINS.iter().any(|a| a.eq_ignore_ascii_case(user)) => {
            verdict.fail(format!("master user name {user:?} is a well-known default"))
        }
        Some(user) => verdict.pass(format!("master user name {user:?} is not a default")),
    }
}

/// Whether RDS-03 is judged on this database. Aurora takes TLS from the cluster parameter
/// group, so an Aurora cluster member is judged on its cluster instead. Collection reads the
/// TLS parameter only where this holds.
pub(crate) fn tls_judged_here(in_cluster: bool, engine: &str) -> bool {
    !(in_cluster && engine.starts_with("aurora"))
}

/// RDS-01: StorageEncrypted.
fn rds_01_encrypted(d: &Database, region: &str) -> Finding {
    RDS_01.on(&database(d, region)).pass_if(
        d.encrypted,
        if d.encrypted {
            "storage encrypted"
        } else {
            "storage not encrypted"
        },
    )
}

/// RDS-02: PubliclyAccessible false.
fn rds_02_not_public(d: &Database, region: &str) -> Finding {
    let verdict = RDS_02.on(&database(d, region));
    match d.public {
        None => verdict.error(&ApiError::incomplete(
            "rds:DescribeDBInstances",
            format!("PubliclyAccessible of {}", d.arn),
        )),
        Some(public) => verdict.pass_if(
            !public,
            if public {
                "publicly accessible"
            } else {
                "not publicly accessible"
            },
        ),
    }
}

/// Which parameter forces TLS for an engine, and its default when the group does not set it
/// (`None` inside: the default depends on a major version that could not be read).
pub(crate) fn tls_parameter(
    engine: &str,
    version: &str,
) -> Option<(&'static str, Option<&'static str>)> {
    let major: Option<u32> = version.split('.').next().and_then(|m| m.parse().ok());
    match engine {
        e if e.contains("postgres") => Some((
            "rds.force_ssl",
            major.map(|m| if m >= 15 { "1" } else { "0" }),
        )),
        e if e.starts_with("sqlserver") => Some(("rds.force_ssl", Some("0"))),
        e if e.contains("mysql") || e.contains("mariadb") => {
            Some(("require_secure_transport", Some("0")))
        }
        _ => None,
    }
}

/// RDS-03: `rds.force_ssl=1` or `require_secure_transport=ON/1`, engine default if unset.
/// An engine without such a parameter (Oracle, Db2: TLS comes from an option group or the
/// client) is NOT_APPLICABLE by name; an engine the answer did not name is an ERROR.
fn rds_03_tls(d: &Database, region: &str) -> Option<Finding> {
    let verdict = RDS_03.on(&database(d, region));
    if d.engine.is_empty() {
        return Some(verdict.error(&ApiError::incomplete(
            if d.is_cluster {
                "rds:DescribeDBClusters"
            } else {
                "rds:DescribeDBInstances"
            },
            format!("Engine of {}", d.arn),
        )));
    }
    let Some((name, default)) = tls_parameter(&d.engine, &d.engine_version) else {
        return Some(verdict.not_applicable(format!(
            "engine {} has no TLS parameter in its parameter group",
            d.engine
        )));
    };
    let value = match &d.tls_parameter {
        Some(Ok(v)) => v.clone(),
        Some(Err(e)) => {
            return Some(RDS_03.on(&database(d, region)).error(e));
        }
        None => {
            return Some(
                RDS_03
                    .on(&database(d, region))
                    .error(&ApiError::not_collected(
                        "rds:DescribeDBParameters",
                        "the parameter group was not read",
                    )),
            );
        }
    };
    let (shown, from) = match (&value, default) {
        (Some(v), _) => (v.clone(), "parameter group"),
        (None, Some(default)) => (default.to_owned(), "engine default"),
        (None, None) => {
            return Some(verdict.error(&ApiError::incomplete(
                "rds:DescribeDBInstances",
                format!(
                    "a readable EngineVersion of {} ({:?}), on which the default of {name} depends",
                    d.arn, d.engine_version
                ),
            )));
        }
    };
    let on = matches!(shown.to_ascii_lowercase().as_str(), "1" | "on" | "true");
    Some(verdict.pass_if(on, format!("{name}={shown} ({from})")))
}

/// RDS-12's parameters for an engine: those that set the oldest TLS version the database
/// accepts (none: the engine has no such parameter in its parameter group).
pub(crate) fn tls_version_parameters(engine: &str) -> &'static [&'static str] {
    match engine {
        e if e.contains("postgres") => &["ssl_min_protocol_version"],
        e if e.contains("mysql") || e.contains("mariadb") => &["tls_version"],
        e if e.starts_with("sqlserver") => &["rds.tls10", "rds.tls11"],
        _ => &[],
    }
}

/// The version numbers of `version` (`8.0.35` → [8, 0, 35]), up to the first part that is not
/// a number (`8.0.mysql_aurora.3.05.2` → [8, 0]).
fn version_numbers(version: &str) -> Vec<u32> {
    version.split('.').map_while(|p| p.parse().ok()).collect()
}

/// The value TLS version parameter `name` takes when the group does not set it, as the engine
/// documents it for `version`; `Err` saying why when the sweep knows no documented default.
///
/// - PostgreSQL `ssl_min_protocol_version` (added in 12): `TLSv1` in 12, `TLSv1.2` from 13
///   (PostgreSQL's documented default; AWS documents no other for RDS or Aurora). Before 12
///   no setting exists and TLS 1.0 is accepted, read as `TLSv1`.
/// - MySQL `tls_version`: `TLSv1.2,TLSv1.3` from 8.0.28 (MySQL removed TLS 1.0 and 1.1),
///   `TLSv1,TLSv1.1,TLSv1.2` before (5.7, 8.0.27 and older).
/// - MariaDB 10.x `tls_version`: `TLSv1.1,TLSv1.2,TLSv1.3`.
/// - SQL Server `rds.tls10` / `rds.tls11`: `default`, which leaves the protocol to the
///   operating system: not disabled.
/// - Aurora MySQL and other MariaDB versions: no documented default the sweep relies on.
fn tls_version_default(engine: &str, version: &str, name: &str) -> Result<&'static str, String> {
    let v = version_numbers(version);
    let unknown = || {
        Err(format!(
            "a documented default of {name} for {engine} {version:?} (set it in the parameter group)"
        ))
    };
    match name {
        "ssl_min_protocol_version" => match v.first() {
            Some(m) if *m >= 13 => Ok("TLSv1.2"),
            Some(_) => Ok("TLSv1"),
            None => unknown(),
        },
        "tls_version" if engine == "mysql" => match v.as_slice() {
            [m, ..] if *m > 8 => Ok("TLSv1.2,TLSv1.3"),
            [8, n, ..] if *n > 0 => Ok("TLSv1.2,TLSv1.3"),
            [8, 0, patch, ..] if *patch >= 28 => Ok("TLSv1.2,TLSv1.3"),
            [5 | 8, ..] => Ok("TLSv1,TLSv1.1,TLSv1.2"),
            _ => unknown(),
        },
        "tls_version" if engine == "mariadb" => match v.first() {
            Some(10) => Ok("TLSv1.1,TLSv1.2,TLSv1.3"),
            _ => unknown(),
        },
        "rds.tls10" | "rds.tls11" => Ok("default"),
        _ => unknown(),
    }
}

/// Whether `value` of TLS version parameter `name` refuses every TLS version older than 1.2.
fn refuses_old_tls(name: &str, value: &str) -> bool {
    let old = |v: &str| v.eq_ignore_ascii_case("TLSv1") || v.eq_ignore_ascii_case("TLSv1.1");
    match name {
        "ssl_min_protocol_version" => {
            value.eq_ignore_ascii_case("TLSv1.2") || value.eq_ignore_ascii_case("TLSv1.3")
        }
        "tls_version" => {
            let versions: Vec<&str> = value
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .collect();
            !versions.is_empty() && !versions.iter().any(|v| old(v))
        }
        _ => value.eq_ignore_ascii_case("disabled"),
    }
}

/// RDS-12 ★: TLS required (RDS-03's parameter on) and TLS older than 1.2 refused: PostgreSQL
/// `ssl_min_protocol_version` TLSv1.2 or newer, MySQL/MariaDB `tls_version` without TLSv1 and
/// TLSv1.1, SQL Server `rds.tls10` and `rds.tls11` disabled. A parameter the group does not
/// set takes the engine's documented default ([`tls_version_default`]); where none is known,
/// ERROR. An engine without such parameters (Oracle, Db2) is NOT_APPLICABLE by name.
fn rds_12_tls_version(d: &Database, region: &str) -> Finding {
    let verdict = RDS_12.on(&database(d, region));
    let listing = if d.is_cluster {
        "rds:DescribeDBClusters"
    } else {
        "rds:DescribeDBInstances"
    };
    if d.engine.is_empty() {
        return verdict.error(&ApiError::incomplete(
            listing,
            format!("Engine of {}", d.arn),
        ));
    }
    let names = tls_version_parameters(&d.engine);
    let Some((force, force_default)) =
        tls_parameter(&d.engine, &d.engine_version).filter(|_| !names.is_empty())
    else {
        return verdict.not_applicable(format!(
            "engine {} has no TLS version parameter in its parameter group",
            d.engine
        ));
    };
    let set = match &d.tls_versions {
        Some(Ok(set)) => set,
        Some(Err(e)) => return verdict.error(e),
        None => {
            return verdict.error(&ApiError::not_collected(
                "rds:DescribeDBParameters",
                "the parameter group was not read",
            ));
        }
    };
    let force_value = match &d.tls_parameter {
        Some(Ok(Some(v))) => (v.clone(), "parameter group"),
        Some(Ok(None)) => match force_default {
            Some(v) => (v.to_owned(), "engine default"),
            None => {
                return verdict.error(&ApiError::incomplete(
                    listing,
                    format!(
                        "a readable EngineVersion of {} ({:?}), on which the default of {force} depends",
                        d.arn, d.engine_version
                    ),
                ));
            }
        },
        Some(Err(e)) => return verdict.error(e),
        None => {
            return verdict.error(&ApiError::not_collected(
                "rds:DescribeDBParameters",
                "the parameter group was not read",
            ));
        }
    };
    let mut shown = vec![format!("{force}={} ({})", force_value.0, force_value.1)];
    let required = matches!(
        force_value.0.to_ascii_lowercase().as_str(),
        "1" | "on" | "true"
    );
    let mut old_allowed = Vec::new();
    for name in names {
        let (value, from) = match set.get(*name) {
            Some(v) => (v.clone(), "parameter group"),
            None => match tls_version_default(&d.engine, &d.engine_version, name) {
                Ok(v) => (v.to_owned(), "engine default"),
                Err(what) => {
                    return verdict.error(&ApiError::incomplete("rds:DescribeDBParameters", what));
                }
            },
        };
        if !refuses_old_tls(name, &value) {
            old_allowed.push(format!("{name}={value}"));
        }
        shown.push(format!("{name}={value} ({from})"));
    }
    let shown = shown.join(", ");
    if !required {
        verdict.fail(format!("TLS not required: {shown}"))
    } else if !old_allowed.is_empty() {
        verdict.fail(format!(
            "TLS older than 1.2 accepted ({}): {shown}",
            old_allowed.join(", ")
        ))
    } else {
        verdict.pass(format!("TLS 1.2 or newer required: {shown}"))
    }
}

/// RDS-04: IAMDatabaseAuthenticationEnabled.
fn rds_04_iam_auth(d: &Database, region: &str) -> Finding {
    RDS_04.on(&database(d, region)).pass_if(
        d.iam_auth,
        if d.iam_auth {
            "IAM authentication on"
        } else {
            "IAM authentication off"
        },
    )
}

/// RDS-05: BackupRetentionPeriod at least the threshold.
fn rds_05_backups(d: &Database, region: &str, ctx: &Ctx) -> Finding {
    let min = ctx.t.rds_backup_days;
    RDS_05.on(&database(d, region)).pass_if(
        d.backup_retention_days >= min,
        format!(
            "automated backups kept {} days (threshold {min})",
            d.backup_retention_days
        ),
    )
}

/// RDS-06: DeletionProtection.
fn rds_06_deletion_protection(d: &Database, region: &str) -> Finding {
    RDS_06.on(&database(d, region)).pass_if(
        d.deletion_protection,
        if d.deletion_protection {
            "deletion protection on"
        } else {
            "deletion protection off"
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status::*;
    use crate::checks::fixtures::*;
    use crate::config::Thresholds;

    fn db(id: &str, engine: &str, good: bool) -> Database {
        Database {
            arn: format!("arn:aws:rds:us-east-1:111122223333:db:{id}"),
            is_cluster: false,
            cluster: None,
            engine: engine.into(),
            engine_version: "14.9".into(),
            encrypted: good,
            public: Some(!good),
            iam_auth: good,
            backup_retention_days: if good { 7 } else { 1 },
            deletion_protection: good,
            tls_parameter: Some(Ok(good.then(|| "1".to_string()))),
            tls_versions: Some(Ok(Default::default())),
            tags: Default::default(),
            master_username: Some(if good { "app_owner" } else { "admin" }.into()),
            multi_az: Some(good),
            auto_minor_upgrade: Some(good),
            copy_tags_to_snapshot: Some(good),
            log_exports: if good {
                vec!["postgresql".into()]
            } else {
                vec![]
            },
            monitoring_interval: Some(if good { 60 } else { 0 }),
            port: Some(if good { 6543 } else { 3306 }),
            vpc_id: good.then(|| "vpc-0a1b2c3d".into()),
            lifecycle_support: Some(
                if good {
                    "open-source-rds-extended-support-disabled"
                } else {
                    "open-source-rds-extended-support"
                }
                .into(),
            ),
            certificate: Some(crate::facts::Certificate {
                ca: Some("rds-ca-rsa2048-g1".into()),
                valid_till: Some(now() + chrono::Duration::days(if good { 365 } else { 30 })),
            }),
            backtrack_seconds: if good { 86_400 } else { 0 },
        }
    }

    #[test]
    fn rds_checks_pass_and_fail() {
        let t = Thresholds::default();
        let mut member = db("member", "aurora-postgresql", false);
        member.cluster = Some("c".into());
        let mut cluster = db("c", "aurora-postgresql", true);
        cluster.is_cluster = true;
        cluster.arn = "arn:aws:rds:us-east-1:111122223333:cluster:c".into();
        let facts = RdsFacts {
            region: "us-east-1".into(),
            instances: Ok(vec![
                db("good", "postgres", true),
                db("bad", "mysql", false),
                member,
            ]),
            clusters: Ok(vec![cluster]),
        };
        let f = evaluate(&facts, &ctx(&t));
        let arn = |id: &str| format!("arn:aws:rds:us-east-1:111122223333:db:{id}");
        for id in [
            "RDS-01", "RDS-02", "RDS-03", "RDS-04", "RDS-05", "RDS-06", "RDS-07", "RDS-08",
            "RDS-09", "RDS-10", "RDS-11", "RDS-13", "RDS-14", "RDS-15", "RDS-16", "RDS-17",
        ] {
            assert_eq!(one(&f, id, &arn("good")).status, Pass, "{id}");
            assert_eq!(one(&f, id, &arn("bad")).status, Fail, "{id}");
        }
        assert_eq!(
            one(&f, "RDS-03", &arn("bad")).detail,
            "require_secure_transport=0 (engine default)"
        );
        // The member's own (bad) settings are the cluster's to judge, except public access.
        assert_eq!(
            statuses(&f, "RDS-01")
                .iter()
                .filter(|(r, _)| r == &arn("member"))
                .count(),
            0
        );
        assert_eq!(one(&f, "RDS-02", &arn("member")).status, Fail);
        assert_eq!(
            one(&f, "RDS-01", "arn:aws:rds:us-east-1:111122223333:cluster:c").status,
            Pass
        );
        assert_eq!(
            one(&f, "RDS-03", "arn:aws:rds:us-east-1:111122223333:cluster:c").status,
            Pass
        );
    }

    /// `root` and `sa` are defaults too (Prowler 5.46.0 passes them); a name the answer left
    /// out is ERROR; members of a cluster are judged on it.
    #[test]
    fn default_master_user_names_fail() {
        let with = |user: Option<&str>| {
            let d = Database {
                master_username: user.map(str::to_owned),
                ..db("x", "mysql", true)
            };
            rds_07_not_default_admin(&d, "us-east-1").status
        };
        assert_eq!(with(Some("app_owner")), Pass);
        for user in ["admin", "Postgres", "root", "sa"] {
            assert_eq!(with(Some(user)), Fail, "{user}");
        }
        assert_eq!(with(None), Error);
        let mut member = db("m", "aurora-mysql", false);
        member.cluster = Some("c".into());
        assert!(
            judge(&member, "us-east-1", &ctx(&Thresholds::default()))
                .iter()
                .all(|f| f.check != RDS_07)
        );
    }

    /// Aurora: minor upgrades judged on members, tags on the cluster; a flag the answer left
    /// out is ERROR.
    #[test]
    fn availability_and_upkeep_follow_where_aurora_keeps_each_setting() {
        let t = Thresholds::default();
        let c = ctx(&t);
        let mut member = db("m", "aurora-postgresql", false);
        member.cluster = Some("c".into());
        let checks = |d: &Database| -> Vec<String> {
            judge(d, "us-east-1", &c)
                .iter()
                .map(|f| f.check.to_string())
                .filter(|id| ["RDS-08", "RDS-09", "RDS-10", "RDS-11"].contains(&id.as_str()))
                .collect()
        };
        assert_eq!(checks(&member), ["RDS-09"]);
        let mut cluster = db("c", "aurora-postgresql", true);
        cluster.is_cluster = true;
        assert_eq!(checks(&cluster), ["RDS-08", "RDS-11", "RDS-10"]);
        let unknown = Database {
            multi_az: None,
            ..db("u", "postgres", true)
        };
        assert_eq!(rds_08_multi_az(&unknown, "us-east-1").status, Error);
        let off = db("o", "postgres", false);
        assert_eq!(rds_09_minor_upgrades(&off, "us-east-1").status, Fail);
        assert_eq!(rds_11_log_exports(&off, "us-east-1").status, Fail);
    }

    #[test]
    fn tls_defaults_by_engine_version() {
        assert_eq!(
            tls_parameter("postgres", "16.1"),
            Some(("rds.force_ssl", Some("1")))
        );
        assert_eq!(
            tls_parameter("postgres", "13.4"),
            Some(("rds.force_ssl", Some("0")))
        );
        assert_eq!(
            tls_parameter("mariadb", "10.11"),
            Some(("require_secure_transport", Some("0")))
        );
        assert_eq!(tls_parameter("oracle-ee", "19"), None);
        let mut d = db("pg16", "postgres", true);
        d.engine_version = "16.2".into();
        d.tls_parameter = Some(Ok(None));
        assert_eq!(rds_03_tls(&d, "us-east-1").unwrap().status, Pass);
        d.tls_parameter = Some(Err(denied("rds:DescribeDBParameters")));
        assert_eq!(rds_03_tls(&d, "us-east-1").unwrap().status, Error);
    }

    /// Facts the answer left out are ERROR naming them, never a PASS or a silent skip.
    #[test]
    fn unknown_facts_are_errors_not_passes() {
        let t = Thresholds::default();
        let mut unsaid = db("unsaid", "postgres", true);
        unsaid.public = None;
        unsaid.engine = String::new();
        let mut versionless = db("versionless", "postgres", true);
        versionless.engine_version = "unknown".into();
        versionless.tls_parameter = Some(Ok(None));
        let mut orphan = db("orphan", "aurora-mysql", true);
        orphan.cluster = Some("gone".into());
        let oracle = db("ora", "oracle-ee", true);
        let f = evaluate(
            &RdsFacts {
                region: "us-east-1".into(),
                instances: Ok(vec![unsaid, versionless, orphan, oracle]),
                clusters: Ok(vec![]),
            },
            &ctx(&t),
        );
        let arn = |id: &str| format!("arn:aws:rds:us-east-1:111122223333:db:{id}");
        let rds_02 = one(&f, "RDS-02", &arn("unsaid"));
        assert_eq!(rds_02.status, Error);
        assert!(
            rds_02.detail.contains("PubliclyAccessible"),
            "{}",
            rds_02.detail
        );
        assert!(one(&f, "RDS-03", &arn("unsaid")).detail.contains("Engine"));
        assert_eq!(one(&f, "RDS-03", &arn("unsaid")).status, Error);
        assert_eq!(one(&f, "RDS-03", &arn("versionless")).status, Error);
        for id in ["RDS-01", "RDS-03", "RDS-04", "RDS-05", "RDS-06"] {
            let x = one(&f, id, &arn("orphan"));
            assert_eq!(x.status, Error, "{id}");
            assert!(x.detail.contains("cluster gone"), "{}", x.detail);
        }
        assert_eq!(one(&f, "RDS-03", &arn("ora")).status, NotApplicable);
    }

    /// RDS-12: TLS required and versions before 1.2 refused, from the group or the engine's
    /// documented default; no known default is ERROR, never a PASS.
    #[test]
    fn tls_version_needs_tls_required_and_old_versions_refused() {
        let set = |pairs: &[(&str, &str)]| {
            Some(Ok(pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()))
        };
        let judge = |d: &Database| {
            let f = rds_12_tls_version(d, "us-east-1");
            (f.status, f.detail)
        };
        // PostgreSQL 14: rds.force_ssl=1 in the group, the minimum left at TLSv1.2.
        let mut pg = db("pg", "postgres", true);
        assert_eq!(
            judge(&pg),
            (
                Pass,
                "TLS 1.2 or newer required: rds.force_ssl=1 (parameter group), ssl_min_protocol_version=TLSv1.2 (engine default)".into()
            )
        );
        pg.tls_versions = set(&[("ssl_min_protocol_version", "TLSv1.1")]);
        assert_eq!(judge(&pg).0, Fail);
        assert!(
            judge(&pg)
                .1
                .starts_with("TLS older than 1.2 accepted (ssl_min_protocol_version=TLSv1.1)"),
            "{}",
            judge(&pg).1
        );
        // TLS on by the PostgreSQL 15+ default is enough; off by the 14 default is not.
        pg.tls_versions = set(&[]);
        pg.tls_parameter = Some(Ok(None));
        assert!(
            judge(&pg)
                .1
                .starts_with("TLS not required: rds.force_ssl=0 (engine default)")
        );
        pg.engine_version = "16.3".into();
        assert_eq!(judge(&pg).0, Pass);
        // PostgreSQL 12's default minimum is TLS 1.0.
        pg.engine_version = "12.19".into();
        pg.tls_parameter = Some(Ok(Some("1".into())));
        assert_eq!(judge(&pg).0, Fail);

        // MySQL: TLS 1.0 and 1.1 are gone from 8.0.28 on.
        let mut my = db("my", "mysql", true);
        my.tls_parameter = Some(Ok(Some("ON".into())));
        my.engine_version = "8.0.35".into();
        assert_eq!(judge(&my).0, Pass);
        my.engine_version = "8.0.27".into();
        assert_eq!(judge(&my).0, Fail);
        my.engine_version = "5.7.44".into();
        my.tls_versions = set(&[("tls_version", "TLSv1.2, TLSv1.3")]);
        assert_eq!(judge(&my).0, Pass);
        my.tls_versions = set(&[("tls_version", "TLSv1.1,TLSv1.2")]);
        assert_eq!(judge(&my).0, Fail);
        // MariaDB 10.x accepts TLS 1.1 by default.
        let mut maria = db("maria", "mariadb", true);
        maria.tls_parameter = Some(Ok(Some("1".into())));
        maria.engine_version = "10.11.8".into();
        assert_eq!(judge(&maria).0, Fail);
        // Aurora MySQL: no default the sweep knows: ERROR naming it, unless the group sets it.
        let mut aurora = db("aurora", "aurora-mysql", true);
        aurora.is_cluster = true;
        aurora.tls_parameter = Some(Ok(Some("ON".into())));
        aurora.engine_version = "8.0.mysql_aurora.3.05.2".into();
        let (status, detail) = judge(&aurora);
        assert_eq!(status, Error);
        assert!(detail.contains("default of tls_version"), "{detail}");
        aurora.tls_versions = set(&[("tls_version", "TLSv1.2")]);
        assert_eq!(judge(&aurora).0, Pass);

        // SQL Server: TLS 1.0 and 1.1 disabled explicitly.
        let mut sql = db("sql", "sqlserver-se", true);
        assert_eq!(judge(&sql).0, Fail, "rds.tls10 default: not disabled");
        sql.tls_versions = set(&[("rds.tls10", "disabled"), ("rds.tls11", "disabled")]);
        assert_eq!(judge(&sql).0, Pass);

        // No such parameter: not applicable; unread: ERROR.
        assert_eq!(judge(&db("ora", "oracle-ee", true)).0, NotApplicable);
        let mut unread = db("pg", "postgres", true);
        unread.tls_versions = Some(Err(denied("rds:DescribeDBParameters")));
        assert_eq!(judge(&unread).0, Error);
        unread.tls_versions = None;
        assert_eq!(judge(&unread).0, Error);
        unread.tls_versions = set(&[]);
        unread.tls_parameter = Some(Err(denied("rds:DescribeDBParameters")));
        assert_eq!(judge(&unread).0, Error);
    }

    /// Enhanced Monitoring, the certificate and the VPC belong to each instance, Aurora
    /// members included; the port and Extended Support to the cluster; backtracking exists
    /// only on Aurora MySQL clusters.
    #[test]
    fn operational_settings_are_judged_where_rds_keeps_them() {
        let t = Thresholds::default();
        let mut member = db("member", "aurora-mysql", false);
        member.cluster = Some("c".into());
        let cluster = |id: &str, engine: &str, good: bool| {
            let mut c = db(id, engine, good);
            c.is_cluster = true;
            c.arn = format!("arn:aws:rds:us-east-1:111122223333:cluster:{id}");
            c.vpc_id = None;
            c.certificate = None;
            c
        };
        let f = evaluate(
            &RdsFacts {
                region: "us-east-1".into(),
                instances: Ok(vec![member]),
                clusters: Ok(vec![
                    cluster("c", "aurora-mysql", true),
                    cluster("bad", "aurora-mysql", false),
                    cluster("pg", "aurora-postgresql", false),
                ]),
            },
            &ctx(&t),
        );
        let member = "arn:aws:rds:us-east-1:111122223333:db:member";
        let c = |id: &str| format!("arn:aws:rds:us-east-1:111122223333:cluster:{id}");
        for id in ["RDS-13", "RDS-15", "RDS-17"] {
            assert_eq!(one(&f, id, member).status, Fail, "{id}");
            assert!(statuses(&f, id).iter().all(|(r, _)| r == member), "{id}");
        }
        for id in ["RDS-14", "RDS-16"] {
            assert!(statuses(&f, id).iter().all(|(r, _)| r != member), "{id}");
            assert_eq!(one(&f, id, &c("c")).status, Pass, "{id}");
            assert_eq!(one(&f, id, &c("bad")).status, Fail, "{id}");
        }
        assert_eq!(one(&f, "RDS-18", &c("c")).status, Pass);
        assert_eq!(one(&f, "RDS-18", &c("bad")).status, Fail);
        assert_eq!(
            statuses(&f, "RDS-18").len(),
            2,
            "no backtracking on Aurora PostgreSQL"
        );
        assert!(
            one(&f, "RDS-17", member).detail.contains("in 30 days"),
            "{}",
            one(&f, "RDS-17", member).detail
        );
    }

    /// A field the answer left out is ERROR naming it; an engine whose default port Vigil
    /// does not know is ERROR too; Extended Support on an engine that has none is not
    /// applicable, said so; an expired certificate fails.
    #[test]
    fn operational_facts_left_out_are_errors() {
        let t = Thresholds::default();
        let mut unsaid = db("unsaid", "postgres", true);
        unsaid.monitoring_interval = None;
        unsaid.port = None;
        unsaid.lifecycle_support = None;
        unsaid.certificate = Some(crate::facts::Certificate {
            ca: None,
            valid_till: None,
        });
        let mut odd = db("odd", "futuredb", true);
        odd.lifecycle_support = None;
        odd.certificate.as_mut().unwrap().valid_till = Some(now() - chrono::Duration::days(3));
        let f = evaluate(
            &RdsFacts {
                region: "us-east-1".into(),
                instances: Ok(vec![unsaid, odd]),
                clusters: Ok(vec![]),
            },
            &ctx(&t),
        );
        let arn = |id: &str| format!("arn:aws:rds:us-east-1:111122223333:db:{id}");
        for (id, field) in [
            ("RDS-13", "MonitoringInterval"),
            ("RDS-14", "Endpoint.Port"),
            ("RDS-16", "EngineLifecycleSupport"),
            ("RDS-17", "CertificateDetails.ValidTill"),
        ] {
            let x = one(&f, id, &arn("unsaid"));
            assert_eq!(x.status, Error, "{id}");
            assert!(x.detail.contains(field), "{id}: {}", x.detail);
        }
        let port = one(&f, "RDS-14", &arn("odd"));
        assert_eq!(port.status, Error);
        assert!(port.detail.contains("futuredb"), "{}", port.detail);
        assert_eq!(one(&f, "RDS-16", &arn("odd")).status, NotApplicable);
        let cert = one(&f, "RDS-17", &arn("odd"));
        assert_eq!(cert.status, Fail);
        assert!(cert.detail.contains("expired"), "{}", cert.detail);
    }
}
