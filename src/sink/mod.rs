//! Sinks: everything a run writes, written atomically.
//!
//! Files are first written into a staging folder inside the output directory
//! (same file system), then renamed into place one by one; a rename replaces
//! a file atomically, so a reader never sees half a partition and a killed
//! run leaves the previous outputs intact.

pub mod evidence;
pub mod lock;
pub mod manifest;
pub mod parquet;
pub mod reposts;
pub mod spill;
pub mod timeseries;

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why an output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// A file system operation failed.
    #[error("{action} `{path}`: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Arrow or Parquet refused the data.
    #[error("writing Parquet `{path}`: {message}")]
    Parquet {
        /// The path.
        path: PathBuf,
        /// The cause.
        message: String,
    },
    /// Serialising JSON failed.
    #[error("writing JSON `{path}`: {source}")]
    Json {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: serde_json::Error,
    },
}

/// Shorthand for an I/O error at a path.
pub fn io_err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> SinkError + 'a {
    move |source| SinkError::Io { action, path: path.to_path_buf(), source }
}

/// Files staged for one run, moved into the output directory on commit.
#[derive(Debug)]
pub struct Staging {
    out: PathBuf,
    dir: PathBuf,
    files: Vec<PathBuf>,
}

impl Staging {
    /// A fresh staging folder inside `out`.
    pub fn new(out: &Path) -> Result<Self, SinkError> {
        std::fs::create_dir_all(out).map_err(io_err("creating output directory", out))?;
        let dir = out.join(format!("{STAGING_PREFIX}{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io_err("clearing staging folder", &dir))?;
        }
        std::fs::create_dir_all(&dir).map_err(io_err("creating staging folder", &dir))?;
        Ok(Staging { out: out.to_path_buf(), dir, files: Vec::new() })
    }

    /// The staged path for an output-relative path (parent folders created).
    pub fn path(&mut self, relative: &Path) -> Result<PathBuf, SinkError> {
        let p = self.dir.join(relative);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(io_err("creating folder", parent))?;
        }
        self.files.push(relative.to_path_buf());
        Ok(p)
    }

    /// Writes bytes to a staged file, synced to disk.
    pub fn write(&mut self, relative: &Path, bytes: &[u8]) -> Result<(), SinkError> {
        let p = self.path(relative)?;
        let mut f = std::fs::File::create(&p).map_err(io_err("creating", &p))?;
        f.write_all(bytes).map_err(io_err("writing", &p))?;
        f.sync_all().map_err(io_err("syncing", &p))?;
        Ok(())
    }

    /// A scratch folder inside the staging folder: never moved into place, removed with the staging folder.
    pub fn scratch(&self, name: &str) -> PathBuf {
        self.dir.join(".scratch").join(name)
    }

    /// Output-relative paths staged so far.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Moves every staged file into place (each rename atomic), then removes the staging folder.
    /// `last` is moved after all others (the manifest, so it only names files already in place).
    ///
    /// The order is first written to a `.commit` file in the staging folder
    /// (written aside and renamed, so it is whole or absent): a run killed
    /// while moving files leaves a staging folder that says it was complete,
    /// and the next run to take the lock finishes the move ([`recover`])
    /// instead of leaving half of one run and half of another.
    pub fn commit(self, last: Option<&Path>) -> Result<Vec<PathBuf>, SinkError> {
        let mut order: Vec<&PathBuf> = self.files.iter().filter(|f| Some(f.as_path()) != last).collect();
        order.extend(self.files.iter().filter(|f| Some(f.as_path()) == last));
        let mut journal = String::new();
        for rel in &order {
            journal.push_str(&rel.to_string_lossy());
            journal.push('\n');
        }
        let aside = self.dir.join(".commit.part");
        let mut f = std::fs::File::create(&aside).map_err(io_err("creating", &aside))?;
        f.write_all(journal.as_bytes()).map_err(io_err("writing", &aside))?;
        f.sync_all().map_err(io_err("syncing", &aside))?;
        let marker = self.dir.join(COMMIT_MARKER);
        std::fs::rename(&aside, &marker).map_err(io_err("moving into place", &marker))?;
        move_into_place(&self.dir, &self.out, order.iter().map(|p| p.as_path()))?;
        std::fs::remove_dir_all(&self.dir).map_err(io_err("removing staging folder", &self.dir))?;
        Ok(self.files.clone())
    }

    /// Removes the staging folder without touching the outputs.
    pub fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The file in a staging folder that lists its files once all are written and moving them has begun.
const COMMIT_MARKER: &str = ".commit";

/// The prefix of staging folder names inside an output directory.
pub const STAGING_PREFIX: &str = ".staging-";

/// Moves staged files (relative paths, in order) that are still in `staged` into `out`.
fn move_into_place<'a>(staged: &Path, out: &Path, order: impl Iterator<Item = &'a Path>) -> Result<usize, SinkError> {
    let mut moved = 0;
    for rel in order {
        let from = staged.join(rel);
        if !from.is_file() {
            continue; // already moved before an interruption
        }
        let to = out.join(rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(io_err("creating folder", parent))?;
        }
        std::fs::rename(&from, &to).map_err(io_err("moving into place", &to))?;
        moved += 1;
    }
    Ok(moved)
}

/// What [`recover`] did with one staging folder left by an interrupted run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovered {
    /// The run was killed before it began to publish: nothing of it was visible, its files are deleted.
    Discarded(PathBuf),
    /// The run was killed while publishing: the rest of its files were moved into place.
    Completed(PathBuf, usize),
}

impl std::fmt::Display for Recovered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Recovered::Discarded(p) => write!(f, "removed `{}`, the unpublished outputs of an interrupted run", p.display()),
            Recovered::Completed(p, n) => {
                write!(f, "finished publishing an interrupted run from `{}` ({n} file(s) moved into place)", p.display())
            }
        }
    }
}

/// Cleans up after runs that were killed: every staging folder in `out` is
/// either discarded (not yet publishing) or its publication finished (it had
/// its `.commit` list). Only call this while holding the output lock, so no
/// live run's staging folder is touched.
pub fn recover(out: &Path) -> Result<Vec<Recovered>, SinkError> {
    let mut done = Vec::new();
    let Ok(entries) = std::fs::read_dir(out) else {
        return Ok(done);
    };
    let mut dirs: Vec<PathBuf> =
        entries.flatten().filter(|e| e.file_name().to_string_lossy().starts_with(STAGING_PREFIX)).map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    for dir in dirs {
        let marker = dir.join(COMMIT_MARKER);
        match std::fs::read_to_string(&marker) {
            Ok(list) => {
                let n = move_into_place(&dir, out, list.lines().filter(|l| !l.is_empty()).map(Path::new))?;
                std::fs::remove_dir_all(&dir).map_err(io_err("removing staging folder", &dir))?;
                done.push(Recovered::Completed(dir, n));
            }
            Err(_) => {
                std::fs::remove_dir_all(&dir).map_err(io_err("removing staging folder", &dir))?;
                done.push(Recovered::Discarded(dir));
            }
        }
    }
    Ok(done)
}

/// Writes JSON lines of serialisable rows.
pub fn jsonl_bytes<T: serde::Serialize>(rows: &[T]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in rows {
        serde_json::to_writer(&mut out, r).expect("rows serialise");
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staged(out: &Path, files: &[(&str, &str)]) -> Staging {
        let mut st = Staging::new(out).unwrap();
        for (rel, body) in files {
            st.write(Path::new(rel), body.as_bytes()).unwrap();
        }
        st
    }

    #[test]
    fn a_staging_folder_without_its_commit_list_is_discarded() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path();
        std::fs::write(out.join("manifest.json"), "old").unwrap();
        let st = staged(out, &[("timeseries/date=2025-10-01/part-0.parquet", "new"), ("manifest.json", "new")]);
        std::mem::forget(st); // killed before commit
        let r = recover(out).unwrap();
        assert!(matches!(&r[..], [Recovered::Discarded(_)]), "{r:?}");
        assert_eq!(std::fs::read_to_string(out.join("manifest.json")).unwrap(), "old");
        assert!(!out.join("timeseries").exists());
        assert!(recover(out).unwrap().is_empty());
    }

    #[test]
    fn an_interrupted_commit_is_finished_in_order() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path();
        let st = staged(out, &[("timeseries/date=2025-10-01/part-0.parquet", "a"), ("timeseries/date=2025-10-02/part-0.parquet", "b"), ("manifest.json", "m")]);
        // Killed after the commit list and the first move.
        let dir = st.dir.clone();
        std::fs::write(dir.join(COMMIT_MARKER), "timeseries/date=2025-10-01/part-0.parquet\ntimeseries/date=2025-10-02/part-0.parquet\nmanifest.json\n")
            .unwrap();
        move_into_place(&dir, out, [Path::new("timeseries/date=2025-10-01/part-0.parquet")].into_iter()).unwrap();
        std::mem::forget(st);
        let r = recover(out).unwrap();
        assert_eq!(r, vec![Recovered::Completed(dir.clone(), 2)]);
        assert!(r[0].to_string().contains("finished publishing"), "{}", r[0]);
        assert_eq!(std::fs::read_to_string(out.join("timeseries/date=2025-10-02/part-0.parquet")).unwrap(), "b");
        assert_eq!(std::fs::read_to_string(out.join("manifest.json")).unwrap(), "m");
        assert!(!dir.exists());
    }

    #[test]
    fn commit_leaves_no_staging_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let st = staged(tmp.path(), &[("a/b.txt", "x"), ("m.json", "y")]);
        st.commit(Some(Path::new("m.json"))).unwrap();
        assert_eq!(std::fs::read_to_string(tmp.path().join("a/b.txt")).unwrap(), "x");
        let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().starts_with(STAGING_PREFIX)).collect();
        assert!(left.is_empty());
    }
}
