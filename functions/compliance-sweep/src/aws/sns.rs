//! SNS: who is told when an alarm fires.

use super::api;
use crate::facts::Fetched;

/// The confirmed subscriptions of `topic` (a pending one has no subscription ARN yet).
pub(crate) async fn confirmed_subscriptions(
    client: &aws_sdk_sns::Client,
    topic: &str,
) -> Fetched<usize> {
    let subscriptions = client
        .list_subscriptions_by_topic()
        .topic_arn(topic)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| api("sns:ListSubscriptionsByTopic", e))?;
    Ok(subscriptions
        .iter()
        .filter(|s| {
            s.subscription_arn
                .as_deref()
                .is_some_and(|a| a.starts_with("arn:"))
        })
        .count())
}
