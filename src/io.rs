//! All file access in one place: reading presets, atomic writes, listing preset folders.
//!
//! Keeping I/O here keeps the numerics and scenario layers pure and leaves one module to swap
//! for a browser build later.

use crate::scenario::mlp::MlpScenario;
use crate::scenario::{self, Document, PresetError, PresetErrors, Scenario};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Largest preset file read (presets are a few kilobytes; this stops accidents).
pub const MAX_TEXT_BYTES: u64 = 8 * 1024 * 1024;

/// A failed file operation, naming the path.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} {}: {source}", path.display())]
pub struct IoError {
    /// What we tried ("read", "write", "list").
    pub action: &'static str,
    /// The file or folder.
    pub path: PathBuf,
    /// The operating system's reason.
    #[source]
    pub source: std::io::Error,
}

impl IoError {
    fn new(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        Self {
            action,
            path: path.to_owned(),
            source,
        }
    }
}

/// Reads a UTF-8 text file of at most [`MAX_TEXT_BYTES`].
pub fn read_text(path: &Path) -> Result<String, IoError> {
    let meta = fs::metadata(path).map_err(|e| IoError::new("read", path, e))?;
    if meta.is_dir() {
        return Err(IoError::new(
            "read",
            path,
            std::io::Error::other("it is a folder, not a file"),
        ));
    }
    if meta.len() > MAX_TEXT_BYTES {
        return Err(IoError::new(
            "read",
            path,
            std::io::Error::other(format!(
                "it is {} bytes; presets are at most {MAX_TEXT_BYTES}",
                meta.len()
            )),
        ));
    }
    let bytes = fs::read(path).map_err(|e| IoError::new("read", path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        IoError::new(
            "read",
            path,
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
            ),
        )
    })
}

/// Writes `path` atomically: the data goes to a temporary file in the same folder, is flushed
/// to disk, and is renamed over the target. On any failure the target is untouched and the
/// temporary file removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    write_atomic_with(path, |f| f.write_all(bytes))
}

/// [`write_atomic`] with a custom writer (also lets tests inject a failure mid-write).
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut fs::File) -> std::io::Result<()>,
) -> Result<(), IoError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| IoError::new("write", path, std::io::Error::other("no file name")))?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        write(&mut f)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(IoError::new("write", path, e));
    }
    Ok(())
}

/// The `.ron` files of a folder, sorted by name (a lecture deck).
pub fn list_presets(dir: &Path) -> Result<Vec<PathBuf>, IoError> {
    let entries = fs::read_dir(dir).map_err(|e| IoError::new("list", dir, e))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x.eq_ignore_ascii_case("ron")))
        .collect();
    files.sort();
    Ok(files)
}

/// A folder's sub-folders and `.ron` files, each sorted by name (for the file dialog).
pub fn list_folder(dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>), IoError> {
    let entries = fs::read_dir(dir).map_err(|e| IoError::new("list", dir, e))?;
    let (mut dirs, mut files) = (Vec::new(), Vec::new());
    for path in entries.filter_map(Result::ok).map(|e| e.path()) {
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            dirs.push(path);
        } else if path
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("ron"))
        {
            files.push(path);
        }
    }
    dirs.sort();
    files.sort();
    Ok((dirs, files))
}

/// Where the app keeps its state between sessions; `OPTIVIZ_STATE` overrides it.
#[cfg(feature = "gui")]
#[must_use]
pub fn state_file() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("OPTIVIZ_STATE") {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("org", "optiviz", "optiviz")
        .map(|d| d.config_dir().join("state.ron"))
}

/// The user's pictures folder (or home, or the current folder) for screenshots.
#[cfg(feature = "gui")]
#[must_use]
pub fn pictures_folder() -> PathBuf {
    directories::UserDirs::new()
        .and_then(|u| {
            u.picture_dir()
                .map(Path::to_path_buf)
                .or_else(|| Some(u.home_dir().to_path_buf()))
        })
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Creates a folder and its parents.
pub fn create_dir(dir: &Path) -> Result<(), IoError> {
    fs::create_dir_all(dir).map_err(|e| IoError::new("create", dir, e))
}

/// Reads and validates a preset of either kind, reading the file once. A network preset's
/// `Csv(path: ...)` data set is read from that path, relative to the preset's folder; its
/// errors name the CSV file, line and column.
pub fn load_document(path: &Path) -> Result<Document, PresetErrors> {
    let source = path.display().to_string();
    let text = read_text(path).map_err(|e| {
        PresetErrors(vec![PresetError {
            source: source.clone(),
            line: 1,
            column: 1,
            field: String::new(),
            message: e.source.to_string(),
        }])
    })?;
    let dir = path.parent().unwrap_or_else(|| Path::new("")).to_owned();
    scenario::parse_document(&text, &source, &mut |csv| {
        let file = dir.join(csv);
        read_text(&file)
            .map(|body| (file.display().to_string(), body))
            .map_err(|e| e.to_string())
    })
}

/// Reads and validates a 2-D preset; a network preset is an error that says so.
pub fn load_preset(path: &Path) -> Result<Scenario, PresetErrors> {
    match load_document(path)? {
        Document::Surface(s) => Ok(*s),
        Document::Network(_) => Err(wrong_kind(
            path,
            "is a network preset (it has a `dataset`), not a 2-D one",
        )),
    }
}

/// Reads and validates a network preset; a 2-D preset is an error that says so.
pub fn load_mlp_preset(path: &Path) -> Result<MlpScenario, PresetErrors> {
    match load_document(path)? {
        Document::Network(s) => Ok(*s),
        Document::Surface(_) => Err(wrong_kind(
            path,
            "is a 2-D preset (it has no `dataset` field), not a network one",
        )),
    }
}

fn wrong_kind(path: &Path, message: &str) -> PresetErrors {
    PresetErrors(vec![PresetError {
        source: path.display().to_string(),
        line: 1,
        column: 1,
        field: String::new(),
        message: message.to_owned(),
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("optiviz-io-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn atomic_write_replaces_or_leaves_intact() {
        let dir = scratch("atomic");
        let target = dir.join("scenario.ron");
        write_atomic(&target, b"first").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"first");
        // A write that fails half way leaves the old content and no temporary file.
        let err = write_atomic_with(&target, |f| {
            f.write_all(b"half of the new")?;
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("disk full"));
        assert_eq!(fs::read(&target).unwrap(), b"first");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        write_atomic(&target, b"second").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"second");
        // An unwritable place is an error naming the path, not a panic.
        let err = write_atomic(&dir.join("missing/folder/x.ron"), b"x").unwrap_err();
        assert!(err.to_string().contains("missing/folder/x.ron"));
    }

    #[test]
    fn read_errors_name_the_file() {
        let dir = scratch("read");
        let err = read_text(&dir.join("nope.ron")).unwrap_err();
        assert!(err.to_string().starts_with("cannot read"));
        fs::write(dir.join("bin.ron"), [0xff, 0xfe, 0x00]).unwrap();
        assert!(
            read_text(&dir.join("bin.ron"))
                .unwrap_err()
                .to_string()
                .contains("UTF-8")
        );
        assert!(read_text(&dir).unwrap_err().to_string().contains("folder"));
        let e = load_preset(&dir.join("nope.ron")).unwrap_err();
        assert!(e.to_string().contains("nope.ron:1:1"));
    }

    #[test]
    fn lists_ron_files_sorted() {
        let dir = scratch("list");
        for n in ["b.ron", "a.ron", "c.txt", "D.RON"] {
            fs::write(dir.join(n), "()").unwrap();
        }
        let names: Vec<String> = list_presets(&dir)
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["D.RON", "a.ron", "b.ron"]);
    }
}
