//! Reading many answer sheets: JSON Lines streamed in chunks, folders of YAML/JSON files, single files.
//! Each record is checked like `smedx validate` would; a bad record is an error with file and line.

use super::lines::LineReader;
use crate::answers::{self, AnswerSheet};
use crate::model::SizeClass;
use crate::model::{Children, Model};
use crate::score::{Scores, evaluate};
use crate::source_file::SourceFile;
use crate::text::Text;
use crate::yaml_value::{Node, Value};
use serde::Serialize;
use std::io::BufRead;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Records handed to a worker at once: large enough that handing over costs little, small enough
/// to keep memory flat (the chunks in flight are what a run holds besides its figures).
const CHUNK: usize = 1024;

/// Bytes of JSON Lines read into one block (a chunk ends at the first line past it).
const BLOCK: usize = 1 << 20;

/// The longest JSON Lines record read (an answer sheet is a few KiB); longer lines are refused.
fn max_line() -> usize {
    usize::try_from(crate::source_file::Limits::get().record_bytes).unwrap_or(usize::MAX)
}

/// Append the next line, without its newline, to `block`: `None` at the end, its range in
/// `block`, or `Err(length)` for a line over [`max_line`] (skipped to its end without holding it in
/// memory; nothing appended).
fn read_line_limited(
    reader: &mut impl BufRead,
    block: &mut Vec<u8>,
) -> std::io::Result<Option<Result<Range<usize>, usize>>> {
    let max_line = max_line();
    let start = block.len();
    let mut total = 0usize;
    let done = |block: &mut Vec<u8>, total: usize| {
        if total > max_line {
            block.truncate(start);
            Err(total)
        } else {
            Ok(start..block.len())
        }
    };
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            if total == 0 {
                return Ok(None);
            }
            return Ok(Some(done(block, total)));
        }
        let (take, end) = match memchr::memchr(b'\n', buf) {
            Some(p) => (p, true),
            None => (buf.len(), false),
        };
        if total + take <= max_line {
            block.extend_from_slice(&buf[..take]);
        } else {
            block.truncate(start);
        }
        total += take;
        reader.consume(take + usize::from(end));
        if end {
            return Ok(Some(done(block, total)));
        }
    }
}

/// Is this line blank (nothing but white space)? Most lines start with `{`: decided at once.
fn is_blank(line: &[u8]) -> bool {
    if line
        .iter()
        .any(|b| b.is_ascii() && !b.is_ascii_whitespace())
    {
        return false;
    }
    std::str::from_utf8(line).is_ok_and(|s| s.trim().is_empty())
}

/// An input named on the command line.
#[derive(Debug, Clone)]
pub struct Source(pub PathBuf);

/// Bytes shared by the records read from them. A block of a JSON Lines file goes back to the
/// reader when its last record is dropped, on whichever thread, and is read into again: a run
/// reuses a few blocks instead of taking fresh memory (which the system must zero) for each.
pub struct Block {
    bytes: Vec<u8>,
    /// The file its lines come from (kept once a block rather than once a record: records are
    /// made by the reader and dropped by the workers, and a count shared by all of them would
    /// go from core to core for each record).
    file: Arc<str>,
    back: Option<std::sync::mpsc::Sender<Vec<u8>>>,
}

impl std::ops::Deref for Block {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        if let Some(back) = self.back.take() {
            let mut bytes = std::mem::take(&mut self.bytes);
            bytes.clear();
            // The reader has finished: the block is freed.
            let _ = back.send(bytes);
        }
    }
}

/// One record before parsing.
pub struct RawRecord {
    pub line: u64,
    /// The record's bytes are `block[span]`: the lines of a JSON Lines file are read a block at a
    /// time and share it.
    pub block: Arc<Block>,
    pub span: Range<usize>,
    /// A row of a CSV batch or a workbook, already read and checked by `collect`.
    /// Boxed: a JSON Lines record has none, and a chunk of a thousand records is allocated for
    /// every thousand lines, so the record stays small.
    pub checked: Option<Box<Result<AnswerSheet, (String, String)>>>,
}

impl RawRecord {
    /// A record with a text of its own.
    pub fn own(file: Arc<str>, line: u64, text: String) -> RawRecord {
        let span = 0..text.len();
        RawRecord {
            line,
            block: Arc::new(Block {
                bytes: text.into_bytes(),
                back: None,
                file,
            }),
            span,
            checked: None,
        }
    }

    /// The file the record comes from.
    pub fn file(&self) -> &str {
        &self.block.file
    }

    /// The record's text; `None` when it is not UTF-8.
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(self.bytes()?).ok()
    }

    /// The record's bytes, not checked for UTF-8 (the fast way checks each text it keeps).
    pub fn bytes(&self) -> Option<&[u8]> {
        self.block.get(self.span.clone())
    }
}

/// A record that could not be used.
#[derive(Debug, Clone, Serialize)]
pub struct RecordError {
    pub file: String,
    /// 1-based line (JSON Lines) or 0 for a whole file.
    pub line: u64,
    pub code: String,
    pub message: String,
}

/// A file in an input folder that was not read, and why.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SkippedFile {
    pub file: String,
    pub reason: Text,
}

/// One firm, scored.
#[derive(Debug, Clone)]
pub struct Record {
    pub name: String,
    pub credit_code: Option<String>,
    /// `assessed_on` as YYYYMMDD (0 when absent): among records of one credit code, the latest counts.
    pub assessed_on: u32,
    pub region: Option<String>,
    pub industry: Option<String>,
    /// The model's industry group of the firm (level rules and applicability differ by group).
    pub industry_group: String,
    /// The group's place in the model's flat view ([`crate::model::Flat::group`]).
    pub group_at: usize,
    pub size: Option<SizeClass>,
    pub employees: Option<f64>,
    /// 营业收入, 万元.
    pub revenue: Option<f64>,
    pub assets: Option<f64>,
    pub tags: Vec<String>,
    pub synthetic: bool,
    pub scores: Scores,
    /// Scenario indices (model order) among the constrained ones short of the next level.
    pub constrained_short: Vec<usize>,
    /// Scored from its answers (not read from a scored result): its demand can be worked out.
    pub answered: bool,
    /// Catalog entries the firm needs, with their cost split.
    pub demand: Vec<(usize, crate::roadmap::CostSplit)>,
    /// The checked sheet, when the record was read the exact way (the fast way keeps none).
    pub sheet: Option<AnswerSheet>,
}

impl Record {
    /// A record with nothing in it, to be read into (see [`parse_into`]).
    pub fn empty() -> Record {
        Record {
            name: String::new(),
            credit_code: None,
            assessed_on: 0,
            region: None,
            industry: None,
            industry_group: String::new(),
            group_at: 0,
            size: None,
            employees: None,
            revenue: None,
            assets: None,
            tags: Vec::new(),
            synthetic: false,
            scores: Scores {
                level_score: 0.0,
                level: 0,
                items: Vec::new(),
                nodes: Vec::new(),
                scenarios: Vec::new(),
            },
            constrained_short: Vec::new(),
            answered: false,
            demand: Vec::new(),
            sheet: None,
        }
    }
}

fn is_lines(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "jsonl" || e == "ndjson")
}

fn is_sheet(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
}

/// A file of a kind aggregation reads.
fn is_read(p: &Path) -> bool {
    is_sheet(p) || is_lines(p) || crate::collect::FileKind::of(p).is_some()
}

/// The identity of what a path leads to, links followed: (device, inode).
fn identity(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

/// The files to read, in order: folders walked (sorted), links to folders followed only with
/// `follow_links` and each folder entered once (a loop is cut), each file read once however many
/// paths lead to it; everything else in a folder listed in `skipped` with the reason.
pub fn input_files(
    sources: &[Source],
    follow_links: bool,
    skipped: &mut Vec<SkippedFile>,
) -> Vec<PathBuf> {
    let mut seen_files = std::collections::HashSet::new();
    let mut seen_dirs = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut skip = |p: &Path, zh: &str, en: String| {
        skipped.push(SkippedFile {
            file: p.display().to_string(),
            reason: Text::new(zh, &en),
        });
    };
    for Source(path) in sources {
        let Ok(meta) = std::fs::metadata(path) else {
            // Unreadable: reading it reports why.
            out.push(path.clone());
            continue;
        };
        if !meta.is_dir() {
            if seen_files.insert(identity(&meta)) {
                out.push(path.clone());
            } else {
                skip(
                    path,
                    "前面已给出同一文件，只读一次",
                    "the same file was given before; it is read once".into(),
                );
            }
            continue;
        }
        if !seen_dirs.insert(identity(&meta)) {
            skip(
                path,
                "前面已给出同一文件夹，只读一次",
                "the same folder was given before; it is read once".into(),
            );
            continue;
        }
        let mut files: Vec<PathBuf> = Vec::new();
        let mut stack = vec![path.clone()];
        while let Some(dir) = stack.pop() {
            let rd = match std::fs::read_dir(&dir) {
                Ok(rd) => rd,
                Err(e) => {
                    skip(
                        &dir,
                        "文件夹无法读取",
                        format!("the folder cannot be read: {e}"),
                    );
                    continue;
                }
            };
            for e in rd {
                let e = match e {
                    Ok(e) => e,
                    Err(err) => {
                        skip(
                            &dir,
                            "文件夹无法读取",
                            format!("the folder cannot be read: {err}"),
                        );
                        continue;
                    }
                };
                let p = e.path();
                let is_link = e.file_type().is_ok_and(|t| t.is_symlink());
                let meta = match std::fs::metadata(&p) {
                    Ok(m) => m,
                    Err(err) if is_link => {
                        skip(
                            &p,
                            "链接指向的目标不存在或无法读取",
                            format!("a link to nothing that can be read ({err})"),
                        );
                        continue;
                    }
                    Err(err) => {
                        skip(&p, "无法读取", format!("cannot be read: {err}"));
                        continue;
                    }
                };
                if meta.is_dir() {
                    if is_link && !follow_links {
                        skip(
                            &p,
                            "指向文件夹的链接，默认不跟随（加 --follow-links 读取）",
                            "a link to a folder, not followed (give --follow-links to read it)"
                                .into(),
                        );
                    } else if seen_dirs.insert(identity(&meta)) {
                        stack.push(p);
                    } else if is_link {
                        skip(
                            &p,
                            "指向已读文件夹的链接（循环在此截断）",
                            "a link to a folder already read (a loop is cut here)".into(),
                        );
                    }
                } else if !meta.is_file() {
                    skip(
                        &p,
                        "不是普通文件（管道、套接字或设备）",
                        "not a regular file (a pipe, socket or device)".into(),
                    );
                } else if !is_read(&p) {
                    skip(&p, "不是汇总读取的文件类型（.yaml、.yml、.json、.jsonl、.xlsx、.csv）", "not a kind of file aggregation reads (.yaml, .yml, .json, .jsonl, .xlsx, .csv)"
                            .into());
                } else if seen_files.insert(identity(&meta)) {
                    files.push(p);
                } else {
                    skip(
                        &p,
                        "与已读文件是同一文件（链接），只读一次",
                        "the same file as one read already (a link); read once".into(),
                    );
                }
            }
        }
        files.sort();
        out.extend(files);
    }
    out
}

fn io_error(file: &str, e: impl std::fmt::Display) -> RecordError {
    RecordError {
        file: file.to_string(),
        line: 0,
        code: "file-unreadable".into(),
        message: crate::diag::Diagnostic::error("file-unreadable")
            .arg("file", file)
            .arg("reason", e.to_string())
            .message(),
    }
}

/// Feed the records of the files (from [`input_files`]) to `f`, a chunk at a time, in input order.
/// Unreadable files become error records.
pub fn for_each_chunk(model: &Model, files: &[PathBuf], f: &mut dyn FnMut(Vec<RawRecord>)) {
    let mut chunk: Vec<RawRecord> = Vec::with_capacity(CHUNK);
    let flush = |chunk: &mut Vec<RawRecord>, f: &mut dyn FnMut(Vec<RawRecord>)| {
        if !chunk.is_empty() {
            f(std::mem::replace(chunk, Vec::with_capacity(CHUNK)));
        }
    };
    for path in files {
        let name: Arc<str> = Arc::from(path.display().to_string());
        if path.is_dir() {
            // A folder that could not be walked (input_files lists its files otherwise).
            let message = io_error(&name, "it is a folder").message;
            chunk.push(RawRecord::own(name.clone(), 0, format!("\u{0}{message}")));
            continue;
        }
        if crate::collect::FileKind::of(path).is_some() {
            for record in collected_records(model, path, &name) {
                chunk.push(record);
            }
            if chunk.len() >= CHUNK {
                flush(&mut chunk, f);
            }
            continue;
        }
        if is_lines(path) {
            let file = match crate::source_file::open_regular(path) {
                Ok(file) => file,
                Err(d) => {
                    let text = format!("\u{0}{}", d.message());
                    chunk.push(RawRecord::own(name.clone(), 0, text));
                    continue;
                }
            };
            // A reader thread splits lines while the workers score the previous chunk. The lines
            // of a chunk share one block, which comes back to the reader once they are scored.
            flush(&mut chunk, f);
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<RawRecord>>(2);
            let (give_back, given_back) = std::sync::mpsc::channel::<Vec<u8>>();
            let file_name = name.clone();
            let reader = std::thread::spawn(move || {
                let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
                let mut chunk = Vec::with_capacity(CHUNK);
                let mut block = Vec::with_capacity(BLOCK + BLOCK / 4);
                let mut i = 0usize;
                // Records of the chunk being read: (line, range in the block, or a text of its own).
                let mut lines: Vec<(u64, Result<Range<usize>, String>)> = Vec::with_capacity(CHUNK);
                let send = |block: &mut Vec<u8>,
                            lines: &mut Vec<(u64, Result<Range<usize>, String>)>,
                            chunk: &mut Vec<RawRecord>| {
                    let next = given_back
                        .try_recv()
                        .unwrap_or_else(|_| Vec::with_capacity(BLOCK + BLOCK / 4));
                    let shared = Arc::new(Block {
                        bytes: std::mem::replace(block, next),
                        back: Some(give_back.clone()),
                        file: file_name.clone(),
                    });
                    for (line, text) in lines.drain(..) {
                        chunk.push(match text {
                            Ok(span) => RawRecord {
                                line,
                                block: shared.clone(),
                                span,
                                checked: None,
                            },
                            Err(text) => RawRecord::own(file_name.clone(), line, text),
                        });
                    }
                    drop(shared);
                    let part = std::mem::replace(chunk, Vec::with_capacity(CHUNK));
                    tx.send(part).is_ok()
                };
                loop {
                    let text = match read_line_limited(&mut reader, &mut block) {
                        Ok(None) => break,
                        Ok(Some(Ok(mut span))) => {
                            // A byte order mark is no part of the first record.
                            if i == 0 && block[span.clone()].starts_with(b"\xEF\xBB\xBF") {
                                span.start += 3;
                            }
                            if is_blank(&block[span.clone()]) {
                                block.truncate(span.start);
                                i += 1;
                                continue;
                            }
                            Ok(span)
                        }
                        Ok(Some(Err(len))) => Err(format!(
                            "\u{0}this line is {len} bytes long; one answer sheet is far shorter (limit {} bytes)",
                            max_line()
                        )),
                        Err(e) => {
                            lines.insert(0, (i as u64 + 1, Err(format!("\u{0}read error: {e}"))));
                            break;
                        }
                    };
                    i += 1;
                    lines.push((i as u64, text));
                    let full = lines.len() >= CHUNK || block.len() >= BLOCK;
                    if full && !send(&mut block, &mut lines, &mut chunk) {
                        return;
                    }
                }
                if !lines.is_empty() {
                    send(&mut block, &mut lines, &mut chunk);
                }
            });
            for part in rx {
                f(part);
            }
            let _ = reader.join();
        } else {
            let text = match SourceFile::read(path) {
                Ok(s) => s.text,
                Err(d) => format!("\u{0}{}", d.message()),
            };
            chunk.push(RawRecord::own(name.clone(), 0, text));
            if chunk.len() >= 256 {
                flush(&mut chunk, f);
            }
        }
    }
    flush(&mut chunk, f);
}

/// The rows of a CSV batch (or the one firm of a questionnaire workbook), checked by `collect`.
fn collected_records(model: &Model, path: &Path, name: &Arc<str>) -> Vec<RawRecord> {
    use crate::collect::{self, Collected};
    let first_error = |diags: &[crate::diag::Diagnostic]| {
        diags.iter().find(|d| d.is_error()).map(|d| {
            let n = diags.iter().filter(|x| x.is_error()).count();
            let more = if n > 1 {
                format!(" (and {} more)", n - 1)
            } else {
                String::new()
            };
            (
                d.code.to_string(),
                format!("{}: {}{more}", d.location(), d.message()),
            )
        })
    };
    let record = |line: u64, checked: Result<AnswerSheet, (String, String)>| RawRecord {
        checked: Some(Box::new(checked)),
        ..RawRecord::own(name.clone(), line, String::new())
    };
    match collect::read(path) {
        Err(d) => vec![record(0, Err((d.code.to_string(), d.message())))],
        Ok(Collected::Questionnaire(q)) => {
            let (r, reader) = q.record(model);
            let checked = collect::check_record(model, &r, name);
            let all: Vec<_> = reader.into_iter().chain(checked.diagnostics).collect();
            vec![record(
                0,
                checked
                    .sheet
                    .filter(|_| first_error(&all).is_none())
                    .ok_or_else(|| first_error(&all).unwrap_or_default()),
            )]
        }
        Ok(Collected::Table(t)) => {
            let batch = t.records(model);
            let mut out = Vec::new();
            if let Some(e) = first_error(&batch.diagnostics) {
                out.push(record(0, Err(e)));
            }
            for (r, line) in batch.records.iter().zip(&batch.lines) {
                let checked = collect::check_record(model, r, name);
                let result =
                    match (checked.sheet, first_error(&checked.diagnostics)) {
                        (Some(sheet), None) => Ok(sheet),
                        (_, e) => Err(e.unwrap_or_else(|| {
                            ("invalid".into(), "the row could not be read".into())
                        })),
                    };
                out.push(record(u64::from(*line), result));
            }
            out
        }
    }
}

/// Lines in the JSON Lines files (to size the previous round's map once).
pub fn count_lines(files: &[PathBuf]) -> usize {
    use std::io::Read;
    let mut n = 0;
    for path in files.iter().filter(|p| is_lines(p)) {
        let Ok(mut file) = crate::source_file::open_regular(path) else {
            continue;
        };
        let mut buf = vec![0u8; 1 << 20];
        while let Ok(k) = file.read(&mut buf) {
            if k == 0 {
                break;
            }
            n += buf[..k].iter().filter(|b| **b == b'\n').count();
        }
    }
    n
}

/// [`parse_with`] into `out`, whose texts and lists are reused from one record to the next.
pub fn parse_into(
    reader: &mut LineReader,
    model: &Model,
    raw: RawRecord,
    out: &mut Record,
) -> Result<(), RecordError> {
    if raw.line > 0
        && raw.checked.is_none()
        && raw.bytes().is_some_and(|line| reader.read_into(line, out))
    {
        return Ok(());
    }
    *out = parse(model, raw)?;
    Ok(())
}

/// Parse, check and score one record: the fast way for a plain JSON Lines answer sheet
/// ([`LineReader`]), else the exact way ([`parse`]); the same record, or the same error, either way.
pub fn parse_with(
    reader: &mut LineReader,
    model: &Model,
    raw: RawRecord,
) -> Result<Record, RecordError> {
    if raw.line > 0
        && raw.checked.is_none()
        && let Some(r) = raw.bytes().and_then(|line| reader.read(line))
    {
        return Ok(r);
    }
    parse(model, raw)
}

/// Parse, check and score one record, the exact way.
pub fn parse(model: &Model, mut raw: RawRecord) -> Result<Record, RecordError> {
    if let Some(checked) = raw.checked.take() {
        let sheet = (*checked).map_err(|(code, message)| RecordError {
            file: raw.file().to_string(),
            line: raw.line,
            code,
            message,
        })?;
        let scores = evaluate(model, &sheet);
        return Ok(record_of(model, sheet, scores));
    }
    let err = |code: &str, message: String| RecordError {
        file: raw.file().to_string(),
        line: raw.line,
        code: code.to_string(),
        message,
    };
    let Some(text) = raw.text() else {
        let msg = match crate::text::Lang::ui() {
            crate::text::Lang::Zh => "这一行不是 UTF-8 文本（请把文件另存为 UTF-8 编码）",
            crate::text::Lang::En => "this line is not UTF-8 text (save the file as UTF-8)",
        };
        return Err(err("wrong-encoding", msg.to_string()));
    };
    if let Some(msg) = text.strip_prefix('\u{0}') {
        return Err(err("file-unreadable", msg.to_string()));
    }
    let source = SourceFile::from_text(raw.file(), text);
    let node: Node = if raw.line > 0 {
        serde_json::from_str::<crate::yaml_value::PlainNode>(text)
            .map(|p| p.0)
            .map_err(|e| {
                let d = crate::diag::Diagnostic::error("json-syntax").arg("reason", e.to_string());
                err("json-syntax", d.message())
            })?
    } else {
        answers::load_sheet(&source).map_err(|d| err(d.code, d.message()))?
    };
    if node.get("level_score").is_some() {
        return scored_result(model, &raw, node);
    }
    let checked = answers::check_sheet(model, &node, &source);
    let Some(sheet) = checked.sheet else {
        let errors: Vec<_> = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .collect();
        let first = errors
            .first()
            .map_or_else(|| "invalid".to_string(), |d| d.message());
        let more = match (errors.len(), crate::text::Lang::ui()) {
            (0 | 1, _) => String::new(),
            (n, crate::text::Lang::Zh) => format!("（另有 {} 个错误）", n - 1),
            (n, crate::text::Lang::En) => format!(" (and {} more)", n - 1),
        };
        return Err(err(
            errors.first().map_or("invalid", |d| d.code),
            format!("{first}{more}"),
        ));
    };
    let scores = evaluate(model, &sheet);
    Ok(record_of(model, sheet, scores))
}

/// A date `YYYY-MM-DD` as the number YYYYMMDD, which orders as the dates do; 0 when it is none.
pub fn date_key(date: &str) -> u32 {
    let mut parts = date.trim().splitn(3, '-').map(|x| x.parse::<u32>().ok());
    match (parts.next(), parts.next(), parts.next()) {
        (Some(Some(y)), Some(Some(m)), Some(Some(d))) if y < 10_000 && m <= 12 && d <= 31 => {
            y * 10_000 + m * 100 + d
        }
        _ => 0,
    }
}

fn record_of(model: &Model, sheet: AnswerSheet, scores: Scores) -> Record {
    let p = &sheet.profile;
    let group_at = model.flat().group(&p.industry_group);
    let mut constrained_short = Vec::new();
    constrained_short_into(model, group_at, &scores, &mut constrained_short);
    Record {
        name: p.name.clone(),
        credit_code: p.credit_code.clone(),
        assessed_on: p.assessed_on.as_deref().map_or(0, date_key),
        region: p.region.clone(),
        industry: p.industry.clone(),
        industry_group: p.industry_group.clone(),
        group_at,
        size: p.size_class,
        employees: p.employees,
        revenue: p.revenue,
        assets: p.assets,
        tags: p.tags.clone(),
        synthetic: p.synthetic,
        scores,
        constrained_short,
        answered: true,
        demand: Vec::new(),
        sheet: Some(sheet),
    }
}

/// Constrained scenarios below the grade the next level counts, when constrained ones are short
/// (into `out`, cleared first), for a firm of the group at place `g` of the model's flat view.
pub(super) fn constrained_short_into(model: &Model, g: usize, q: &Scores, out: &mut Vec<usize>) {
    out.clear();
    let next = q.level.saturating_add(1);
    let rules = model.flat().rules(g);
    let Some(c) = rules
        .iter()
        .find(|r| r.level == next)
        .and_then(|r| r.scenarios)
    else {
        return;
    };
    let have = q
        .scenarios
        .iter()
        .filter(|(k, g)| *k && g.is_some_and(|g| g >= c.at_or_above))
        .count() as u32;
    if have >= c.constrained_at_least {
        return;
    }
    out.extend(
        q.scenarios
            .iter()
            .enumerate()
            .filter(|(_, (k, g))| *k && g.is_some_and(|g| g < c.at_or_above))
            .map(|(i, _)| i),
    );
}

/// A line holding a result of `smedx score --format json`: used as scored (no demand: no answers).
fn scored_result(model: &Model, raw: &RawRecord, node: Node) -> Result<Record, RecordError> {
    let err = |d: crate::diag::Diagnostic| RecordError {
        file: raw.file().to_string(),
        line: raw.line,
        code: "bad-result".into(),
        message: d.message(),
    };
    let bad = |variant| crate::diag::Diagnostic::error("bad-result").variant(variant);
    if node
        .get("model")
        .and_then(|m| m.get("id"))
        .and_then(|i| i.value.as_text())
        .is_some_and(|id| id != model.id)
    {
        let other = node
            .get("model")
            .and_then(|m| m.get("id"))
            .and_then(|i| i.value.as_text())
            .unwrap_or_default();
        return Err(err(bad("other_model").arg("model", other)));
    }
    let num = |n: Option<&Node>| n.and_then(|x| x.value.as_number());
    let level_score = num(node.get("level_score")).ok_or_else(|| err(bad("score_not_number")))?;
    if !(0.0..=model.score_points).contains(&level_score) {
        let d = bad("score_range").arg("score", level_score);
        return Err(err(d.arg("max", model.score_points)));
    }
    let top = model.levels.last().map_or(0, |r| r.level);
    let level = num(node.get("level"))
        .filter(|l| (0.0..=f64::from(top)).contains(l))
        .ok_or_else(|| err(bad("level").arg("top", top)))? as u8;
    fn list<'a>(n: Option<&'a Node>, key: &str) -> Vec<(String, &'a Node)> {
        match n.and_then(|n| n.get(key)).map(|l| &l.value) {
            Some(Value::List(xs)) => xs
                .iter()
                .filter_map(|x| Some((x.get("id")?.value.as_text()?, x)))
                .collect(),
            _ => Vec::new(),
        }
    }
    // The dimensions and indicators a result lists, at the engine's positions.
    let at = crate::score::engine::Positions::of(model);
    let mut nodes = vec![None; at.nodes];
    let listed = list(Some(&node), "dimensions");
    let mut indicators = at.indicators.iter();
    for (d, &pos) in model.dimensions.iter().zip(&at.dimensions) {
        let found = listed.iter().find(|(id, _)| *id == d.id).map(|(_, n)| *n);
        nodes[pos] = num(found.and_then(|n| n.get("score")));
        if let Children::Nodes(cs) = &d.children {
            let children = list(found, "children");
            for (c, &pos) in cs.iter().zip(indicators.by_ref()) {
                let found = children.iter().find(|(id, _)| *id == c.id);
                nodes[pos] = found.and_then(|(_, n)| num(n.get("score")));
            }
        }
    }
    let grade_of = |id: &str| -> Option<u8> {
        let Value::List(ss) = &node.get("scenarios")?.value else {
            return None;
        };
        ss.iter()
            .find(|s| s.get("id").and_then(|x| x.value.as_text()).as_deref() == Some(id))
            .and_then(|s| num(s.get("grade")))
            .map(|g| g as u8)
    };
    let scenarios: Vec<(bool, Option<u8>)> = model
        .scenarios()
        .map(|s| {
            (
                matches!(
                    s.spec,
                    crate::model::ItemSpec::Scenario {
                        constrained: true,
                        ..
                    }
                ),
                grade_of(&s.id),
            )
        })
        .collect();
    let scores = Scores {
        level_score,
        level,
        items: Vec::new(),
        nodes,
        scenarios,
    };
    let profile = node.get("profile");
    let text = |k: &str| {
        profile
            .and_then(|p| p.get(k))
            .and_then(|v| v.value.as_text())
    };
    let group = text("industry_group").unwrap_or_default();
    let group_at = model.flat().group(&group);
    let mut constrained_short = Vec::new();
    constrained_short_into(model, group_at, &scores, &mut constrained_short);
    Ok(Record {
        name: text("name").unwrap_or_default(),
        credit_code: text("credit_code"),
        assessed_on: text("assessed_on").as_deref().map_or(0, date_key),
        region: text("region"),
        industry: text("industry"),
        industry_group: group,
        group_at,
        size: text("size_class").and_then(|s| SizeClass::parse(&s)),
        employees: num(profile.and_then(|p| p.get("employees"))),
        revenue: num(profile.and_then(|p| p.get("revenue"))),
        assets: num(profile.and_then(|p| p.get("assets"))),
        tags: match profile.and_then(|p| p.get("tags")).map(|t| &t.value) {
            Some(Value::List(ts)) => ts.iter().filter_map(|t| t.value.as_text()).collect(),
            _ => Vec::new(),
        },
        synthetic: profile
            .and_then(|p| p.get("synthetic"))
            .is_some_and(|v| v.value == Value::Bool(true)),
        scores,
        constrained_short,
        answered: false,
        demand: Vec::new(),
        sheet: None,
    })
}
