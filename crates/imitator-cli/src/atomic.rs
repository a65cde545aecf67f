//! Files and folders that appear whole or not at all.
//!
//! A file is written under a temporary name beside its target (same folder, so
//! same file system), synced, and renamed over the target when complete: a
//! reader, or a command killed at any moment, sees either the old file or the
//! complete new one, never a part. A folder is written the same way under a
//! temporary name beside it; when complete it takes the old folder's place
//! (on Linux in one step, by exchanging the two; elsewhere by two renames,
//! between which the path is briefly absent), and only then is the old one
//! removed. An interrupted write leaves at most a hidden `.NAME.*.tmp` beside
//! the target, never a mixed or truncated output.
//!
//! Every error names the path it is about.
//!
//! For tests that must catch a writer mid-write, the environment variable
//! `IMITATOR_SLOW_WRITES_MS` makes every write of at most 4 KiB pause that
//! many milliseconds.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// A write that failed: the path it was about, what was being done, and why.
#[derive(Debug)]
pub struct WriteError {
    pub path: PathBuf,
    /// What was being done, e.g. "cannot write".
    pub action: &'static str,
    pub error: io::Error,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.path.display(), self.action, self.error)
    }
}

impl std::error::Error for WriteError {}

impl WriteError {
    /// Whether the write failed because the reader of a stream (a pipe
    /// given as `--out /dev/stdout`, then `| head`) went away: like a
    /// closed standard output, that ends the output quietly.
    pub fn is_closed_pipe(&self) -> bool {
        self.error.kind() == io::ErrorKind::BrokenPipe
    }
}

/// Refuses, before anything is written, a path that cannot name a file:
/// one that is empty, ends with `/`, or whose last part is `.` or `..`
/// (a file written there would land somewhere else, or nowhere).
pub fn check_file_name(path: &Path) -> Result<(), WriteError> {
    let bytes = path.as_os_str().as_encoded_bytes();
    let last = bytes.rsplit(|&b| b == b'/').next().unwrap_or_default();
    if last.is_empty() || last == b"." || last == b".." {
        return Err(invalid(path, "cannot write", "not the name of a file (it ends with `/`, `.` or `..`)"));
    }
    Ok(())
}

fn fail<'a>(path: &'a Path, action: &'static str) -> impl FnOnce(io::Error) -> WriteError + 'a {
    move |error| WriteError { path: path.to_path_buf(), action, error }
}

fn invalid(path: &Path, action: &'static str, message: &str) -> WriteError {
    WriteError { path: path.to_path_buf(), action, error: io::Error::new(io::ErrorKind::InvalidInput, message) }
}

/// The pause after each write, from `IMITATOR_SLOW_WRITES_MS` (tests only).
fn slow() -> Option<Duration> {
    static DELAY: OnceLock<Option<Duration>> = OnceLock::new();
    *DELAY.get_or_init(|| {
        std::env::var("IMITATOR_SLOW_WRITES_MS").ok()?.parse().ok().filter(|&ms| ms > 0).map(Duration::from_millis)
    })
}

/// A file being written: in pieces of at most 4 KiB, each followed by a pause, when asked to be slow.
struct Slow(File);

impl Write for Slow {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match slow() {
            None => self.0.write(buf),
            Some(delay) => {
                let n = self.0.write(&buf[..buf.len().min(4096)])?;
                std::thread::sleep(delay);
                Ok(n)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// A fresh hidden name beside `target`: `.NAME.PID.N.tmp`.
fn temporary_beside(target: &Path) -> Result<PathBuf, WriteError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = target
        .file_name()
        .ok_or_else(|| invalid(target, "cannot write", "not the name of a file or folder"))?
        .to_string_lossy()
        .into_owned();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    Ok(target.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id())))
}

/// `path` made absolute (relative to the current folder) and without a trailing `.`,
/// so that it has a file name and a parent.
fn absolute(path: &Path) -> Result<PathBuf, WriteError> {
    let p = std::path::absolute(path).map_err(fail(path, "cannot resolve the path"))?;
    // `dir/.` and `dir/..` have no file name: resolve them through the file system.
    if p.file_name().is_none() || p.ends_with(".") {
        return fs::canonicalize(&p).map_err(fail(path, "cannot resolve the path"));
    }
    Ok(p)
}

/// Syncs a folder's entries to disk, where the system allows it (best effort).
fn sync_folder(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Writes the file `path` whole or not at all: `write` fills a temporary file
/// beside it (through a buffer), which replaces `path` only once `write` has
/// returned `Ok` and the data is on disk. On any error the temporary file is
/// removed and `path` is as it was.
///
/// A path that is not a regular file (a device such as `/dev/stdout`, a
/// named pipe) is a stream, not a file to replace: it is written directly. A
/// symbolic link is followed: the file it points to is replaced.
pub fn write_file<T>(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<T>) -> Result<T, WriteError> {
    check_file_name(path)?;
    match fs::metadata(path) {
        Ok(m) if m.is_dir() => return Err(invalid(path, "cannot write", "is a folder")),
        Ok(m) if !m.is_file() => {
            let file = OpenOptions::new().write(true).open(path).map_err(fail(path, "cannot open"))?;
            let mut w = BufWriter::new(file);
            let value = write(&mut w).map_err(fail(path, "cannot write"))?;
            w.flush().map_err(fail(path, "cannot write"))?;
            return Ok(value);
        }
        _ => {}
    }
    let resolved = match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path).map_err(fail(path, "cannot resolve the link"))?,
        _ => path.to_path_buf(),
    };
    let target = resolved.as_path();
    let tmp = temporary_beside(target)?;
    let file = OpenOptions::new().write(true).create_new(true).open(&tmp).map_err(fail(path, "cannot create"))?;
    let written = (|| -> Result<T, WriteError> {
        let mut w = BufWriter::new(Slow(file));
        let value = write(&mut w).map_err(fail(path, "cannot write"))?;
        let file = w.into_inner().map_err(|e| fail(path, "cannot write")(e.into_error()))?;
        file.0.sync_all().map_err(fail(path, "cannot write"))?;
        fs::rename(&tmp, target).map_err(fail(path, "cannot replace"))?;
        Ok(value)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    } else if let Some(dir) = target.parent() {
        sync_folder(if dir.as_os_str().is_empty() { Path::new(".") } else { dir });
    }
    written
}

/// [`write_file`] with the whole content at once.
#[cfg(test)]
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_file(path, |w| w.write_all(bytes))
}

/// Whether [`Folder::create`] may write the folder `target`: it does not
/// exist, or it is a folder whose entries are all files that `replaceable`
/// accepts by name. Returns `target` made absolute.
pub fn check_folder(target: &Path, replaceable: fn(&str) -> bool) -> Result<PathBuf, WriteError> {
    let abs = absolute(target)?;
    match fs::symlink_metadata(&abs) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(fail(target, "cannot read")(e)),
        Ok(m) if !m.is_dir() => return Err(invalid(target, "cannot write the folder", "exists and is not a folder")),
        Ok(_) => {
            for entry in fs::read_dir(&abs).map_err(fail(target, "cannot read"))? {
                let entry = entry.map_err(fail(target, "cannot read"))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let kind = entry.file_type().map_err(fail(target, "cannot read"))?;
                // A folder of the output (`replaceable("NAME/")`) may hold
                // only files that `replaceable("NAME/FILE")` accepts.
                if kind.is_dir() && replaceable(&format!("{name}/")) {
                    let inner = abs.join(&name);
                    for entry in fs::read_dir(&inner).map_err(fail(target, "cannot read"))? {
                        let entry = entry.map_err(fail(target, "cannot read"))?;
                        let child = format!("{name}/{}", entry.file_name().to_string_lossy());
                        let is_file = entry.file_type().map_err(fail(target, "cannot read"))?.is_file();
                        if !is_file || !replaceable(&child) {
                            return Err(invalid(
                                target,
                                "will not replace the folder",
                                &format!(
                                    "it holds `{child}`, which this command does not write; give a new or empty folder"
                                ),
                            ));
                        }
                    }
                    continue;
                }
                if !kind.is_file() || !replaceable(&name) {
                    return Err(invalid(
                        target,
                        "will not replace the folder",
                        &format!("it holds `{name}`, which this command does not write; give a new or empty folder"),
                    ));
                }
            }
        }
    }
    Ok(abs)
}

/// A folder written whole or not at all: files go into a temporary folder
/// beside the target, which [`Folder::commit`] puts in the target's place.
/// Dropped without a commit, the temporary folder is removed.
///
/// Created before the work it holds the output of, so that a target that
/// cannot be written (a missing or read-only parent) is reported before
/// any work is done.
pub struct Folder {
    /// The target as given, for messages.
    shown: PathBuf,
    /// The target made absolute.
    target: PathBuf,
    tmp: PathBuf,
    /// Which entries of an existing target may be replaced.
    replaceable: fn(&str) -> bool,
    /// Whether the target existed when the folder was created.
    existed: bool,
    committed: bool,
}

/// How a folder took its target's place, to be undone if another folder of
/// the same commit cannot take its own.
enum Placed {
    /// Renamed to a target that did not exist.
    New,
    /// Exchanged with the old target, which is now at the temporary name.
    Exchanged,
    /// Where there is no exchange: the old target was renamed to this path first.
    Moved(PathBuf),
}

impl Folder {
    /// Starts writing the folder `target`.
    ///
    /// If `target` exists, it must be a folder whose entries are all files
    /// that `replaceable` accepts by name (say, an earlier output of the same
    /// command): a folder holding anything else is refused, so that a
    /// mistaken path never deletes someone's files.
    pub fn create(target: &Path, replaceable: fn(&str) -> bool) -> Result<Folder, WriteError> {
        let abs = check_folder(target, replaceable)?;
        let existed = fs::symlink_metadata(&abs).is_ok();
        let tmp = temporary_beside(&abs)?;
        fs::create_dir(&tmp).map_err(fail(target, "cannot create the folder"))?;
        Ok(Folder { shown: target.to_path_buf(), target: abs, tmp, replaceable, existed, committed: false })
    }

    /// Writes the file `name` of the folder.
    /// A name `DIR/FILE` goes into the folder's subfolder `DIR`, created on first use.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<(), WriteError> {
        let shown = self.shown.join(name);
        if let Some((dir, _)) = name.rsplit_once('/') {
            fs::create_dir_all(self.tmp.join(dir)).map_err(fail(&shown, "cannot create the folder of"))?;
        }
        let mut f = Slow(File::create(self.tmp.join(name)).map_err(fail(&shown, "cannot create"))?);
        f.write_all(bytes).map_err(fail(&shown, "cannot write"))?;
        f.0.sync_all().map_err(fail(&shown, "cannot write"))
    }

    /// Puts the complete folder in the target's place and removes the old one.
    pub fn commit(self) -> Result<(), WriteError> {
        commit_together(vec![self])
    }

    /// Puts the folder in the target's place, keeping the old one to put back.
    ///
    /// Another run may create or replace the target at any moment: a target
    /// that appeared since the check is exchanged like an old output of
    /// this command (the last run to commit wins, and every run's folder is
    /// whole), once it is checked again to hold only replaceable files.
    fn place(&self) -> Result<Placed, WriteError> {
        let shown = &self.shown;
        for _ in 0..8 {
            match fs::symlink_metadata(&self.target) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => match fs::rename(&self.tmp, &self.target) {
                    Ok(()) => return Ok(Placed::New),
                    // Another run created it in between: exchange with it instead.
                    Err(e) if is_taken(&e) => continue,
                    Err(e) => return Err(fail(shown, "cannot create the folder")(e)),
                },
                Err(e) => return Err(fail(shown, "cannot read")(e)),
                Ok(_) => {
                    // Checked again: it may have changed since the command started.
                    if let Err(mut e) = check_folder(&self.target, self.replaceable) {
                        e.path = shown.clone();
                        if !self.existed {
                            e.error = io::Error::new(
                                e.error.kind(),
                                format!("another program created it while this command ran: {}", e.error),
                            );
                        }
                        return Err(e);
                    }
                    match exchange(&self.tmp, &self.target) {
                        Ok(()) => return Ok(Placed::Exchanged),
                        Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                        Err(_) => {}
                    }
                    let old = temporary_beside(&self.target)?;
                    match fs::rename(&self.target, &old) {
                        Ok(()) => {}
                        Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                        Err(e) => return Err(fail(shown, "cannot replace the folder")(e)),
                    }
                    if let Err(e) = fs::rename(&self.tmp, &self.target) {
                        let _ = fs::rename(&old, &self.target);
                        return Err(fail(shown, "cannot replace the folder")(e));
                    }
                    return Ok(Placed::Moved(old));
                }
            }
        }
        Err(invalid(
            shown,
            "cannot replace the folder",
            "other programs kept creating and removing it while this command tried to write it; try again",
        ))
    }

    /// Undoes [`Folder::place`]: the old target back, the new folder at its temporary name.
    fn unplace(&self, placed: Placed) {
        match placed {
            Placed::New => {
                let _ = fs::rename(&self.target, &self.tmp);
            }
            Placed::Exchanged => {
                let _ = exchange(&self.tmp, &self.target);
            }
            Placed::Moved(old) => {
                let _ = fs::rename(&self.target, &self.tmp);
                let _ = fs::rename(&old, &self.target);
            }
        }
    }
}

/// Whether a rename onto a target that was absent failed because it is there now.
fn is_taken(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::AlreadyExists | io::ErrorKind::DirectoryNotEmpty)
}

/// Puts every folder in its target's place, or none: the outputs of one
/// command appear together. Each folder takes its place in one step (an
/// exchange with the old one, or a rename); if one cannot, those already
/// placed are put back, and the old folders are removed only once all are
/// in place. Only a process killed between two of those steps (a few system
/// calls) can leave some targets new and others old; each one is always whole.
pub fn commit_together(mut folders: Vec<Folder>) -> Result<(), WriteError> {
    for f in &folders {
        sync_folder(&f.tmp);
    }
    let mut placed = Vec::with_capacity(folders.len());
    for f in &folders {
        match f.place() {
            Ok(p) => placed.push(p),
            Err(e) => {
                for (f, p) in folders.iter().zip(placed).rev() {
                    f.unplace(p);
                }
                return Err(e);
            }
        }
    }
    for (f, p) in folders.iter_mut().zip(placed) {
        f.committed = true;
        match p {
            Placed::New => {}
            // The old folder is now at the temporary name.
            Placed::Exchanged => {
                let _ = fs::remove_dir_all(&f.tmp);
            }
            Placed::Moved(old) => {
                let _ = fs::remove_dir_all(old);
            }
        }
        if let Some(dir) = f.target.parent() {
            sync_folder(dir);
        }
    }
    Ok(())
}

impl Drop for Folder {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Several files that appear together or not at all (the files of one
/// output, such as a model's transitions, labels and rewards).
///
/// [`FileSet::create`] opens a temporary file beside every target first, so
/// that a path that cannot be written is reported before any work is done;
/// [`FileSet::write`] fills them; [`FileSet::commit`] renames each over its
/// target, keeping a hard link to (or a copy of) every file it replaces until all are in
/// place: if one rename fails, the files already replaced are put back (and
/// those that did not exist are removed), so the targets are all new or all
/// as they were. Only a process killed between two of those renames (a few
/// system calls) can leave some targets new and others old; each one is
/// always whole. Dropped without a commit, the set removes its temporary
/// files and changes nothing.
///
/// A target that is not a regular file (a device, a named pipe) is a stream:
/// it is written directly, as by [`write_file`].
pub struct FileSet {
    members: Vec<Member>,
    committed: bool,
}

struct Member {
    /// The target as given, for messages.
    shown: PathBuf,
    /// The file to replace (a symbolic link resolved).
    target: PathBuf,
    /// The temporary file beside it, or `None` for a stream.
    tmp: Option<PathBuf>,
    file: Option<File>,
}

impl FileSet {
    /// Opens a temporary file beside each of `paths` (or the path itself, for a stream).
    pub fn create(paths: &[PathBuf]) -> Result<FileSet, WriteError> {
        let mut set = FileSet { members: Vec::with_capacity(paths.len()), committed: false };
        for path in paths {
            check_file_name(path)?;
            match fs::metadata(path) {
                Ok(m) if m.is_dir() => return Err(invalid(path, "cannot write", "is a folder")),
                Ok(m) if !m.is_file() => {
                    let file = OpenOptions::new().write(true).open(path).map_err(fail(path, "cannot open"))?;
                    set.members.push(Member { shown: path.clone(), target: path.clone(), tmp: None, file: Some(file) });
                    continue;
                }
                _ => {}
            }
            let target = match fs::symlink_metadata(path) {
                Ok(m) if m.file_type().is_symlink() => {
                    fs::canonicalize(path).map_err(fail(path, "cannot resolve the link"))?
                }
                _ => path.clone(),
            };
            let tmp = temporary_beside(&target)?;
            let file =
                OpenOptions::new().write(true).create_new(true).open(&tmp).map_err(fail(path, "cannot create"))?;
            set.members.push(Member { shown: path.clone(), target, tmp: Some(tmp), file: Some(file) });
        }
        Ok(set)
    }

    /// Fills file `index` (in the order of [`FileSet::create`]'s paths) through a buffer.
    pub fn write<T>(
        &mut self,
        index: usize,
        write: impl FnOnce(&mut dyn Write) -> io::Result<T>,
    ) -> Result<T, WriteError> {
        let m = self.members.get_mut(index).ok_or_else(|| WriteError {
            path: PathBuf::new(),
            action: "cannot write",
            error: io::Error::new(io::ErrorKind::InvalidInput, "no such file in the set"),
        })?;
        let shown = m.shown.clone();
        let file = m.file.take().ok_or_else(|| invalid(&shown, "cannot write", "written twice"))?;
        let mut w = BufWriter::new(Slow(file));
        let value = write(&mut w).map_err(fail(&shown, "cannot write"))?;
        let file = w.into_inner().map_err(|e| fail(&shown, "cannot write")(e.into_error()))?;
        if m.tmp.is_some() {
            file.0.sync_all().map_err(fail(&shown, "cannot write"))?;
        }
        Ok(value)
    }

    /// Puts every file in its target's place, or none (see [`FileSet`]).
    pub fn commit(mut self) -> Result<(), WriteError> {
        // (target, the hard link that keeps its old content, if it had one)
        let mut done: Vec<(PathBuf, Option<PathBuf>)> = Vec::new();
        let mut failure = None;
        for m in &self.members {
            let Some(tmp) = &m.tmp else { continue };
            let old = match fs::symlink_metadata(&m.target) {
                Ok(_) => match temporary_beside(&m.target) {
                    // A hard link where the file system has them, else a copy.
                    Ok(keep) => {
                        match fs::hard_link(&m.target, &keep).or_else(|_| fs::copy(&m.target, &keep).map(|_| ())) {
                            Ok(()) => Some(keep),
                            Err(e) => {
                                let _ = fs::remove_file(&keep);
                                failure = Some(fail(&m.shown, "cannot keep the old file while replacing it")(e));
                                break;
                            }
                        }
                    }
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                },
                Err(_) => None,
            };
            if let Err(e) = fs::rename(tmp, &m.target) {
                if let Some(keep) = old {
                    let _ = fs::remove_file(keep);
                }
                failure = Some(fail(&m.shown, "cannot replace")(e));
                break;
            }
            done.push((m.target.clone(), old));
        }
        if let Some(e) = failure {
            // Put back what was replaced, newest first; the temporaries go in `drop`.
            for (target, old) in done.into_iter().rev() {
                match old {
                    Some(keep) => {
                        let _ = fs::rename(keep, &target);
                    }
                    None => {
                        let _ = fs::remove_file(&target);
                    }
                }
            }
            return Err(e);
        }
        for (_, old) in done {
            if let Some(keep) = old {
                let _ = fs::remove_file(keep);
            }
        }
        self.committed = true;
        let mut synced: Vec<&Path> = Vec::new();
        for m in &self.members {
            if let Some(dir) = m.target.parent().filter(|_| m.tmp.is_some()) {
                let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
                if !synced.contains(&dir) {
                    sync_folder(dir);
                    synced.push(dir);
                }
            }
        }
        Ok(())
    }
}

impl Drop for FileSet {
    fn drop(&mut self) {
        for m in &mut self.members {
            m.file.take();
            if let Some(tmp) = &m.tmp {
                if !self.committed || fs::symlink_metadata(tmp).is_ok() {
                    let _ = fs::remove_file(tmp);
                }
            }
        }
    }
}

/// Exchanges two paths in one step (Linux `renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both arguments are valid NUL-terminated paths that outlive the call;
    // the system call only reads them.
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Elsewhere there is no exchange: [`Folder::commit`] uses two renames.
#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "no atomic exchange"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(test: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("imitator-atomic-{}-{test}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        v.sort();
        v
    }

    #[test]
    fn a_failed_write_keeps_the_old_file_and_leaves_no_temporary() {
        let d = scratch("file");
        let f = d.join("out.txt");
        write_bytes(&f, b"old\n").unwrap();
        let e = write_file(&f, |w| {
            w.write_all(b"half")?;
            Err::<(), _>(io::Error::other("stopped"))
        })
        .unwrap_err();
        assert_eq!(e.to_string(), format!("{}: cannot write: stopped", f.display()));
        assert_eq!(fs::read(&f).unwrap(), b"old\n");
        assert_eq!(entries(&d), ["out.txt"]);
        write_bytes(&f, b"new\n").unwrap();
        assert_eq!(fs::read(&f).unwrap(), b"new\n");
        assert_eq!(entries(&d), ["out.txt"]);
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn errors_name_the_path() {
        let d = scratch("errors");
        let missing = d.join("no-such-folder").join("out.txt");
        let e = write_bytes(&missing, b"x").unwrap_err();
        assert!(e.to_string().starts_with(&format!("{}: cannot create: ", missing.display())), "{e}");
        let e = write_bytes(&d, b"x").unwrap_err();
        assert_eq!(e.to_string(), format!("{}: cannot write: is a folder", d.display()));
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn a_file_set_appears_whole_or_not_at_all() {
        let d = scratch("set");
        let (a, b) = (d.join("m.tra"), d.join("m.lab"));
        let paths = [a.clone(), b.clone()];
        // Abandoned: nothing appears, no temporary is left.
        let mut set = FileSet::create(&paths).unwrap();
        set.write(0, |w| w.write_all(b"a1")).unwrap();
        drop(set);
        assert!(entries(&d).is_empty());
        // Committed: both appear.
        let mut set = FileSet::create(&paths).unwrap();
        set.write(0, |w| w.write_all(b"a1")).unwrap();
        set.write(1, |w| w.write_all(b"b1")).unwrap();
        set.commit().unwrap();
        assert_eq!(entries(&d), ["m.lab", "m.tra"]);
        // A write that fails changes nothing.
        let mut set = FileSet::create(&paths).unwrap();
        set.write(0, |w| w.write_all(b"a2")).unwrap();
        let e = set.write(1, |w| {
            w.write_all(b"half")?;
            Err::<(), _>(io::Error::other("stopped"))
        });
        assert_eq!(e.unwrap_err().to_string(), format!("{}: cannot write: stopped", b.display()));
        drop(set);
        assert_eq!((fs::read(&a).unwrap(), fs::read(&b).unwrap()), (b"a1".to_vec(), b"b1".to_vec()));
        assert_eq!(entries(&d), ["m.lab", "m.tra"]);
        // A rename that fails at the commit puts back the files already replaced.
        let c = d.join("m.srew");
        let paths3 = [a.clone(), b.clone(), c.clone()];
        let mut set = FileSet::create(&paths3).unwrap();
        for (i, text) in [b"a3", b"b3", b"c3"].iter().enumerate() {
            set.write(i, |w| w.write_all(*text)).unwrap();
        }
        fs::create_dir(&c).unwrap();
        fs::write(c.join("keep"), b"x").unwrap();
        let e = set.commit().unwrap_err();
        assert!(e.to_string().starts_with(&format!("{}: cannot ", c.display())), "{e}");
        assert_eq!((fs::read(&a).unwrap(), fs::read(&b).unwrap()), (b"a1".to_vec(), b"b1".to_vec()));
        assert_eq!(entries(&d), ["m.lab", "m.srew", "m.tra"]);
        fs::remove_dir_all(&c).unwrap();
        // A target in a missing folder is reported before anything is written.
        let missing = d.join("no-such-folder").join("m.tra");
        let e = FileSet::create(&[a.clone(), missing.clone()]).err().unwrap();
        assert!(e.to_string().starts_with(&format!("{}: cannot create: ", missing.display())), "{e}");
        assert_eq!(entries(&d), ["m.lab", "m.tra"]);
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn a_folder_replaces_the_old_one_only_when_committed() {
        let d = scratch("folder");
        let out = d.join("report");
        let ours = |n: &str| n == "index.html" || n.ends_with(".svg");
        let mut f = Folder::create(&out, ours).unwrap();
        f.write("index.html", b"one").unwrap();
        f.write("a.svg", b"<svg/>").unwrap();
        f.commit().unwrap();
        assert_eq!(entries(&out), ["a.svg", "index.html"]);
        // An abandoned second run leaves the first intact.
        let mut f = Folder::create(&out, ours).unwrap();
        f.write("index.html", b"two").unwrap();
        drop(f);
        assert_eq!(fs::read(out.join("index.html")).unwrap(), b"one");
        assert_eq!(entries(&d), ["report"]);
        // A committed one replaces it entirely: a.svg is gone.
        let mut f = Folder::create(&out, ours).unwrap();
        f.write("index.html", b"three").unwrap();
        f.write("b.svg", b"<svg/>").unwrap();
        f.commit().unwrap();
        assert_eq!(entries(&out), ["b.svg", "index.html"]);
        assert_eq!(fs::read(out.join("index.html")).unwrap(), b"three");
        assert_eq!(entries(&d), ["report"]);
        // A folder holding anything else is not replaced.
        fs::write(out.join("notes.txt"), b"mine").unwrap();
        let e = Folder::create(&out, ours).err().unwrap();
        assert_eq!(
            e.to_string(),
            format!(
                "{}: will not replace the folder: it holds `notes.txt`, which this command does not write; \
                 give a new or empty folder",
                out.display()
            )
        );
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn folders_committed_together_appear_together_or_not_at_all() {
        let d = scratch("together");
        let (r, c) = (d.join("r"), d.join("c"));
        let html = |n: &str| n == "index.html";
        let csv = |n: &str| n.ends_with(".csv");
        let mut a = Folder::create(&r, html).unwrap();
        a.write("index.html", b"old").unwrap();
        let mut b = Folder::create(&c, csv).unwrap();
        b.write("e.csv", b"old").unwrap();
        commit_together(vec![a, b]).unwrap();
        // The second folder cannot take its place (something not ours appeared in it):
        // the first is put back, and nothing else is left.
        let mut a = Folder::create(&r, html).unwrap();
        a.write("index.html", b"new").unwrap();
        let mut b = Folder::create(&c, csv).unwrap();
        b.write("e.csv", b"new").unwrap();
        fs::write(c.join("notes.txt"), b"mine").unwrap();
        let e = commit_together(vec![a, b]).unwrap_err();
        assert!(e.to_string().contains("it holds `notes.txt`"), "{e}");
        assert_eq!(fs::read(r.join("index.html")).unwrap(), b"old");
        assert_eq!(fs::read(c.join("e.csv")).unwrap(), b"old");
        assert_eq!(entries(&d), ["c", "r"]);
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn a_folder_created_by_another_run_meanwhile_is_exchanged_or_refused_clearly() {
        let d = scratch("meanwhile");
        let out = d.join("rep");
        let ours = |n: &str| n == "index.html";
        let mut f = Folder::create(&out, ours).unwrap();
        f.write("index.html", b"mine").unwrap();
        // Another run got there first with its own output: this one replaces it, whole.
        fs::create_dir(&out).unwrap();
        fs::write(out.join("index.html"), b"theirs").unwrap();
        f.commit().unwrap();
        assert_eq!(fs::read(out.join("index.html")).unwrap(), b"mine");
        assert_eq!(entries(&d), ["rep"]);
        // Another program put something else there: refused, saying so, and kept.
        fs::remove_dir_all(&out).unwrap();
        let f = Folder::create(&out, ours).unwrap();
        fs::create_dir(&out).unwrap();
        fs::write(out.join("notes.txt"), b"x").unwrap();
        let e = f.commit().unwrap_err();
        assert!(e.to_string().contains("another program created it while this command ran"), "{e}");
        assert_eq!(entries(&out), ["notes.txt"]);
        assert_eq!(entries(&d), ["rep"]);
        let _ = fs::remove_dir_all(&d);
    }
}
