//! CloudWatch Embedded Metric Format (EMF): metrics as structured log lines on stdout, which
//! CloudWatch Logs turns into metrics without a PutMetricData call (no extra latency, no extra
//! permission, nothing lost when the function is throttled).
//!
//! Written by hand rather than with the `metrics` facade and an EMF recorder
//! (e.g. `metrics_cloudwatch_embedded`): those keep one global recorder per process and flush
//! per invocation, while Vigil needs a few explicit per-event lines with per-event dimensions,
//! and tests need to read the exact line that was produced. The format is small and stable.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

/// The unit of a metric value, as CloudWatch names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Unit {
    Count,
    Milliseconds,
    Bytes,
    None,
}

/// One EMF record: a namespace, one dimension set, and metric values.
#[derive(Debug, Clone)]
pub struct MetricSet {
    namespace: String,
    dimensions: Vec<(String, String)>,
    metrics: Vec<(String, f64, Unit)>,
    properties: Vec<(String, Value)>,
}

impl MetricSet {
    pub fn new(namespace: impl Into<String>) -> Self {
        MetricSet {
            namespace: namespace.into(),
            dimensions: Vec::new(),
            metrics: Vec::new(),
            properties: Vec::new(),
        }
    }

    pub fn dimension(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.dimensions.push((name.into(), value.into()));
        self
    }

    pub fn metric(mut self, name: impl Into<String>, value: f64, unit: Unit) -> Self {
        self.metrics.push((name.into(), value, unit));
        self
    }

    /// A searchable property that is not a dimension (so it costs no extra metric series).
    pub fn property(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.properties.push((name.into(), value.into()));
        self
    }

    /// The EMF JSON document for this set, stamped with `at`.
    pub fn to_json(&self, at: SystemTime) -> Value {
        let timestamp = at
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let dimension_names: Vec<&str> = self.dimensions.iter().map(|(k, _)| k.as_str()).collect();
        let definitions: Vec<Value> = self
            .metrics
            .iter()
            .map(|(name, _, unit)| json!({"Name": name, "Unit": unit}))
            .collect();
        let mut root = Map::new();
        root.insert(
            "_aws".into(),
            json!({
                "Timestamp": timestamp,
                "CloudWatchMetrics": [{
                    "Namespace": self.namespace,
                    "Dimensions": [dimension_names],
                    "Metrics": definitions,
                }]
            }),
        );
        for (name, value) in &self.dimensions {
            root.insert(name.clone(), Value::String(value.clone()));
        }
        for (name, value) in &self.properties {
            root.insert(name.clone(), value.clone());
        }
        for (name, value, _) in &self.metrics {
            root.insert(name.clone(), json!(value));
        }
        Value::Object(root)
    }

    /// Writes the record as one line on stdout, where the Lambda log agent picks it up.
    pub fn emit(&self) {
        println!("{}", self.to_json(SystemTime::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn emf_document_declares_every_metric_and_dimension() {
        let at = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        let doc = MetricSet::new("Vigil")
            .dimension("Function", "secret-rotation")
            .dimension("Engine", "postgres")
            .metric("Succeeded", 1.0, Unit::Count)
            .metric("Duration", 12.5, Unit::Milliseconds)
            .property("step", "setSecret")
            .to_json(at);
        assert_eq!(doc["_aws"]["Timestamp"], 1_700_000_000_123u64);
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "Vigil");
        assert_eq!(directive["Dimensions"][0], json!(["Function", "Engine"]));
        assert_eq!(
            directive["Metrics"][1],
            json!({"Name": "Duration", "Unit": "Milliseconds"})
        );
        assert_eq!(doc["Engine"], "postgres");
        assert_eq!(doc["Succeeded"], 1.0);
        assert_eq!(doc["Duration"], 12.5);
        assert_eq!(doc["step"], "setSecret");
    }
}
