//! The rows `run` and `train` print, written as they are produced: CSV lines with every float
//! in its shortest form that parses back to the same f64, and JSON documents whose runs' arrays
//! are written an element at a time, byte for byte what serde_json writes for the whole
//! document. Neither holds more than a chunk's rows, so memory does not grow with the rows.

use anyhow::{Context, Result, bail};
use serde::Serialize;
use std::io::Write;

/// Bytes gathered before they are handed to the output.
const FLUSH_BYTES: usize = 1 << 16;

/// Quotes a CSV field when it needs it.
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// CSV rows built field by field into bytes, which the caller writes.
pub(super) struct CsvRows {
    buf: Vec<u8>,
    floats: zmij::Buffer,
    whole: itoa::Buffer,
    at_row_start: bool,
}

impl CsvRows {
    /// No rows yet.
    pub(super) fn new() -> Self {
        Self::with_capacity(0)
    }

    /// No rows yet, with room for `bytes` of them (a piece of rows grown by doubling spent
    /// much of its time copying itself).
    pub(super) fn with_capacity(bytes: usize) -> Self {
        Self {
            buf: Vec::with_capacity(bytes),
            floats: zmij::Buffer::new(),
            whole: itoa::Buffer::new(),
            at_row_start: true,
        }
    }

    /// The `header` line.
    pub(super) fn header(header: &str) -> Self {
        let mut rows = Self::new();
        rows.buf.reserve(FLUSH_BYTES + 1024);
        rows.buf.extend_from_slice(header.as_bytes());
        rows.buf.push(b'\n');
        rows
    }

    fn separate(&mut self) {
        if !std::mem::replace(&mut self.at_row_start, false) {
            self.buf.push(b',');
        }
    }

    /// A field already quoted with [`csv_field`].
    pub(super) fn quoted(&mut self, field: &str) -> &mut Self {
        self.separate();
        self.buf.extend_from_slice(field.as_bytes());
        self
    }

    /// A whole number.
    pub(super) fn count(&mut self, n: usize) -> &mut Self {
        self.separate();
        self.buf.extend_from_slice(self.whole.format(n).as_bytes());
        self
    }

    /// A whole number that may exceed `usize` on 32-bit targets (a cost count).
    pub(super) fn whole(&mut self, n: u64) -> &mut Self {
        self.separate();
        self.buf.extend_from_slice(self.whole.format(n).as_bytes());
        self
    }

    /// A float in its shortest round-trip form ("0.1", "1.0", "-1e+308", "5e-324").
    pub(super) fn float(&mut self, v: f64) -> &mut Self {
        self.separate();
        self.buf.extend_from_slice(self.floats.format(v).as_bytes());
        self
    }

    /// A float, or an empty field.
    pub(super) fn maybe(&mut self, v: Option<f64>) -> &mut Self {
        if let Some(v) = v {
            self.float(v)
        } else {
            self.separate();
            self
        }
    }

    /// Ends the row.
    pub(super) fn end_row(&mut self) {
        self.buf.push(b'\n');
        self.at_row_start = true;
    }

    /// The rows so far, giving up the builder.
    pub(super) fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// Writes the rows so far to `out` when they fill the buffer (`all`: whatever they are).
    pub(super) fn write_to(&mut self, out: &mut dyn Write, all: bool) -> Result<()> {
        if all || self.buf.len() >= FLUSH_BYTES {
            out.write_all(&self.buf).context("writing CSV")?;
            self.buf.clear();
        }
        Ok(())
    }
}

/// A JSON document `{head's fields, "runs": [{run's fields, "ITEMS": [item, ...]}, ...]}` written
/// a piece at a time.
pub(super) struct JsonRuns<'a> {
    out: &'a mut dyn Write,
    buf: Vec<u8>,
    items: &'static str,
    first_run: bool,
    first_item: bool,
}

/// Appends `value`'s JSON object without its closing brace; it must have fields.
fn open_object(buf: &mut Vec<u8>, value: &impl Serialize) -> Result<()> {
    let start = buf.len();
    serde_json::to_writer(&mut *buf, value).context("writing JSON")?;
    if buf.len() < start + 3 || buf.pop() != Some(b'}') {
        bail!("writing JSON: expected an object with fields");
    }
    Ok(())
}

/// Appends `item` with the comma that separates it from the one before, for
/// [`JsonRuns::items`].
pub(super) fn json_item(piece: &mut Vec<u8>, item: &impl Serialize) -> Result<()> {
    piece.push(b',');
    serde_json::to_writer(piece, item).context("writing JSON")
}

impl<'a> JsonRuns<'a> {
    /// Starts the document with `head`'s fields; each run's array of items is named `items`.
    pub(super) fn new(
        out: &'a mut dyn Write,
        head: &impl Serialize,
        items: &'static str,
    ) -> Result<Self> {
        let mut buf = Vec::with_capacity(FLUSH_BYTES + 1024);
        open_object(&mut buf, head)?;
        buf.extend_from_slice(b",\"runs\":[");
        Ok(Self {
            out,
            buf,
            items,
            first_run: true,
            first_item: true,
        })
    }

    /// Starts a run with `head`'s fields (its items follow).
    pub(super) fn run(&mut self, head: &impl Serialize) -> Result<()> {
        if !std::mem::replace(&mut self.first_run, false) {
            self.buf.push(b',');
        }
        open_object(&mut self.buf, head)?;
        write!(self.buf, ",\"{}\":[", self.items).context("writing JSON")?;
        self.first_item = true;
        Ok(())
    }

    /// One item of the current run.
    pub(super) fn item(&mut self, item: &impl Serialize) -> Result<()> {
        let mut piece = Vec::new();
        json_item(&mut piece, item)?;
        self.items(&piece)
    }

    /// Items of the current run, each written by [`json_item`].
    pub(super) fn items(&mut self, piece: &[u8]) -> Result<()> {
        if piece.is_empty() {
            return Ok(());
        }
        let piece = if std::mem::replace(&mut self.first_item, false) {
            piece.strip_prefix(b",").unwrap_or(piece)
        } else {
            piece
        };
        self.buf.extend_from_slice(piece);
        if self.buf.len() >= FLUSH_BYTES {
            self.out.write_all(&self.buf).context("writing JSON")?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Ends the current run.
    pub(super) fn end_run(&mut self) {
        self.buf.extend_from_slice(b"]}");
    }

    /// Ends the document with a newline.
    pub(super) fn finish(mut self) -> Result<()> {
        self.buf.extend_from_slice(b"]}\n");
        self.out.write_all(&self.buf).context("writing JSON")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_shortest_and_read_back_exactly() {
        let values = [
            0.0,
            -0.0,
            1.0,
            0.1,
            -1e308,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            1.0 / 3.0,
            123_456_789.125,
            1e-7,
            2.5e15,
            1e16,
        ];
        let mut rows = CsvRows::header("v");
        for v in values {
            rows.float(v).end_row();
        }
        let text = String::from_utf8(rows.into_bytes()).unwrap();
        let lines: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(lines.len(), values.len());
        for (line, v) in lines.iter().zip(values) {
            let back: f64 = line.parse().unwrap();
            assert_eq!(back.to_bits(), v.to_bits(), "{line}");
            assert!(line.len() <= 24, "{line}");
        }
        assert_eq!(lines[2], "1.0");
        assert_eq!(lines[4], "-1e+308");
        // Pseudo-random bit patterns, every exponent.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut buf = zmij::Buffer::new();
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = f64::from_bits(x);
            if v.is_finite() {
                let back: f64 = buf.format(v).parse().unwrap();
                assert_eq!(back.to_bits(), v.to_bits());
            }
        }
    }

    #[test]
    fn fields_are_separated_and_empty_ones_kept() {
        let mut out = Vec::new();
        let mut rows = CsvRows::header("a,b,c,d");
        rows.quoted(&csv_field("x, \"y\""))
            .count(7)
            .maybe(None)
            .maybe(Some(0.5))
            .end_row();
        rows.write_to(&mut out, false).unwrap();
        assert!(out.is_empty(), "a row is buffered");
        rows.write_to(&mut out, true).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a,b,c,d\n\"x, \"\"y\"\"\",7,,0.5\n"
        );
    }

    #[test]
    fn a_document_written_in_pieces_is_what_serde_json_writes_whole() {
        #[derive(Serialize)]
        struct Head {
            name: &'static str,
            n: usize,
        }
        #[derive(Serialize)]
        struct Run {
            label: &'static str,
            stopped_at: Option<usize>,
        }
        #[derive(Serialize)]
        struct Item {
            v: f64,
        }
        #[derive(Serialize)]
        struct WholeRun {
            label: &'static str,
            stopped_at: Option<usize>,
            items: Vec<Item>,
        }
        #[derive(Serialize)]
        struct Whole {
            name: &'static str,
            n: usize,
            runs: Vec<WholeRun>,
        }
        let whole = Whole {
            name: "q\"uote",
            n: 3,
            runs: vec![
                WholeRun {
                    label: "a",
                    stopped_at: None,
                    items: vec![Item { v: 1.0 }, Item { v: -1e308 }],
                },
                WholeRun {
                    label: "b",
                    stopped_at: Some(2),
                    items: vec![Item { v: 0.5 }, Item { v: 2.0 }],
                },
                WholeRun {
                    label: "c",
                    stopped_at: None,
                    items: vec![],
                },
            ],
        };
        let mut out = Vec::new();
        let mut doc = JsonRuns::new(
            &mut out,
            &Head {
                name: whole.name,
                n: whole.n,
            },
            "items",
        )
        .unwrap();
        for r in &whole.runs {
            doc.run(&Run {
                label: r.label,
                stopped_at: r.stopped_at,
            })
            .unwrap();
            // One by one, and as a piece of several.
            if r.label == "a" {
                for item in &r.items {
                    doc.item(item).unwrap();
                }
            } else {
                let mut piece = Vec::new();
                for item in &r.items {
                    json_item(&mut piece, item).unwrap();
                }
                doc.items(&piece).unwrap();
            }
            doc.end_run();
        }
        doc.finish().unwrap();
        let expected = serde_json::to_string(&whole).unwrap() + "\n";
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }
}
