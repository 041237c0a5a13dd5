//! Opening inputs: gzip and zstd are recognised by their magic bytes, not by
//! file names, because exports are often renamed.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::{Arc, Mutex};

use sha2::{Digest as _, Sha256};

/// Compression of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain bytes.
    None,
    /// gzip (one or several members).
    Gzip,
    /// Zstandard.
    Zstd,
}

impl Compression {
    /// Recognises compression from the first bytes.
    pub fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// SHA-256 and size of the raw bytes read from a file so far.
#[derive(Debug, Clone, Default)]
pub struct Digest {
    state: Arc<Mutex<(Sha256, u64)>>,
}

impl Digest {
    /// Bytes read so far.
    pub fn bytes(&self) -> u64 {
        self.state.lock().expect("digest lock").1
    }

    /// The hex SHA-256 of the bytes read so far.
    pub fn hex(&self) -> String {
        hex::encode(self.state.lock().expect("digest lock").0.clone().finalize())
    }
}

/// Hashes raw bytes as the decompressor reads them, so inputs are read once.
struct HashingReader<R> {
    inner: R,
    digest: Digest,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut s = self.digest.state.lock().expect("digest lock");
        s.0.update(&buf[..n]);
        s.1 += n as u64;
        Ok(n)
    }
}

/// SHA-256 and size of a whole file, read from disk.
pub fn file_digest(path: &Path) -> io::Result<(String, u64)> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let n = io::copy(&mut f, &mut h)?;
    Ok((hex::encode(h.finalize()), n))
}

/// Opens a file as a buffered stream of decompressed bytes.
pub fn open(path: &Path) -> io::Result<(Box<dyn BufRead + Send>, Compression)> {
    open_hashed(path).map(|(r, c, _)| (r, c))
}

/// Opens a file as a buffered stream of decompressed bytes, hashing the raw bytes on the way.
pub fn open_hashed(path: &Path) -> io::Result<(Box<dyn BufRead + Send>, Compression, Digest)> {
    let digest = Digest::default();
    let file = HashingReader { inner: File::open(path)?, digest: digest.clone() };
    let mut raw = BufReader::with_capacity(256 * 1024, file);
    let compression = Compression::sniff(raw.fill_buf()?);
    let reader: Box<dyn BufRead + Send> = match compression {
        Compression::None => Box::new(raw),
        Compression::Gzip => Box::new(BufReader::with_capacity(256 * 1024, flate2::bufread::MultiGzDecoder::new(raw))),
        Compression::Zstd => Box::new(BufReader::with_capacity(256 * 1024, zstd::stream::read::Decoder::with_buffer(raw)?)),
    };
    Ok((reader, compression, digest))
}

/// Reads a whole small file through decompression (for tests and tools).
pub fn read_all(path: &Path) -> io::Result<Vec<u8>> {
    let (mut r, _) = open(path)?;
    let mut out = Vec::new();
    r.read_to_end(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzip_and_zstd_by_magic() {
        let dir = tempfile::tempdir().unwrap();
        let text = b"{\"a\":1}\n{\"a\":2}\n";
        let gz = dir.path().join("x.data");
        let mut e = flate2::write::GzEncoder::new(File::create(&gz).unwrap(), flate2::Compression::default());
        e.write_all(text).unwrap();
        e.finish().unwrap();
        let zs = dir.path().join("y.data");
        std::fs::write(&zs, zstd::encode_all(&text[..], 3).unwrap()).unwrap();
        let plain = dir.path().join("z.jsonl");
        std::fs::write(&plain, text).unwrap();
        for (p, c) in [(&gz, Compression::Gzip), (&zs, Compression::Zstd), (&plain, Compression::None)] {
            assert_eq!(open(p).unwrap().1, c);
            assert_eq!(read_all(p).unwrap(), text);
        }
    }
}
