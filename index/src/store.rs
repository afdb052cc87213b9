//! The data directory and its index generations.
//!
//! ```text
//! DATA/
//!   CURRENT                 name of the live generation (replaced atomically)
//!   generations/000001/     one tantivy index per generation
//!   user-dict.txt           staff additions to the dictionary (optional)
//! ```
//!
//! Readers resolve `CURRENT` when they open; a new generation is built beside
//! the live one and becomes live only by the atomic rename of `CURRENT`, so
//! nothing half-written is ever served.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::Index;
use tantivy::directory::MmapDirectory;

use crate::Error;
use crate::analysis::{Analyzer, register_tokenizers};
use crate::schema::{Fields, build_schema};

/// File naming the live generation.
const CURRENT: &str = "CURRENT";
/// Folder holding the generations.
const GENERATIONS: &str = "generations";
/// Staff dictionary file.
pub const USER_DICTIONARY: &str = "user-dict.txt";
/// File every writing command locks (and writes its pid and name into).
pub const LOCK_FILE: &str = "LOCK";

/// An exclusive lock on a data directory, held while a command writes it
/// (`index`, `crawl`, `reindex`, `rebuild`, `rollback`); released when
/// dropped or when the process dies, however it dies (an OS file lock).
#[derive(Debug)]
pub struct DataLock {
    _file: File,
}

/// The files of a generation before a write, so that a failed write can
/// remove what it left (segments never committed).
#[derive(Debug, Clone)]
pub struct WriteSnapshot {
    path: PathBuf,
    files: HashSet<OsString>,
}

/// What [`DataDir::discard_since`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Discarded {
    /// Files removed.
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
}

/// A data directory.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

/// An open index with its schema handles and analyzer.
#[derive(Clone)]
pub struct IndexHandle {
    /// The tantivy index.
    pub index: Index,
    /// Field handles.
    pub fields: Fields,
    /// The analyzer its tokenizers share.
    pub analyzer: Arc<Analyzer>,
    /// The generation it belongs to.
    pub generation: u64,
}

impl IndexHandle {
    /// Wraps an index of generation `n`, registering the analyzer's tokenizers.
    fn new(index: Index, analyzer: Arc<Analyzer>, generation: u64) -> Self {
        register_tokenizers(index.tokenizers(), &analyzer);
        let (_, fields) = build_schema();
        IndexHandle {
            index,
            fields,
            analyzer,
            generation,
        }
    }
}

/// Opens a generation's folder as a tantivy directory.
fn open_directory(path: &Path) -> Result<MmapDirectory, Error> {
    MmapDirectory::open(path).map_err(|e| Error::Tantivy(e.into()))
}

impl DataDir {
    /// A data directory at `root` (not created until written to).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DataDir { root: root.into() }
    }

    /// Its path.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The analyzer for this directory: shipped dictionary plus `user-dict.txt`.
    pub fn analyzer(&self) -> Result<Arc<Analyzer>, Error> {
        Ok(Arc::new(Analyzer::with_user_dictionary(
            &self.root.join(USER_DICTIONARY),
        )?))
    }

    /// The live generation's number, if any.
    pub fn current_generation(&self) -> Result<Option<u64>, Error> {
        let path = self.root.join(CURRENT);
        match std::fs::read_to_string(&path) {
            Ok(text) => text
                .trim()
                .parse::<u64>()
                .map(Some)
                .map_err(|_| Error::Config {
                    path,
                    message: format!("not a generation number: {text:?}"),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(&path, e)),
        }
    }

    /// Folder of generation `n`.
    pub fn generation_path(&self, n: u64) -> PathBuf {
        self.root.join(GENERATIONS).join(format!("{n:06}"))
    }

    /// Every generation on disk, oldest first.
    pub fn generations(&self) -> Result<Vec<u64>, Error> {
        let dir = self.root.join(GENERATIONS);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(&dir, e)),
        };
        let mut out: Vec<u64> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse().ok()))
            .collect();
        out.sort_unstable();
        Ok(out)
    }

    /// Creates an empty generation beside the others and returns it (not live).
    pub fn create_generation(&self, analyzer: Arc<Analyzer>) -> Result<IndexHandle, Error> {
        let n = self.generations()?.last().copied().unwrap_or(0) + 1;
        let path = self.generation_path(n);
        std::fs::create_dir_all(&path).map_err(|e| Error::io(&path, e))?;
        let (schema, _) = build_schema();
        let index = Index::create(
            open_directory(&path)?,
            schema,
            tantivy::IndexSettings::default(),
        )?;
        Ok(IndexHandle::new(index, analyzer, n))
    }

    /// Takes the data directory's lock (creating the directory if need be).
    /// When another command holds it, calls `waiting` with what that
    /// command wrote into the lock file (pid and name), then waits.
    pub fn lock(&self, command: &str, waiting: impl FnOnce(&str)) -> Result<DataLock, Error> {
        use std::io::{Read, Seek, Write};
        std::fs::create_dir_all(&self.root).map_err(|e| Error::io(&self.root, e))?;
        let path = self.root.join(LOCK_FILE);
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                waiting(holder.trim());
                file.lock().map_err(|e| Error::io(&path, e))?;
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
        }
        // Best effort: the lock is the OS's, this text only names the holder.
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = writeln!(file, "pid {} ({command})", std::process::id());
        Ok(DataLock { _file: file })
    }

    /// Notes the files of a generation before writing into it.
    pub fn snapshot(&self, handle: &IndexHandle) -> Result<WriteSnapshot, Error> {
        let path = self.generation_path(handle.generation);
        Ok(WriteSnapshot {
            files: list_files(&path)?,
            path,
        })
    }

    /// After a failed write (the writer dropped), removes every file that
    /// appeared in the generation since `snapshot` and that its last
    /// commit does not use: the segments of the write that failed. The
    /// committed index is untouched and keeps serving.
    pub fn discard_since(
        &self,
        handle: &IndexHandle,
        snapshot: &WriteSnapshot,
    ) -> Result<Discarded, Error> {
        let metas = handle.index.load_metas()?;
        let used: HashSet<OsString> = metas
            .list_segment_files()
            .into_iter()
            .map(PathBuf::into_os_string)
            .collect();
        let mut done = Discarded::default();
        for name in list_files(&snapshot.path)? {
            if snapshot.files.contains(&name) || used.contains(&name) || !is_segment_file(&name) {
                continue;
            }
            let path = snapshot.path.join(&name);
            let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
            match std::fs::remove_file(&path) {
                Ok(()) => {
                    done.files += 1;
                    done.bytes += bytes;
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(&path, e)),
            }
        }
        Ok(done)
    }

    /// Removes generation `n` entirely, and `CURRENT` first when it names
    /// it (a first generation this run created and could not fill).
    pub fn remove_generation(&self, n: u64) -> Result<(), Error> {
        if self.current_generation()? == Some(n) {
            let current = self.root.join(CURRENT);
            std::fs::remove_file(&current).map_err(|e| Error::io(&current, e))?;
        }
        let path = self.generation_path(n);
        match std::fs::remove_dir_all(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(&path, e)),
        }
    }

    /// Makes generation `n` live, atomically.
    pub fn publish(&self, n: u64) -> Result<(), Error> {
        write_atomic(&self.root.join(CURRENT), format!("{n}\n").as_bytes())
    }

    /// Opens generation `n`; [`Error::IndexLayout`] when an older gongkai
    /// wrote it with different fields.
    pub fn open_generation(&self, n: u64, analyzer: Arc<Analyzer>) -> Result<IndexHandle, Error> {
        let current = build_schema().0;
        self.open_checked(n, analyzer, |schema| *schema == current)
    }

    /// Opens the live generation; [`Error::NoIndex`] when there is none.
    pub fn open_current(&self, analyzer: Arc<Analyzer>) -> Result<IndexHandle, Error> {
        self.open_generation(self.current_number()?, analyzer)
    }

    /// Opens the live generation even when an older gongkai wrote it, to
    /// read its stored documents back (`rebuild`). Every layout so far
    /// begins with the same id, url and stored fields; searching such a
    /// handle is meaningless, reading documents is not.
    pub fn open_current_for_rebuild(&self, analyzer: Arc<Analyzer>) -> Result<IndexHandle, Error> {
        let (current, fields) = build_schema();
        self.open_checked(self.current_number()?, analyzer, |schema| {
            [fields.id, fields.url, fields.stored].iter().all(|&f| {
                schema
                    .fields()
                    .nth(f.field_id() as usize)
                    .map(|(_, e)| e.name())
                    == Some(current.get_field_entry(f).name())
            })
        })
    }

    /// The live generation's number; [`Error::NoIndex`] when there is none.
    fn current_number(&self) -> Result<u64, Error> {
        self.current_generation()?
            .ok_or_else(|| Error::NoIndex(self.root.clone()))
    }

    /// Opens generation `n` if `readable` accepts its schema, else
    /// [`Error::IndexLayout`].
    fn open_checked(
        &self,
        n: u64,
        analyzer: Arc<Analyzer>,
        readable: impl FnOnce(&tantivy::schema::Schema) -> bool,
    ) -> Result<IndexHandle, Error> {
        let path = self.generation_path(n);
        let index = Index::open(open_directory(&path)?)?;
        if !readable(&index.schema()) {
            return Err(Error::IndexLayout {
                generation: n,
                path,
            });
        }
        Ok(IndexHandle::new(index, analyzer, n))
    }

    /// Opens the live generation, creating and publishing a first one if none exists.
    pub fn open_or_create_current(&self, analyzer: Arc<Analyzer>) -> Result<IndexHandle, Error> {
        self.open_or_create_current_flagged(analyzer)
            .map(|(h, _)| h)
    }

    /// [`DataDir::open_or_create_current`], telling whether it created the
    /// generation (so that a failed first write can remove it again).
    /// Hold [`DataDir::lock`] around it: two commands creating a first
    /// generation at once would each create one.
    pub fn open_or_create_current_flagged(
        &self,
        analyzer: Arc<Analyzer>,
    ) -> Result<(IndexHandle, bool), Error> {
        if self.current_generation()?.is_some() {
            return Ok((self.open_current(analyzer)?, false));
        }
        let handle = self.create_generation(analyzer)?;
        // An empty commit so that readers can open it before anything is added.
        let mut writer = handle
            .index
            .writer::<tantivy::TantivyDocument>(15_000_000)?;
        let created = (|| {
            writer.commit()?;
            drop(writer);
            self.publish(handle.generation)
        })();
        if let Err(e) = created {
            let _ = self.remove_generation(handle.generation);
            return Err(e);
        }
        Ok((handle, true))
    }
}

/// Whether a file name is a tantivy segment file: `<32 hex digits>.<ext>`.
fn is_segment_file(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.split_once('.')
        .is_some_and(|(stem, _)| stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Names of the plain files in a folder.
fn list_files(path: &Path) -> Result<HashSet<OsString>, Error> {
    let entries = std::fs::read_dir(path).map_err(|e| Error::io(path, e))?;
    let mut out = HashSet::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(path, e))?;
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            out.insert(entry.file_name());
        }
    }
    Ok(out)
}

/// Writes a small file so that readers see the old or the new content, never
/// a torn one: a temporary file in the same folder, synced, then renamed over
/// `path` (`tempfile`'s persist). Shared by `CURRENT`, generation metadata and
/// the classifier model.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    // The file replaced was created with the usual umask (0644), not
    // tempfile's private 0600: a server run as another user still reads it.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let mut tmp = builder
        .tempfile_in(folder)
        .map_err(|e| Error::io(folder, e))?;
    tmp.write_all(bytes).map_err(|e| Error::io(tmp.path(), e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io(tmp.path(), e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}
