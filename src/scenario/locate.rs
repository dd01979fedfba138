//! Maps between positions in a RON document and field paths such as `runs[1].optimizer.lr`.
//!
//! serde tells us *which* field is invalid but not *where* it was written, and ron tells us
//! *where* a syntax error is but not in *which* field. This module reads the document's
//! structure (brackets, field names, strings, comments; no values) to answer both questions.
//! It is forgiving: on malformed text it returns what it could read.

/// A value in the document: its byte span and, for bracketed groups, its children.
#[derive(Clone, Debug, PartialEq)]
struct Node {
    start: usize,
    end: usize,
    /// `name: value` entries of a struct-like group.
    fields: Vec<(String, Node)>,
    /// Positional entries of a tuple, list or map.
    items: Vec<Node>,
    /// True for `[...]` lists (paths write their entries as `[i]`, tuples as `.i`).
    is_list: bool,
}

impl Node {
    fn atom(start: usize, end: usize) -> Self {
        Self {
            start,
            end,
            fields: Vec::new(),
            items: Vec::new(),
            is_list: false,
        }
    }
}

/// Bounds recursion on hostile input.
const MAX_DEPTH: usize = 128;

struct Reader<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        loop {
            match self.peek() {
                Some(c) if c.is_ascii_whitespace() => self.pos += 1,
                Some(b'/') if self.s.get(self.pos + 1) == Some(&b'/') => {
                    while let Some(c) = self.peek() {
                        self.pos += 1;
                        if c == b'\n' {
                            break;
                        }
                    }
                }
                Some(b'/') if self.s.get(self.pos + 1) == Some(&b'*') => {
                    self.pos += 2;
                    let mut depth = 1;
                    while depth > 0 && self.pos < self.s.len() {
                        if self.s[self.pos..].starts_with(b"/*") {
                            depth += 1;
                            self.pos += 2;
                        } else if self.s[self.pos..].starts_with(b"*/") {
                            depth -= 1;
                            self.pos += 2;
                        } else {
                            self.pos += 1;
                        }
                    }
                }
                _ => return,
            }
        }
    }

    fn is_ident_start(c: u8) -> bool {
        c.is_ascii_alphabetic() || c == b'_'
    }

    fn ident(&mut self) -> &str {
        let start = self.pos;
        if self.s[self.pos..].starts_with(b"r#") {
            self.pos += 2;
        }
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
        {
            self.pos += 1;
        }
        std::str::from_utf8(&self.s[start..self.pos]).unwrap_or("")
    }

    fn string(&mut self, quote: u8) {
        self.pos += 1;
        while let Some(c) = self.peek() {
            self.pos += 1;
            if c == b'\\' {
                self.pos += 1;
            } else if c == quote {
                return;
            }
        }
    }

    fn raw_string(&mut self) {
        // r#*" ... "#*
        self.pos += 1;
        let mut hashes = 0;
        while self.peek() == Some(b'#') {
            hashes += 1;
            self.pos += 1;
        }
        self.pos += 1;
        while self.pos < self.s.len() {
            if self.s[self.pos] == b'"'
                && self.s[self.pos + 1..]
                    .iter()
                    .take(hashes)
                    .filter(|&&c| c == b'#')
                    .count()
                    == hashes
            {
                self.pos += 1 + hashes;
                return;
            }
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Node {
        self.skip_ws();
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Node::atom(start, start);
        };
        if depth > MAX_DEPTH {
            self.pos = self.s.len();
            return Node::atom(start, self.pos);
        }
        match c {
            b'"' => {
                self.string(b'"');
                Node::atom(start, self.pos)
            }
            b'\'' => {
                self.string(b'\'');
                Node::atom(start, self.pos)
            }
            b'r' if matches!(self.s.get(self.pos + 1), Some(b'"' | b'#'))
                && self.s[self.pos + 1..].iter().find(|&&c| c != b'#') == Some(&b'"') =>
            {
                self.raw_string();
                Node::atom(start, self.pos)
            }
            b'(' | b'[' | b'{' => self.group(start, depth),
            c if Self::is_ident_start(c) => {
                self.ident();
                let after = self.pos;
                self.skip_ws();
                if self.peek() == Some(b'(') {
                    self.group(start, depth)
                } else {
                    self.pos = after;
                    Node::atom(start, after)
                }
            }
            _ => {
                while self
                    .peek()
                    .is_some_and(|c| !c.is_ascii_whitespace() && !b",)]}:(".contains(&c))
                {
                    self.pos += 1;
                }
                if self.pos == start {
                    self.pos += 1;
                }
                Node::atom(start, self.pos)
            }
        }
    }

    fn group(&mut self, start: usize, depth: usize) -> Node {
        let open = self.s[self.pos];
        let close = match open {
            b'(' => b')',
            b'[' => b']',
            _ => b'}',
        };
        self.pos += 1;
        let mut node = Node::atom(start, start);
        node.is_list = open == b'[';
        loop {
            self.skip_ws();
            match self.peek() {
                Some(c) if c == close => {
                    self.pos += 1;
                    break;
                }
                // End of text, or a mismatched closer: stop here.
                None | Some(b')' | b']' | b'}') => break,
                Some(b',') => {
                    self.pos += 1;
                    continue;
                }
                _ => {}
            }
            let before = self.pos;
            // A struct field is `ident :` (but not `ident ::`).
            if open == b'(' && self.peek().is_some_and(Self::is_ident_start) {
                let name = self.ident().trim_start_matches("r#").to_owned();
                self.skip_ws();
                if self.peek() == Some(b':') && self.s.get(self.pos + 1) != Some(&b':') {
                    self.pos += 1;
                    let v = self.value(depth + 1);
                    node.fields.push((name, v));
                    continue;
                }
                self.pos = before;
            }
            let v = self.value(depth + 1);
            node.items.push(v);
            self.skip_ws();
            if open == b'{' && self.peek() == Some(b':') {
                self.pos += 1;
                let v = self.value(depth + 1);
                node.items.push(v);
            }
            if self.pos == before {
                self.pos += 1;
            }
        }
        node.end = self.pos;
        node
    }
}

/// True when the document has a `//` or `/* */` comment (outside strings): what saving a
/// re-serialised document would lose.
#[must_use]
pub fn has_comments(text: &str) -> bool {
    let mut r = Reader {
        s: text.as_bytes(),
        pos: 0,
    };
    while let Some(c) = r.peek() {
        match c {
            b'/' if matches!(r.s.get(r.pos + 1), Some(b'/' | b'*')) => return true,
            b'"' | b'\'' => r.string(c),
            b'r' if matches!(r.s.get(r.pos + 1), Some(b'"' | b'#'))
                && r.s[r.pos + 1..].iter().find(|&&c| c != b'#') == Some(&b'"') =>
            {
                r.raw_string();
            }
            c if Reader::is_ident_start(c) => {
                r.ident();
            }
            _ => r.pos += 1,
        }
    }
    false
}

fn parse(text: &str) -> Node {
    let mut r = Reader {
        s: text.as_bytes(),
        pos: 0,
    };
    // Skip inner attributes such as #![enable(implicit_some)].
    loop {
        r.skip_ws();
        if r.s[r.pos..].starts_with(b"#!") {
            while let Some(c) = r.peek() {
                r.pos += 1;
                if c == b']' {
                    break;
                }
            }
        } else {
            break;
        }
    }
    r.value(0)
}

/// One step of a field path.
#[derive(Debug, PartialEq)]
enum Step<'a> {
    Field(&'a str),
    Index(usize),
}

fn split_path(path: &str) -> Vec<Step<'_>> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (name, rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
        if !name.is_empty() {
            steps.push(Step::Field(name));
        }
        for idx in rest.split('[') {
            if let Ok(i) = idx.trim_end_matches(']').parse() {
                steps.push(Step::Index(i));
            }
        }
    }
    steps
}

/// Byte offset where the value at `path` is written, or of its innermost written ancestor
/// when the field was left out (defaults apply).
#[must_use]
pub fn offset_of(text: &str, path: &str) -> usize {
    let root = parse(text);
    let mut node = &root;
    for step in split_path(path) {
        let next = match step {
            Step::Field(name) => node
                .fields
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v)
                .or_else(|| name.parse::<usize>().ok().and_then(|i| node.items.get(i))),
            Step::Index(i) => node.items.get(i),
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    node.start
}

/// The field path of the innermost value containing byte offset `at` (empty at the top).
#[must_use]
pub fn path_at(text: &str, at: usize) -> String {
    // ron reports some errors at the blank before the offending value: step over it.
    let at = at
        + text
            .get(at..)
            .map_or(0, |rest| rest.len() - rest.trim_start().len());
    let root = parse(text);
    let mut path = String::new();
    let mut node = &root;
    'descend: loop {
        // Ends are inclusive: ron reports type errors just after the offending value.
        for (name, child) in &node.fields {
            if (child.start..=child.end).contains(&at) {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(name);
                node = child;
                continue 'descend;
            }
        }
        for (i, child) in node.items.iter().enumerate() {
            if (child.start..=child.end).contains(&at) {
                if node.is_list {
                    path.push('[');
                    path.push_str(&i.to_string());
                    path.push(']');
                } else {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&i.to_string());
                }
                node = child;
                continue 'descend;
            }
        }
        return path;
    }
}

/// The document without the top-level `name: value` entry whose value contains byte offset
/// `at` (and its comma): that field's name and the rest of the text, or `None` when `at` is in
/// no top-level field. Lets a reader drop one unreadable field and keep the others.
#[must_use]
pub fn without_top_field(text: &str, at: usize) -> Option<(String, String)> {
    let at = at
        + text
            .get(at..)
            .map_or(0, |rest| rest.len() - rest.trim_start().len());
    let root = parse(text);
    let (name, value) = root
        .fields
        .iter()
        .find(|(_, v)| (v.start..=v.end).contains(&at))?;
    // The name is written just before the value, with a colon between.
    let before = text.get(..value.start)?;
    let start = before
        .trim_end()
        .strip_suffix(':')?
        .trim_end()
        .strip_suffix(name.as_str())?
        .len();
    let rest = text.get(value.end..)?;
    let comma = rest.len() - rest.trim_start().len();
    let end = value.end
        + if rest[comma..].starts_with(',') {
            comma + 1
        } else {
            0
        };
    Some((name.clone(), format!("{}{}", &text[..start], &text[end..])))
}

/// 1-based (line, column) of a byte offset; columns count characters.
#[must_use]
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Byte offset of a 1-based (line, column) position (clamped to the text).
#[must_use]
pub fn offset_of_line_col(text: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset
                + l.char_indices()
                    .nth(col.saturating_sub(1))
                    .map_or(l.len(), |(b, _)| b);
        }
        offset += l.len();
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"#![enable(implicit_some)]
// a comment with (brackets] and "quotes
(
    name: "a (tricky) \"name\"",
    objective: Quadratic(kappa: 50.0),
    runs: [
        (label: "GD", optimizer: GD(lr: 0.1)),
        (
            label: "Adam",
            optimizer: Adam(lr: -0.1, betas: (0.9, 1.5)), /* block ( */
            clip: Norm(1.0),
        ),
    ],
)
"#;

    fn at(path: &str) -> (usize, usize) {
        line_col(DOC, offset_of(DOC, path))
    }

    #[test]
    fn finds_values_by_path() {
        assert_eq!(at("runs[1].optimizer.lr"), (10, 33));
        assert_eq!(at("runs[1].optimizer.betas.1"), (10, 52));
        assert_eq!(at("runs[1].clip.0"), (11, 24));
        assert_eq!(at("objective.kappa"), (5, 33));
        // A defaulted field points at its enclosing value.
        assert_eq!(at("runs[0].optimizer.momentum"), (7, 34));
        assert_eq!(at("runs[5].label"), (6, 11));
    }

    #[test]
    fn names_the_path_at_a_position() {
        let off = offset_of_line_col(DOC, 10, 35);
        assert_eq!(path_at(DOC, off), "runs[1].optimizer.lr");
        let off = offset_of_line_col(DOC, 10, 52);
        assert_eq!(path_at(DOC, off), "runs[1].optimizer.betas.1");
        assert_eq!(path_at(DOC, offset_of_line_col(DOC, 4, 12)), "name");
        assert_eq!(path_at(DOC, 0), "");
    }

    #[test]
    fn survives_garbage() {
        for text in [
            "",
            "(",
            "((((",
            "[,,,]",
            "(a: (b: [1, 2",
            "r#\"",
            "\"unterminated",
            "/* open",
            "(x::y: 1)",
            "é(ü: ß)",
        ] {
            let _ = offset_of(text, "a.b[1].c");
            let _ = path_at(text, 3);
        }
        let deep = "(".repeat(100_000);
        let _ = offset_of(&deep, "a");
        let _ = path_at(&deep, 50_000);
    }

    #[test]
    fn line_col_round_trip() {
        for (line, col) in [(1, 1), (3, 2), (10, 33)] {
            assert_eq!(
                line_col(DOC, offset_of_line_col(DOC, line, col)),
                (line, col)
            );
        }
    }

    #[test]
    fn comments_are_found_outside_strings_only() {
        assert!(has_comments("(name: \"a\") // note"));
        assert!(has_comments("(/* why */ steps: 3)"));
        assert!(!has_comments("(name: \"http://x /* y */\", lr: 1)"));
        assert!(!has_comments("(name: r#\"a // b\"#, c: 'x')"));
        assert!(!has_comments(
            "(objective: Expression(text: \"x/2 + y/3\"))"
        ));
        assert!(has_comments("(a: 1)\n//"));
    }
}
