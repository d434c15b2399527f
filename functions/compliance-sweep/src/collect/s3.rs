//! S3: account Block Public Access (S3 Control), the bucket listing, and per bucket only the
//! calls a check needs. Every answer is kept per run, per bucket and call ([`Answers`]): a
//! bucket that is listed, a trail bucket and a GuardDuty export bucket at once is asked each
//! call once, whichever shard asks first. Its Region comes from ListBuckets where the answer
//! gives it, else from one GetBucketLocation.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use futures::StreamExt;
use vigil::s3::PublicAccessBlock;

use super::{Collector, Memo};
use crate::aws::{s3, s3control};
use crate::facts::{
    Bucket, Encryption, Fetched, LifecycleRule, ObjectLock, S3Facts, Service, Versioning,
};

/// What a caller needs of a bucket: which of the shared per-bucket answers it waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Need {
    /// S3-02..07: public access block, policy, encryption, public ACL grants (unless public
    /// ACLs are ignored), versioning, logging.
    Posture,
    /// CT-04/05/07: public access block, policy status, ACL, logging, lifecycle, Object Lock.
    TrailBucket,
    /// GD-04: lifecycle, Object Lock.
    Retention,
}

/// ListBuckets: the names in listing order, and the Region of each where the answer gives it.
#[derive(Debug, Default)]
struct Listing {
    names: Vec<String>,
    regions: HashMap<String, String>,
}

/// The S3 answers of one run: the listing, and each per-bucket call keyed by bucket name.
#[derive(Debug, Default)]
pub(super) struct Answers {
    listing: Memo<Fetched<Arc<Listing>>>,
    region: Memo<Fetched<String>>,
    public_access_block: Memo<Fetched<Option<PublicAccessBlock>>>,
    policy: Memo<Fetched<Option<String>>>,
    policy_is_public: Memo<Fetched<bool>>,
    public_grants: Memo<Fetched<Vec<String>>>,
    versioning: Memo<Fetched<Versioning>>,
    encryption: Memo<Fetched<Encryption>>,
    logging_target: Memo<Fetched<Option<String>>>,
    lifecycle: Memo<Fetched<Vec<LifecycleRule>>>,
    object_lock: Memo<Fetched<ObjectLock>>,
}

const LISTING: &str = "ListBuckets";

pub(super) async fn collect(c: &Collector) -> S3Facts {
    let (account_block, listed) = tokio::join!(account_block(c), listing(c));
    let buckets = match listed {
        Err(e) => Err(e),
        Ok(list) => Ok(futures::stream::iter(&list.names)
            .map(|name| bucket(c, name, Need::Posture))
            .buffered(c.width(Service::S3))
            .collect()
            .await),
    };
    S3Facts {
        account_public_access_block: account_block,
        buckets,
    }
}

/// s3control:GetPublicAccessBlock for the account, once per run.
pub(super) async fn account_block(c: &Collector) -> Fetched<Option<PublicAccessBlock>> {
    c.shared
        .account_block
        .get_or("account", || {
            c.limited(
                Service::S3,
                &c.home_region,
                s3control::account_public_access_block(&c.clients.s3control, &c.account),
            )
        })
        .await
}

/// ListBuckets, once per run.
async fn listing(c: &Collector) -> Fetched<Arc<Listing>> {
    c.shared
        .buckets
        .listing
        .get_or(LISTING, || list_buckets(c))
        .await
}

async fn list_buckets(c: &Collector) -> Fetched<Arc<Listing>> {
    let home = &c.home_region;
    let client = c.region(home).s3.clone();
    let list = c
        .limited(Service::S3, home, s3::list_buckets(&client))
        .await?;
    let mut out = Listing::default();
    for (name, region) in list {
        if let Some(region) = region {
            out.regions.insert(name.clone(), region);
        }
        out.names.push(name);
    }
    Ok(Arc::new(out))
}

/// The bucket's Region, once per bucket: from ListBuckets when this run lists the buckets (the
/// S3 shard; never started here) and the answer gives it, else GetBucketLocation.
async fn region_of(c: &Collector, name: &str) -> Fetched<String> {
    let answers = &c.shared.buckets;
    answers
        .region
        .get_or(name, || async {
            if let Some(Ok(list)) = answers.listing.asked(LISTING, || list_buckets(c)).await
                && let Some(region) = list.regions.get(name)
            {
                return Ok(region.clone());
            }
            let home = &c.home_region;
            let client = c.region(home).s3.clone();
            c.limited(Service::S3, home, s3::bucket_region(&client, name))
                .await
        })
        .await
}

/// One call of bucket `name`, once per run: the shared answer, or the error of its Region when
/// that is not known (nothing else can be asked then). `call` gets the client and the name of
/// the bucket's Region.
async fn once<T, F>(
    c: &Collector,
    memo: &Memo<Fetched<T>>,
    name: &str,
    region: &Fetched<String>,
    call: impl FnOnce(aws_sdk_s3::Client, String) -> F,
) -> Fetched<T>
where
    T: Clone,
    F: Future<Output = Fetched<T>>,
{
    memo.get_or(name, || async {
        let region = region.clone()?;
        let client = c.region(&region).s3.clone();
        call(client, region).await
    })
    .await
}

/// The facts of one bucket for `need`: only the answers it needs, each shared per run.
pub(super) async fn bucket(c: &Collector, name: &str, need: Need) -> Bucket {
    let region = region_of(c, name).await;
    let a = &c.shared.buckets;
    let posture = need == Need::Posture;
    let trail = need == Need::TrailBucket;
    let retention = matches!(need, Need::TrailBucket | Need::Retention);
    let mut b = Bucket {
        name: name.to_owned(),
        region: region.clone().unwrap_or_else(|_| c.home_region.clone()),
        ..Default::default()
    };
    if posture || trail {
        b.public_access_block = Some(
            once(
                c,
                &a.public_access_block,
                name,
                &region,
                |s3, r| async move {
                    c.limited(Service::S3, &r, s3::public_access_block(&s3, name))
                        .await
                },
            )
            .await,
        );
    }
    if posture {
        b.policy = Some(
            once(c, &a.policy, name, &region, |s3, r| async move {
                c.limited(Service::S3, &r, s3::policy(&s3, name)).await
            })
            .await,
        );
        b.encryption = Some(
            once(c, &a.encryption, name, &region, |s3, r| async move {
                encryption(c, &s3, name, &r).await
            })
            .await,
        );
    }
    let grants = || {
        once(c, &a.public_grants, name, &region, |s3, r| async move {
            c.limited(Service::S3, &r, s3::acl_public_grants(&s3, name))
                .await
        })
    };
    if posture {
        // Public ACLs that the account or the bucket ignores expose nothing: not asked then.
        let ignores = |p: &Option<Fetched<Option<PublicAccessBlock>>>| matches!(p, Some(Ok(Some(p))) if p.ignore_public_acls);
        let account = account_block(c).await;
        if !(ignores(&Some(account)) || ignores(&b.public_access_block)) {
            b.public_grants = Some(grants().await);
        }
        b.versioning = Some(
            once(c, &a.versioning, name, &region, |s3, r| async move {
                c.limited(Service::S3, &r, s3::versioning(&s3, name)).await
            })
            .await,
        );
    }
    if trail {
        b.policy_is_public = Some(
            once(c, &a.policy_is_public, name, &region, |s3, r| async move {
                c.limited(Service::S3, &r, s3::policy_is_public(&s3, name))
                    .await
            })
            .await,
        );
        b.acl_public = Some(grants().await.map(|g| s3::grants_more_than_read_acp(&g)));
    }
    if posture || trail {
        b.logging_target = Some(
            once(c, &a.logging_target, name, &region, |s3, r| async move {
                c.limited(Service::S3, &r, s3::logging_target(&s3, name))
                    .await
            })
            .await,
        );
    }
    if retention {
        b.lifecycle = Some(
            once(c, &a.lifecycle, name, &region, |s3, r| async move {
                c.limited(Service::S3, &r, s3::lifecycle(&s3, name)).await
            })
            .await,
        );
        b.object_lock = Some(
            once(c, &a.object_lock, name, &region, |s3, r| async move {
                c.limited(Service::S3, &r, s3::object_lock(&s3, name)).await
            })
            .await,
        );
    }
    b
}

/// Default encryption, with the manager of the KMS key it names. A bucket without a
/// configuration is read as AWS's default, SSE-S3 (see `aws::s3::default_encryption`).
async fn encryption(
    c: &Collector,
    s3: &aws_sdk_s3::Client,
    name: &str,
    region: &str,
) -> Fetched<Encryption> {
    let rule = c
        .limited(Service::S3, region, s3::default_encryption(s3, name))
        .await?;
    let Some((algorithm, kms_key)) = rule else {
        return Ok(Encryption {
            algorithm: "AES256".into(),
            kms_key: None,
            key_manager: None,
        });
    };
    let key_manager = match &kms_key {
        Some(k) if !k.ends_with("alias/aws/s3") => Some(c.key_manager(region, k).await),
        _ => None,
    };
    Ok(Encryption {
        algorithm,
        kms_key,
        key_manager,
    })
}
