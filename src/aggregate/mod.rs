//! Aggregation for industry offices: streaming statistics over many answer sheets, breakdowns by
//! region, industry, size and tag, two-round comparison, solution demand, small-cell suppression.

pub mod benchmark;
mod input;
pub mod simulate;
pub mod stats;

pub use input::{Record, RecordError, SkippedFile, Source};

use crate::model::SizeClass;
use crate::model::{Children, Model};
use crate::roadmap::demand::DemandTable;
use crate::roadmap::{Catalog, Policy};
use crate::score::ModelRef;
use crate::score::engine::Positions;
use crate::text::Text;
use rayon::prelude::*;
use serde::Serialize;
use stats::{Distribution, Hist};
use std::collections::{BTreeMap, HashMap};

/// What to compute.
#[derive(Debug, Clone)]
pub struct Options {
    /// Breakdowns: region, province, city, county, industry, section, size, tag.
    pub by: Vec<Breakdown>,
    /// Groups smaller than this are suppressed.
    pub min_group: u64,
    /// Show firm names and codes in lists.
    pub named: bool,
    /// Follow links to folders inside input folders (loops are cut).
    pub follow_links: bool,
}

/// The most duplicate records and skipped files a summary lists (all are counted).
const MAX_LISTED: usize = 1000;

/// A way to split firms into groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Breakdown {
    /// Province (first two digits of the region code).
    Province,
    /// Prefecture-level city (first four digits).
    City,
    /// County (all six digits).
    County,
    /// GB/T 4754 门类, and 大类 within 制造业.
    Industry,
    /// Size class (中型/小型/微型).
    Size,
    /// Profile tags (e.g. 专精特新).
    Tag,
}

impl Breakdown {
    pub fn title(self) -> Text {
        match self {
            Breakdown::Province => Text::new("省份", "Province"),
            Breakdown::City => Text::new("地市", "City"),
            Breakdown::County => Text::new("区县", "County"),
            Breakdown::Industry => Text::new("行业", "Industry"),
            Breakdown::Size => Text::new("企业规模", "Size class"),
            Breakdown::Tag => Text::new("标签", "Tag"),
        }
    }

    /// The group keys a record falls into for this breakdown.
    fn keys(self, r: &Record) -> Vec<String> {
        let region = r
            .region
            .as_deref()
            .filter(|x| x.len() == 6 && x.bytes().all(|b| b.is_ascii_digit()));
        match self {
            Breakdown::Province => region.map(|x| x[..2].to_string()).into_iter().collect(),
            Breakdown::City => region.map(|x| x[..4].to_string()).into_iter().collect(),
            Breakdown::County => region.map(str::to_string).into_iter().collect(),
            Breakdown::Industry => match r
                .industry
                .as_deref()
                .filter(|c| !c.is_empty() && c.is_ascii())
            {
                Some(code) if code.starts_with('C') && code.len() >= 3 => {
                    vec![code[..3].to_string()]
                }
                Some(code) => vec![code[..1].to_string()],
                None => Vec::new(),
            },
            Breakdown::Size => r
                .size
                .map(|s| format!("{s:?}").to_lowercase())
                .into_iter()
                .collect(),
            Breakdown::Tag => {
                let mut tags: Vec<String> = Vec::new();
                for t in &r.tags {
                    if !tags.contains(t) {
                        tags.push(t.clone());
                    }
                }
                tags
            }
        }
    }
}

/// Firms are counted by level 0 (未达一级) up to the model's top level.
fn level_slots(model: &Model) -> usize {
    model.levels.last().map_or(0, |r| usize::from(r.level)) + 1
}

/// Per-group accumulator.
#[derive(Debug, Clone)]
pub(crate) struct GroupAcc {
    n: u64,
    levels: Vec<u64>,
    score: Hist,
    dims: Vec<Hist>,
}

impl GroupAcc {
    fn new(model: &Model) -> GroupAcc {
        GroupAcc {
            n: 0,
            levels: vec![0; level_slots(model)],
            score: Hist::new(model.score_points),
            dims: model
                .dimensions
                .iter()
                .map(|d| Hist::new(d.points))
                .collect(),
        }
    }

    fn add(&mut self, r: &Record, at: &Positions) {
        self.n += 1;
        // A level is one of the model's (a scored result's is checked when read).
        self.levels[usize::from(r.scores.level)] += 1;
        self.score.add(r.scores.level_score);
        for (h, d) in self.dims.iter_mut().zip(r.scores.at(&at.dimensions)) {
            if let Some(d) = d {
                h.add(d);
            }
        }
    }

    fn merge(&mut self, o: &GroupAcc) {
        self.n += o.n;
        for (a, b) in self.levels.iter_mut().zip(&o.levels) {
            *a += b;
        }
        self.score.merge(&o.score);
        for (a, b) in self.dims.iter_mut().zip(&o.dims) {
            a.merge(b);
        }
    }
}

/// Demand of one catalog entry, summed over firms.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DemandCell {
    pub firms: u64,
    pub list: f64,
    pub platform_discount: f64,
    pub subsidy: f64,
    pub enterprise: f64,
}

/// A firm seen in the previous round (compact: a million fit in a few tens of MB).
#[derive(Debug)]
struct Previous {
    level: u8,
    score: f32,
    /// `assessed_on` as YYYYMMDD: of two records of one firm, the latest counts.
    assessed_on: u32,
    /// Dimension scores in hundredths of a point (u16: lint warns about a dimension over 655.35).
    dims: Box<[u16]>,
    /// Set when a current record matched it (each previous firm matches once).
    matched: std::sync::atomic::AtomicBool,
}

/// A 统一社会信用代码 as a fixed array: a million keys without a million heap strings.
type CodeKey = [u8; 18];

fn code_key(code: &str) -> Option<CodeKey> {
    code.as_bytes().try_into().ok()
}

/// Partial results of a part of the input; merged exactly.
#[derive(Debug, Clone)]
struct Acc {
    overall: GroupAcc,
    indicators: Vec<Hist>,
    /// Firms at grade 0–4 and not applicable, per scenario (lint holds scenarios to grades 1–4).
    scenario_grades: Vec<[u64; 6]>,
    constrained_short: Vec<u64>,
    groups: BTreeMap<(Breakdown, String), GroupAcc>,
    /// Peer groups: industry key × size class.
    peers: BTreeMap<(String, String), GroupAcc>,
    demand: Vec<DemandCell>,
    synthetic: u64,
    /// Firms by previous level × current level.
    transitions: Vec<Vec<u64>>,
    change_score: f64,
    change_dims: Vec<f64>,
    matched: u64,
    went_down: Vec<FirmRef>,
    went_down_count: u64,
    /// Current records whose credit code had already matched.
    duplicates: u64,
}

/// A firm named in a list (only with `--named`).
#[derive(Debug, Clone, Serialize)]
pub struct FirmRef {
    pub name: String,
    pub credit_code: Option<String>,
    pub from: u8,
    pub to: u8,
}

struct Ctx<'a> {
    model: &'a Model,
    options: &'a Options,
    at: Positions,
    indicator_max: Vec<f64>,
    previous: Option<&'a HashMap<CodeKey, Previous>>,
}

impl Acc {
    fn new(ctx: &Ctx, catalog_len: usize) -> Acc {
        let n_scen = ctx.model.scenarios().count();
        Acc {
            overall: GroupAcc::new(ctx.model),
            indicators: ctx.indicator_max.iter().map(|m| Hist::new(*m)).collect(),
            scenario_grades: vec![[0; 6]; n_scen],
            constrained_short: vec![0; n_scen],
            groups: BTreeMap::new(),
            peers: BTreeMap::new(),
            demand: vec![DemandCell::default(); catalog_len],
            synthetic: 0,
            transitions: vec![vec![0; level_slots(ctx.model)]; level_slots(ctx.model)],
            change_score: 0.0,
            change_dims: vec![0.0; ctx.model.dimensions.len()],
            matched: 0,
            went_down: Vec::new(),
            went_down_count: 0,
            duplicates: 0,
        }
    }

    fn add(&mut self, ctx: &Ctx, r: &Record) {
        self.overall.add(r, &ctx.at);
        for (h, v) in self
            .indicators
            .iter_mut()
            .zip(r.scores.at(&ctx.at.indicators))
        {
            if let Some(v) = v {
                h.add(v);
            }
        }
        for (i, (_, g)) in r.scores.scenarios.iter().enumerate() {
            if let Some(slot) = self.scenario_grades.get_mut(i) {
                slot[g.map_or(5, |g| usize::from(g.min(4)))] += 1;
            }
        }
        for &i in &r.constrained_short {
            if let Some(c) = self.constrained_short.get_mut(i) {
                *c += 1;
            }
        }
        for by in &ctx.options.by {
            for key in by.keys(r) {
                self.groups
                    .entry((*by, key))
                    .or_insert_with(|| GroupAcc::new(ctx.model))
                    .add(r, &ctx.at);
            }
        }
        if let (Some(industry), Some(size)) = (
            Breakdown::Industry.keys(r).pop(),
            Breakdown::Size.keys(r).pop(),
        ) {
            self.peers
                .entry((industry, size))
                .or_insert_with(|| GroupAcc::new(ctx.model))
                .add(r, &ctx.at);
        }
        for (e, cost) in &r.demand {
            if let Some(d) = self.demand.get_mut(*e) {
                d.firms += 1;
                d.list += cost.list;
                d.platform_discount += cost.platform_discount;
                d.subsidy += cost.subsidy;
                d.enterprise += cost.enterprise;
            }
        }
        self.synthetic += u64::from(r.synthetic);
        if let (Some(prev), Some(code)) =
            (ctx.previous, r.credit_code.as_deref().and_then(code_key))
            && let Some(p) = prev.get(&code)
        {
            if p.matched.swap(true, std::sync::atomic::Ordering::Relaxed) {
                // The same firm twice in this round: counted once.
                self.duplicates += 1;
                return;
            }
            self.matched += 1;
            self.transitions[usize::from(p.level)][usize::from(r.scores.level)] += 1;
            self.change_score += r.scores.level_score - f64::from(p.score);
            for ((slot, d), b) in self
                .change_dims
                .iter_mut()
                .zip(r.scores.at(&ctx.at.dimensions))
                .zip(&p.dims)
            {
                if let Some(c) = d {
                    *slot += c - f64::from(*b) / 100.0;
                }
            }
            if r.scores.level < p.level {
                self.went_down_count += 1;
                if ctx.options.named {
                    self.went_down.push(FirmRef {
                        name: r.name.clone(),
                        credit_code: r.credit_code.clone(),
                        from: p.level,
                        to: r.scores.level,
                    });
                }
            }
        }
    }

    fn merge(mut self, o: Acc) -> Acc {
        self.overall.merge(&o.overall);
        for (a, b) in self.indicators.iter_mut().zip(&o.indicators) {
            a.merge(b);
        }
        for (a, b) in self.scenario_grades.iter_mut().zip(&o.scenario_grades) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
        for (a, b) in self.constrained_short.iter_mut().zip(&o.constrained_short) {
            *a += b;
        }
        for (k, g) in o.groups {
            match self.groups.get_mut(&k) {
                Some(mine) => mine.merge(&g),
                None => {
                    self.groups.insert(k, g);
                }
            }
        }
        for (k, g) in o.peers {
            match self.peers.get_mut(&k) {
                Some(mine) => mine.merge(&g),
                None => {
                    self.peers.insert(k, g);
                }
            }
        }
        for (a, b) in self.demand.iter_mut().zip(&o.demand) {
            a.firms += b.firms;
            a.list += b.list;
            a.platform_discount += b.platform_discount;
            a.subsidy += b.subsidy;
            a.enterprise += b.enterprise;
        }
        self.synthetic += o.synthetic;
        for (a, b) in self.transitions.iter_mut().zip(&o.transitions) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
        self.change_score += o.change_score;
        for (a, b) in self.change_dims.iter_mut().zip(&o.change_dims) {
            *a += b;
        }
        self.matched += o.matched;
        self.went_down.extend(o.went_down);
        self.went_down_count += o.went_down_count;
        self.duplicates += o.duplicates;
        self
    }
}

/// A record left out: its credit code has a later assessment in the same round.
#[derive(Debug, Clone, Serialize)]
pub struct DuplicateRecord {
    pub file: String,
    /// 1-based line (JSON Lines, CSV) or 0 for a whole file.
    pub line: u64,
    /// Only with `--named`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A record of this round with a credit code: what choosing among duplicates needs (20 bytes).
struct FirmEntry {
    code: PackedCode,
    assessed_on: u32,
    /// Position in the input (records in the order they are read).
    seq: u32,
}

/// A credit code packed without loss into 96 bits (18 characters of 0–9 and A–Z in base 36), so
/// the entry per firm is 20 bytes; `None` for a code of other characters (not checked for duplicates).
type PackedCode = [u32; 3];

fn pack_code(code: &str) -> Option<PackedCode> {
    let bytes: &[u8; 18] = code.as_bytes().try_into().ok()?;
    let mut n: u128 = 0;
    for &b in bytes {
        let digit = match b {
            b'0'..=b'9' => b - b'0',
            b'A'..=b'Z' => b - b'A' + 10,
            _ => return None,
        };
        n = n * 36 + u128::from(digit);
    }
    Some([(n >> 64) as u32, (n >> 32) as u32, n as u32])
}

fn unpack_code(code: PackedCode) -> String {
    let mut n = (u128::from(code[0]) << 64) | (u128::from(code[1]) << 32) | u128::from(code[2]);
    let mut out = [b'0'; 18];
    for slot in out.iter_mut().rev() {
        let digit = (n % 36) as u8;
        n /= 36;
        *slot = if digit < 10 {
            b'0' + digit
        } else {
            b'A' + digit - 10
        };
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The records left out, by position: of each credit code, all but the latest `assessed_on`
/// (the last in input order among equal dates). Sorted by position.
///
/// The parts (one per chunk) are sorted each and merged through a heap, never copied into one
/// list: a million firms take their 20 bytes each once.
fn superseded(mut parts: Vec<Vec<FirmEntry>>) -> Vec<(u32, PackedCode)> {
    use std::cmp::Reverse;
    let key = |f: &FirmEntry| (f.code, f.assessed_on, f.seq);
    for part in &mut parts {
        part.sort_unstable_by_key(key);
    }
    let mut heap: std::collections::BinaryHeap<_> = parts
        .iter()
        .enumerate()
        .filter_map(|(i, part)| part.first().map(|f| Reverse((key(f), i, 0usize))))
        .collect();
    let mut out = Vec::new();
    // The latest record so far of the code being merged: (code, position).
    let mut latest: Option<(PackedCode, u32)> = None;
    while let Some(Reverse(((code, _, seq), i, j))) = heap.pop() {
        if let Some(next) = parts[i].get(j + 1) {
            heap.push(Reverse((key(next), i, j + 1)));
        }
        if let Some((seen, earlier)) = latest
            && seen == code
        {
            out.push((earlier, code));
        }
        latest = Some((code, seq));
    }
    out.sort_unstable_by_key(|x| x.0);
    out
}

/// What one pass over the current round gives.
struct Pass {
    total: Acc,
    records: u64,
    skipped: u64,
    /// Every record with a credit code, a chunk at a time (first pass only).
    firms: Vec<Vec<FirmEntry>>,
    /// The records `left_out` (second pass only).
    left_out: Vec<DuplicateRecord>,
}

/// Read, score and sum the current round; with `left_out`, those records (by position) are skipped.
fn pass(
    ctx: &Ctx,
    demand_from: DemandSources,
    files: &[std::path::PathBuf],
    left_out: Option<&[(u32, PackedCode)]>,
    on_error: &mut dyn FnMut(RecordError),
    on_progress: &(dyn Fn(u64) + Sync),
) -> Pass {
    let model = ctx.model;
    let (catalog, policies) = (demand_from.catalog, demand_from.policies);
    let catalog_len = catalog.map_or(0, |c| c.entries.len());
    let mut out = Pass {
        total: Acc::new(ctx, catalog_len),
        records: 0,
        skipped: 0,
        firms: Vec::new(),
        left_out: Vec::new(),
    };
    let mut next = 0u32;
    input::for_each_chunk(model, files, &mut |chunk| {
        let base = next;
        next = next.wrapping_add(chunk.len() as u32);
        let numbered: Vec<(u32, input::RawRecord)> = chunk
            .into_iter()
            .zip(base..)
            .map(|(raw, seq)| (seq, raw))
            .filter(|(seq, raw)| {
                let Some(found) =
                    left_out.and_then(|l| l.binary_search_by_key(seq, |x| x.0).ok().map(|i| l[i]))
                else {
                    return true;
                };
                if out.left_out.len() < MAX_LISTED {
                    out.left_out.push(DuplicateRecord {
                        file: raw.file.to_string(),
                        line: raw.line,
                        credit_code: ctx.options.named.then(|| unpack_code(found.1)),
                    });
                }
                false
            })
            .collect();
        let part = numbered
            .into_par_iter()
            .fold(
                || {
                    (
                        Acc::new(ctx, catalog_len),
                        catalog.map(|c| DemandTable::new(model, c, policies)),
                        Vec::new(),
                        Vec::new(),
                    )
                },
                |(mut acc, mut table, mut errors, mut firms), (seq, raw)| {
                    match input::parse(model, raw) {
                        Ok(mut r) => {
                            if left_out.is_none()
                                && let Some(code) = r.credit_code.as_deref().and_then(pack_code)
                            {
                                firms.push(FirmEntry {
                                    code,
                                    assessed_on: r.assessed_on,
                                    seq,
                                });
                            }
                            if let (Some(t), Some(sheet)) = (table.as_mut(), r.sheet.take()) {
                                r.demand = t.demand(&sheet, &r.scores);
                            }
                            acc.add(ctx, &r);
                        }
                        Err(e) => errors.push(e),
                    }
                    (acc, table, errors, firms)
                },
            )
            .map(|(acc, _, errors, firms)| (acc, errors, firms))
            .reduce(
                || (Acc::new(ctx, catalog_len), Vec::new(), Vec::new()),
                |(a, mut ea, mut fa), (b, eb, fb)| {
                    ea.extend(eb);
                    fa.extend(fb);
                    (a.merge(b), ea, fa)
                },
            );
        let (acc, mut errors, mut firms) = part;
        errors.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        out.records += acc.overall.n;
        out.skipped += errors.len() as u64;
        for e in errors {
            on_error(e);
        }
        if !firms.is_empty() {
            firms.shrink_to_fit();
            out.firms.push(firms);
        }
        out.total = std::mem::replace(&mut out.total, Acc::new(ctx, 0)).merge(acc);
        on_progress(out.records + out.skipped);
    });
    out
}

/// One group in an output; `suppressed` groups carry no figures.
#[derive(Debug, Clone, Serialize)]
pub struct GroupSummary {
    pub key: String,
    pub title: Text,
    pub n: Option<u64>,
    pub suppressed: bool,
    /// Firms at each level, from 0 (未达一级) to the model's top level.
    pub levels: Option<Vec<u64>>,
    /// Share at 二级 (level 2) and above.
    pub share_level2_plus: Option<f64>,
    pub score: Option<Distribution>,
    /// Mean score of each dimension (model order).
    pub dimension_means: Option<Vec<Option<f64>>>,
}

/// One breakdown.
#[derive(Debug, Clone, Serialize)]
pub struct BreakdownSummary {
    pub by: Breakdown,
    pub title: Text,
    pub groups: Vec<GroupSummary>,
}

/// A measure's distribution with its name.
#[derive(Debug, Clone, Serialize)]
pub struct MeasureSummary {
    pub id: String,
    pub title: Text,
    pub max: f64,
    pub counts_toward_level: bool,
    pub distribution: Distribution,
}

/// Grades of one scenario over all firms.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioSummary {
    pub id: String,
    pub title: Text,
    pub constrained: bool,
    /// Firms at grade 0, 1, 2, 3, 4.
    pub grades: [u64; 5],
    pub not_applicable: u64,
    pub mean_grade: Option<f64>,
    /// Firms for which this constrained scenario is among those short of the next level.
    pub short_of_next_level: u64,
}

/// Demand for one kind of product.
#[derive(Debug, Clone, Serialize)]
pub struct DemandSummary {
    /// Fewer firms than the minimum group: no figures.
    pub suppressed: bool,
    pub id: String,
    pub name: Text,
    pub category: String,
    #[serde(flatten)]
    pub cell: DemandCell,
}

/// Comparison with a previous round, firms matched by credit code.
#[derive(Debug, Clone, Serialize)]
pub struct RoundsSummary {
    pub matched: u64,
    pub only_current: u64,
    pub only_previous: u64,
    /// transitions[from][to]: firms by previous and current level (0 = 未达一级); small cells suppressed (null).
    pub transitions: Vec<Vec<Option<u64>>>,
    pub mean_change_score: Option<f64>,
    pub mean_change_dimensions: Vec<Option<f64>>,
    pub went_down: u64,
    /// Records of this round whose credit code appeared before in this round (counted once).
    pub duplicate_codes: u64,
    /// Only with `--named`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub went_down_firms: Option<Vec<FirmRef>>,
}

/// The result of an aggregation: every figure an office report shows.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub model: ModelRef,
    pub min_group: u64,
    pub records: u64,
    pub skipped: u64,
    pub synthetic: u64,
    pub level_names: Vec<Text>,
    /// Ids of every dimension in model order (the order of `dimension_means`).
    pub dimension_order: Vec<String>,
    pub overall: GroupSummary,
    pub dimensions: Vec<MeasureSummary>,
    pub indicators: Vec<MeasureSummary>,
    pub scenarios: Vec<ScenarioSummary>,
    /// Constrained scenarios most often short of the next level, most first.
    pub weakest_constrained: Vec<String>,
    pub breakdowns: Vec<BreakdownSummary>,
    pub demand: Vec<DemandSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rounds: Option<RoundsSummary>,
    /// Records of this round left out because the same credit code has a later assessment in it.
    pub duplicates: u64,
    /// The first of them, with where they are.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub duplicate_records: Vec<DuplicateRecord>,
    /// The duplicates are counted after all: an input was a pipe, which cannot be read again.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub duplicates_kept: bool,
    /// Records of the previous round left out the same way.
    #[serde(skip_serializing_if = "is_zero")]
    pub previous_duplicates: u64,
    /// Files in input folders that were not read, with the reason (the first of them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_files: Vec<SkippedFile>,
    /// Peer groups (industry × size) with percentiles, for benchmarks.
    pub peers: Vec<benchmark::PeerGroup>,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn group_summary(key: String, title: Text, g: &GroupAcc, k: u64, named: bool) -> GroupSummary {
    if g.n < k {
        return GroupSummary {
            key,
            title,
            n: None,
            suppressed: true,
            levels: None,
            share_level2_plus: None,
            score: None,
            dimension_means: None,
        };
    }
    GroupSummary {
        key,
        title,
        n: Some(g.n),
        suppressed: false,
        levels: Some(g.levels.clone()),
        share_level2_plus: (g.n > 0).then(|| {
            round2(g.levels.iter().skip(2).sum::<u64>() as f64 / g.n as f64 * 100.0) / 100.0
        }),
        score: Some(g.score.summary().published(named, k)),
        dimension_means: Some(g.dims.iter().map(|h| h.mean().map(round2)).collect()),
    }
}

/// When a breakdown hides exactly one group, its figures could be recovered by subtracting the others
/// from the total: hide the smallest other group too.
fn secondary_suppression(mut b: BreakdownSummary) -> BreakdownSummary {
    if b.groups.iter().filter(|g| g.suppressed).count() == 1
        && let Some(smallest) = b
            .groups
            .iter_mut()
            .filter(|g| !g.suppressed)
            .min_by_key(|g| g.n.unwrap_or(0))
    {
        *smallest = GroupSummary {
            key: smallest.key.clone(),
            title: smallest.title.clone(),
            n: None,
            suppressed: true,
            levels: None,
            share_level2_plus: None,
            score: None,
            dimension_means: None,
        };
    }
    b
}

fn group_title(by: Breakdown, key: &str) -> Text {
    use crate::answers::names;
    match by {
        Breakdown::Province | Breakdown::City | Breakdown::County => {
            let name = names::region_name(key);
            Text::new(&name, &name)
        }
        Breakdown::Industry => names::industry_name(key),
        Breakdown::Size => SizeClass::parse(key).map_or_else(
            || Text::new(key, key),
            |s| {
                Text::new(
                    s.label(crate::text::Lang::Zh),
                    s.label(crate::text::Lang::En),
                )
            },
        ),
        Breakdown::Tag => Text::new(key, key),
    }
}

/// Where solution demand comes from: the catalog (none = no demand figures) and the policies files.
#[derive(Clone, Copy)]
pub struct DemandSources<'a> {
    pub catalog: Option<&'a Catalog>,
    pub policies: &'a [Policy],
}

/// Run over every source: records in parallel chunks, bad records reported through `on_error`.
pub fn aggregate(
    model: &Model,
    demand_from: DemandSources,
    sources: &[Source],
    previous: &[Source],
    options: &Options,
    on_error: &mut dyn FnMut(RecordError),
    on_progress: &(dyn Fn(u64) + Sync),
) -> Summary {
    let catalog = demand_from.catalog;
    let mut skipped = 0u64;
    // Previous round: only what matching needs.
    let at = Positions::of(model);
    let mut skipped_files = Vec::new();
    let current_files = input::input_files(sources, options.follow_links, &mut skipped_files);
    let previous_files = input::input_files(previous, options.follow_links, &mut skipped_files);
    let mut previous_duplicates = 0u64;
    let prev_map: Option<HashMap<CodeKey, Previous>> = (!previous.is_empty()).then(|| {
        let mut map: HashMap<CodeKey, Previous> =
            HashMap::with_capacity(input::count_lines(&previous_files));
        input::for_each_chunk(model, &previous_files, &mut |chunk| {
            // Keep only what matching needs, as soon as a record is scored.
            let parsed: Vec<Result<Option<(CodeKey, Previous)>, RecordError>> = chunk
                .into_par_iter()
                .map(|raw| {
                    input::parse(model, raw).map(|r| {
                        let code = r.credit_code.as_deref().and_then(code_key)?;
                        let hundredths = |d: Option<f64>| {
                            (d.unwrap_or(0.0) * 100.0).round().clamp(0.0, 65_535.0) as u16
                        };
                        Some((
                            code,
                            Previous {
                                level: r.scores.level,
                                score: r.scores.level_score as f32,
                                assessed_on: r.assessed_on,
                                dims: r.scores.at(&at.dimensions).map(hundredths).collect(),
                                matched: std::sync::atomic::AtomicBool::new(false),
                            },
                        ))
                    })
                })
                .collect();
            for r in parsed {
                match r {
                    Ok(Some((code, p))) => match map.entry(code) {
                        std::collections::hash_map::Entry::Occupied(mut seen) => {
                            // The same firm twice in the previous round: the latest assessment counts.
                            previous_duplicates += 1;
                            if p.assessed_on >= seen.get().assessed_on {
                                seen.insert(p);
                            }
                        }
                        std::collections::hash_map::Entry::Vacant(slot) => {
                            slot.insert(p);
                        }
                    },
                    Ok(None) => {}
                    Err(e) => {
                        skipped += 1;
                        on_error(e);
                    }
                }
            }
        });
        map
    });
    let indicator_max: Vec<f64> = model
        .dimensions
        .iter()
        .flat_map(|d| match &d.children {
            Children::Nodes(n) => n.iter().map(|n| n.points).collect::<Vec<_>>(),
            Children::Items(_) => Vec::new(),
        })
        .collect();
    let ctx = Ctx {
        model,
        options,
        at,
        indicator_max,
        previous: prev_map.as_ref(),
    };
    let first = pass(
        &ctx,
        demand_from,
        &current_files,
        None,
        on_error,
        on_progress,
    );
    skipped += first.skipped;
    // The same credit code twice in this round: only the latest `assessed_on` counts (the later
    // in input order when the dates are equal). Rare, so the figures are summed again without the
    // others rather than every firm's figures being kept to take some back.
    let superseded = superseded(first.firms);
    // A pipe cannot be read twice: its duplicates stay counted, and the summary says so.
    let rereadable = current_files
        .iter()
        .all(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()));
    let duplicates_kept = !superseded.is_empty() && !rereadable;
    let (total, records, duplicate_records) = if superseded.is_empty() || duplicates_kept {
        (first.total, first.records, Vec::new())
    } else {
        if let Some(prev) = &prev_map {
            for p in prev.values() {
                p.matched.store(false, std::sync::atomic::Ordering::Relaxed);
            }
        }
        let second = pass(
            &ctx,
            demand_from,
            &current_files,
            Some(&superseded),
            &mut |_| {},
            &|n| on_progress(first.records + first.skipped + n),
        );
        (second.total, second.records, second.left_out)
    };

    let k = options.min_group;
    let level_names: Vec<Text> = (0..level_slots(model))
        .map(|l| match model.level_rule(l as u8) {
            Some(r) => r.name.clone(),
            None if l == 0 => Text::new("未达一级", "Below level 1"),
            None => Text::new(&format!("{l} 级"), &format!("Level {l}")),
        })
        .collect();
    let dimensions: Vec<MeasureSummary> = model
        .dimensions
        .iter()
        .zip(&total.overall.dims)
        .filter(|(d, _)| d.points > 0.0)
        .map(|(d, h)| MeasureSummary {
            id: d.id.clone(),
            title: d.title.clone(),
            max: d.points,
            counts_toward_level: d.counts_toward_level,
            distribution: h.summary().published(options.named, k),
        })
        .collect();
    let indicator_nodes: Vec<(&crate::model::Node, bool)> = model
        .dimensions
        .iter()
        .flat_map(|d| match &d.children {
            Children::Nodes(n) => n
                .iter()
                .map(|x| (x, d.counts_toward_level))
                .collect::<Vec<_>>(),
            Children::Items(_) => Vec::new(),
        })
        .collect();
    let indicators: Vec<MeasureSummary> = indicator_nodes
        .iter()
        .zip(&total.indicators)
        .filter(|((n, _), _)| n.points > 0.0)
        .map(|((n, c), h)| MeasureSummary {
            id: n.id.clone(),
            title: n.title.clone(),
            max: n.points,
            counts_toward_level: *c,
            distribution: h.summary().published(options.named, k),
        })
        .collect();
    let scenarios: Vec<ScenarioSummary> = model
        .scenarios()
        .zip(&total.scenario_grades)
        .zip(&total.constrained_short)
        .map(|((item, g), short)| {
            let counted: u64 = g[..5].iter().sum();
            let weighted: u64 = g[..5].iter().enumerate().map(|(i, c)| i as u64 * c).sum();
            ScenarioSummary {
                id: item.id.clone(),
                title: item.title.clone(),
                constrained: matches!(
                    item.spec,
                    crate::model::ItemSpec::Scenario {
                        constrained: true,
                        ..
                    }
                ),
                grades: [g[0], g[1], g[2], g[3], g[4]],
                not_applicable: g[5],
                mean_grade: (counted > 0).then(|| round2(weighted as f64 / counted as f64)),
                short_of_next_level: *short,
            }
        })
        .collect();
    let mut weakest: Vec<&ScenarioSummary> = scenarios
        .iter()
        .filter(|s| s.constrained && s.short_of_next_level > 0)
        .collect();
    weakest.sort_by_key(|s| std::cmp::Reverse(s.short_of_next_level));
    let weakest_constrained: Vec<String> = weakest.iter().map(|s| s.id.clone()).collect();
    let breakdowns = options
        .by
        .iter()
        .map(|by| BreakdownSummary {
            by: *by,
            title: by.title(),
            groups: total
                .groups
                .iter()
                .filter(|((b, _), _)| b == by)
                .map(|((b, key), g)| {
                    group_summary(key.clone(), group_title(*b, key), g, k, options.named)
                })
                .collect(),
        })
        .map(secondary_suppression)
        .collect();
    let mut demand: Vec<DemandSummary> = catalog
        .map(|c| {
            c.entries
                .iter()
                .zip(&total.demand)
                .filter(|(_, d)| d.firms > 0)
                .map(|(e, d)| DemandSummary {
                    suppressed: d.firms < k,
                    id: e.id.value.clone(),
                    name: e.name.clone(),
                    category: e.category.clone(),
                    cell: if d.firms < k {
                        DemandCell::default()
                    } else {
                        DemandCell {
                            firms: d.firms,
                            list: d.list.round(),
                            platform_discount: d.platform_discount.round(),
                            subsidy: d.subsidy.round(),
                            enterprise: d.enterprise.round(),
                        }
                    },
                })
                .collect()
        })
        .unwrap_or_default();
    demand.sort_by_key(|d| std::cmp::Reverse(d.cell.firms));
    let rounds = prev_map.as_ref().map(|prev| {
        let only_previous = prev
            .values()
            .filter(|p| !p.matched.load(std::sync::atomic::Ordering::Relaxed))
            .count() as u64;
        let m = total.matched;
        RoundsSummary {
            matched: m,
            only_current: total.overall.n.saturating_sub(m + total.duplicates),
            only_previous,
            transitions: total
                .transitions
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|c| (*c == 0 || *c >= k).then_some(*c))
                        .collect()
                })
                .collect(),
            mean_change_score: (m >= k && m > 0).then(|| round2(total.change_score / m as f64)),
            mean_change_dimensions: total
                .change_dims
                .iter()
                .map(|c| (m >= k && m > 0).then(|| round2(c / m as f64)))
                .collect(),
            went_down: total.went_down_count,
            duplicate_codes: total.duplicates + superseded.len() as u64,
            went_down_firms: options.named.then(|| total.went_down.clone()),
        }
    });
    // With fewer firms in all than the minimum group, no figure may describe them.
    let (dimensions, indicators, scenarios, weakest_constrained, demand) = if total.overall.n < k {
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new())
    } else {
        (
            dimensions,
            indicators,
            scenarios,
            weakest_constrained,
            demand,
        )
    };
    Summary {
        model: ModelRef {
            id: model.id.clone(),
            version: model.version.clone(),
            title: model.title.clone(),
        },
        min_group: k,
        records,
        skipped,
        synthetic: total.synthetic,
        level_names,
        dimension_order: model.dimensions.iter().map(|d| d.id.clone()).collect(),
        overall: group_summary(
            "all".into(),
            Text::new("全部", "All"),
            &total.overall,
            k,
            options.named,
        ),
        dimensions,
        indicators,
        scenarios,
        weakest_constrained,
        breakdowns,
        demand,
        rounds,
        duplicates: superseded.len() as u64,
        duplicate_records,
        duplicates_kept,
        previous_duplicates,
        skipped_files: {
            skipped_files.truncate(MAX_LISTED);
            skipped_files
        },
        peers: total
            .peers
            .iter()
            .map(|((industry, size), g)| benchmark::PeerGroup::of(industry, size, g, model, k))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn firm(code: u8, assessed_on: u32, seq: u32) -> FirmEntry {
        let code = String::from_utf8(vec![code; 18]).unwrap();
        FirmEntry {
            code: pack_code(&code).unwrap(),
            assessed_on,
            seq,
        }
    }

    #[test]
    fn credit_codes_pack_without_loss() {
        for code in [
            "91330381MA2H8C3NXF",
            "000000000000000000",
            "ZZZZZZZZZZZZZZZZZZ",
        ] {
            assert_eq!(unpack_code(pack_code(code).unwrap()), code);
        }
        assert_ne!(
            pack_code("91330381MA2H8C3NXF"),
            pack_code("91330381MA2H8C3NXG")
        );
        assert_eq!(pack_code("91330381ma2h8c3nxf"), None);
        assert_eq!(pack_code("short"), None);
        assert_eq!(std::mem::size_of::<FirmEntry>(), 20);
    }

    #[test]
    fn of_each_credit_code_only_the_latest_assessment_counts() {
        let parts = vec![
            vec![firm(b'A', 20260512, 0), firm(b'B', 0, 1)],
            vec![firm(b'A', 20260318, 2), firm(b'B', 0, 3)],
            vec![firm(b'C', 20260101, 4), firm(b'A', 20260512, 5)],
        ];
        // A: the two of 2026-05-12 beat the earlier date, the later read of them counts;
        // B: no dates, the later read counts; C: once, counts.
        let left_out: Vec<u32> = superseded(parts).into_iter().map(|(s, _)| s).collect();
        assert_eq!(left_out, vec![0, 1, 2]);
    }

    #[test]
    fn dates_order_as_numbers() {
        assert!(input::date_key("2026-12-01") > input::date_key("2026-11-30"));
        assert_eq!(input::date_key("2026-5-2"), 20260502);
        assert_eq!(input::date_key("not a date"), 0);
    }
}
