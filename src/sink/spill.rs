//! A sorted spill: items that must come out in order at the end of a run, held in memory up to a
//! budget and written past it as sorted runs (scratch files in the staging folder), merged at the
//! end. Memory follows the budget and one item per run, not the size of the night. The repost log
//! ([`super::reposts`]) and the rejects ([`RejectLog`]) go through it.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::{io_err, SinkError};
use crate::ingest::Reject;

/// An item of a sorted spill: its order, its size for the budget, and how it is written to a run.
pub trait SpillItem: Ord + Send + Sized {
    /// A rough count of its heap and inline bytes, for the memory budget.
    fn approx_bytes(&self) -> usize;
    /// Appends it to a run.
    fn write_to(&self, w: &mut BufWriter<File>) -> std::io::Result<()>;
    /// Reads the next item of a run (`None` at its end).
    fn read_from(r: &mut BufReader<File>) -> std::io::Result<Option<Self>>;
}

/// Items held in memory up to a budget, spilled as sorted runs past it, given back in order by [`SortedSpill::finish`].
#[derive(Debug)]
pub struct SortedSpill<T> {
    dir: PathBuf,
    budget: usize,
    state: Mutex<Held<T>>,
    failure: Mutex<Option<SinkError>>,
}

#[derive(Debug)]
struct Held<T> {
    items: Vec<T>,
    bytes: usize,
    runs: Vec<PathBuf>,
}

impl<T: SpillItem> SortedSpill<T> {
    /// A spill in `dir` (a scratch folder inside the staging folder, created here) holding up to
    /// `budget` estimated bytes in memory (0: every batch added goes to a run).
    pub fn new(dir: PathBuf, budget: usize) -> Result<Self, SinkError> {
        std::fs::create_dir_all(&dir).map_err(io_err("creating scratch folder", &dir))?;
        Ok(SortedSpill { dir, budget, state: Mutex::new(Held { items: Vec::new(), bytes: 0, runs: Vec::new() }), failure: Mutex::new(None) })
    }

    /// Adds items; past the budget the items held are sorted and written as a new run. The first
    /// failure is kept and reported by [`SortedSpill::finish`] (workers cannot stop the stream).
    pub fn add(&self, items: Vec<T>) {
        if items.is_empty() {
            return;
        }
        let mut state = self.state.lock().expect("spill lock");
        state.bytes += items.iter().map(SpillItem::approx_bytes).sum::<usize>();
        state.items.extend(items);
        if state.bytes <= self.budget {
            return;
        }
        let mut held = std::mem::take(&mut state.items);
        state.bytes = 0;
        held.sort_unstable();
        let path = self.dir.join(format!("run-{}", state.runs.len()));
        match write_run(&path, &held) {
            Ok(()) => state.runs.push(path),
            Err(e) => {
                self.failure.lock().expect("spill failure lock").get_or_insert(e);
            }
        }
    }

    /// Gives every item (the runs, the items held and `rest`) to `each`, in order; removes the runs.
    pub fn finish(self, rest: Vec<T>, mut each: impl FnMut(T) -> Result<(), SinkError>) -> Result<(), SinkError> {
        if let Some(e) = self.failure.into_inner().expect("spill failure lock") {
            return Err(e);
        }
        let Held { mut items, runs, .. } = self.state.into_inner().expect("spill lock");
        log_spilled(&self.dir, runs.len());
        items.extend(rest);
        items.sort_unstable();
        let mut sources: Vec<Box<dyn Iterator<Item = Result<T, SinkError>>>> = vec![Box::new(items.into_iter().map(Ok))];
        for path in &runs {
            let f = File::open(path).map_err(io_err("opening", path))?;
            let mut r = BufReader::with_capacity(256 * 1024, f);
            let path = path.clone();
            sources.push(Box::new(std::iter::from_fn(move || T::read_from(&mut r).map_err(io_err("reading", &path)).transpose())));
        }
        // k-way merge: the smallest head first.
        let mut heads = BinaryHeap::new();
        for (i, s) in sources.iter_mut().enumerate() {
            if let Some(x) = s.next().transpose()? {
                heads.push(Reverse((x, i)));
            }
        }
        while let Some(Reverse((x, i))) = heads.pop() {
            if let Some(next) = sources[i].next().transpose()? {
                heads.push(Reverse((next, i)));
            }
            each(x)?;
        }
        for path in &runs {
            // A run left behind goes with the staging folder anyway.
            let _ = std::fs::remove_file(path);
        }
        Ok(())
    }
}

fn write_run<T: SpillItem>(path: &Path, items: &[T]) -> Result<(), SinkError> {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path).map_err(io_err("creating", path))?);
    for x in items {
        x.write_to(&mut w).map_err(io_err("writing", path))?;
    }
    w.flush().map_err(io_err("writing", path))
}

/// Says, once at the end, that what `dir` holds went past its `[memory]` budget and came back from `runs`
/// scratch files: so that an operator knows the disk was used, and how often, when choosing a budget.
pub(crate) fn log_spilled(dir: &Path, runs: usize) {
    if runs > 0 {
        let held = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        tracing::info!(held = %held, runs, "held past its [memory] budget: merged from scratch files");
    }
}

/// Rejects held in memory (estimated bytes) before they go to scratch runs: a night of broken
/// exports can have millions. The default of `[memory] rejects_mb`.
pub const HELD_REJECT_BYTES: usize = 32 << 20;

impl SpillItem for Reject {
    fn approx_bytes(&self) -> usize {
        std::mem::size_of::<Reject>() + self.source.len() + self.file.len() + self.reason.len() + self.excerpt.len()
    }

    fn write_to(&self, w: &mut BufWriter<File>) -> std::io::Result<()> {
        serde_json::to_writer(&mut *w, self)?;
        w.write_all(b"\n")
    }

    fn read_from(r: &mut BufReader<File>) -> std::io::Result<Option<Self>> {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        serde_json::from_str(&line).map(Some).map_err(std::io::Error::other)
    }
}

/// A run's rejects, sorted, bounded in memory.
pub type RejectLog = SortedSpill<Reject>;

/// Writes the rejects (`log` and `rest`) as JSON lines to `path`, sorted; returns how many.
pub fn write_rejects(log: RejectLog, rest: Vec<Reject>, path: &Path) -> Result<u64, SinkError> {
    let mut w = BufWriter::new(File::create(path).map_err(io_err("creating", path))?);
    let mut n = 0u64;
    log.finish(rest, |r| {
        n += 1;
        r.write_to(&mut w).map_err(io_err("writing", path))
    })?;
    w.flush().map_err(io_err("writing", path))?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reject(line: u64) -> Reject {
        Reject { source: "s".into(), file: "f.jsonl".into(), line, reason: "malformed JSON".into(), excerpt: format!("{{\"id\": {line}") }
    }

    /// Rejects written through scratch runs and straight from memory give the same sorted file.
    #[test]
    fn spilled_and_held_rejects_write_the_same_sorted_file() {
        let dir = tempfile::tempdir().unwrap();
        let all: Vec<Reject> = (0..3000u64).map(|i| reject((i * 7919) % 3000)).collect();
        let mut want = all.clone();
        want.sort();
        let expected: String = want.iter().map(|r| serde_json::to_string(r).unwrap() + "\n").collect();
        for (name, budget) in [("held", HELD_REJECT_BYTES), ("spilled", 0)] {
            let log = RejectLog::new(dir.path().join(name), budget).unwrap();
            for chunk in all[..2900].chunks(250) {
                log.add(chunk.to_vec());
            }
            let runs = std::fs::read_dir(dir.path().join(name)).unwrap().count();
            assert_eq!(runs > 0, budget == 0, "{name}: {runs} runs");
            let out = dir.path().join(format!("{name}.jsonl"));
            assert_eq!(write_rejects(log, all[2900..].to_vec(), &out).unwrap(), 3000);
            assert_eq!(std::fs::read_to_string(&out).unwrap(), expected, "{name}");
            assert_eq!(std::fs::read_dir(dir.path().join(name)).unwrap().count(), 0, "{name}: runs removed");
        }
    }
}
