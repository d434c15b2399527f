//! Filing a drill receipt: after the alert for a sample finding has gone out (or failed to),
//! the responder reads the drill under way from the state store it shares with
//! detector-guard (`vigil::state`, `VIGIL_STATE_PREFIX`) and, when the drill asked for this
//! sample's type, leaves its [`Receipt`](vigil::state::drill::Receipt) under the drill id.
//! Which receipt, if any, is decided in [`playbook::drill`](crate::playbook::drill).
//!
//! A receipt already there is kept as it is: a replayed sample changes nothing. Reading or
//! writing the state can fail; that is reported (and logged by the handler), never turned into
//! a lost alert or a retry, and the drill then says the sample was not received: the chain
//! broke at the responder, which is true.

use chrono::{DateTime, Utc};
use serde::Serialize;
use vigil::events::guardduty::Finding;
use vigil::state::Store;
use vigil::state::drill::{ACTIVE_KEY, Active, AlertResult, Receipt};

use crate::playbook::drill;

/// What was done about a drill receipt for a sample finding of the drill under way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum ReceiptOutcome {
    /// Filed for drill `drill_id`, in `parameter`.
    Filed { drill_id: String, parameter: String },
    /// The same sample (or another of its type) was received before: the receipt is unchanged.
    AlreadyFiled { drill_id: String, parameter: String },
    /// The state store could not be read or written: no receipt, so the drill reports the
    /// sample as not received.
    Failed { error: String },
}

/// Files the receipt for a sample finding of the drill under way, once its alert went out
/// (`alert`). `None`: not a drill's sample (no drill under way, a type it did not ask for, a
/// settled drill, not a sample).
pub async fn file_receipt(
    store: &Store,
    finding: &Finding,
    alert: AlertResult,
    now: DateTime<Utc>,
) -> Option<ReceiptOutcome> {
    if !finding.is_sample() {
        return None;
    }
    let active = match store.get::<Active>(ACTIVE_KEY, now).await {
        Ok(active) => active,
        Err(e) => {
            return Some(ReceiptOutcome::Failed {
                error: format!("the drill under way could not be read: {e}"),
            });
        }
    };
    let (key, receipt) = drill::receipt(finding, active.as_ref(), alert, now)?;
    let drill_id = receipt.drill_id.clone();
    let parameter = store.parameter_name(&key);
    match store.get::<Receipt>(&key, now).await {
        Ok(Some(_)) => {
            return Some(ReceiptOutcome::AlreadyFiled {
                drill_id,
                parameter,
            });
        }
        Ok(None) => {}
        Err(e) => {
            return Some(ReceiptOutcome::Failed {
                error: format!("the receipt {parameter} could not be read: {e}"),
            });
        }
    }
    let ttl = drill::receipt_ttl(active.as_ref()?, now);
    Some(match store.put(&key, &receipt, now, ttl).await {
        Ok(()) => ReceiptOutcome::Filed {
            drill_id,
            parameter,
        },
        Err(e) => ReceiptOutcome::Failed {
            error: format!("the receipt {parameter} could not be written: {e}"),
        },
    })
}
