//! Alerts: what a person is told when Vigil acts or fails, delivered through SNS.
//!
//! The subject fits SNS's limits (ASCII, at most 100 characters, one line); severity, source
//! and any extra attributes travel as message attributes so subscribers can filter without
//! parsing text. Callers put no secret into an alert: facts are plain strings on purpose, and
//! the types that hold secrets (`secrecy::SecretString`) do not convert into them.

use aws_sdk_sns::types::MessageAttributeValue;

use crate::aws::AwsCallError;

/// How urgent an alert is, in the bands GuardDuty and Security Hub use. Its serde name is
/// its name everywhere (subject, body, message attribute).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

serde_plain::derive_display_from_serialize!(Severity);

/// One alert: a title, the function that raised it, and facts as ordered name/value pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub severity: Severity,
    pub source: String,
    pub title: String,
    pub facts: Vec<(String, String)>,
    /// Extra message attributes for subscription filter policies (e.g. `family`).
    pub attributes: Vec<(String, String)>,
}

/// SNS allows at most 100 characters in a subject.
pub const MAX_SUBJECT_CHARS: usize = 100;

impl Alert {
    pub fn new(severity: Severity, source: impl Into<String>, title: impl Into<String>) -> Self {
        Alert {
            severity,
            source: source.into(),
            title: title.into(),
            facts: Vec::new(),
            attributes: Vec::new(),
        }
    }

    pub fn fact(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.facts.push((name.into(), value.into()));
        self
    }

    pub fn attribute(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.push((name.into(), value.into()));
        self
    }

    /// `[Vigil HIGH] title`, reduced to printable ASCII on one line and cut to 100 characters.
    pub fn subject(&self) -> String {
        let raw = format!("[Vigil {}] {}", self.severity, self.title);
        let mut clean: String = raw
            .chars()
            .map(|c| {
                if c.is_ascii_graphic() || c == ' ' {
                    c
                } else if c.is_whitespace() {
                    ' '
                } else {
                    '?'
                }
            })
            .collect();
        if clean.len() > MAX_SUBJECT_CHARS {
            clean.truncate(MAX_SUBJECT_CHARS - 3);
            clean.push_str("...");
        }
        clean
    }

    /// The message body: the title, then one `name: value` line per fact.
    pub fn body(&self) -> String {
        let width = self.facts.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        let mut out = format!(
            "{}\n\nseverity: {}\nsource: {}\n",
            self.title, self.severity, self.source
        );
        for (name, value) in &self.facts {
            out.push_str(&format!("{name:<width$}: {value}\n"));
        }
        out
    }
}

/// Delivers alerts to one SNS topic; with no topic configured, alerts are only logged.
#[derive(Debug, Clone)]
pub struct Alerts {
    client: aws_sdk_sns::Client,
    topic_arn: Option<String>,
}

impl Alerts {
    pub fn new(client: aws_sdk_sns::Client, topic_arn: Option<String>) -> Self {
        Alerts { client, topic_arn }
    }

    /// Publishes the alert. It is logged in any case, so a failed publish loses nothing.
    pub async fn send(&self, alert: &Alert) -> Result<Option<String>, AwsCallError> {
        tracing::warn!(
            severity = %alert.severity,
            source = %alert.source,
            title = %alert.title,
            facts = ?alert.facts,
            "alert"
        );
        let Some(topic) = &self.topic_arn else {
            return Ok(None);
        };
        let mut request = self
            .client
            .publish()
            .topic_arn(topic)
            .subject(alert.subject())
            .message(alert.body())
            .message_attributes("severity", string_attribute(&alert.severity.to_string()))
            .message_attributes("source", string_attribute(&alert.source));
        for (name, value) in &alert.attributes {
            request = request.message_attributes(name, string_attribute(value));
        }
        let output = request
            .send()
            .await
            .map_err(|e| AwsCallError::new("sns:Publish", e))?;
        Ok(output.message_id)
    }
}

/// What publishing an invocation's alerts came to.
#[derive(Debug)]
pub struct Delivery {
    /// How many were published.
    pub sent: usize,
    /// The first publish that failed, if one did.
    pub failure: Option<AwsCallError>,
}

impl Alerts {
    /// Publishes each alert in turn. One that cannot be published is logged (with its title;
    /// [`Alerts::send`] has logged the alert itself) and the others still go out; the first
    /// failure is returned, for the invocation to fail with.
    pub async fn send_all(&self, alerts: &[Alert]) -> Delivery {
        let mut delivery = Delivery {
            sent: 0,
            failure: None,
        };
        for alert in alerts {
            match self.send(alert).await {
                Ok(_) => delivery.sent += 1,
                Err(e) => {
                    tracing::error!(error = %e, title = %alert.title, "could not publish the alert; it is in this log");
                    delivery.failure.get_or_insert(e);
                }
            }
        }
        delivery
    }

    /// Publishes an alert when nothing more can be done if that fails (the failure alert of an
    /// invocation that is failing anyway): a failed publish is logged.
    pub async fn send_or_log(&self, alert: &Alert) {
        if let Err(e) = self.send(alert).await {
            tracing::error!(error = %e, title = %alert.title, "could not publish the alert; it is in this log");
        }
    }
}

fn string_attribute(value: &str) -> MessageAttributeValue {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .expect("data_type is set")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_is_ascii_one_line_and_at_most_100_chars() {
        let alert = Alert::new(
            Severity::High,
            "secret-rotation",
            format!("rotation failed for {}\nwith ünïcode", "x".repeat(200)),
        );
        let subject = alert.subject();
        assert!(subject.len() <= MAX_SUBJECT_CHARS);
        assert!(subject.starts_with("[Vigil HIGH] rotation failed for x"));
        assert!(subject.ends_with("..."));
        assert!(subject.chars().all(|c| c.is_ascii_graphic() || c == ' '));
    }

    #[test]
    fn short_subject_is_kept_whole() {
        let alert = Alert::new(Severity::Low, "s", "line one\tline two");
        assert_eq!(alert.subject(), "[Vigil LOW] line one line two");
    }

    #[test]
    fn body_lists_facts_in_order() {
        let alert = Alert::new(Severity::Medium, "secret-rotation", "title")
            .fact("secret", "arn:x")
            .fact("step", "setSecret");
        let body = alert.body();
        let secret_at = body.find("secret: arn:x").expect("secret fact");
        let step_at = body.find("step  : setSecret").expect("step fact");
        assert!(secret_at < step_at);
    }
}
