//! The repost log of a run: one line per document ([`RepostEntry`]), so that exact reposts can be
//! found without holding a set of every distinct text of the night in memory.
//!
//! Lines are held in memory up to [`HELD_REPOST_BYTES`]; beyond that they are sorted and written
//! as a run (a binary scratch file in the staging folder). At the end the runs and the held lines
//! are merged in order and fed to a [`RepostFinder`], so memory follows the budget and one line per
//! run, not the number of documents. The 200 MB benchmark (≈ 460,000 documents) stays in memory;
//! a 10 GB night spills.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::PathBuf;

use super::spill::{SortedSpill, SpillItem};
use super::SinkError;
use crate::aggregate::{RepostCorrections, RepostEntry, RepostFinder};

/// Repost-log lines held in memory (estimated heap bytes) before they go to scratch files: the default of
/// `[memory] reposts_mb`.
pub const HELD_REPOST_BYTES: usize = 64 << 20;

/// Lines a worker buffers before handing them to the log.
pub const REPOST_BATCH: usize = 16 * 1024;

/// Lines are written as text, base (u64 LE), the number of rows (u8), then per row category (u8),
/// target (u64 LE) and six tallies (u32 LE).
impl SpillItem for RepostEntry {
    fn approx_bytes(&self) -> usize {
        std::mem::size_of::<RepostEntry>() + self.added.len() * std::mem::size_of::<(u8, u64, [u32; 6])>()
    }

    fn write_to(&self, w: &mut BufWriter<File>) -> std::io::Result<()> {
        let mut buf = Vec::with_capacity(17 + self.added.len() * 33);
        buf.extend_from_slice(&self.text.to_le_bytes());
        buf.extend_from_slice(&self.base.to_le_bytes());
        // A document touches the `all` row and at most two rows per category: far below 255.
        buf.push(self.added.len().min(u8::MAX as usize) as u8);
        for (cat, target, tally) in self.added.iter().take(u8::MAX as usize) {
            buf.push(*cat);
            buf.extend_from_slice(&target.to_le_bytes());
            for t in tally {
                buf.extend_from_slice(&t.to_le_bytes());
            }
        }
        w.write_all(&buf)
    }

    fn read_from(r: &mut BufReader<File>) -> std::io::Result<Option<Self>> {
        fn u64_of(r: &mut BufReader<File>) -> std::io::Result<u64> {
            let mut b = [0u8; 8];
            r.read_exact(&mut b)?;
            Ok(u64::from_le_bytes(b))
        }
        let mut first = [0u8; 8];
        // End of file at a line boundary is the end of the run.
        match r.read_exact(&mut first) {
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            x => x?,
        }
        let text = u64::from_le_bytes(first);
        let base = u64_of(r)?;
        let mut n = [0u8; 1];
        r.read_exact(&mut n)?;
        let mut added = Vec::with_capacity(n[0] as usize);
        for _ in 0..n[0] {
            let mut cat = [0u8; 1];
            r.read_exact(&mut cat)?;
            let target = u64_of(r)?;
            let mut tally = [0u32; 6];
            for t in &mut tally {
                let mut b = [0u8; 4];
                r.read_exact(&mut b)?;
                *t = u32::from_le_bytes(b);
            }
            added.push((cat[0], target, tally));
        }
        Ok(Some(RepostEntry { text, base, added }))
    }
}

/// A run's repost log, shared by its workers.
#[derive(Debug)]
pub struct RepostLog(SortedSpill<RepostEntry>);

impl RepostLog {
    /// A log in `dir` (a scratch folder inside the staging folder, created here) holding up to `budget` estimated
    /// bytes of lines in memory (`[memory] reposts_mb`; 0: every batch goes to a scratch file).
    pub fn with_budget(dir: PathBuf, budget: usize) -> Result<Self, SinkError> {
        SortedSpill::new(dir, budget).map(RepostLog)
    }

    /// Adds lines (see [`SortedSpill::add`]).
    pub fn add(&self, lines: Vec<RepostEntry>) {
        self.0.add(lines);
    }

    /// Merges the runs, the lines held and `rest` in order, and returns what the reposts among them take back.
    pub fn finish(self, rest: Vec<RepostEntry>) -> Result<RepostCorrections, SinkError> {
        let mut finder = RepostFinder::default();
        self.0.finish(rest, |e| {
            finder.push(&e);
            Ok(())
        })?;
        Ok(finder.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: u64, base: u64, added: Vec<(u8, u64, [u32; 6])>) -> RepostEntry {
        RepostEntry { text, base, added }
    }

    /// The same lines give the same corrections whether they stay in memory or go through scratch runs.
    #[test]
    fn spilled_and_held_logs_find_the_same_reposts() {
        let lines: Vec<RepostEntry> = (0..5000u64)
            .map(|i| {
                let text = i % 1700; // every text seen two or three times
                let added = if text % 3 == 0 { vec![(u8::MAX, 7, [1, 0, 2, 2, 0, 0]), (1, 9, [1, 0, 1, 1, 0, 0])] } else { vec![] };
                line(text, text % 5, added)
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let held = RepostLog::with_budget(dir.path().join("held"), HELD_REPOST_BYTES).unwrap();
        let spilled = RepostLog::with_budget(dir.path().join("spilled"), 0).unwrap();
        for chunk in lines.chunks(300) {
            held.add(chunk.to_vec());
            spilled.add(chunk.to_vec());
        }
        assert!(std::fs::read_dir(dir.path().join("spilled")).unwrap().count() > 10, "the zero budget spills every batch");
        let a = held.finish(Vec::new()).unwrap();
        let b = spilled.finish(vec![line(1, 1, vec![])]).unwrap();
        // 5000 lines of 1700 texts: 3300 copies beyond the first (one more in `b`, for text 1 of base 1).
        assert_eq!(a.docs.values().sum::<u64>(), 3300);
        assert_eq!(b.docs.values().sum::<u64>(), 3301);
        let mut a_plus = a.clone();
        *a_plus.docs.get_mut(&1).unwrap() += 1;
        assert_eq!(a_plus, b);
        // Texts 0, 3, … (567 of them, each seen 3 times below 5000 - 1700*2 = 1600, else twice) add their rows per repost.
        let repeats: u64 = (0..1700u64).filter(|t| t % 3 == 0).map(|t| if t < 1600 { 2 } else { 1 }).sum();
        assert_eq!(a.rows.values().map(|r| r[2]).sum::<u64>(), repeats * 3);
        assert!(std::fs::read_dir(dir.path().join("spilled")).unwrap().next().is_none(), "scratch runs are removed");
    }
}
