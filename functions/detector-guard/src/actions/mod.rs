//! Where the function changes things: the repairs (`repair`), the drills (`drill`), and the
//! state it keeps between invocations ([`save_awaiting`]).

pub(crate) mod drill;
pub(crate) mod repair;

use std::collections::BTreeMap;

use vigil::state::Awaiting;

use crate::collect::awaiting_key;
use crate::deps::Deps;

/// Writes each Region's repairs awaiting confirmation that changed in this invocation. A write
/// that fails is logged: it costs at most one alert more at the next check.
pub(crate) async fn save_awaiting(deps: &Deps, changed: &BTreeMap<String, Awaiting>) {
    if let Some(store) = &deps.state {
        store.save_awaiting(changed, awaiting_key).await;
    }
}
