//! The run's metrics: pass, fail and error counts per area, as CloudWatch Embedded Metric
//! Format lines on stdout (no PutMetricData calls).

use vigil::metrics::{MetricSet, Unit};

use super::{FUNCTION, areas};
use crate::sweep::Outcome;

pub(crate) fn emit(outcome: &Outcome, namespace: &str) {
    for (area, c) in areas(&outcome.findings) {
        MetricSet::new(namespace)
            .dimension("Function", FUNCTION)
            .dimension("Area", area.to_string())
            .metric("Pass", c.pass as f64, Unit::Count)
            .metric("Fail", c.fail as f64, Unit::Count)
            .metric("Error", c.error as f64, Unit::Count)
            .property("run_id", outcome.run_id.clone())
            .emit();
    }
}
