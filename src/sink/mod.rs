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
        let dir = out.join(format!(".staging-{}", std::process::id()));
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
    pub fn commit(self, last: Option<&Path>) -> Result<Vec<PathBuf>, SinkError> {
        let mut order: Vec<&PathBuf> = self.files.iter().filter(|f| Some(f.as_path()) != last).collect();
        order.extend(self.files.iter().filter(|f| Some(f.as_path()) == last));
        for rel in &order {
            let from = self.dir.join(rel);
            let to = self.out.join(rel);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(io_err("creating folder", parent))?;
            }
            std::fs::rename(&from, &to).map_err(io_err("moving into place", &to))?;
        }
        std::fs::remove_dir_all(&self.dir).map_err(io_err("removing staging folder", &self.dir))?;
        Ok(self.files.clone())
    }

    /// Removes the staging folder without touching the outputs.
    pub fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
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
