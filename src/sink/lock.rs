//! One run at a time per output directory.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use super::{io_err, SinkError};

/// An exclusive lock on an output directory, released when dropped.
#[derive(Debug)]
pub struct OutputLock {
    _file: File,
    path: PathBuf,
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another run holds it.
    #[error("another tocsin run is writing to `{0}` (lock file `{1}`); wait for it to finish")]
    Busy(PathBuf, PathBuf),
    /// The lock file could not be created.
    #[error(transparent)]
    Sink(#[from] SinkError),
}

impl OutputLock {
    /// Takes the lock, failing at once if another process holds it.
    pub fn acquire(out: &Path) -> Result<Self, LockError> {
        std::fs::create_dir_all(out).map_err(io_err("creating output directory", out))?;
        let path = out.join(".tocsin.lock");
        let file = OpenOptions::new().create(true).truncate(false).read(true).write(true).open(&path).map_err(io_err("opening lock file", &path))?;
        match file.try_lock() {
            Ok(()) => Ok(OutputLock { _file: file, path }),
            Err(std::fs::TryLockError::WouldBlock) => Err(LockError::Busy(out.to_path_buf(), path)),
            Err(std::fs::TryLockError::Error(e)) => Err(LockError::Sink(SinkError::Io { action: "locking", path, source: e })),
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let a = OutputLock::acquire(dir.path()).unwrap();
        assert!(matches!(OutputLock::acquire(dir.path()), Err(LockError::Busy(..))));
        drop(a);
        assert!(OutputLock::acquire(dir.path()).is_ok());
    }
}
