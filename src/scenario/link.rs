//! Links that open a scenario: the whole preset document in a URL's fragment, so a link is the
//! scenario and needs no server. The fragment is `s=` and the document's RON text deflated
//! (raw DEFLATE, RFC 1951) and written in base64url without padding (RFC 4648, section 5),
//! optionally followed by `&step=K` (show step K, paused, as `--at-step` does):
//!
//! ```text
//! https://host/optiviz/#s=bZBNbsMgEIX3nGIuYIlx...&step=40
//! ```
//!
//! Everything after `#` stays in the browser: the web build reads it, and the desktop app and
//! `optiviz link` write the same links. Reading a link checks every part and names the place of
//! the first problem (a character of the link, or line:column and field of the document inside),
//! in the same form as a preset's errors; the document inside is at most as long as a preset
//! file may be.

use super::{PresetError, PresetErrors};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::fmt::Write as _;

/// The source name of a link's errors and of the document inside it (`link:3:14: ...`).
pub const SOURCE: &str = "link";
/// Where links point when no other web address is given: the web build served locally by
/// `bash scripts/web.sh --serve`.
pub const DEFAULT_BASE: &str = "http://127.0.0.1:8000/";
/// Longest document a link may carry, in bytes once inflated: the size limit of a preset file.
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024 * 1024;
/// Longest link read, in characters. Browsers keep URLs of about 2 MB; a preset deflates to a
/// few hundred bytes to a few kilobytes.
pub const MAX_LINK_CHARS: usize = 2 * 1024 * 1024;
/// Best DEFLATE compression (miniz's level 9 of 0-10): links are made once and read often.
const COMPRESSION_LEVEL: u8 = 9;

/// What a link carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The preset document (RON text, either kind).
    pub document: String,
    /// The step to show, paused (`&step=K`).
    pub step: Option<usize>,
}

/// The fragment (without `#`) that carries `document`, and `step` if given.
#[must_use]
pub fn fragment(document: &str, step: Option<usize>) -> String {
    let packed = miniz_oxide::deflate::compress_to_vec(document.as_bytes(), COMPRESSION_LEVEL);
    let mut out = format!("s={}", URL_SAFE_NO_PAD.encode(packed));
    if let Some(k) = step {
        let _ = write!(out, "&step={k}");
    }
    out
}

/// A whole link: `base` (a web address of the web build, [`DEFAULT_BASE`] if empty) with the
/// fragment of `document` and `step`. Anything after a `#` in `base` is replaced.
#[must_use]
pub fn make(base: &str, document: &str, step: Option<usize>) -> String {
    let base = if base.trim().is_empty() {
        DEFAULT_BASE
    } else {
        base.trim()
    };
    let base = base.split('#').next().unwrap_or(base);
    format!("{base}#{}", fragment(document, step))
}

/// True when `text` looks like a link of ours (it has an `s=` part after a `#`, or is such a
/// fragment alone): what a page shows at start and what pasting may open.
#[must_use]
pub fn carries_scenario(text: &str) -> bool {
    let fragment = text.split_once('#').map_or(text, |(_, f)| f);
    fragment
        .split('&')
        .any(|part| part.trim_start().starts_with("s="))
}

/// Reads a link, a fragment with or without its `#`, or a whole URL. Every error names the
/// character of the link it is at (`link:1:COLUMN`); the document inside is not parsed here
/// (see [`super::parse_link`]).
pub fn parse(text: &str) -> Result<Link, PresetErrors> {
    if text.chars().count() > MAX_LINK_CHARS {
        return Err(at(
            1,
            "",
            format!("a link is at most {MAX_LINK_CHARS} characters long"),
        ));
    }
    // Columns count from the start of `text`, so the user finds the place in what they pasted.
    let start = text.find('#').map_or(0, |i| i + 1);
    let mut payload = None;
    let mut step = None;
    let mut offset = start;
    for part in text[start..].split('&') {
        let column = text[..offset].chars().count() + 1;
        offset += part.len() + 1;
        let Some((key, value)) = part.split_once('=') else {
            if part.is_empty() {
                continue;
            }
            return Err(at(
                column,
                "",
                format!("`{}` is not `key=value`", clip(part)),
            ));
        };
        let value_column = column + key.chars().count() + 1;
        match key {
            "s" => payload = Some((value, value_column)),
            "step" => {
                step = Some(value.parse::<usize>().map_err(|_| {
                    at(
                        value_column,
                        "step",
                        format!("must be a whole number of steps, got `{}`", clip(value)),
                    )
                })?);
            }
            // Later versions may add parts; an unknown one is not an error.
            _ => {}
        }
    }
    let Some((payload, column)) = payload else {
        return Err(at(
            1,
            "",
            "this link carries no scenario (no `s=` part after `#`)".to_owned(),
        ));
    };
    let document = unpack(payload, column)?;
    Ok(Link { document, step })
}

/// Base64url, inflated, UTF-8: the document text of the `s=` part that starts at `column`.
fn unpack(payload: &str, column: usize) -> Result<String, PresetErrors> {
    if let Some((i, c)) = payload
        .chars()
        .enumerate()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(at(
            column + i,
            "s",
            format!("`{c}` is not a base64url character (A-Z, a-z, 0-9, - and _)"),
        ));
    }
    let truncated = || {
        at(
            column + payload.chars().count(),
            "s",
            "the scenario data ends early: the link was cut off (copy all of it)".to_owned(),
        )
    };
    let packed = URL_SAFE_NO_PAD.decode(payload).map_err(|e| match e {
        base64::DecodeError::InvalidLength(_) | base64::DecodeError::InvalidLastSymbol(..) => {
            truncated()
        }
        other => at(column, "s", format!("not base64url: {other}")),
    })?;
    let bytes = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_DOCUMENT_BYTES)
        .map_err(|e| match e.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => at(
                column,
                "s",
                format!(
                    "the scenario inside is over {MAX_DOCUMENT_BYTES} bytes, the limit of a preset"
                ),
            ),
            miniz_oxide::inflate::TINFLStatus::FailedCannotMakeProgress => truncated(),
            _ => at(
                column,
                "s",
                "the scenario data is damaged (not a deflated preset)".to_owned(),
            ),
        })?;
    String::from_utf8(bytes).map_err(|e| {
        at(
            column,
            "s",
            format!(
                "the scenario inside is not UTF-8 text (byte {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// An error at `column` of the link.
fn at(column: usize, field: &str, message: String) -> PresetErrors {
    PresetErrors(vec![PresetError {
        source: SOURCE.to_owned(),
        line: 1,
        column,
        field: field.to_owned(),
        message,
    }])
}

/// At most 40 characters of user text in a message.
fn clip(text: &str) -> String {
    if text.chars().count() <= 40 {
        text.to_owned()
    } else {
        format!("{}...", text.chars().take(40).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str =
        "(\n    name: \"Two runs\",\n    objective: Rosenbrock(a: 1.0, b: 100.0),\n)\n";

    #[test]
    fn a_link_carries_its_document_and_step_back() {
        let link = make("https://example.org/optiviz/", DOC, Some(40));
        assert!(link.starts_with("https://example.org/optiviz/#s="));
        assert!(link.ends_with("&step=40"));
        assert!(carries_scenario(&link));
        let back = parse(&link).expect("round trip");
        assert_eq!(back.document, DOC);
        assert_eq!(back.step, Some(40));
        // The fragment alone, with or without `#`, reads the same.
        let fragment = fragment(DOC, None);
        assert_eq!(parse(&fragment).expect("fragment").document, DOC);
        assert_eq!(
            parse(&format!("#{fragment}")).expect("#fragment").step,
            None
        );
    }

    #[test]
    fn a_base_s_own_fragment_is_replaced_and_an_empty_base_is_the_default() {
        assert!(make("https://a.org/x#old", DOC, None).starts_with("https://a.org/x#s="));
        assert!(make("  ", DOC, None).starts_with(DEFAULT_BASE));
    }

    #[test]
    fn link_characters_are_url_safe() {
        let f = fragment(&DOC.repeat(20), Some(3));
        assert!(
            f.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_=&".contains(c)),
            "{f}"
        );
    }

    fn error(text: &str) -> PresetError {
        match parse(text) {
            Ok(l) => panic!("accepted {text:?} as {l:?}"),
            Err(e) => e.0[0].clone(),
        }
    }

    #[test]
    fn every_broken_link_names_its_place() {
        let good = make("http://h/", DOC, None);
        let payload_column = good.find("s=").expect("s=") + 3;
        // A foreign character: its own column.
        let mut bad = good.clone();
        bad.insert(payload_column - 1 + 4, '%');
        let e = error(&bad);
        assert_eq!((e.column, e.field.as_str()), (payload_column + 4, "s"));
        assert!(e.message.contains("`%` is not a base64url"), "{e}");
        // Cut off: at its end, saying so.
        for cut in [1, 2, 5, good.len() / 2] {
            let e = error(&good[..good.len() - cut]);
            assert!(e.message.contains("cut off"), "cut {cut}: {e}");
        }
        // No scenario, a bad step, a part that is not key=value.
        assert!(error("http://h/#step=3").message.contains("no `s=`"));
        let e = error(&format!("{good}&step=ten"));
        assert_eq!(e.field, "step");
        assert_eq!(e.column, good.len() + 7);
        assert!(error(&format!("{good}&junk")).message.contains("key=value"));
        // Valid base64 that is not a deflated preset.
        assert!(error("#s=AAAAAAAA").message.contains("damaged"));
        let e = error(&format!("#s={}", URL_SAFE_NO_PAD.encode([0xff_u8; 30])));
        assert!(e.message.contains("damaged"), "{e}");
    }

    #[test]
    fn a_link_cannot_inflate_past_the_preset_limit() {
        // Zeros deflate a thousand to one: a short link, a huge document.
        let bomb = vec![b' '; MAX_DOCUMENT_BYTES + 1];
        let packed = miniz_oxide::deflate::compress_to_vec(&bomb, 9);
        let e = error(&format!("#s={}", URL_SAFE_NO_PAD.encode(packed)));
        assert!(e.message.contains("over 8388608 bytes"), "{e}");
        // Exactly at the limit is fine.
        let limit = vec![b' '; MAX_DOCUMENT_BYTES];
        let packed = miniz_oxide::deflate::compress_to_vec(&limit, 9);
        let ok = parse(&format!("#s={}", URL_SAFE_NO_PAD.encode(packed))).expect("at the limit");
        assert_eq!(ok.document.len(), MAX_DOCUMENT_BYTES);
        // An overlong link is refused before it is decoded.
        let long = format!("#s={}", "A".repeat(MAX_LINK_CHARS));
        assert!(error(&long).message.contains("at most"));
    }

    #[test]
    fn mangled_links_never_panic_and_every_error_has_a_place() {
        use rand::{RngExt as _, SeedableRng as _};
        let text = crate::scenario::builtin::BUILTIN[11].text;
        let good = make("http://h/", text, Some(7));
        let mut rng = rand_pcg::Pcg64::seed_from_u64(21);
        let alphabet: Vec<char> = "AZaz09-_=&#%s.+/ \u{e9}".chars().collect();
        let (mut opened, mut refused) = (0, 0);
        for _ in 0..10_000 {
            let mut chars: Vec<char> = good.chars().collect();
            for _ in 0..rng.random_range(1..4) {
                let i = rng.random_range(0..chars.len());
                match rng.random_range(0..4) {
                    0 => {
                        chars.remove(i);
                    }
                    1 => chars.insert(i, alphabet[rng.random_range(0..alphabet.len())]),
                    2 => chars.truncate(i.max(1)),
                    _ => chars[i] = alphabet[rng.random_range(0..alphabet.len())],
                }
            }
            let link: String = chars.into_iter().collect();
            match crate::scenario::parse_link(&link) {
                Ok(_) => opened += 1,
                Err(errors) => {
                    refused += 1;
                    for e in &errors.0 {
                        assert_eq!(e.source, SOURCE, "{e}");
                        assert!(e.line >= 1 && e.column >= 1, "{e}");
                        assert!(!e.message.is_empty(), "{e}");
                    }
                }
            }
        }
        assert!(
            refused > 7_500,
            "most mangled links are refused ({opened} opened)"
        );
    }

    #[test]
    fn text_that_is_not_utf8_is_refused() {
        let packed = miniz_oxide::deflate::compress_to_vec(&[b'(', 0xc3, b')'], 9);
        let e = error(&format!("#s={}", URL_SAFE_NO_PAD.encode(packed)));
        assert!(e.message.contains("not UTF-8"), "{e}");
    }
}
