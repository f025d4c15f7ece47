//! Aggregation for industry offices: streaming statistics over many answer sheets, breakdowns by
//! region, industry, size and tag, two-round comparison, solution demand, small-cell suppression.

pub mod benchmark;
pub mod export;
mod input;
mod lines;
pub mod pilot;
pub mod roster;
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
use lines::LineReader;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
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
    /// Only firms whose region code starts with this (a province, city or county prefix).
    pub region: Option<String>,
    /// Only firms whose industry code starts with this (a 门类 letter or 大类: `C`, `C36`).
    pub industry: Option<String>,
    /// The firms expected to take part: coverage is reported against it.
    pub roster: Option<roster::Roster>,
    /// Receives every counted firm (the Parquet export of `--export`).
    pub export: Option<std::sync::Arc<dyn export::FirmSink>>,
}

impl Options {
    /// Does a record pass the region and industry filters?
    fn selects(&self, r: &Record) -> bool {
        let starts = |v: &Option<String>, prefix: &Option<String>| match prefix {
            None => true,
            Some(p) => v.as_deref().is_some_and(|v| v.starts_with(p.as_str())),
        };
        starts(&r.region, &self.region) && starts(&r.industry, &self.industry)
    }
}

/// The most duplicate records and skipped files a summary lists (all are counted).
const MAX_LISTED: usize = 1000;

/// A way to split firms into groups.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    clap::ValueEnum,
    schemars::JsonSchema,
)]
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

    /// The group keys a record falls into for this breakdown, each once, borrowed from the record.
    fn each_key<'r>(self, r: &'r Record, mut f: impl FnMut(&'r str)) {
        let region = r
            .region
            .as_deref()
            .filter(|x| x.len() == 6 && x.bytes().all(|b| b.is_ascii_digit()));
        match self {
            Breakdown::Province => region.into_iter().for_each(|x| f(&x[..2])),
            Breakdown::City => region.into_iter().for_each(|x| f(&x[..4])),
            Breakdown::County => region.into_iter().for_each(f),
            Breakdown::Industry => match r
                .industry
                .as_deref()
                .filter(|c| !c.is_empty() && c.is_ascii())
            {
                Some(code) if code.starts_with('C') && code.len() >= 3 => f(&code[..3]),
                Some(code) => f(&code[..1]),
                None => {}
            },
            Breakdown::Size => r.size.into_iter().for_each(|s| f(size_key(s))),
            Breakdown::Tag => {
                for (i, t) in r.tags.iter().enumerate() {
                    if !r.tags[..i].contains(t) {
                        f(t);
                    }
                }
            }
        }
    }
}

/// A size class as a group key (its name in the JSON output).
fn size_key(s: SizeClass) -> &'static str {
    match s {
        SizeClass::Medium => "medium",
        SizeClass::Small => "small",
        SizeClass::Micro => "micro",
        SizeClass::Large => "large",
    }
}

/// Firms are counted by level 0 (未达一级) up to the model's top level.
fn level_slots(model: &Model) -> usize {
    model.levels.last().map_or(0, |r| usize::from(r.level)) + 1
}

/// A record's level, score and dimension scores, each with its histogram bin.
#[derive(Debug, Clone, Default)]
struct Binned {
    level: usize,
    score: (usize, f64),
    dims: Vec<Option<(usize, f64)>>,
}

/// Per-group accumulator.
#[derive(Debug, Clone)]
pub(crate) struct GroupAcc {
    n: u64,
    levels: Vec<u64>,
    score: Hist,
    /// Per dimension, its histogram: all firms and peer groups publish quartiles. Empty for a
    /// breakdown group, which keeps `dim_sums` instead.
    dims: Vec<Hist>,
    /// Per dimension of a breakdown group (which publishes means only), the sum and the count:
    /// one short list, so a firm added to its region's and industry's groups touches a few cache
    /// lines instead of one a dimension (the figures are the same: sums in the same order).
    dim_sums: Vec<(f64, u64)>,
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
            dim_sums: Vec::new(),
        }
    }

    /// A breakdown group's: its dimensions are published as means only, so they keep no bins.
    fn breakdown(model: &Model) -> GroupAcc {
        GroupAcc {
            n: 0,
            levels: vec![0; level_slots(model)],
            score: Hist::new(model.score_points),
            dims: Vec::new(),
            dim_sums: vec![(0.0, 0); model.dimensions.len()],
        }
    }

    /// The mean of each dimension.
    fn dim_means(&self) -> Vec<Option<f64>> {
        if self.dims.is_empty() {
            (self.dim_sums.iter())
                .map(|&(sum, n)| (n > 0).then(|| sum / n as f64))
                .collect()
        } else {
            self.dims.iter().map(Hist::mean).collect()
        }
    }

    /// A record's figures with their bins, worked out once for all the groups it falls in (into
    /// `out`, whose list is reused).
    fn binned_into(&self, r: &Record, at: &Positions, out: &mut Binned) {
        let score = r.scores.level_score;
        out.level = usize::from(r.scores.level);
        out.score = (self.score.bin(score), score);
        out.dims.clear();
        out.dims.extend(
            (self.dims.iter().zip(r.scores.at(&at.dimensions)))
                .map(|(h, d)| d.map(|d| (h.bin(d), d))),
        );
    }

    /// Read what [`GroupAcc::add`] of `b` will change (its level's count, its score's bin, the
    /// dimensions' sums), so that it is in the cache by then: see [`Acc::prepare`].
    fn touch(&self, b: &Binned) -> u32 {
        let level = self.levels.get(b.level).copied().unwrap_or(0) as u32;
        let sums = (self.dim_sums.first().map_or(0, |s| s.1))
            .wrapping_add(self.dim_sums.last().map_or(0, |s| s.1)) as u32;
        self.score.count_in(b.score.0) ^ level ^ sums
    }

    fn add(&mut self, b: &Binned) {
        self.n += 1;
        // A level is one of the model's (a scored result's is checked when read).
        self.levels[b.level] += 1;
        self.score.add_in(b.score.0, b.score.1);
        for (h, d) in self.dims.iter_mut().zip(&b.dims) {
            if let Some((bin, d)) = *d {
                h.add_in(bin, d);
            }
        }
        for (s, d) in self.dim_sums.iter_mut().zip(&b.dims) {
            if let Some((_, d)) = *d {
                s.0 += d;
                s.1 += 1;
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
        for (a, b) in self.dim_sums.iter_mut().zip(&o.dim_sums) {
            a.0 += b.0;
            a.1 += b.1;
        }
    }
}

/// Demand of one catalog entry, summed over firms.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
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

/// A record of the previous round as matching needs it (`None`: no credit code, or filtered out).
type PreviousRecord = Result<Option<(CodeKey, Previous)>, RecordError>;

/// A 统一社会信用代码 as a fixed array: a million keys without a million heap strings.
type CodeKey = [u8; 18];

fn code_key(code: &str) -> Option<CodeKey> {
    code.as_bytes().try_into().ok()
}

/// A firm's region, industry and size, the texts as short keys: all its breakdown groups follow
/// from them when it has no tags.
type RouteKey = (Option<u64>, Option<u64>, Option<SizeClass>);

/// The lanes a firm goes to, and its peer lane.
type Route = (Vec<u32>, Option<u32>);

/// Routes remembered at most, per worker.
const ROUTES: usize = 1 << 16;

fn route_key(r: &Record) -> Option<RouteKey> {
    let short = |x: Option<&str>| match x {
        Some(x) => lines::short_key(x).map(Some),
        None => Some(None),
    };
    r.tags.is_empty().then_some(())?;
    Some((
        short(r.region.as_deref())?,
        short(r.industry.as_deref())?,
        r.size,
    ))
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
    /// Groups whose key is short (a region code, an industry code, a size class), found by the key
    /// as a number rather than by comparing texts; moved into `groups` and `peers` by `settle`.
    lane_index: FxHashMap<(Breakdown, u64), usize>,
    lane: Vec<((Breakdown, String), GroupAcc)>,
    peer_index: FxHashMap<(u64, u64), usize>,
    peer_lane: Vec<((String, String), GroupAcc)>,
    /// Firms' lanes by their region, industry and size (see [`route_key`]): most firms share
    /// theirs with many others, so their groups are found with one lookup instead of one per
    /// breakdown.
    routes: FxHashMap<RouteKey, usize>,
    route_list: Vec<Route>,
    /// The record being added, binned (reused).
    binned: Binned,
    /// The record being added: its route key and, when known, its route (see [`Acc::prepare`]).
    prepared: Option<(RouteKey, Option<usize>)>,
    /// Demand by step (the level a firm's next step reaches) × catalog entry.
    demand: Vec<DemandCell>,
    /// Firms with a demand figure, by step.
    demand_firms: Vec<u64>,
    headline: Vec<pilot::HeadCell>,
    /// Assessed firms not on the roster (with a roster only).
    not_on_roster: u64,
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
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
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
    head: pilot::HeadPlan,
    /// Roster firms seen in this round (parallel to the roster's firms).
    on_roster: Vec<std::sync::atomic::AtomicBool>,
    catalog_len: usize,
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
            lane_index: FxHashMap::default(),
            lane: Vec::new(),
            peer_index: FxHashMap::default(),
            peer_lane: Vec::new(),
            routes: FxHashMap::default(),
            route_list: Vec::new(),
            binned: Binned::default(),
            prepared: None,
            demand: vec![DemandCell::default(); catalog_len * level_slots(ctx.model)],
            demand_firms: vec![0; level_slots(ctx.model)],
            headline: ctx.head.cells(),
            not_on_roster: 0,
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
        self.prepare(ctx, r);
        self.add_prepared(ctx, r);
    }

    /// The first half of [`Acc::add`]: the record binned, its groups found, and the bins it will
    /// go to read once, so that they are in the processor's cache by the time it is added (one
    /// bin each of a few thousand groups' histograms: read one by one when the record is added,
    /// each would wait for memory). Whoever calls this does other work before
    /// [`Acc::add_prepared`] (the firm's demand).
    fn prepare(&mut self, ctx: &Ctx, r: &Record) {
        self.overall.binned_into(r, &ctx.at, &mut self.binned);
        self.prepared = route_key(r).map(|k| (k, self.routes.get(&k).copied()));
        if let Some((_, Some(route))) = self.prepared {
            let (lanes, peer) = &self.route_list[route];
            let bin = self.binned.score.0;
            let mut seen = 0u32;
            for &slot in lanes {
                seen = seen.wrapping_add(self.lane[slot as usize].1.touch(&self.binned));
            }
            if let Some(p) = *peer {
                let g = &self.peer_lane[p as usize].1;
                seen = seen.wrapping_add(g.score.count_in(bin));
                for (h, d) in g.dims.iter().zip(&self.binned.dims) {
                    seen = seen.wrapping_add(d.map_or(0, |(bin, _)| h.count_in(bin)));
                }
            }
            std::hint::black_box(seen);
        }
    }

    /// The rest of [`Acc::add`], after [`Acc::prepare`] of the same record.
    fn add_prepared(&mut self, ctx: &Ctx, r: &Record) {
        let b = &self.binned;
        self.overall.add(b);
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
        let key = self.prepared.take();
        match key.and_then(|(_, route)| route) {
            Some(route) => {
                let (lanes, peer) = &self.route_list[route];
                for &slot in lanes {
                    self.lane[slot as usize].1.add(&self.binned);
                }
                if let Some(p) = *peer {
                    self.peer_lane[p as usize].1.add(&self.binned);
                }
            }
            None => {
                let route = self.add_groups(ctx, r);
                if let (Some((k, _)), Some(route)) = (key, route)
                    && self.route_list.len() < ROUTES
                {
                    self.routes.insert(k, self.route_list.len());
                    self.route_list.push(route);
                }
            }
        }
        self.add_roster(ctx, r);
        ctx.head.add(&mut self.headline, r);
        let step = usize::from(r.scores.level) + 1;
        if !r.demand.is_empty()
            && let Some(f) = self.demand_firms.get_mut(step)
        {
            *f += 1;
        }
        for (e, cost) in &r.demand {
            if let Some(d) = self.demand.get_mut(step * ctx.catalog_len + *e) {
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

    /// Add the binned record to its breakdown groups and its peer group, finding each by its
    /// key; the lanes it went to, when they were all found as short keys.
    fn add_groups(&mut self, ctx: &Ctx, r: &Record) -> Option<Route> {
        let b = &self.binned;
        let (mut lanes, mut peer, mut whole) = (Vec::new(), None, true);
        // A short key is found as a number; a longer one through one reused probe (a new key is
        // copied once, when first seen).
        let mut probe = (Breakdown::Province, String::new());
        for by in &ctx.options.by {
            by.each_key(r, |key| {
                if let Some(k) = lines::short_key(key) {
                    let slot = match self.lane_index.get(&(*by, k)) {
                        Some(&slot) => slot,
                        None => {
                            self.lane
                                .push(((*by, key.to_string()), GroupAcc::breakdown(ctx.model)));
                            self.lane_index.insert((*by, k), self.lane.len() - 1);
                            self.lane.len() - 1
                        }
                    };
                    self.lane[slot].1.add(b);
                    lanes.push(slot as u32);
                    return;
                }
                whole = false;
                probe.0 = *by;
                probe.1.clear();
                probe.1.push_str(key);
                match self.groups.get_mut(&probe) {
                    Some(g) => g.add(b),
                    None => {
                        let mut g = GroupAcc::breakdown(ctx.model);
                        g.add(b);
                        self.groups.insert(probe.clone(), g);
                    }
                }
            });
        }
        let mut industry = None;
        Breakdown::Industry.each_key(r, |k| industry = Some(k));
        if let (Some(industry), Some(size)) = (industry, r.size.map(size_key)) {
            match (lines::short_key(industry), lines::short_key(size)) {
                (Some(i), Some(z)) => {
                    let slot = match self.peer_index.get(&(i, z)) {
                        Some(&slot) => slot,
                        None => {
                            let key = (industry.to_string(), size.to_string());
                            self.peer_lane.push((key, GroupAcc::new(ctx.model)));
                            self.peer_index.insert((i, z), self.peer_lane.len() - 1);
                            self.peer_lane.len() - 1
                        }
                    };
                    self.peer_lane[slot].1.add(b);
                    peer = Some(slot as u32);
                }
                _ => {
                    whole = false;
                    let peer = (industry.to_string(), size.to_string());
                    match self.peers.get_mut(&peer) {
                        Some(g) => g.add(b),
                        None => {
                            let mut g = GroupAcc::new(ctx.model);
                            g.add(b);
                            self.peers.insert(peer, g);
                        }
                    }
                }
            }
        }
        whole.then_some((lanes, peer))
    }

    /// Mark the firm on the roster, or count it as not on it.
    fn add_roster(&mut self, ctx: &Ctx, r: &Record) {
        let Some(roster) = &ctx.options.roster else {
            return;
        };
        match r.credit_code.as_deref().and_then(|c| roster.position(c)) {
            Some(i) => ctx.on_roster[i].store(true, std::sync::atomic::Ordering::Relaxed),
            None => self.not_on_roster += 1,
        }
    }

    /// Move the groups found by short key into `groups` and `peers`.
    fn settle(&mut self) {
        self.routes.clear();
        self.route_list.clear();
        self.lane_index.clear();
        for (k, g) in self.lane.drain(..) {
            match self.groups.get_mut(&k) {
                Some(mine) => mine.merge(&g),
                None => {
                    self.groups.insert(k, g);
                }
            }
        }
        self.peer_index.clear();
        for (k, g) in self.peer_lane.drain(..) {
            match self.peers.get_mut(&k) {
                Some(mine) => mine.merge(&g),
                None => {
                    self.peers.insert(k, g);
                }
            }
        }
    }

    fn merge(mut self, mut o: Acc) -> Acc {
        self.settle();
        o.settle();
        self.overall.merge(&o.overall);
        for (a, b) in self.demand_firms.iter_mut().zip(&o.demand_firms) {
            *a += b;
        }
        for (a, b) in self.headline.iter_mut().zip(&o.headline) {
            a.merge(b);
        }
        self.not_on_roster += o.not_on_roster;
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
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
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
#[derive(Clone, Copy, Default)]
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
/// The entries (20 bytes a firm, one list per chunk) are dealt into buckets by their code, each
/// list freed once dealt; the buckets are small enough to sort in the processor's cache, and are
/// sorted and read on every core at once. (A merge of the sorted chunks through a heap, as this
/// was done before, kept one core busy after all the others had finished.)
fn superseded(parts: Vec<Vec<FirmEntry>>) -> Vec<(u32, PackedCode)> {
    let total: usize = parts.iter().map(Vec::len).sum();
    // About 4,096 entries (80 KB) a bucket, at least one bucket, a power of two.
    let buckets = (total / 4096).max(1).next_power_of_two();
    let shift = 32 - buckets.trailing_zeros();
    let bucket = |code: &PackedCode| {
        let mixed = (code[0] ^ code[1].rotate_left(11) ^ code[2]).wrapping_mul(0x9E37_79B1);
        // `checked_shr`: a shift by 32 (one bucket) is none.
        mixed.checked_shr(shift).unwrap_or(0) as usize
    };
    // Counted first, then dealt into one list at each bucket's place: one allocation of the
    // exact size (a list per bucket, each with room to grow, cost more in fresh pages than the
    // dealing itself).
    let mut starts = vec![0usize; buckets + 1];
    for f in parts.iter().flatten() {
        starts[bucket(&f.code) + 1] += 1;
    }
    for b in 0..buckets {
        starts[b + 1] += starts[b];
    }
    let mut next = starts.clone();
    let mut dealt = vec![FirmEntry::default(); total];
    for part in parts {
        for f in part {
            let b = bucket(&f.code);
            dealt[next[b]] = f;
            next[b] += 1;
        }
    }
    let mut slices: Vec<&mut [FirmEntry]> = Vec::with_capacity(buckets);
    let mut rest = dealt.as_mut_slice();
    for b in 0..buckets {
        let (bucket, tail) = rest.split_at_mut(starts[b + 1] - starts[b]);
        slices.push(bucket);
        rest = tail;
    }
    let key = |f: &FirmEntry| (f.code, f.assessed_on, f.seq);
    let mut out: Vec<(u32, PackedCode)> = slices
        .into_par_iter()
        .flat_map_iter(|firms| {
            firms.sort_unstable_by_key(key);
            // Of a run of one code, all but the last (the latest) are left out.
            let runs = firms.windows(2).filter(|w| w[0].code == w[1].code);
            runs.map(|w| (w[0].seq, w[0].code)).collect::<Vec<_>>()
        })
        .collect();
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

/// What a worker keeps for the whole pass: answers it has checked, demand it has worked out, and
/// its part of the figures (merged once, at the end).
struct Worker<'a> {
    reader: LineReader<'a>,
    demand: Option<DemandTable<'a>>,
    acc: Acc,
}

/// A chunk of the input handed to a worker: its place, the position of its first record, and
/// the records.
struct Part {
    index: u64,
    base: u32,
    records: Vec<input::RawRecord>,
}

/// What a worker gives back of a chunk, reported in input order.
struct PartDone {
    index: u64,
    counted: u64,
    errors: Vec<RecordError>,
    firms: Vec<FirmEntry>,
    left_out: Vec<DuplicateRecord>,
}

/// Read, score and sum the current round; with `left_out`, those records (by position) are skipped.
///
/// Each worker thread takes whole chunks from a queue and keeps its own figures, merged once at the
/// end (exactly: counts and histograms), so no worker waits for another between chunks: on a busy
/// machine a worker that is held up does not hold the others. What is reported (errors, records
/// left out, progress) goes in input order. With an export, whose rows go in input order chunk by
/// chunk, [`pass_in_order`] is used.
fn pass(
    ctx: &Ctx,
    demand_from: DemandSources,
    files: &[std::path::PathBuf],
    left_out: Option<&[(u32, PackedCode)]>,
    on_error: &mut dyn FnMut(RecordError),
    on_progress: &(dyn Fn(u64) + Sync),
) -> Pass {
    if ctx.options.export.is_some() {
        return pass_in_order(ctx, demand_from, files, left_out, on_error, on_progress);
    }
    let model = ctx.model;
    let (catalog, policies) = (demand_from.catalog, demand_from.policies);
    let catalog_len = catalog.map_or(0, |c| c.entries.len());
    let threads = rayon::current_num_threads().max(1);
    let mut out = Pass {
        total: Acc::new(ctx, catalog_len),
        records: 0,
        skipped: 0,
        firms: Vec::new(),
        left_out: Vec::new(),
    };
    let (work, queue) = std::sync::mpsc::sync_channel::<Part>(threads);
    let queue = std::sync::Mutex::new(queue);
    let (done, finished) = std::sync::mpsc::channel::<PartDone>();
    let worker = |done: std::sync::mpsc::Sender<PartDone>| {
        let mut reader = LineReader::new(model);
        let mut demand = catalog.map(|c| DemandTable::new(model, c, policies));
        let mut acc = Acc::new(ctx, catalog_len);
        let mut r = Record::empty();
        loop {
            let next = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
            let Ok(part) = next else { break };
            let mut part_done = PartDone {
                index: part.index,
                counted: 0,
                errors: Vec::new(),
                firms: Vec::new(),
                left_out: Vec::new(),
            };
            for (seq, raw) in (part.base..).zip(part.records) {
                if let Some(l) = left_out
                    && let Ok(k) = l.binary_search_by_key(&seq, |x| x.0)
                {
                    part_done.left_out.push(DuplicateRecord {
                        file: raw.file().to_string(),
                        line: raw.line,
                        credit_code: ctx.options.named.then(|| unpack_code(l[k].1)),
                    });
                    continue;
                }
                match input::parse_into(&mut reader, model, raw, &mut r) {
                    // Outside the --region or --industry filter: not in this summary.
                    Ok(()) if !ctx.options.selects(&r) => {}
                    Ok(()) => {
                        if left_out.is_none()
                            && let Some(code) = r.credit_code.as_deref().and_then(pack_code)
                        {
                            part_done.firms.push(FirmEntry {
                                code,
                                assessed_on: r.assessed_on,
                                seq,
                            });
                        }
                        // The record's groups are read ahead while its demand is worked out.
                        acc.prepare(ctx, &r);
                        match demand.as_mut().filter(|_| r.answered) {
                            Some(t) => {
                                let (group, region) = (&r.industry_group, r.region.as_deref());
                                let group = (group.as_str(), r.group_at);
                                t.demand_into(group, r.size, region, &r.scores, &mut r.demand);
                            }
                            None => r.demand.clear(),
                        }
                        acc.add_prepared(ctx, &r);
                        part_done.counted += 1;
                    }
                    Err(e) => part_done.errors.push(e),
                }
            }
            if done.send(part_done).is_err() {
                break;
            }
        }
        acc
    };
    let accs: Vec<Acc> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let done = done.clone();
                scope.spawn(|| worker(done))
            })
            .collect();
        drop(done);
        // Chunks come back in any order; they are reported in input order.
        let mut waiting: BTreeMap<u64, PartDone> = BTreeMap::new();
        let mut reported = 0u64;
        let mut report = |part: PartDone, out: &mut Pass| {
            waiting.insert(part.index, part);
            while let Some(part) = waiting.remove(&reported) {
                reported += 1;
                out.records += part.counted;
                out.skipped += part.errors.len() as u64;
                for e in part.errors {
                    on_error(e);
                }
                let room = MAX_LISTED.saturating_sub(out.left_out.len());
                out.left_out.extend(part.left_out.into_iter().take(room));
                if !part.firms.is_empty() {
                    let mut firms = part.firms;
                    firms.shrink_to_fit();
                    out.firms.push(firms);
                }
                on_progress(out.records + out.skipped);
            }
        };
        let (mut index, mut next) = (0u64, 0u32);
        input::for_each_chunk(model, files, &mut |records| {
            let base = next;
            next = next.wrapping_add(records.len() as u32);
            let part = Part {
                index,
                base,
                records,
            };
            index += 1;
            // A worker that stopped has panicked; joining it below passes the panic on.
            let _ = work.send(part);
            while let Ok(part) = finished.try_recv() {
                report(part, &mut out);
            }
        });
        drop(work);
        for part in finished.iter() {
            report(part, &mut out);
        }
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    for acc in accs {
        out.total = std::mem::replace(&mut out.total, Acc::new(ctx, 0)).merge(acc);
    }
    out.total.settle();
    out
}

/// [`pass`] a chunk at a time, the workers sharing each chunk, so that an export receives the
/// rows of each chunk before the next begins.
fn pass_in_order(
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
    // Each worker's state lives for the whole pass: what it has learnt is learnt once.
    let workers = lines::Pool::new(|| Worker {
        reader: LineReader::new(model),
        demand: catalog.map(|c| DemandTable::new(model, c, policies)),
        acc: Acc::new(ctx, catalog_len),
    });
    if let Some(sink) = &ctx.options.export {
        sink.begin_pass();
    }
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
                        file: raw.file().to_string(),
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
                || (0u64, workers.take(), Vec::new(), Vec::new()),
                |(mut n, mut worker, mut errors, mut firms), (seq, raw)| {
                    let Worker {
                        reader,
                        demand,
                        acc,
                    } = &mut *worker;
                    match input::parse_with(reader, model, raw) {
                        // Outside the --region or --industry filter: not in this summary.
                        Ok(r) if !ctx.options.selects(&r) => {}
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
                            if let Some(t) = demand.as_mut().filter(|_| r.answered) {
                                let (group, region) = (&r.industry_group, r.region.as_deref());
                                let group = (group.as_str(), r.group_at);
                                r.demand = t.demand(group, r.size, region, &r.scores);
                            }
                            if let Some(sink) = &ctx.options.export {
                                sink.firm(seq, &r);
                            }
                            acc.add(ctx, &r);
                            n += 1;
                        }
                        Err(e) => errors.push(e),
                    }
                    (n, worker, errors, firms)
                },
            )
            .map(|(n, _, errors, firms)| (n, errors, firms))
            .reduce(
                || (0, Vec::new(), Vec::new()),
                |(a, mut ea, mut fa), (b, eb, fb)| {
                    ea.extend(eb);
                    fa.extend(fb);
                    (a + b, ea, fa)
                },
            );
        let (n, mut errors, mut firms) = part;
        if let Some(sink) = &ctx.options.export {
            sink.chunk_done();
        }
        errors.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        out.records += n;
        out.skipped += errors.len() as u64;
        for e in errors {
            on_error(e);
        }
        if !firms.is_empty() {
            firms.shrink_to_fit();
            out.firms.push(firms);
        }
        on_progress(out.records + out.skipped);
    });
    for w in workers.into_inner() {
        out.total = std::mem::replace(&mut out.total, Acc::new(ctx, 0)).merge(w.acc);
    }
    out.total.settle();
    out
}

/// One group in an output; `suppressed` groups carry no figures.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct BreakdownSummary {
    pub by: Breakdown,
    pub title: Text,
    pub groups: Vec<GroupSummary>,
}

/// A measure's distribution with its name.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct MeasureSummary {
    pub id: String,
    pub title: Text,
    pub max: f64,
    pub counts_toward_level: bool,
    pub distribution: Distribution,
}

/// Grades of one scenario over all firms.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DemandSummary {
    /// Fewer firms than the minimum group: no figures.
    pub suppressed: bool,
    /// The level the step reaches (firms at level 1 need step 2 for 二级).
    pub step: u8,
    pub id: String,
    pub name: Text,
    pub category: String,
    #[serde(flatten)]
    pub cell: DemandCell,
}

/// Comparison with a previous round, firms matched by credit code.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
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
    /// The pilot headline: share at the target level per pilot sub-industry, 规上 and all SMEs.
    pub headline: pilot::Headline,
    /// Coverage against the roster (`--roster`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<roster::Coverage>,
    /// The region and industry filters applied.
    pub filters: Filters,
    /// What was suppressed and why, in words (every renderer shows it).
    pub suppressed: Vec<Text>,
    /// Demand rows by step, then by firms.
    pub demand: Vec<DemandSummary>,
    /// Totals by step, then the grand total (step 0), under the disclosure policy.
    pub demand_totals: Vec<DemandTotal>,
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

/// The filters a summary was made with.
#[derive(Debug, Clone, Serialize, Default, schemars::JsonSchema)]
pub struct Filters {
    pub region: Option<String>,
    pub region_name: Option<String>,
    pub industry: Option<String>,
    pub industry_name: Option<Text>,
}

/// The total of the demand rows of one step (0: all steps).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DemandTotal {
    pub step: u8,
    /// Firms needing anything at this step (each firm once).
    pub firms: Option<u64>,
    pub list: f64,
    pub platform_discount: f64,
    pub subsidy: f64,
    pub enterprise: f64,
    /// Suppressed rows included in the total.
    pub suppressed_rows: u64,
    /// The total would reveal the suppressed rows: its money figures are rounded to 10万元.
    pub rounded: bool,
    /// Fewer firms at this step than the minimum group: no figures at all.
    pub suppressed: bool,
}

/// Totals per step and overall. Suppressed rows are included; when they are one row, or several
/// whose firms together are fewer than the minimum group, total minus the shown rows would reveal
/// them, so the total is rounded to 100,000 CNY (and says so).
fn demand_totals(
    rows: &[DemandSummary],
    cells: &[DemandCell],
    firms_by_step: &[u64],
    catalog: Option<&Catalog>,
    k: u64,
) -> Vec<DemandTotal> {
    let Some(catalog) = catalog else {
        return Vec::new();
    };
    let n = catalog.entries.len();
    let total = |steps: &[usize]| {
        let mut t = DemandTotal {
            step: if steps.len() == 1 { steps[0] as u8 } else { 0 },
            firms: None,
            list: 0.0,
            platform_discount: 0.0,
            subsidy: 0.0,
            enterprise: 0.0,
            suppressed_rows: 0,
            rounded: false,
            suppressed: false,
        };
        let mut hidden_firms = 0u64;
        let mut firms = 0u64;
        for &step in steps {
            firms += firms_by_step.get(step).copied().unwrap_or(0);
            for c in cells.iter().skip(step * n).take(n).filter(|c| c.firms > 0) {
                t.list += c.list;
                t.platform_discount += c.platform_discount;
                t.subsidy += c.subsidy;
                t.enterprise += c.enterprise;
                if c.firms < k {
                    t.suppressed_rows += 1;
                    hidden_firms += c.firms;
                }
            }
        }
        t.rounded = t.suppressed_rows == 1 || (t.suppressed_rows > 1 && hidden_firms < k);
        let step = if t.rounded { 100_000.0 } else { 1.0 };
        for v in [
            &mut t.list,
            &mut t.platform_discount,
            &mut t.subsidy,
            &mut t.enterprise,
        ] {
            *v = pilot::round_to(*v, step);
        }
        t.firms = (firms >= k).then_some(firms);
        if firms < k {
            // A step of few firms: its sums would describe them.
            t.suppressed = true;
            t.rounded = false;
            t.list = 0.0;
            t.platform_discount = 0.0;
            t.subsidy = 0.0;
            t.enterprise = 0.0;
        }
        t
    };
    let mut steps: Vec<usize> = rows.iter().map(|r| usize::from(r.step)).collect();
    steps.dedup();
    let mut out: Vec<DemandTotal> = steps.iter().map(|s| total(&[*s])).collect();
    if !steps.is_empty() {
        out.push(total(&steps));
    }
    out
}

/// What the outputs leave out and why, in words.
fn suppression_notes(
    breakdowns: &[BreakdownSummary],
    demand: &[DemandSummary],
    n: u64,
    k: u64,
) -> Vec<Text> {
    let mut out = Vec::new();
    if n < k {
        out.push(Text::new(
            &format!("企业数 {n} 少于最小组 {k}：除企业数外的全部数值都已隐去，以免识别单个企业（可用 --min-group 调整）。"),
            &format!("{n} firm(s), fewer than the minimum group of {k}: every figure but the count is suppressed so that no single firm can be identified (see --min-group)."),
        ));
        return out;
    }
    for b in breakdowns {
        let hidden = b.groups.iter().filter(|g| g.suppressed).count();
        if hidden > 0 {
            out.push(Text::new(
                &format!("{}：{hidden} 个分组企业数少于 {k} 或为防反推而隐去。", b.title.zh),
                &format!("{}: {hidden} group(s) suppressed (fewer than {k} firms, or hidden so that others cannot be worked out).", b.title.en),
            ));
        }
    }
    let hidden = demand.iter().filter(|d| d.suppressed).count();
    if hidden > 0 {
        out.push(Text::new(
            &format!("解决方案需求：{hidden} 行企业数少于 {k}，已隐去；合计含这些行，可能反推时四舍五入到十万元。"),
            &format!("Solution demand: {hidden} row(s) with fewer than {k} firms suppressed; totals include them, rounded to CNY 100,000 where they could be worked out."),
        ));
    }
    out
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
        dimension_means: Some(g.dim_means().into_iter().map(|m| m.map(round2)).collect()),
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
    let top_level = model.levels.last().map_or(0, |r| r.level);
    let head = pilot::HeadPlan::new(demand_from.policies, top_level);
    let mut previous_head = head.cells();
    let prev_map: Option<HashMap<CodeKey, Previous>> = (!previous.is_empty()).then(|| {
        let mut map: HashMap<CodeKey, Previous> =
            HashMap::with_capacity(input::count_lines(&previous_files));
        let readers = lines::Pool::new(|| LineReader::new(model));
        input::for_each_chunk(model, &previous_files, &mut |chunk| {
            // Keep only what matching needs, as soon as a record is scored.
            let (parsed, cells): (Vec<PreviousRecord>, Vec<pilot::HeadCell>) = chunk
                .into_par_iter()
                .fold(
                    || (Vec::new(), head.cells(), readers.take()),
                    |(mut out, mut cells, mut reader), raw| {
                        // Keep only what matching needs, as soon as a record is scored.
                        out.push(input::parse_with(&mut reader, model, raw).map(|r| {
                            if !options.selects(&r) {
                                return None;
                            }
                            head.add(&mut cells, &r);
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
                        }));
                        (out, cells, reader)
                    },
                )
                .map(|(out, cells, _)| (out, cells))
                .reduce(
                    || (Vec::new(), head.cells()),
                    |(mut a, mut ca), (b, cb)| {
                        a.extend(b);
                        for (x, y) in ca.iter_mut().zip(&cb) {
                            x.merge(y);
                        }
                        (a, ca)
                    },
                );
            for (x, y) in previous_head.iter_mut().zip(&cells) {
                x.merge(y);
            }
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
        head,
        on_roster: options.roster.as_ref().map_or_else(Vec::new, |r| {
            (0..r.firms.len())
                .map(|_| std::sync::atomic::AtomicBool::new(false))
                .collect()
        }),
        catalog_len: catalog.map_or(0, |c| c.entries.len()),
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
    let breakdowns: Vec<BreakdownSummary> = options
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
    let slots = level_slots(model);
    let mut demand: Vec<DemandSummary> = catalog
        .map(|c| {
            (0..slots)
                .flat_map(|step| c.entries.iter().enumerate().map(move |(i, e)| (step, i, e)))
                .zip(&total.demand)
                .filter(|(_, d)| d.firms > 0)
                .map(|((step, _, e), d)| DemandSummary {
                    suppressed: d.firms < k,
                    step: step as u8,
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
    demand.sort_by_key(|d| (d.step, std::cmp::Reverse(d.cell.firms)));
    let demand_totals = demand_totals(&demand, &total.demand, &total.demand_firms, catalog, k);
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
            went_down_firms: options.named.then(|| {
                // Workers sum their parts of the input apart: listed by credit code.
                let mut firms = total.went_down.clone();
                firms.sort_by(|a, b| (&a.credit_code, &a.name).cmp(&(&b.credit_code, &b.name)));
                firms
            }),
        }
    });
    // With fewer firms in all than the minimum group, no figure may describe them.
    let (dimensions, indicators, scenarios, weakest_constrained, demand, demand_totals) =
        if total.overall.n < k {
            (
                Vec::new(),
                Vec::new(),
                Vec::new(),
                Vec::new(),
                Vec::new(),
                Vec::new(),
            )
        } else {
            (
                dimensions,
                indicators,
                scenarios,
                weakest_constrained,
                demand,
                demand_totals,
            )
        };
    let headline = ctx.head.summary(
        demand_from.policies,
        &level_names,
        &total.headline,
        prev_map.is_some().then_some(previous_head.as_slice()),
        k,
    );
    let coverage = options.roster.as_ref().map(|r| {
        let seen: Vec<bool> = ctx
            .on_roster
            .iter()
            .map(|s| s.load(std::sync::atomic::Ordering::Relaxed))
            .collect();
        roster::Coverage::of(r, &seen, total.not_on_roster, options.named)
    });
    let suppressed = suppression_notes(&breakdowns, &demand, total.overall.n, k);
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
        headline,
        coverage,
        filters: Filters {
            region: options.region.clone(),
            region_name: options
                .region
                .as_deref()
                .map(crate::answers::names::region_name),
            industry: options.industry.clone(),
            industry_name: options
                .industry
                .as_deref()
                .map(crate::answers::names::industry_name),
        },
        suppressed,
        demand,
        demand_totals,
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
    fn duplicates_are_found_across_many_buckets_as_one_by_one() {
        // 40,000 records of 15,000 codes (ten buckets), dates from a few, in chunks of 1,000.
        let code = |i: u64| {
            let text = format!("91{:016}", (i * 7919) % 15_000);
            pack_code(&text).unwrap()
        };
        let firms: Vec<FirmEntry> = (0..40_000u64)
            .map(|i| FirmEntry {
                code: code(i),
                assessed_on: 20260100 + (i * 31 % 5) as u32,
                seq: i as u32,
            })
            .collect();
        // One by one: of each code, the latest date, the last read among equal dates, counts.
        let mut latest: HashMap<PackedCode, (u32, u32)> = HashMap::new();
        for f in &firms {
            let e = latest.entry(f.code).or_insert((f.assessed_on, f.seq));
            *e = (*e).max((f.assessed_on, f.seq));
        }
        let mut want: Vec<u32> = (firms.iter())
            .filter(|f| latest[&f.code] != (f.assessed_on, f.seq))
            .map(|f| f.seq)
            .collect();
        want.sort_unstable();
        let mut chunks = Vec::new();
        let mut firms = firms.into_iter().peekable();
        while firms.peek().is_some() {
            chunks.push(firms.by_ref().take(1000).collect::<Vec<_>>());
        }
        let got: Vec<u32> = superseded(chunks).into_iter().map(|(s, _)| s).collect();
        assert_eq!(got.len(), 25_000);
        assert_eq!(got, want);
    }

    #[test]
    fn dates_order_as_numbers() {
        assert!(input::date_key("2026-12-01") > input::date_key("2026-11-30"));
        assert_eq!(input::date_key("2026-5-2"), 20260502);
        assert_eq!(input::date_key("not a date"), 0);
    }
}
