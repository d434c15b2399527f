//! Wildcard and privilege analysis of policy documents (being written).
