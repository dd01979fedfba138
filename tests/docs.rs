//! The preset format documentation stays true: every RON example in docs/presets.md parses and
//! validates (2-D and MLP presets alike), and so does the README's; the README lists every keyboard shortcut and links only
//! to files that exist.

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
            let source = format!("{doc} example {i}");
            let result = if optiviz::scenario::mlp::is_mlp(block) {
                optiviz::scenario::mlp::parse(block, &source).map(|_| ())
            } else {
                optiviz::scenario::parse(block, &source).map(|_| ())
            };
            if let Err(e) = result {
                panic!("{e}\n{block}");
            }
            count += 1;
        }
    }
    assert!(count >= 4, "found only {count} examples");
}

#[cfg(feature = "gui")]
#[test]
fn the_readme_lists_every_shortcut_of_the_help_overlay() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for (keys, action) in optiviz::ui::help_lines() {
        let row = format!("| {keys} | {action} |");
        assert!(readme.contains(&row), "README.md lacks the row {row}");
    }
}

#[test]
fn files_the_readme_links_to_exist() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut links = 0;
    for part in readme.split("](").skip(1) {
        let target = part.split(')').next().unwrap();
        if target.starts_with("http") || target.starts_with('#') {
            continue;
        }
        links += 1;
        assert!(
            root.join(target).exists(),
            "README.md links to missing {target}"
        );
    }
    assert!(
        links >= 3,
        "the README's screenshot and documents are linked ({links})"
    );
}
