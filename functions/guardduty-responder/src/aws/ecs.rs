//! ECS: a task as it runs now (definition, images and their digests, network interfaces),
//! stopping it, and the tags of its service.

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::Tag;
use vigil::aws::AwsCallError;

use super::tag_pair;

/// A task as DescribeTasks shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Task {
    pub arn: String,
    pub last_status: Option<String>,
    pub desired_status: Option<String>,
    pub task_definition_arn: Option<String>,
    /// `service:<name>` for a service's task.
    pub group: Option<String>,
    pub launch_type: Option<String>,
    pub containers: Vec<TaskContainer>,
    /// The task's elastic network interfaces (awsvpc mode).
    pub interfaces: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct TaskContainer {
    pub name: String,
    pub image: Option<String>,
    pub image_digest: Option<String>,
    pub runtime_id: Option<String>,
}

/// The ECS calls the responder makes.
#[derive(Debug, Clone)]
pub(crate) struct Ecs {
    client: Client,
}

impl Ecs {
    pub(crate) fn new(client: Client) -> Self {
        Ecs { client }
    }

    /// The task; `None` when ECS no longer knows it (stopped tasks are kept about an hour).
    pub(crate) async fn describe_task(
        &self,
        cluster: &str,
        task: &str,
    ) -> Result<Option<Task>, AwsCallError> {
        let output = self
            .client
            .describe_tasks()
            .cluster(cluster)
            .tasks(task)
            .send()
            .await
            .map_err(|e| AwsCallError::new("ecs:DescribeTasks", e))?;
        Ok(output.tasks().first().map(|t| Task {
            arn: t.task_arn().unwrap_or(task).to_owned(),
            last_status: t.last_status().map(str::to_owned),
            desired_status: t.desired_status().map(str::to_owned),
            task_definition_arn: t.task_definition_arn().map(str::to_owned),
            group: t.group().map(str::to_owned),
            launch_type: t.launch_type().map(|l| l.as_str().to_owned()),
            containers: t
                .containers()
                .iter()
                .map(|c| TaskContainer {
                    name: c.name().unwrap_or_default().to_owned(),
                    image: c.image().map(str::to_owned),
                    image_digest: c.image_digest().map(str::to_owned),
                    runtime_id: c.runtime_id().map(str::to_owned),
                })
                .collect(),
            interfaces: t
                .attachments()
                .iter()
                .filter(|a| a.r#type() == Some("ElasticNetworkInterface"))
                .flat_map(|a| a.details())
                .filter(|d| d.name() == Some("networkInterfaceId"))
                .filter_map(|d| d.value().map(str::to_owned))
                .collect(),
        }))
    }

    pub(crate) async fn stop_task(
        &self,
        cluster: &str,
        task: &str,
        reason: &str,
    ) -> Result<(), AwsCallError> {
        self.client
            .stop_task()
            .cluster(cluster)
            .task(task)
            .reason(reason)
            .send()
            .await
            .map_err(|e| AwsCallError::new("ecs:StopTask", e))?;
        Ok(())
    }

    /// The resource's tags; `None` when it does not exist.
    pub(crate) async fn tags(
        &self,
        arn: &str,
    ) -> Result<Option<Vec<(String, String)>>, AwsCallError> {
        match self
            .client
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
        {
            Ok(output) => Ok(Some(
                output
                    .tags()
                    .iter()
                    .map(|t| tag_pair(t.key(), t.value()))
                    .collect(),
            )),
            Err(e) => {
                let e = AwsCallError::new("ecs:ListTagsForResource", e);
                if e.failure == vigil::aws::AwsFailure::NotFound
                    || e.message.contains("not found")
                    || e.code.as_deref() == Some("InvalidParameterException")
                {
                    Ok(None)
                } else {
                    Err(e)
                }
            }
        }
    }

    pub(crate) async fn tag(&self, arn: &str, tags: &[(&str, &str)]) -> Result<(), AwsCallError> {
        let mut request = self.client.tag_resource().resource_arn(arn);
        for (k, v) in tags {
            request = request.tags(Tag::builder().key(*k).value(*v).build());
        }
        request
            .send()
            .await
            .map_err(|e| AwsCallError::new("ecs:TagResource", e))?;
        Ok(())
    }

    pub(crate) async fn untag(&self, arn: &str, keys: &[String]) -> Result<(), AwsCallError> {
        self.client
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|e| AwsCallError::new("ecs:UntagResource", e))?;
        Ok(())
    }
}
