//! All file access in one place: reading presets, atomic writes, listing preset folders.
//!
//! Keeping I/O here keeps the numerics and scenario layers pure and leaves one module to swap
//! for a browser build later.

use crate::scenario::mlp::MlpScenario;
use crate::scenario::{self, Document, PresetError, PresetErrors, Scenario};
use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

/// Largest preset file read (presets are a few kilobytes; this stops accidents).
pub const MAX_TEXT_BYTES: u64 = 8 * 1024 * 1024;

/// A failed file operation, naming the path. The operating system's reason is part of the
/// message and not a separate cause, so chains (`{:#}`) do not say it twice.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} {}: {cause}", path.display())]
pub struct IoError {
    /// What we tried ("read", "write", "list").
    pub action: &'static str,
    /// The file or folder.
    pub path: PathBuf,
    /// The operating system's reason.
    pub cause: std::io::Error,
}

impl IoError {
    fn new(action: &'static str, path: &Path, cause: std::io::Error) -> Self {
        Self {
            action,
            path: path.to_owned(),
            cause,
        }
    }
}

/// Reads a UTF-8 text file of at most [`MAX_TEXT_BYTES`]; `what` names the kind of file in
/// the message past the limit ("presets", "CSV files"). The limit holds whatever the file
/// system reports (devices and files under /proc report no size or a wrong one): at most one
/// byte more than the limit is ever read. Named pipes and sockets are refused (opening one
/// waits for a writer). A UTF-8 byte-order mark is dropped.
pub fn read_text_limited(path: &Path, what: &str) -> Result<String, IoError> {
    use std::io::Read;
    let err = |e| IoError::new("read", path, e);
    let meta = fs::metadata(path).map_err(err)?;
    if meta.is_dir() {
        return Err(err(std::io::Error::other("it is a folder, not a file")));
    }
    if is_pipe_or_socket(&meta) {
        // Opening a named pipe waits for a writer, which may never come (a frozen app).
        return Err(err(std::io::Error::other(
            "it is a named pipe or socket, not a file",
        )));
    }
    let too_big = |len: u64| {
        err(std::io::Error::other(format!(
            "it is {} bytes; {what} are at most {MAX_TEXT_BYTES} bytes",
            if len > MAX_TEXT_BYTES {
                len.to_string()
            } else {
                format!("more than {MAX_TEXT_BYTES}")
            }
        )))
    };
    if meta.len() > MAX_TEXT_BYTES {
        return Err(too_big(meta.len()));
    }
    let file = fs::File::open(path).map_err(err)?;
    let mut bytes = Vec::new();
    file.take(MAX_TEXT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(err)?;
    if bytes.len() as u64 > MAX_TEXT_BYTES {
        return Err(too_big(0));
    }
    let mut text = String::from_utf8(bytes).map_err(|e| {
        err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
        ))
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

/// Whether the path is a named pipe (FIFO) or a socket (never on systems without them).
fn is_pipe_or_socket(meta: &fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        t.is_fifo() || t.is_socket()
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

/// Reads a UTF-8 preset (or state) file of at most [`MAX_TEXT_BYTES`], see
/// [`read_text_limited`].
pub fn read_text(path: &Path) -> Result<String, IoError> {
    read_text_limited(path, "presets")
}

/// Writes `path` atomically: the data goes to a temporary file in the same folder, is flushed
/// to disk, and is renamed over the target; then the folder is flushed, so the rename itself
/// survives a crash. On any failure the target is untouched and the temporary file removed.
/// A symbolic link is followed: its target is replaced and the link stays. Temporary files
/// that an earlier save of the same file left behind (killed mid-write) are removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    write_atomic_with(path, |f| f.write_all(bytes))
}

/// Where a write to `path` lands: the final target of a chain of symbolic links (at most 40,
/// as the kernel allows), else `path` itself.
fn write_target(path: &Path) -> Result<PathBuf, IoError> {
    let mut target = path.to_owned();
    for _ in 0..40 {
        match fs::symlink_metadata(&target) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = fs::read_link(&target).map_err(|e| IoError::new("write", path, e))?;
                target = match target.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(target),
        }
    }
    Err(IoError::new(
        "write",
        path,
        std::io::Error::other("too many levels of symbolic links"),
    ))
}

/// The prefix of our temporary files for `name` in its folder: `.NAME.tmp`, then the process.
fn temp_prefix(name: &std::ffi::OsStr) -> String {
    format!(".{}.tmp", name.to_string_lossy())
}

/// A temporary file of ours untouched this long is abandoned whatever its process id says: a
/// save takes well under a second, and process ids are reused.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_hours(1);

/// Removes the temporary files an earlier save of `name` left in `dir` (a process killed
/// between creating and renaming one). Only files of our own pattern are touched, and only
/// when abandoned ([`is_stale`]); failures are ignored (cleaning up is a courtesy, not part of
/// the save).
fn remove_stale_temps(dir: &Path, name: &std::ffi::OsStr) {
    let prefix = temp_prefix(name);
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let file_name = entry.file_name();
        let Some(pid) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() {
            continue;
        }
        let age = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok());
        if is_stale(age, process_alive(pid)) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether another process's temporary file is abandoned: its process is known to be gone
/// (Linux's /proc), or it has not been touched for [`STALE_AFTER`] (everywhere: where the
/// system cannot say whether a process runs, a save in progress in another window is never
/// taken for a stale one).
fn is_stale(age: Option<std::time::Duration>, alive: Option<bool>) -> bool {
    alive == Some(false) || age.is_some_and(|a| a >= STALE_AFTER)
}

/// Whether a process with this id runs, where the system says (Linux's /proc); None
/// elsewhere.
fn process_alive(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    proc.join("self")
        .is_dir()
        .then(|| proc.join(pid.to_string()).exists())
}

/// [`write_atomic`] with a custom writer (also lets tests inject a failure mid-write).
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut fs::File) -> std::io::Result<()>,
) -> Result<(), IoError> {
    let target = write_target(path)?;
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .ok_or_else(|| IoError::new("write", path, std::io::Error::other("no file name")))?;
    remove_stale_temps(&dir, name);
    let tmp = dir.join(format!("{}{}", temp_prefix(name), std::process::id()));
    let result = (|| {
        {
            // Closed before the rename.
            let mut f = fs::File::create(&tmp)?;
            write(&mut f)?;
            f.sync_all()?;
        }
        fs::rename(&tmp, &target)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(IoError::new("write", path, e));
    }
    sync_dir(&dir).map_err(|e| IoError::new("write", path, e))
}

/// Flushes a folder's entries (the rename) to disk. Unix only: elsewhere a folder cannot be
/// opened as a file and the rename is flushed by the file system itself.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    if !cfg!(unix) {
        return Ok(());
    }
    match fs::File::open(dir)?.sync_all() {
        // Some file systems cannot flush a folder; the rename is then as durable as they make it.
        Err(e) if matches!(e.kind(), ErrorKind::InvalidInput | ErrorKind::Unsupported) => Ok(()),
        other => other,
    }
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

/// The web address links point to (`optiviz link`, the app's Copy link): `$OPTIVIZ_LINK_BASE`
/// (where a lecturer hosts the web build), else the local web build of `scripts/web.sh`.
#[must_use]
pub fn link_base() -> String {
    std::env::var("OPTIVIZ_LINK_BASE")
        .ok()
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(|| crate::scenario::link::DEFAULT_BASE.to_owned())
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
            message: e.cause.to_string(),
        }])
    })?;
    let dir = path.parent().unwrap_or_else(|| Path::new("")).to_owned();
    scenario::parse_document(&text, &source, &mut |csv| {
        let file = dir.join(csv);
        read_text_limited(&file, "CSV files")
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
            "is a network preset (it has a `dataset`), not a 2-D one: train it with `optiviz train`",
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
    #[cfg(unix)]
    #[test]
    fn saving_through_a_link_replaces_its_target_and_keeps_the_link() {
        let dir = scratch("link");
        let real = dir.join("real.ron");
        fs::write(&real, "old").unwrap();
        let link = dir.join("link.ron");
        std::os::unix::fs::symlink("real.ron", &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).unwrap(), b"new");
    }

    #[test]
    fn a_save_removes_the_temporary_files_a_killed_save_left() {
        let dir = scratch("stale");
        let target = dir.join("deck.ron");
        // A process id no system hands out (Linux's are below 2^22), and another file's.
        let stale = dir.join(".deck.ron.tmp4294967290");
        let other = dir.join(".other.ron.tmp4294967290");
        fs::write(&stale, "half").unwrap();
        fs::write(&other, "half").unwrap();
        write_atomic(&target, b"whole").unwrap();
        assert!(!stale.exists(), "our stale temporary file is gone");
        assert!(other.exists(), "another file's is not ours to remove");
    }

    #[test]
    fn a_temporary_file_is_stale_when_its_process_is_gone_or_it_is_an_hour_old() {
        use std::time::Duration;
        let (fresh, old) = (Some(Duration::from_secs(5)), Some(STALE_AFTER));
        // Linux: /proc says.
        assert!(is_stale(fresh, Some(false)));
        assert!(!is_stale(fresh, Some(true)));
        assert!(is_stale(old, Some(true)), "a reused process id");
        // Elsewhere: only the age can tell; a save in progress in another window stays.
        assert!(!is_stale(fresh, None));
        assert!(!is_stale(None, None));
        assert!(is_stale(old, None));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_live_processs_fresh_temporary_file_stays_and_an_hour_old_one_goes() {
        let dir = scratch("live");
        let target = dir.join("deck.ron");
        // Process 1 always runs.
        let fresh = dir.join(".deck.ron.tmp1");
        fs::write(&fresh, "half").unwrap();
        write_atomic(&target, b"whole").unwrap();
        assert!(fresh.exists(), "a save in progress elsewhere is left alone");
        let file = fs::File::options().write(true).open(&fresh).unwrap();
        let two_hours = std::time::Duration::from_hours(2);
        file.set_modified(std::time::SystemTime::now() - two_hours)
            .unwrap();
        drop(file);
        write_atomic(&target, b"again").unwrap();
        assert!(!fresh.exists(), "abandoned: untouched for two hours");
    }

    #[cfg(unix)]
    #[test]
    fn a_named_pipe_is_refused_rather_than_waited_on() {
        let dir = scratch("fifo");
        let fifo = dir.join("pipe.ron");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        if made {
            let e = read_text(&fifo).unwrap_err().to_string();
            assert!(e.contains("named pipe"), "{e}");
        }
    }

    #[test]
    fn reads_stop_at_the_cap_and_drop_a_byte_order_mark() {
        let dir = scratch("cap");
        let bom = dir.join("bom.ron");
        fs::write(&bom, "\u{feff}(steps: 3)").unwrap();
        assert_eq!(read_text(&bom).unwrap(), "(steps: 3)");
        let csv = dir.join("big.csv");
        fs::write(
            &csv,
            vec![b'0'; usize::try_from(MAX_TEXT_BYTES).unwrap() + 1],
        )
        .unwrap();
        let e = read_text_limited(&csv, "CSV files")
            .unwrap_err()
            .to_string();
        assert!(e.contains("CSV files are at most 8388608 bytes"), "{e}");
        // An error says its cause once, also through a chain of errors.
        let e = anyhow::Error::new(read_text(&dir.join("missing.ron")).unwrap_err());
        assert_eq!(format!("{e:#}").matches("No such file").count(), 1, "{e:#}");
    }
}
