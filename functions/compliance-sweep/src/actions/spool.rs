//! A bundle being written ([`Spool`]): a directory its files go to as they are made, each
//! hashed while it is written, so no file of the bundle is ever held whole in memory (the
//! findings of a large account are tens of MiB); the manifest needs only each file's name,
//! size and SHA-256. [`super::store::Store::spool`] says where the directory is.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use sha2::{Digest, Sha256};
use vigil::evidence::FileEntry;

use crate::error::Error;

fn io(what: &str, path: &std::path::Path, e: std::io::Error) -> Error {
    Error::Io(format!("{what} {}: {e}", path.display()))
}

/// A bundle being written: a directory its files go to as they are made, and each file's
/// manifest entry (name, size, SHA-256). Removed when dropped unless stored.
#[derive(Debug)]
pub(crate) struct Spool {
    dir: PathBuf,
    entries: BTreeMap<String, FileEntry>,
}

impl Spool {
    /// A spool in `dir`, an empty directory.
    pub(super) fn new(dir: PathBuf) -> Spool {
        Spool {
            dir,
            entries: BTreeMap::new(),
        }
    }

    /// Where the file `name` is.
    pub(super) fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The names of the files written, in name order.
    pub(super) fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// A new file of the bundle; [`SpoolFile::close`] records its entry.
    pub(crate) fn create(&self, name: &str) -> Result<SpoolFile, Error> {
        let path = self.dir.join(name);
        let file = File::create(&path).map_err(|e| io("create", &path, e))?;
        Ok(SpoolFile {
            name: name.to_owned(),
            out: BufWriter::with_capacity(64 * 1024, file),
            hasher: Sha256::new(),
            bytes: 0,
        })
    }

    /// Writes a small file whole.
    pub(crate) fn add(&mut self, name: &str, bytes: &[u8]) -> Result<(), Error> {
        let mut file = self.create(name)?;
        file.write_all(bytes)
            .map_err(|e| io("write", &self.dir.join(name), e))?;
        self.close(file)?;
        Ok(())
    }

    /// Flushes `file` to disk and records its entry; returns the entry.
    pub(crate) fn close(&mut self, file: SpoolFile) -> Result<&mut FileEntry, Error> {
        let SpoolFile {
            name,
            mut out,
            hasher,
            bytes,
        } = file;
        out.flush()
            .map_err(|e| io("write", &self.dir.join(&name), e))?;
        let entry = FileEntry {
            name: name.clone(),
            sha256: hex::encode(hasher.finalize()),
            bytes,
            records: None,
            chain_head: None,
        };
        Ok(self.entries.entry(name).insert_entry(entry).into_mut())
    }

    /// The files written so far, in name order, as the manifest lists them.
    pub(crate) fn entries(&self) -> Vec<FileEntry> {
        self.entries.values().cloned().collect()
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        // The spools' own directory, once no other run's spool is in it.
        if let Some(parent) = self.dir.parent() {
            let _ = std::fs::remove_dir(parent);
        }
    }
}

/// One file of a [`Spool`] being written, hashed as it goes.
pub(crate) struct SpoolFile {
    name: String,
    out: BufWriter<File>,
    hasher: Sha256,
    bytes: u64,
}

impl Write for SpoolFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}
