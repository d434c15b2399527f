//! Lenient serde models of the events Vigil's functions receive: loose where AWS is loose
//! (string-or-number, string-or-array, missing fields), strict where a wrong value would make
//! a function act on the wrong thing.
pub mod cloudtrail;
pub mod guardduty;
mod lenient;
