//! cloudtrail event model (being written).
