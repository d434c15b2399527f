//! Field readers shared by the event models, for the places where AWS writes the same field
//! in more than one way (a number with or without quotes, `"true"` for `true`, `null` for
//! absent).

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// `null` read as the type's default, like an absent field.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A non-blank string: for the fields a decision is keyed on.
pub(crate) fn required_string<'de, D>(deserializer: D) -> Result<String, D::Error>
where
    D: Deserializer<'de>,
{
    match Value::deserialize(deserializer)? {
        Value::String(s) if !s.trim().is_empty() => Ok(s),
        other => Err(serde::de::Error::custom(format!(
            "expected a non-empty string, got {other}"
        ))),
    }
}

/// A string, or a number or boolean written without quotes (`asn`, account ids); null or
/// absent is `None`.
pub(crate) fn lenient_string<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        other => Err(serde::de::Error::custom(format!(
            "expected a string, got {other}"
        ))),
    }
}

/// [`lenient_string`], absent or null read as an empty string.
pub(crate) fn lenient_string_default<'de, D>(deserializer: D) -> Result<String, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(lenient_string(deserializer)?.unwrap_or_default())
}

/// `true`, `"true"`, `"TRUE"` and the like; null or absent is `None`.
pub(crate) fn lenient_bool<'de, D>(deserializer: D) -> Result<Option<bool>, D::Error>
where
    D: Deserializer<'de>,
{
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b)),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        other => Err(serde::de::Error::custom(format!(
            "expected true or false, got {other}"
        ))),
    }
}

/// A whole number, or one as a string; null is 0.
pub(crate) fn lenient_count<'de, D>(deserializer: D) -> Result<u64, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Value::deserialize(deserializer)?;
    let parsed = match &value {
        Value::Null => Some(0),
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| {
        serde::de::Error::custom(format!("count: expected a whole number, got {value}"))
    })
}

/// A port number, or one as a string; null, or a value out of range, is `None`.
pub(crate) fn lenient_port<'de, D>(deserializer: D) -> Result<Option<u16>, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Value::deserialize(deserializer)?;
    match &value {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.as_u64().and_then(|p| u16::try_from(p).ok())),
        Value::String(s) => Ok(s.trim().parse().ok()),
        _ => Err(serde::de::Error::custom(format!(
            "port: expected a number, got {value}"
        ))),
    }
}
