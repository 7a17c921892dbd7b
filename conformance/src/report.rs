//! Results of the suites: pass/fail per case, a summary, and JUnit XML for CI systems.

use std::fmt::Write as _;
use std::time::Duration;

/// One checked case.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The suite (`oracle-requests`, `boundaries`, `properties`, ...).
    pub suite: String,
    /// The case.
    pub name: String,
    /// Why it failed, if it did.
    pub failure: Option<String>,
    /// How long it took.
    pub time: Duration,
}

/// Every outcome of a run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// In the order they ran.
    pub outcomes: Vec<Outcome>,
}

fn xml(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&apos;".to_owned(),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => format!("&#{};", c as u32),
            c => c.to_string(),
        })
        .collect()
}

impl Report {
    /// Records an outcome.
    pub fn push(&mut self, suite: &str, name: impl Into<String>, failure: Option<String>, time: Duration) {
        self.outcomes.push(Outcome { suite: suite.to_owned(), name: name.into(), failure, time });
    }

    /// The failed outcomes.
    pub fn failures(&self) -> Vec<&Outcome> {
        self.outcomes.iter().filter(|o| o.failure.is_some()).collect()
    }

    /// Passed and failed counts per suite, in first-seen order.
    pub fn summary(&self) -> Vec<(String, usize, usize)> {
        let mut out: Vec<(String, usize, usize)> = Vec::new();
        for o in &self.outcomes {
            let i = match out.iter().position(|(s, _, _)| *s == o.suite) {
                Some(i) => i,
                None => {
                    out.push((o.suite.clone(), 0, 0));
                    out.len() - 1
                }
            };
            if o.failure.is_some() { out[i].2 += 1 } else { out[i].1 += 1 }
        }
        out
    }

    /// Passed and failed counts per module, in the order of `modules`. Every case's name
    /// starts with its module (`apixo/submit: ...`, `apixo.submit.input...:range`,
    /// `apixo: ...`); a case naming none (the example program's `--help`) is counted under
    /// no module.
    pub fn by_module(&self, modules: &[String]) -> Vec<(String, usize, usize)> {
        let mut out: Vec<(String, usize, usize)> = modules.iter().map(|m| (m.clone(), 0, 0)).collect();
        for o in &self.outcomes {
            let Some(i) = modules.iter().position(|m| {
                o.name.strip_prefix(m.as_str()).is_some_and(|rest| rest.starts_with(['/', '.', ':', '[', ' ']))
            }) else {
                continue;
            };
            if o.failure.is_some() { out[i].2 += 1 } else { out[i].1 += 1 }
        }
        out
    }

    /// JUnit XML: one `<testsuite>` per suite.
    pub fn junit(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"conformance\">\n");
        for (suite, passed, failed) in self.summary() {
            let cases: Vec<&Outcome> = self.outcomes.iter().filter(|o| o.suite == suite).collect();
            let time: f64 = cases.iter().map(|o| o.time.as_secs_f64()).sum();
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" time=\"{time:.3}\">",
                xml(&suite),
                passed + failed
            );
            for o in cases {
                let _ = write!(
                    out,
                    "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                    xml(&suite),
                    xml(&o.name),
                    o.time.as_secs_f64()
                );
                match &o.failure {
                    None => out.push_str("/>\n"),
                    Some(f) => {
                        let first = f.lines().next().unwrap_or_default();
                        let _ = writeln!(
                            out,
                            ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                            xml(first),
                            xml(f)
                        );
                    }
                }
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junit_escapes_and_counts() {
        let mut r = Report::default();
        r.push("a", "ok <1>", None, Duration::from_millis(5));
        r.push("a", "bad", Some("expected \"x\" & got y\nmore".into()), Duration::ZERO);
        let x = r.junit();
        assert!(x.contains("<testsuite name=\"a\" tests=\"2\" failures=\"1\""), "{x}");
        assert!(x.contains("name=\"ok &lt;1&gt;\""), "{x}");
        assert!(x.contains("<failure message=\"expected &quot;x&quot; &amp; got y\">"), "{x}");
        assert_eq!(r.summary(), [("a".to_owned(), 1, 1)]);
    }

    #[test]
    fn outcomes_count_under_the_module_their_name_starts_with() {
        let mut r = Report::default();
        r.push("s", "apixo/submit: a case", None, Duration::ZERO);
        r.push("s", "apixo.submit.input[mode=t2v].duration:range min 3", Some("x".into()), Duration::ZERO);
        r.push("s", "apixolike/submit: not apixo's", None, Duration::ZERO);
        r.push("s", "model_tag_credits.submit[model=happyhorse-1.0-t2v].prompt:length", None, Duration::ZERO);
        r.push("s", "happyhorse: --help", None, Duration::ZERO);
        let modules = ["apixo".to_owned(), "apixolike".to_owned(), "model_tag_credits".to_owned()];
        assert_eq!(
            r.by_module(&modules),
            [("apixo".to_owned(), 1, 1), ("apixolike".to_owned(), 1, 0), ("model_tag_credits".to_owned(), 1, 0)]
        );
    }
}
