//! IAM: the root user, the password policy, each user's credentials, each policy, and least
//! privilege per user and role.

use super::super::spec::{Console, Doc, Trust};
use super::{Expect, GLOBAL};

pub(super) fn expect(e: &mut Expect) {
    let root = e.root();
    // IAM-01..03: the emulator's root has no keys and no MFA (it cannot be given one).
    e.on("IAM-01", &root, GLOBAL).pass();
    e.on("IAM-02", &root, GLOBAL).fail();
    e.on("IAM-03", &root, GLOBAL).fail();
    // IAM-04: never used; stock moto's credential report has no <root_account> row.
    if e.stock {
        e.on("IAM-04", &root, GLOBAL).error();
    } else {
        e.on("IAM-04", &root, GLOBAL).pass();
    }
    // IAM-05: 14 characters, 24 remembered, every class, 90 days.
    let p = &e.spec.password_policy;
    let strong = p.minimum_length >= 14
        && p.reuse_prevention.is_some_and(|r| r >= 24)
        && p.every_character_class
        && p.max_age_days.is_some_and(|d| d <= 90);
    e.on("IAM-05", &root, GLOBAL).pass_if(strong);

    let spec = e.spec;
    for u in &spec.users {
        let arn = e.arn(&u.name);
        let console = u.console != Console::None;
        // IAM-06: console users have MFA.
        if console {
            e.on("IAM-06", &arn, GLOBAL).pass_if(u.console.mfa());
            // IAM-07: no key created with a console user and never used.
            e.on("IAM-07", &arn, GLOBAL).pass_if(u.access_keys == 0);
        }
        // IAM-22: a hardware MFA device; none, or a virtual one, fails.
        e.on("IAM-22", &arn, GLOBAL)
            .pass_if(u.console == Console::PasswordAndHardwareMfa);
        // IAM-08: every credential is new, none unused for 45 days.
        e.on("IAM-08", &arn, GLOBAL).pass();
        // IAM-09: at most one active key.
        e.on("IAM-09", &arn, GLOBAL).pass_if(u.access_keys <= 1);
        // IAM-10: keys are new.
        if u.access_keys > 0 {
            e.on("IAM-10", &arn, GLOBAL).pass();
        }
        // IAM-11: no long-lived keys.
        e.on("IAM-11", &arn, GLOBAL).pass_if(u.access_keys == 0);
        // IAM-12: permissions only through groups.
        e.on("IAM-12", &arn, GLOBAL)
            .pass_if(u.attached.is_empty() && u.inline.is_empty());
    }

    // IAM-13: every customer policy (attached or not) and every inline policy: no * on *.
    for p in &spec.policies {
        let arn = e.arn(&p.name);
        e.on("IAM-13", arn, GLOBAL).pass_if(!p.doc.star_star());
    }
    for u in &spec.users {
        for (name, doc) in &u.inline {
            let resource = format!("{}/inline-policy/{name}", e.arn(&u.name));
            e.on("IAM-13", resource, GLOBAL).pass_if(!doc.star_star());
        }
    }
    for r in &spec.roles {
        let resource = format!("{}/inline-policy/inline", e.arn(&r.name));
        e.on("IAM-13", resource, GLOBAL)
            .pass_if(!r.inline.star_star());
    }
    // IAM-14: AWS managed policies do not exist in the emulator, so AdministratorAccess is
    // attached to nobody.
    e.on("IAM-14", &root, GLOBAL).pass();

    // LP-01..03 over every document that applies to a user (its own, its groups') or a role.
    let policy = |name: &str| {
        &spec
            .policies
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no policy {name} in the spec"))
            .doc
    };
    let mut principals: Vec<(String, Vec<&Doc>)> = Vec::new();
    for u in &spec.users {
        let mut docs: Vec<&Doc> = u.attached.iter().map(|p| policy(p)).collect();
        for g in &u.groups {
            let group = spec.groups.iter().find(|x| &x.name == g).expect("group");
            docs.extend(group.attached.iter().map(|p| policy(p)));
        }
        docs.extend(u.inline.iter().map(|(_, d)| d));
        principals.push((e.arn(&u.name), docs));
    }
    for r in &spec.roles {
        principals.push((e.arn(&r.name), vec![&r.inline]));
    }
    for (arn, docs) in principals {
        e.on("LP-01", &arn, GLOBAL)
            .pass_if(!docs.iter().any(|d| d.admin_equivalent()));
        e.on("LP-02", &arn, GLOBAL)
            .pass_if(!docs.iter().any(|d| d.roles_on_any()));
        e.on("LP-03", &arn, GLOBAL)
            .pass_if(!docs.iter().any(|d| d.sensitive_on_any()));
    }
    // LP-04: every role is new.
    for r in &spec.roles {
        let arn = e.arn(&r.name);
        e.on("LP-04", arn, GLOBAL).pass();
    }

    // IAM-15: roles trusting Lambda bind it to this account; IAM-16: roles trusting the
    // partner require an external id; IAM-17: ReadOnlyAccess (an AWS managed policy, absent
    // from the emulator) is on no role.
    for r in &spec.roles {
        let arn = e.arn(&r.name);
        match r.trust {
            Trust::LambdaPinned | Trust::Lambda => e
                .on("IAM-15", &arn, GLOBAL)
                .pass_if(r.trust == Trust::LambdaPinned),
            Trust::PartnerWithExternalId | Trust::Partner => e
                .on("IAM-16", &arn, GLOBAL)
                .pass_if(r.trust == Trust::PartnerWithExternalId),
        }
        e.on("IAM-17", arn, GLOBAL).pass();
    }
    // IAM-18 (cloudtrail:* on *), IAM-19 (privilege escalation) and IAM-21 (kms:* on *):
    // every customer policy, attached or not, and every inline policy.
    let mut documents: Vec<(String, &Doc)> = Vec::new();
    for p in &spec.policies {
        documents.push((e.arn(&p.name), &p.doc));
    }
    for u in &spec.users {
        for (name, doc) in &u.inline {
            documents.push((format!("{}/inline-policy/{name}", e.arn(&u.name)), doc));
        }
    }
    for r in &spec.roles {
        documents.push((
            format!("{}/inline-policy/inline", e.arn(&r.name)),
            &r.inline,
        ));
    }
    for (resource, doc) in documents {
        e.on("IAM-18", &resource, GLOBAL)
            .pass_if(!doc.all_of_cloudtrail());
        e.on("IAM-19", &resource, GLOBAL).pass_if(!doc.escalates());
        e.on("IAM-21", &resource, GLOBAL).pass_if(!doc.all_of_kms());
        // IAM-23..26: how far Marketplace, AssumeRole, AgentCore tokens and PassRole reach.
        e.on("IAM-23", &resource, GLOBAL)
            .pass_if(!doc.marketplace_on_any());
        e.on("IAM-24", &resource, GLOBAL)
            .pass_if(!doc.assumes_by_wildcard());
        e.on("IAM-25", &resource, GLOBAL)
            .pass_if(!doc.tokens_for_every_identity());
        e.on("IAM-26", resource, GLOBAL)
            .pass_if(!doc.passes_every_role());
    }
    // IAM-27: the role CloudWatch cross-account sharing creates fails; without it the account
    // passes.
    let sharing: Vec<String> = spec
        .roles
        .iter()
        .filter(|r| r.name == "CloudWatch-CrossAccountSharingRole")
        .map(|r| e.arn(&r.name))
        .collect();
    if sharing.is_empty() {
        e.on("IAM-27", &root, GLOBAL).pass();
    }
    for arn in sharing {
        e.on("IAM-27", arn, GLOBAL).fail();
    }
    // IAM-28, IAM-29: AWS managed policies do not exist in the emulator (they are attached to
    // nobody, as for IAM-14), so no role holds AWSSupportAccess or SecurityAudit and IAM-30
    // finds AWSCloudShellFullAccess nowhere. The other verdicts are unit-tested.
    e.on("IAM-28", &root, GLOBAL).fail();
    e.on("IAM-29", &root, GLOBAL).fail();
    e.on("IAM-30", &root, GLOBAL).pass();
    // IAM-20: groups whose policies make their members administrators: every member has MFA.
    for g in &spec.groups {
        if !g.attached.iter().any(|p| policy(p).admin_equivalent()) {
            continue;
        }
        let all_mfa = spec
            .users
            .iter()
            .filter(|u| u.groups.contains(&g.name))
            .all(|u| u.console.mfa());
        let arn = format!("arn:aws:iam::{}:group/{}", spec.id, g.name);
        e.on("IAM-20", arn, GLOBAL).pass_if(all_mfa);
    }
    // IAM-31: each server certificate is still valid. Stock moto answers every one with the
    // Expiration 2012-05-08 whatever its body says: all fail there.
    let stock = e.stock;
    for c in &spec.server_certificates {
        e.on("IAM-31", e.arn(&c.name), GLOBAL)
            .pass_if(c.valid_days > 0 && !stock);
    }
}
