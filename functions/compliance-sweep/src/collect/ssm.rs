//! SSM Parameter Store per Region: DescribeParameters (every page), then GetParameters for the
//! `String` and `StringList` parameters only, ten names a call; each value is scanned right
//! here (`checks::ssm::scan`) and goes no further. SecureString values are never read.

use futures::StreamExt;

use super::Collector;
use crate::aws::ssm::{self, GET_PARAMETERS_BATCH, Listed};
use crate::checks::ssm::scan;
use crate::facts::{ApiError, Parameter, Service, SsmFacts};

/// The parameter types SSM-01 judges.
const PLAIN: [&str; 2] = ["String", "StringList"];

pub(super) async fn collect(c: &Collector, region: &str) -> SsmFacts {
    let client = c.region(region).ssm.clone();
    let listed = c
        .limited(Service::Ssm, region, ssm::describe_parameters(&client))
        .await;
    let parameters = match listed {
        Err(e) => Err(e),
        Ok(listed) => {
            let plain: Vec<Listed> = listed
                .into_iter()
                .filter(|p| p.kind.as_deref().is_none_or(|k| PLAIN.contains(&k)))
                .collect();
            let batches: Vec<Vec<Listed>> = plain
                .chunks(GET_PARAMETERS_BATCH)
                .map(<[Listed]>::to_vec)
                .collect();
            Ok(futures::stream::iter(batches)
                .map(|batch| read_batch(c, region, batch))
                .buffered(c.width(Service::Ssm))
                .collect::<Vec<Vec<Parameter>>>()
                .await
                .into_iter()
                .flatten()
                .collect())
        }
    };
    SsmFacts {
        region: region.to_owned(),
        parameters,
    }
}

/// One GetParameters call for the parameters of `batch` whose type is known, each value
/// scanned; a parameter the answer left out is an ERROR naming it.
async fn read_batch(c: &Collector, region: &str, batch: Vec<Listed>) -> Vec<Parameter> {
    let names: Vec<String> = batch
        .iter()
        .filter(|p| p.kind.is_some())
        .map(|p| p.name.clone())
        .collect();
    let values = if names.is_empty() {
        Ok(Default::default())
    } else {
        let client = c.region(region).ssm.clone();
        c.limited(Service::Ssm, region, ssm::values(&client, &names))
            .await
    };
    batch
        .into_iter()
        .map(|p| {
            let hit = match (&p.kind, &values) {
                (None, _) => Err(ApiError::incomplete(
                    "ssm:DescribeParameters",
                    format_args!("the Type of parameter {}", p.name),
                )),
                (Some(_), Err(e)) => Err(e.clone()),
                (Some(kind), Ok(values)) => match values.get(&p.name) {
                    Some(value) => Ok(scan(&p.name, kind, value)),
                    None => Err(ApiError::incomplete(
                        "ssm:GetParameters",
                        format_args!("the value of parameter {} (listed as invalid)", p.name),
                    )),
                },
            };
            Parameter {
                arn: p
                    .arn
                    .clone()
                    .unwrap_or_else(|| arn(region, &c.account, &p.name)),
                name: p.name,
                kind: p.kind,
                hit,
            }
        })
        .collect()
}

/// A parameter's ARN as AWS writes it: `parameter/` then the name without its leading `/`.
fn arn(region: &str, account: &str, name: &str) -> String {
    format!(
        "arn:aws:ssm:{region}:{account}:parameter/{}",
        name.trim_start_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_name_the_path_once() {
        assert_eq!(
            arn("eu-west-1", "111122223333", "/app/db/password"),
            "arn:aws:ssm:eu-west-1:111122223333:parameter/app/db/password"
        );
        assert_eq!(
            arn("eu-west-1", "111122223333", "stage"),
            "arn:aws:ssm:eu-west-1:111122223333:parameter/stage"
        );
    }
}
