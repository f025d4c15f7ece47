//! The output policy of every command that writes a file: nothing the user had is lost.
//!
//! An output that exists needs `--force`; an output that is also an input (the same file after
//! following links, or a file smedx reads inside an input folder) is refused with or without
//! `--force`; a file is written to a temporary file beside it and renamed over the target only once
//! complete, so a failed run leaves the old file as it was. Devices and pipes (`/dev/null`, a FIFO)
//! are written in place. Standard output that is closed (`| head`) ends the writing quietly.

use crate::diag::Diagnostic;
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where a command writes its result.
#[derive(Debug)]
pub(crate) struct Output {
    target: Target,
}

#[derive(Debug)]
enum Target {
    Stdout,
    /// A regular file: `shown` as the user wrote it, `real` with its links resolved.
    File {
        shown: PathBuf,
        real: PathBuf,
        /// The file exists and `--force` was given.
        replace: bool,
    },
    /// A device or a pipe, written in place.
    Device(PathBuf),
}

/// File extensions smedx reads in a folder (an output there would be read back as an input).
const READ_IN_FOLDERS: &[&str] = &["yaml", "yml", "json", "jsonl", "ndjson", "xlsx", "csv"];

/// The file's identity after following links: (device, inode).
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Where output went, in words: the file, or standard output.
pub(crate) fn shown_as(path: Option<&Path>, lang: crate::text::Lang) -> String {
    match path {
        Some(p) => p.display().to_string(),
        None => crate::text::tr(lang, "标准输出", "standard output").to_string(),
    }
}

fn unwritable(path: &Path, reason: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::error("output-unwritable")
        .arg("file", path.display().to_string())
        .arg("reason", reason.to_string())
}

fn is_input(path: &Path, input: &Path) -> Diagnostic {
    Diagnostic::error("output-is-input")
        .arg("file", path.display().to_string())
        .arg("input", input.display().to_string())
}

impl Output {
    /// Standard output.
    pub(crate) fn stdout() -> Output {
        Output {
            target: Target::Stdout,
        }
    }

    /// Check an output under the policy before any work is done: `path` (standard output when
    /// `None`), whether `--force` was given, and the command's inputs (files or folders; paths that
    /// do not exist are ignored). The refusal is a diagnostic (invalid input, exit status 2).
    pub(crate) fn new(
        path: Option<&Path>,
        force: bool,
        inputs: &[&Path],
    ) -> Result<Output, Box<Diagnostic>> {
        let Some(path) = path else {
            return Ok(Output::stdout());
        };
        if path.as_os_str().is_empty() {
            return Err(Box::new(unwritable(path, "the file name is empty")));
        }
        let own = identity(path);
        for input in inputs {
            if own.is_some() && identity(input) == own {
                return Err(Box::new(is_input(path, input)));
            }
        }
        let meta = std::fs::metadata(path);
        let real = match &meta {
            Ok(_) => std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
            Err(_) => {
                let parent = match path.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
                let Ok(dir) = std::fs::canonicalize(parent) else {
                    return Err(Box::new(unwritable(
                        path,
                        format!("the folder {} does not exist", parent.display()),
                    )));
                };
                match path.file_name() {
                    Some(name) => dir.join(name),
                    None => return Err(Box::new(unwritable(path, "it names a folder"))),
                }
            }
        };
        // An output inside an input folder, of a kind smedx reads there, is an input of the next run.
        let read_there = real.extension().is_some_and(|e| {
            READ_IN_FOLDERS.contains(&e.to_string_lossy().to_lowercase().as_str())
        });
        if read_there {
            for input in inputs {
                if let Ok(dir) = std::fs::canonicalize(input)
                    && dir.is_dir()
                    && real.starts_with(&dir)
                {
                    return Err(Box::new(is_input(path, input)));
                }
            }
        }
        let target = match meta {
            Ok(m) if m.is_dir() => return Err(Box::new(unwritable(path, "it is a folder"))),
            Ok(m) if !m.is_file() => Target::Device(path.to_path_buf()),
            Ok(_) if !force => return Err(Box::new(crate::cli::output_exists(path))),
            Ok(_) => Target::File {
                shown: path.to_path_buf(),
                real,
                replace: true,
            },
            Err(_) => Target::File {
                shown: path.to_path_buf(),
                real,
                replace: false,
            },
        };
        Ok(Output { target })
    }

    /// The file written, `None` for standard output.
    pub(crate) fn path(&self) -> Option<&Path> {
        match &self.target {
            Target::Stdout => None,
            Target::File { shown, .. } => Some(shown),
            Target::Device(p) => Some(p),
        }
    }

    /// Write `bytes` as the whole output.
    pub(crate) fn write(&self, bytes: &[u8]) -> anyhow::Result<()> {
        self.write_with(|w| Ok(w.write_all(bytes)?))
    }

    /// Write the output through `fill`, which may stream; the file appears only when `fill` succeeds.
    pub(crate) fn write_with(
        &self,
        fill: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut pending = self.begin()?;
        match fill(&mut pending) {
            Ok(()) => pending.commit(),
            Err(e) if self.path().is_none() && is_broken_pipe(&e) => Ok(()),
            Err(e) => Err(match self.path() {
                Some(p) => e.context(format!("cannot write {}", p.display())),
                None => e.context("cannot write to standard output"),
            }),
        }
    }

    /// Start writing; nothing replaces the target until [`Pending::commit`] (dropped uncommitted,
    /// the temporary file is removed).
    pub(crate) fn begin(&self) -> anyhow::Result<Pending<'_>> {
        let sink = match &self.target {
            Target::Stdout => Sink::Stdout(std::io::stdout().lock()),
            Target::Device(path) => Sink::Device(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .with_context(|| format!("cannot write {}", path.display()))?,
            ),
            Target::File { shown, real, .. } => {
                let (tmp, file) =
                    temporary(real).with_context(|| format!("cannot write {}", shown.display()))?;
                Sink::File { tmp, file }
            }
        };
        Ok(Pending {
            out: std::io::BufWriter::with_capacity(1 << 16, sink),
            target: self,
            committed: false,
        })
    }
}

/// What a [`Pending`] output writes to.
enum Sink {
    Stdout(std::io::StdoutLock<'static>),
    Device(std::fs::File),
    /// The temporary file beside the target.
    File {
        tmp: PathBuf,
        file: std::fs::File,
    },
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::Stdout(o) => o.write(buf),
            Sink::Device(f) | Sink::File { file: f, .. } => f.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Stdout(o) => o.flush(),
            Sink::Device(f) | Sink::File { file: f, .. } => f.flush(),
        }
    }
}

/// An output being written.
pub(crate) struct Pending<'a> {
    out: std::io::BufWriter<Sink>,
    target: &'a Output,
    committed: bool,
}

impl Write for Pending<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.out.write_all(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

impl Pending<'_> {
    /// Finish: flush, and put a file in its place (over the old one only with `--force`).
    pub(crate) fn commit(mut self) -> anyhow::Result<()> {
        self.committed = true;
        let flushed = self.out.flush();
        let done = match (&self.target.target, self.out.get_ref()) {
            (Target::Stdout, _) => match flushed {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("cannot write to standard output"),
            },
            (Target::File { real, replace, .. }, Sink::File { tmp, .. }) => {
                let placed = flushed.map_err(anyhow::Error::from).and_then(|()| {
                    if *replace && let Ok(m) = std::fs::metadata(real) {
                        // The replaced file keeps its permissions.
                        std::fs::set_permissions(tmp, m.permissions())?;
                    }
                    place(tmp, real, *replace)
                });
                if placed.is_err() {
                    let _ = std::fs::remove_file(tmp);
                }
                placed
            }
            _ => flushed.map_err(anyhow::Error::from),
        };
        match self.target.path() {
            Some(p) => done.with_context(|| format!("cannot write {}", p.display())),
            None => done,
        }
    }
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if !self.committed
            && let Sink::File { tmp, .. } = self.out.get_ref()
        {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// The temporary file beside `real`, its new content until it is complete.
fn temporary(real: &Path) -> anyhow::Result<(PathBuf, std::fs::File)> {
    let dir = real.parent().unwrap_or(Path::new("."));
    let name = real
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    let mut last = None;
    for attempt in 0..100u32 {
        let tmp = dir.join(format!(".{name}.{}.{attempt}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e.into()),
        }
    }
    Err(last.map_or_else(|| anyhow::anyhow!("no temporary name is free"), Into::into))
}

/// Move the complete temporary file to its place: over the old file with `--force`, else only
/// where no file has appeared meanwhile.
fn place(tmp: &Path, real: &Path, replace: bool) -> anyhow::Result<()> {
    if !replace {
        match std::fs::hard_link(tmp, real) {
            Ok(()) => {
                let _ = std::fs::remove_file(tmp);
                return Ok(());
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                anyhow::bail!("the file appeared while smedx was writing it; it was left as it is")
            }
            // A file system without hard links: rename.
            Err(_) => {}
        }
    }
    std::fs::rename(tmp, real)?;
    Ok(())
}

/// A write to a reader that has gone away (`smedx … | head`).
pub(crate) fn is_broken_pipe(e: &anyhow::Error) -> bool {
    let pipe = Some(std::io::ErrorKind::BrokenPipe);
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().map(std::io::Error::kind) == pipe
            || c.downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
                == pipe
    })
}

/// A format a command writes: the value, its `--format` spelling, and the extensions that name it.
pub(crate) struct Written<F> {
    pub(crate) format: F,
    pub(crate) name: &'static str,
    pub(crate) extensions: &'static [&'static str],
}

/// The format a command writes: `--format` when given, else the one the extension of `-o` names;
/// `Ok(None)` when neither says (the command's default applies). An extension the command cannot
/// write, or a `--format` that contradicts the extension, is refused before any work.
pub(crate) fn output_format<F: Copy + PartialEq>(
    command: &str,
    path: Option<&Path>,
    given: Option<F>,
    formats: &[Written<F>],
) -> Result<Option<F>, Box<Diagnostic>> {
    let ext = path
        .and_then(Path::extension)
        .map(|e| e.to_string_lossy().to_lowercase());
    let (Some(path), Some(ext)) = (path, ext) else {
        return Ok(given);
    };
    let file = path.display().to_string();
    let Some(named) = formats
        .iter()
        .find(|w| w.extensions.contains(&ext.as_str()))
    else {
        let extensions: Vec<String> = formats
            .iter()
            .flat_map(|w| w.extensions.iter().map(|e| format!(".{e}")))
            .collect();
        return Err(Box::new(
            Diagnostic::error("output-format")
                .arg("file", file)
                .arg("command", command)
                .arg("ext", ext)
                .arg("extensions", extensions.join(" ")),
        ));
    };
    match given.and_then(|g| formats.iter().find(|w| w.format == g)) {
        Some(g) if g.format != named.format => Err(Box::new(
            Diagnostic::error("output-format")
                .variant("contradicts")
                .arg("file", file)
                .arg("format", g.name)
                .arg("ext", ext),
        )),
        _ => Ok(Some(named.format)),
    }
}

/// Write text to standard error; a standard error that is closed or full loses it (there is
/// nowhere left to say so), but never stops the program.
pub(crate) fn write_stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_file_needs_force_and_an_input_is_refused_even_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.yaml");
        std::fs::write(&a, "x").unwrap();
        let refused = Output::new(Some(&a), false, &[]).unwrap_err();
        assert_eq!(refused.code, "output-exists");
        assert!(Output::new(Some(&a), true, &[]).is_ok());
        let link = dir.path().join("link.yaml");
        std::os::unix::fs::symlink(&a, &link).unwrap();
        let refused = Output::new(Some(&link), true, &[&a]).unwrap_err();
        assert_eq!(refused.code, "output-is-input");
        let inside = dir.path().join("summary.json");
        let refused = Output::new(Some(&inside), true, &[dir.path()]).unwrap_err();
        assert_eq!(refused.code, "output-is-input");
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.txt");
        std::fs::write(&a, "old").unwrap();
        let out = Output::new(Some(&a), true, &[]).unwrap();
        let failed = out.write_with(|w| {
            w.write_all(b"half")?;
            anyhow::bail!("stopped")
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        out.write(b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "new");
    }

    #[test]
    fn the_extension_decides_the_format_and_a_contradiction_is_refused() {
        const FORMATS: &[Written<u8>] = &[
            Written {
                format: 1,
                name: "html",
                extensions: &["html", "htm"],
            },
            Written {
                format: 2,
                name: "pdf",
                extensions: &["pdf"],
            },
        ];
        let pick = |path: Option<&str>, given| {
            output_format("report", path.map(Path::new), given, FORMATS).map_err(|d| d.variant)
        };
        assert_eq!(pick(Some("r.PDF"), None), Ok(Some(2)));
        assert_eq!(pick(Some("r.htm"), Some(1)), Ok(Some(1)));
        assert_eq!(pick(Some("r"), Some(2)), Ok(Some(2)));
        assert_eq!(pick(None, None), Ok(None));
        assert_eq!(pick(Some("r.docx"), None), Err(None));
        assert_eq!(pick(Some("r.pdf"), Some(1)), Err(Some("contradicts")));
    }
}
