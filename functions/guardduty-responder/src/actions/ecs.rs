//! ECS: stop a compromised task after recording what it runs, and mark its service. Nothing
//! is deleted: the task definition, the image and the service stay for forensics.
//!
//! A stopped task cannot be started again, so release cannot undo the stop; it removes the
//! service's tags, and the record (task definition, image digests, network interfaces) is in
//! the action's detail, the alert and the log.

use super::record::Undo;
use super::{ActionError, Ctx, Step};
use crate::aws::Clients;
use crate::aws::ecs::Task;

/// Tag key carrying the finding id on a service.
const FINDING_TAG: &str = "vigil:guardduty-finding";
/// Tag key carrying the stopped task on a service.
const STOPPED_TAG: &str = "vigil:stopped-task";

/// What is recorded about a task before it is stopped. Pure.
fn describe(task: &Task) -> String {
    let containers: Vec<String> = task
        .containers
        .iter()
        .map(|c| {
            format!(
                "{} image {} digest {}",
                c.name,
                c.image.as_deref().unwrap_or("unknown"),
                c.image_digest.as_deref().unwrap_or("unknown")
            )
        })
        .collect();
    format!(
        "task definition {}; containers: {}; network interfaces: {}; launch type {}",
        task.task_definition_arn.as_deref().unwrap_or("unknown"),
        if containers.is_empty() {
            "none listed".into()
        } else {
            containers.join(", ")
        },
        if task.interfaces.is_empty() {
            "none".into()
        } else {
            task.interfaces.join(", ")
        },
        task.launch_type.as_deref().unwrap_or("unknown"),
    )
}

/// The ARN of a cluster's service, built from the task's ARN (`…:task/<cluster>/<id>`) or the
/// cluster's (`…:cluster/<name>`).
fn service_arn(
    cluster: &str,
    service: &str,
    partition: &str,
    region: &str,
    account: &str,
) -> String {
    let name = cluster.rsplit_once("cluster/").map_or(cluster, |(_, n)| n);
    format!("arn:{partition}:ecs:{region}:{account}:service/{name}/{service}")
}

/// Records the task, then stops it; a task already stopped (or stopping) is left as it is.
pub(crate) async fn stop_task(
    ctx: &Ctx<'_>,
    cluster: &str,
    task: &str,
) -> Result<Step, ActionError> {
    let Some(found) = ctx.aws.ecs.describe_task(cluster, task).await? else {
        return Ok(Step::AlreadyDone(format!(
            "ECS no longer knows task {task}: it has stopped"
        )));
    };
    let record = describe(&found);
    if found.desired_status.as_deref() == Some("STOPPED")
        || found.last_status.as_deref() == Some("STOPPED")
    {
        return Ok(Step::AlreadyDone(format!(
            "the task is already stopped; {record}"
        )));
    }
    let reason = format!("Vigil: GuardDuty finding {}", ctx.finding.id);
    ctx.aws.ecs.stop_task(cluster, task, &reason).await?;
    Ok(Step::Done(format!(
        "stopped (recorded first: {record}); a service starts a replacement from the same task definition: fix the image or task definition"
    )))
}

/// Tags the service with the finding and the stopped task.
pub(crate) async fn tag_service(
    ctx: &Ctx<'_>,
    cluster: &str,
    service: &str,
) -> Result<Step, ActionError> {
    let f = ctx.finding;
    let arn = service_arn(
        cluster,
        service,
        f.partition.as_deref().unwrap_or("aws"),
        f.region.as_deref().unwrap_or("us-east-1"),
        &f.account_id,
    );
    let Some(tags) = ctx.aws.ecs.tags(&arn).await? else {
        return Err(ActionError::Refused(format!(
            "service {arn} does not exist"
        )));
    };
    let task = f
        .resource
        .ecs_cluster_details
        .as_ref()
        .and_then(|d| d.task_details.as_ref())
        .and_then(|t| t.arn.as_deref())
        .unwrap_or("unknown");
    let undo = Undo::UntagService {
        service_arn: arn.clone(),
        keys: vec![FINDING_TAG.to_owned(), STOPPED_TAG.to_owned()],
    };
    if tags.iter().any(|(k, v)| k == FINDING_TAG && *v == f.id) {
        ctx.remember(undo);
        return Ok(Step::AlreadyDone(format!(
            "already tagged {FINDING_TAG}={}",
            f.id
        )));
    }
    ctx.aws
        .ecs
        .tag(&arn, &[(FINDING_TAG, f.id.as_str()), (STOPPED_TAG, task)])
        .await?;
    ctx.remember(undo);
    Ok(Step::Done(format!(
        "tagged {FINDING_TAG}={}, {STOPPED_TAG}={task}",
        f.id
    )))
}

/// Release: the responder's tags off the service, read back.
pub(crate) async fn untag_service(
    aws: &Clients,
    arn: &str,
    keys: &[String],
) -> Result<Step, ActionError> {
    let Some(tags) = aws.ecs.tags(arn).await? else {
        return Ok(Step::AlreadyDone(format!("service {arn} no longer exists")));
    };
    if !tags.iter().any(|(k, _)| keys.contains(k)) {
        return Ok(Step::AlreadyDone(
            "the service carries none of the responder's tags".into(),
        ));
    }
    aws.ecs.untag(arn, keys).await?;
    let after = aws.ecs.tags(arn).await?.unwrap_or_default();
    if after.iter().any(|(k, _)| keys.contains(k)) {
        return Err(ActionError::Refused(
            "read back, the service still has the tags".into(),
        ));
    }
    Ok(Step::Done(format!(
        "tags {} removed (read back)",
        keys.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::ecs::TaskContainer;

    #[test]
    fn the_record_names_definition_digests_and_interfaces() {
        let task = Task {
            arn: "arn:aws:ecs:us-east-1:1:task/c/t".into(),
            task_definition_arn: Some("arn:aws:ecs:us-east-1:1:task-definition/web:3".into()),
            containers: vec![TaskContainer {
                name: "web".into(),
                image: Some("nginx:1".into()),
                image_digest: Some("sha256:ab".into()),
                runtime_id: None,
            }],
            interfaces: vec!["eni-1".into()],
            launch_type: Some("FARGATE".into()),
            ..Task::default()
        };
        let text = describe(&task);
        for expected in [
            "task-definition/web:3",
            "nginx:1 digest sha256:ab",
            "eni-1",
            "FARGATE",
        ] {
            assert!(text.contains(expected), "{expected} missing from {text}");
        }
        assert_eq!(
            service_arn(
                "arn:aws:ecs:us-east-1:1:cluster/prod",
                "web",
                "aws",
                "us-east-1",
                "1"
            ),
            "arn:aws:ecs:us-east-1:1:service/prod/web"
        );
    }
}
