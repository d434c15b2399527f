//! Which AWS operations a function calls, for the test that proves its role grants no more and
//! no less (`tests/tests/least_privilege.rs`).
//!
//! Every client a function builds goes through [`client!`](crate::client), which installs a
//! [`Recorder`]. The recorder does nothing unless `VIGIL_RECORD_OPERATIONS` names a directory
//! when the client is built; then each operation the SDK starts (whether or not it succeeds:
//! a denied call still needs the grant) is appended as `Service:Operation` to
//! `<dir>/<function>.ops`. One `write` per line on a file opened for appending, so the test
//! threads and processes that share a file never interleave within a line.
//!
//! An SDK interceptor rather than an HTTP wrapper: the SDK names the operation itself
//! (`Metadata`), where the HTTP request would need each protocol's routing undone.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// The environment variable that switches recording on: a directory to write into.
pub const ENV: &str = "VIGIL_RECORD_OPERATIONS";

/// Records the operations of the clients it is installed in; see the module documentation.
#[derive(Debug, Clone)]
pub struct Recorder {
    sink: Option<Arc<Mutex<Sink>>>,
}

#[derive(Debug)]
struct Sink {
    path: PathBuf,
    file: Option<File>,
}

impl Recorder {
    /// A recorder for `function`'s clients: on when [`ENV`] is set, a no-op otherwise.
    pub fn new(function: &str) -> Self {
        Self::into_dir(std::env::var_os(ENV), function)
    }

    /// A recorder writing `<dir>/<function>.ops`; off when `dir` is unset or empty.
    fn into_dir(dir: Option<std::ffi::OsString>, function: &str) -> Self {
        let sink = dir.filter(|dir| !dir.is_empty()).map(|dir| {
            Arc::new(Mutex::new(Sink {
                path: PathBuf::from(dir).join(format!("{function}.ops")),
                file: None,
            }))
        });
        Recorder { sink }
    }

    fn record(&self, line: &str) -> std::io::Result<()> {
        let Some(sink) = &self.sink else {
            return Ok(());
        };
        let mut sink = sink.lock().unwrap_or_else(|e| e.into_inner());
        if sink.file.is_none() {
            if let Some(dir) = sink.path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            sink.file = Some(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&sink.path)?,
            );
        }
        let file = sink.file.as_mut().expect("opened above");
        file.write_all(format!("{line}\n").as_bytes())
    }
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "VigilOperationRecorder"
    }

    // Not `read_before_execution`: a client's interceptors run that hook before the
    // operation's own configuration (where `Metadata` lives) is applied.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if self.sink.is_none() {
            return Ok(());
        }
        let operation = operation(cfg)
            .ok_or("the SDK named no operation (Metadata missing from the config bag)")?;
        // A recording that silently missed calls would let the test pass wrongly: fail the
        // call instead, which fails the test that made it.
        self.record(&operation)
            .map_err(|e| format!("recording the operation into {ENV}: {e}").into())
    }
}

/// `Service:Operation` of the call under way, as the SDK names it in the config bag (for
/// interceptors from serialization on; see [`Recorder`]).
pub fn operation(cfg: &ConfigBag) -> Option<String> {
    cfg.load::<Metadata>()
        .map(|m| format!("{}:{}", m.service(), m.name()))
}

/// `$krate::Client` built from an `SdkConfig` with the operation [`Recorder`] installed for
/// the calling crate; the optional closure-like part customises the config builder
/// (`client!(aws_sdk_s3, &sdk, |b| b.force_path_style(true))`).
///
/// A macro because every service has its own config builder type with its own `interceptor`
/// method; there is no trait to be generic over.
#[macro_export]
macro_rules! client {
    ($krate:ident, $sdk:expr) => {
        $crate::client!($krate, $sdk, |b| b)
    };
    ($krate:ident, $sdk:expr, |$b:ident| $customize:expr) => {{
        let $b = $krate::config::Builder::from($sdk)
            .interceptor($crate::record::Recorder::new(env!("CARGO_PKG_NAME")));
        $krate::Client::from_conf($customize.build())
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_without_a_directory_and_appends_lines_with_one() {
        for off in [None, Some("".into())] {
            let recorder = Recorder::into_dir(off, "fn");
            assert!(recorder.sink.is_none());
            recorder.record("SNS:Publish").unwrap();
        }

        let dir = tempfile::tempdir().unwrap();
        let on = Recorder::into_dir(Some(dir.path().into()), "fn");
        on.record("SNS:Publish").unwrap();
        on.clone().record("KMS:Sign").unwrap();
        let text = std::fs::read_to_string(dir.path().join("fn.ops")).unwrap();
        assert_eq!(text, "SNS:Publish\nKMS:Sign\n");
    }
}
