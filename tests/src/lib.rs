//! Vigil's integration tests and the harness they run on: a moto server standing in for AWS and
//! throwaway PostgreSQL and MariaDB clusters with TLS on (see [`harness`]).

pub mod demo;
pub mod events;
pub mod fuzz;
pub mod harness;
pub mod seed;
