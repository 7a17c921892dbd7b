//! The saved copies of the provider docs (`spec/docs/`), read by the doc tests: the
//! documented examples come from the doc itself, at the lines the tests cite, never from the
//! spec's copies of them.

use std::path::Path;

/// The JSON the doc `file` (in `spec/docs/`) shows on lines `first..=last` (1-based), from
/// the first `{` to the last `}` (so a `curl -d '{...}'` block yields its body).
pub fn json(file: &str, first: usize, last: usize) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/docs").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let lines: Vec<&str> = text.lines().collect();
    assert!(first >= 1 && last <= lines.len() && first <= last, "{file}:{first}-{last} is not in the doc");
    let block = lines[first - 1..last].join("\n");
    let (Some(start), Some(end)) = (block.find('{'), block.rfind('}')) else {
        panic!("{file}:{first}-{last} shows no JSON object:\n{block}")
    };
    block[start..=end].to_owned()
}
