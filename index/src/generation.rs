//! What a data directory records of its generations: their metadata, the
//! swap, retention, rollback, health (checksums) and the fallback to the
//! previous good generation for serving.
//!
//! Every generation folder carries `generation.json` ([`GenerationMeta`]):
//! a generation is `building` from its creation until its writer finished,
//! `complete` after that, and `failed` when validation refused it. Only a
//! complete generation is ever published. `DATA/PREVIOUS` names the
//! generation that was live before the last swap, which is what
//! [`rollback`] returns to. Writing a generation (begin, write, validate,
//! publish) is [`crate::build`]'s; this module only keeps the records.
//!
//! ```text
//! DATA/
//!   CURRENT                      live generation (atomic rename)
//!   PREVIOUS                     the one before the last swap
//!   generations/000003/generation.json
//! ```

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::analysis::Analyzer;
use crate::store::{DataDir, IndexHandle, write_atomic};

/// Metadata file inside each generation folder.
pub const META_FILE: &str = "generation.json";
/// File naming the generation live before the last swap.
const PREVIOUS: &str = "PREVIOUS";
/// Generations kept by default (live and previous included).
pub const DEFAULT_KEEP: usize = 3;

/// Where a generation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GenerationState {
    /// Being written (or interrupted while being written): never published.
    Building,
    /// Written and committed; may be published.
    Complete,
    /// Refused by validation or abandoned after an error.
    Failed,
}

impl GenerationState {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            GenerationState::Building => "building",
            GenerationState::Complete => "complete",
            GenerationState::Failed => "failed",
        }
    }
}

/// `generation.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GenerationMeta {
    /// The generation's number.
    pub number: u64,
    /// building, complete or failed.
    pub state: GenerationState,
    /// Creation time, seconds since the Unix epoch.
    pub created: i64,
    /// Completion time, seconds since the Unix epoch.
    pub completed: Option<i64>,
    /// What built it: `index`, `rebuild`, `reindex <urls>`.
    pub source: String,
    /// Documents in it (when complete).
    pub documents: u64,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

impl Default for GenerationMeta {
    fn default() -> Self {
        GenerationMeta {
            number: 0,
            state: GenerationState::Building,
            created: 0,
            completed: None,
            source: String::new(),
            documents: 0,
            error: None,
        }
    }
}

/// A generation's files checked against the checksums tantivy wrote into
/// each of them (a footer with a CRC32 of the file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "health", rename_all = "lowercase")]
pub enum Health {
    /// Every file of its segments matches its checksum.
    Good,
    /// These files (paths inside the data directory) do not.
    Damaged {
        /// The damaged files.
        files: Vec<std::path::PathBuf>,
    },
    /// It cannot be opened or read to check (meta.json damaged, a file missing).
    Unreadable {
        /// Why.
        error: String,
    },
}

impl Health {
    /// Whether nothing is wrong.
    pub fn is_good(&self) -> bool {
        *self == Health::Good
    }

    /// The damage in words, naming the files.
    pub fn describe(&self) -> String {
        match self {
            Health::Good => "good".into(),
            Health::Damaged { files } => format!(
                "{} fail{} its checksum",
                files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                if files.len() == 1 { "s" } else { "" }
            ),
            Health::Unreadable { error } => format!("cannot be read: {error}"),
        }
    }
}

/// Checks every file of generation `n` against its checksum; reads all of it.
pub fn check(dir: &DataDir, n: u64) -> Health {
    let path = dir.generation_path(n);
    let index = match tantivy::directory::MmapDirectory::open(&path)
        .map_err(tantivy::TantivyError::from)
        .and_then(tantivy::Index::open)
    {
        Ok(index) => index,
        Err(e) => {
            return Health::Unreadable {
                error: e.to_string(),
            };
        }
    };
    let relative = path
        .strip_prefix(dir.root())
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.clone());
    match index.validate_checksum() {
        Ok(damaged) if damaged.is_empty() => match index.reader() {
            // Footers fine; can the segments be opened?
            Ok(_) => Health::Good,
            Err(e) => Health::Unreadable {
                error: e.to_string(),
            },
        },
        Ok(damaged) => {
            let mut files: Vec<_> = damaged.into_iter().map(|f| relative.join(f)).collect();
            files.sort();
            Health::Damaged { files }
        }
        Err(e) => Health::Unreadable {
            error: e.to_string(),
        },
    }
}

/// Opens the generation to serve searches from: the live one, or, when it
/// cannot be opened (or, with `verify`, fails its checksums), the previous
/// good generation, saying loudly which file of the live one is damaged.
/// Writers never use this: they write the live generation or nothing.
pub fn open_serving(
    dir: &DataDir,
    analyzer: Arc<Analyzer>,
    verify: bool,
) -> Result<IndexHandle, Error> {
    let Some(live) = dir.current_generation()? else {
        return Err(Error::NoIndex(dir.root().to_path_buf()));
    };
    let open = |n: u64| -> Result<IndexHandle, Error> {
        let handle = dir.open_generation(n, analyzer.clone())?;
        // Opening every segment reads each file's footer.
        handle.index.reader()?;
        if verify {
            let health = check(dir, n);
            if !health.is_good() {
                return Err(Error::Damaged {
                    generation: n,
                    detail: health.describe(),
                });
            }
        }
        Ok(handle)
    };
    let error = match open(live) {
        Ok(handle) => return Ok(handle),
        // An old layout is not damage: `rebuild` is the answer, not an older index.
        Err(e @ Error::IndexLayout { .. }) => return Err(e),
        Err(e @ Error::Damaged { .. }) => e,
        Err(e) => Error::Damaged {
            generation: live,
            detail: match check(dir, live) {
                Health::Good => format!("cannot be opened: {e}"),
                health => health.describe(),
            },
        },
    };
    tracing::error!("LIVE INDEX DAMAGED: {error}; looking for the previous good generation");
    let on_disk = dir.generations()?;
    let mut candidates: Vec<u64> = previous_generation(dir)?
        .into_iter()
        .filter(|p| *p != live && on_disk.contains(p))
        .collect();
    candidates.extend(on_disk.iter().rev().copied().filter(|n| *n < live));
    let mut tried = std::collections::HashSet::new();
    for n in candidates {
        if !tried.insert(n) {
            continue;
        }
        let complete = read_meta(dir, n)
            .ok()
            .flatten()
            .is_none_or(|m| m.state == GenerationState::Complete);
        if !complete {
            continue;
        }
        match open(n) {
            Ok(handle) => {
                tracing::error!(
                    "serving generation {n} instead of damaged live generation {live}; \
                     repair with `gongkai rebuild`/`gongkai reindex`, or `gongkai rollback`"
                );
                return Ok(handle);
            }
            Err(e) => tracing::error!("generation {n} cannot serve either: {e}"),
        }
    }
    Err(error)
}

/// A generation as `gongkai generations` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct GenerationInfo {
    /// Its number.
    pub number: u64,
    /// Its metadata; `None` for generations written before metadata existed.
    pub meta: Option<GenerationMeta>,
    /// Whether it is live.
    pub live: bool,
    /// Whether `rollback` would make it live.
    pub previous: bool,
    /// Bytes on disk.
    pub size_bytes: u64,
    /// Its files against their checksums (`None` when not checked).
    pub health: Option<Health>,
}

impl GenerationInfo {
    /// State, treating generations without metadata as complete (they were
    /// written by `gongkai index` into a published generation).
    pub fn state(&self) -> GenerationState {
        self.meta
            .as_ref()
            .map_or(GenerationState::Complete, |m| m.state)
    }
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of a Unix time.
pub fn format_time(secs: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => secs.to_string(),
    }
}

/// Reads generation `n`'s metadata; `None` when it has none.
pub fn read_meta(dir: &DataDir, n: u64) -> Result<Option<GenerationMeta>, Error> {
    let path = dir.generation_path(n).join(META_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| Error::Config {
                path,
                message: e.to_string(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(&path, e)),
    }
}

/// Writes a generation's metadata atomically.
pub fn write_meta(dir: &DataDir, meta: &GenerationMeta) -> Result<(), Error> {
    let path = dir.generation_path(meta.number).join(META_FILE);
    let bytes = serde_json::to_vec_pretty(meta).map_err(|e| Error::Config {
        path: path.clone(),
        message: e.to_string(),
    })?;
    write_atomic(&path, &bytes)
}

/// Creates a new (not live) generation marked `building`, with `source`.
pub fn create(dir: &DataDir, analyzer: Arc<Analyzer>, source: &str) -> Result<IndexHandle, Error> {
    let handle = dir.create_generation(analyzer)?;
    let meta = GenerationMeta {
        number: handle.generation,
        state: GenerationState::Building,
        created: now(),
        source: source.to_string(),
        ..Default::default()
    };
    if let Err(e) = write_meta(dir, &meta) {
        // A folder without metadata would pass for a complete generation.
        let _ = dir.remove_generation(handle.generation);
        return Err(e);
    }
    Ok(handle)
}

/// The newest generation still `building` or `failed` from `source`, newer
/// than the live one: an interrupted run to resume.
pub fn resumable(dir: &DataDir, source: &str) -> Result<Option<u64>, Error> {
    let live = dir.current_generation()?.unwrap_or(0);
    for n in dir.generations()?.into_iter().rev() {
        if n <= live {
            break;
        }
        if let Some(meta) = read_meta(dir, n)?
            && meta.state != GenerationState::Complete
            && meta.source == source
        {
            return Ok(Some(n));
        }
    }
    Ok(None)
}

/// Marks generation `n` complete with its document count.
pub fn mark_complete(dir: &DataDir, n: u64, documents: u64) -> Result<(), Error> {
    let mut meta = read_meta(dir, n)?.unwrap_or(GenerationMeta {
        number: n,
        created: now(),
        ..Default::default()
    });
    meta.state = GenerationState::Complete;
    meta.completed = Some(now());
    meta.documents = documents;
    meta.error = None;
    write_meta(dir, &meta)
}

/// Marks generation `n` failed, with the reason.
pub fn mark_failed(dir: &DataDir, n: u64, error: &str) -> Result<(), Error> {
    let mut meta = read_meta(dir, n)?.unwrap_or(GenerationMeta {
        number: n,
        created: now(),
        ..Default::default()
    });
    meta.state = GenerationState::Failed;
    meta.error = Some(error.to_string());
    write_meta(dir, &meta)
}

/// The generation recorded as previous, if any.
pub fn previous_generation(dir: &DataDir) -> Result<Option<u64>, Error> {
    let path = dir.root().join(PREVIOUS);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(text.trim().parse::<u64>().ok()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(&path, e)),
    }
}

/// Makes complete generation `n` live: records the live one as previous,
/// then renames `CURRENT` atomically. Refuses a generation that is not complete.
pub fn swap(dir: &DataDir, n: u64) -> Result<Option<u64>, Error> {
    if !dir.generation_path(n).is_dir() {
        return Err(Error::Config {
            path: dir.generation_path(n),
            message: format!("generation {n} does not exist"),
        });
    }
    if let Some(meta) = read_meta(dir, n)?
        && meta.state != GenerationState::Complete
    {
        return Err(Error::Config {
            path: dir.generation_path(n).join(META_FILE),
            message: format!(
                "generation {n} is {}, not complete: not publishing it",
                meta.state.as_str()
            ),
        });
    }
    let old = dir.current_generation()?;
    if old == Some(n) {
        return Ok(old);
    }
    if let Some(old) = old {
        write_atomic(&dir.root().join(PREVIOUS), format!("{old}\n").as_bytes())?;
    }
    dir.publish(n)?;
    Ok(old)
}

/// What `rollback` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rollback {
    /// Live before.
    pub from: u64,
    /// Live now.
    pub to: u64,
}

/// Makes the previous generation live again (and the current one the
/// previous, so a second rollback rolls forward). Without a `PREVIOUS`
/// record, the newest complete generation older than the live one is used.
pub fn rollback(dir: &DataDir) -> Result<Rollback, Error> {
    let Some(live) = dir.current_generation()? else {
        return Err(Error::NoIndex(dir.root().to_path_buf()));
    };
    let on_disk = dir.generations()?;
    let recorded = previous_generation(dir)?.filter(|p| *p != live && on_disk.contains(p));
    let target = match recorded {
        Some(p) => Some(p),
        None => {
            let mut found = None;
            for n in on_disk.iter().rev().copied().filter(|n| *n < live) {
                let state = read_meta(dir, n)?.map_or(GenerationState::Complete, |m| m.state);
                if state == GenerationState::Complete {
                    found = Some(n);
                    break;
                }
            }
            found
        }
    };
    let Some(to) = target else {
        return Err(Error::Config {
            path: dir.root().to_path_buf(),
            message: format!(
                "no previous generation to roll back to (generation {live} is the only complete one)"
            ),
        });
    };
    swap(dir, to)?;
    Ok(Rollback { from: live, to })
}

/// Bytes under a folder.
fn dir_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok())
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// Every generation with its metadata, oldest first.
pub fn list(dir: &DataDir) -> Result<Vec<GenerationInfo>, Error> {
    let live = dir.current_generation()?;
    let previous = previous_generation(dir)?;
    dir.generations()?
        .into_iter()
        .map(|n| {
            Ok(GenerationInfo {
                number: n,
                meta: read_meta(dir, n)?,
                live: live == Some(n),
                previous: previous == Some(n) && live != Some(n),
                size_bytes: dir_size(&dir.generation_path(n)),
                health: None,
            })
        })
        .collect()
}

/// Which generations retention removes: everything but the live one, the
/// previous one, an unfinished generation newer than the live one (it may
/// be resumed), and the newest complete ones up to `keep` in all.
pub fn to_prune(infos: &[GenerationInfo], keep: usize) -> Vec<u64> {
    let live = infos.iter().find(|i| i.live).map(|i| i.number).unwrap_or(0);
    let newest_unfinished = infos
        .iter()
        .filter(|i| i.number > live && i.state() != GenerationState::Complete)
        .map(|i| i.number)
        .max();
    let mut kept: Vec<u64> = infos
        .iter()
        .filter(|i| i.live || i.previous)
        .map(|i| i.number)
        .collect();
    for info in infos.iter().rev() {
        if kept.len() >= keep.max(1) {
            break;
        }
        if info.state() == GenerationState::Complete && !kept.contains(&info.number) {
            kept.push(info.number);
        }
    }
    infos
        .iter()
        .map(|i| i.number)
        .filter(|n| !kept.contains(n) && Some(*n) != newest_unfinished)
        .collect()
}

/// Removes old generations beyond `keep` (see [`to_prune`]); returns the removed numbers.
pub fn prune(dir: &DataDir, keep: usize) -> Result<Vec<u64>, Error> {
    let infos = list(dir)?;
    let doomed = to_prune(&infos, keep);
    for n in &doomed {
        let path = dir.generation_path(*n);
        // Mark it first, so a half-removed folder is never mistaken for a good one.
        let _ = mark_failed(dir, *n, "removed by retention");
        std::fs::remove_dir_all(&path).map_err(|e| Error::io(&path, e))?;
        tracing::info!(generation = n, "old generation removed");
    }
    Ok(doomed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::test_support::{build, doc};

    fn info(number: u64, state: GenerationState, live: bool, previous: bool) -> GenerationInfo {
        GenerationInfo {
            number,
            meta: Some(GenerationMeta {
                number,
                state,
                ..Default::default()
            }),
            live,
            previous,
            size_bytes: 0,
            health: None,
        }
    }

    #[test]
    fn building_generations_are_never_published() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(tmp.path());
        let handle = create(&dir, dir.analyzer().unwrap(), "test").unwrap();
        assert!(swap(&dir, handle.generation).is_err());
        assert_eq!(dir.current_generation().unwrap(), None);
        assert_eq!(resumable(&dir, "test").unwrap(), Some(handle.generation));
        assert_eq!(resumable(&dir, "other").unwrap(), None);
        mark_complete(&dir, handle.generation, 0).unwrap();
        swap(&dir, handle.generation).unwrap();
        assert_eq!(dir.current_generation().unwrap(), Some(handle.generation));
        assert!(swap(&dir, 99).is_err());
    }

    #[test]
    fn swap_records_previous_and_rollback_toggles() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(tmp.path());
        let a = build(&dir, "a", vec![doc("1", "甲")]);
        assert!(rollback(&dir).is_err(), "nothing live");
        swap(&dir, a).unwrap();
        let err = rollback(&dir).unwrap_err().to_string();
        assert!(err.contains("no previous generation"), "{err}");
        let b = build(&dir, "b", vec![doc("1", "甲"), doc("2", "乙")]);
        assert_eq!(swap(&dir, b).unwrap(), Some(a));
        assert_eq!(previous_generation(&dir).unwrap(), Some(a));
        assert_eq!(rollback(&dir).unwrap(), Rollback { from: b, to: a });
        assert_eq!(dir.current_generation().unwrap(), Some(a));
        assert_eq!(rollback(&dir).unwrap(), Rollback { from: a, to: b });
        let infos = list(&dir).unwrap();
        assert_eq!(infos.len(), 2);
        assert!(infos[1].live && infos[0].previous);
        assert!(infos[0].size_bytes > 0);
    }

    #[test]
    fn retention_keeps_live_previous_and_resumable() {
        use GenerationState::*;
        let infos = vec![
            info(1, Complete, false, false),
            info(2, Failed, false, false),
            info(3, Complete, false, true),
            info(4, Complete, false, false),
            info(5, Complete, true, false),
            info(6, Building, false, false),
        ];
        assert_eq!(to_prune(&infos, 3), vec![1, 2]);
        assert_eq!(to_prune(&infos, 2), vec![1, 2, 4]);
        assert_eq!(to_prune(&infos, 0), vec![1, 2, 4]);
        let mut no_prev = infos.clone();
        no_prev[2].previous = false;
        assert_eq!(to_prune(&no_prev, 2), vec![1, 2, 3]);
    }

    #[test]
    fn prune_removes_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = DataDir::new(tmp.path());
        for k in 0..4 {
            let n = build(&dir, "x", vec![doc(&k.to_string(), "甲")]);
            swap(&dir, n).unwrap();
        }
        assert_eq!(prune(&dir, 2).unwrap(), vec![1, 2]);
        assert_eq!(dir.generations().unwrap(), vec![3, 4]);
    }
}
