//! The preset format documentation stays true: every RON example in docs/presets.md parses and
//! validates, and so does the README's.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap is a failed test"
)]

fn ron_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```ron") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn every_ron_example_in_the_docs_is_a_valid_preset() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut count = 0;
    for doc in ["docs/presets.md", "README.md"] {
        let text = std::fs::read_to_string(format!("{root}/{doc}")).unwrap();
        for (i, block) in ron_blocks(&text).iter().enumerate() {
            if let Err(e) = optiviz::scenario::parse(block, &format!("{doc} example {i}")) {
                panic!("{e}\n{block}");
            }
            count += 1;
        }
    }
    assert!(count >= 4, "found only {count} examples");
}
