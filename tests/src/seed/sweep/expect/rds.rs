//! RDS: each instance and cluster in its Region.

use super::Expect;

pub(super) fn expect(e: &mut Expect) {
    let spec = e.spec;
    for d in &spec.databases {
        let arn = e.arn(&d.name);
        let r = d.region;
        // RDS-01: storage encrypted.
        e.on("RDS-01", &arn, r).pass_if(d.encrypted);
        // RDS-02: instances only.
        if !d.cluster {
            e.on("RDS-02", &arn, r).pass_if(!d.public);
        }
        // RDS-03: rds.force_ssl = 1 in a custom group, or the engine default (PostgreSQL 15
        // and later force TLS; MySQL does not).
        let major: u32 = d
            .engine_version
            .split('.')
            .next()
            .and_then(|m| m.parse().ok())
            .expect("seeded versions are numbers");
        let default_on = d.engine.contains("postgres") && major >= 15;
        e.on("RDS-03", &arn, r)
            .pass_if(d.force_ssl.is_some() || default_on);
        // RDS-12: TLS required (as RDS-03) and nothing older than TLS 1.2: the group's
        // ssl_min_protocol_version, else PostgreSQL's default (TLSv1.2 from 13: every seeded
        // PostgreSQL version).
        let min_ok = d
            .force_ssl
            .as_ref()
            .and_then(|g| g.min_tls)
            .is_none_or(|v| v == "TLSv1.2" || v == "TLSv1.3");
        e.on("RDS-12", &arn, r)
            .pass_if((d.force_ssl.is_some() || default_on) && min_ok);
        // RDS-04..06.
        e.on("RDS-04", &arn, r).pass_if(d.iam_auth);
        e.on("RDS-05", &arn, r).pass_if(d.backup_days >= 7);
        e.on("RDS-06", &arn, r).pass_if(d.deletion_protection);
        // RDS-07: the master user name is not a default.
        e.on("RDS-07", &arn, r)
            .pass_if(!["admin", "postgres"].contains(&d.master_username));
        // RDS-08: Multi-AZ; the seeded Aurora cluster has no instances, so one zone.
        e.on("RDS-08", &arn, r).pass_if(d.resilient && !d.cluster);
        // RDS-09: instances only here (an Aurora cluster's members carry it).
        if !d.cluster {
            e.on("RDS-09", &arn, r).pass_if(d.resilient);
        }
        // RDS-10, RDS-11: tags copied to snapshots, logs exported.
        e.on("RDS-10", &arn, r).pass_if(d.resilient);
        e.on("RDS-11", &arn, r).pass_if(d.resilient);
        // RDS-14, RDS-16: set on instances outside a cluster and on clusters (hardened: a
        // non-default port, opted out of Extended Support).
        e.on("RDS-14", &arn, r).pass_if(d.hardened);
        if e.stock {
            e.on("RDS-16", &arn, r).error();
        } else {
            e.on("RDS-16", &arn, r).pass_if(d.hardened);
        }
        if d.cluster {
            // RDS-18: backtracking, Aurora MySQL only.
            if d.engine == "aurora-mysql" {
                e.on("RDS-18", &arn, r).pass_if(d.hardened);
            }
        } else {
            // RDS-13, RDS-15, RDS-17: each instance's monitoring, VPC and certificate (the
            // CA of a database not hardened, rds-ca-2019, expired in 2024).
            e.on("RDS-13", &arn, r).pass_if(d.hardened);
            e.on("RDS-15", &arn, r).pass_if(d.hardened);
            if e.stock {
                e.on("RDS-17", &arn, r).error();
            } else {
                e.on("RDS-17", &arn, r).pass_if(d.hardened);
            }
        }
    }
}
