//! One run at a time per output directory.
//!
//! The lock is an advisory file lock (`flock`) on `OUT/.tocsin.lock`: the
//! kernel releases it when its holder exits, however it exits, so a run
//! killed with SIGKILL never leaves a lock that blocks the next night. The
//! file holds the holder's process id while it runs and is emptied when the
//! lock is released cleanly; a pid found there on taking the lock is a run
//! that died holding it, and the new holder says so. Having taken the lock,
//! the holder cleans up what a killed run left ([`super::recover`]).

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use super::{io_err, Recovered, SinkError};

/// An exclusive lock on an output directory, released when dropped.
#[derive(Debug)]
pub struct OutputLock {
    file: File,
    path: PathBuf,
    stale: Option<String>,
    recovered: Vec<Recovered>,
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another run holds it.
    #[error("another tocsin run{pid} is writing to `{out}` (lock file `{lock}`); wait for it to finish, or check that it is still alive", out = .0.display(), lock = .1.display(), pid = .2.as_ref().map(|p| format!(" (pid {p})")).unwrap_or_default())]
    Busy(PathBuf, PathBuf, Option<String>),
    /// The lock file could not be created.
    #[error(transparent)]
    Sink(#[from] SinkError),
}

fn holder(file: &mut File) -> Option<String> {
    let mut s = String::new();
    file.seek(std::io::SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut s).ok()?;
    let s = s.trim();
    (!s.is_empty() && s.len() < 64).then(|| s.to_string())
}

impl OutputLock {
    /// Takes the lock, failing at once if another process holds it; then recovers what an interrupted run left.
    pub fn acquire(out: &Path) -> Result<Self, LockError> {
        std::fs::create_dir_all(out).map_err(io_err("creating output directory", out))?;
        let path = out.join(".tocsin.lock");
        let mut file = OpenOptions::new().create(true).truncate(false).read(true).write(true).open(&path).map_err(io_err("opening lock file", &path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(LockError::Busy(out.to_path_buf(), path, holder(&mut file))),
            Err(std::fs::TryLockError::Error(e)) => return Err(LockError::Sink(SinkError::Io { action: "locking", path, source: e })),
        }
        let stale = holder(&mut file);
        if let Some(pid) = &stale {
            tracing::warn!(lock = %path.display(), "the previous run (pid {pid}) ended without releasing its lock (killed?); its lock is stale and taken over");
        }
        let mark = (|| {
            file.set_len(0)?;
            file.seek(std::io::SeekFrom::Start(0))?;
            writeln!(file, "{}", std::process::id())?;
            file.sync_all()
        })();
        mark.map_err(io_err("writing lock file", &path))?;
        let recovered = super::recover(out)?;
        for r in &recovered {
            tracing::warn!("{r}");
        }
        Ok(OutputLock { file, path, stale, recovered })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The process id a dead holder left in the lock file, if the previous holder died holding it.
    pub fn stale_holder(&self) -> Option<&str> {
        self.stale.as_deref()
    }

    /// What was cleaned up after interrupted runs when the lock was taken.
    pub fn recovered(&self) -> &[Recovered] {
        &self.recovered
    }
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        // Emptied before the kernel releases the lock on close: a clean release leaves no pid behind.
        let _ = self.file.set_len(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let a = OutputLock::acquire(dir.path()).unwrap();
        let busy = OutputLock::acquire(dir.path()).unwrap_err();
        assert!(matches!(busy, LockError::Busy(..)));
        assert!(busy.to_string().contains(&format!("pid {}", std::process::id())), "{busy}");
        assert!(a.stale_holder().is_none());
        drop(a);
        let b = OutputLock::acquire(dir.path()).unwrap();
        assert!(b.stale_holder().is_none(), "a clean release leaves no pid");
    }

    #[test]
    fn a_pid_left_in_the_lock_file_is_reported_stale_and_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".tocsin.lock"), "999999\n").unwrap();
        std::fs::create_dir_all(dir.path().join(".staging-999999/timeseries")).unwrap();
        let l = OutputLock::acquire(dir.path()).unwrap();
        assert_eq!(l.stale_holder(), Some("999999"));
        assert!(matches!(l.recovered(), [Recovered::Discarded(_)]), "{:?}", l.recovered());
        assert!(!dir.path().join(".staging-999999").exists());
    }
}
