//! What a person reads about a cause a function found: a one-line summary and the exact steps
//! that fix it, in order. Each function keeps its own texts (one function per cause kind in its
//! `diagnose::runbook`); this is the one way they are put together.

/// A cause's summary and the steps for a person, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub summary: String,
    pub steps: Vec<String>,
}

impl Text {
    pub fn new(summary: impl Into<String>) -> Self {
        Text {
            summary: summary.into(),
            steps: Vec::new(),
        }
    }

    /// Adds one step.
    pub fn step(mut self, line: impl Into<String>) -> Self {
        self.steps.push(line.into());
        self
    }

    /// Adds several steps, in order.
    pub fn steps(mut self, lines: impl IntoIterator<Item = String>) -> Self {
        self.steps.extend(lines);
        self
    }
}

/// A policy statement or document as a person pastes it into a command: indented JSON.
pub fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_keep_their_order() {
        let text = Text::new("trail t is not logging")
            .step("start it")
            .steps(["find who stopped it".to_owned(), "tell them".to_owned()]);
        assert_eq!(text.summary, "trail t is not logging");
        assert_eq!(text.steps, ["start it", "find who stopped it", "tell them"]);
    }
}
