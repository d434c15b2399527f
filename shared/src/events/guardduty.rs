//! guardduty event model (being written).
