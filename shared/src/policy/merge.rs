//! Adding missing statements to a resource policy (being written).
