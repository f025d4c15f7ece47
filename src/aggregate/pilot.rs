//! Pilot-city headline: 规上 classification (thresholds as data), 专精特新 levels from tags, and the
//! share at the pilot's target level per pilot 细分行业, for 规上 SMEs and all SMEs, large firms apart.

use super::Record;
use crate::model::SizeClass;
use crate::roadmap::Policy;
use crate::text::Text;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// `questionnaires/reference/pilot-metrics.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metrics {
    pub above_scale: AboveScale,
    pub specialised: Specialised,
}

/// 规模以上 thresholds by industry, with their version and source.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AboveScale {
    pub version: String,
    pub source: String,
    pub tags: ScaleTags,
    pub rules: Vec<ScaleRule>,
    /// Every rule's industry prefixes packed (prefix, its length, the rule), filled once when the
    /// file is read: the classification runs for every firm of a summary.
    #[serde(skip)]
    prefixes: Vec<(Prefix, usize, usize)>,
}

/// Tags by which a firm declares itself 规上 or 规下 (they win over the thresholds).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScaleTags {
    pub above: Vec<String>,
    pub below: Vec<String>,
}

/// One threshold: industries by GB/T 4754 code prefix, revenue in 万元.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScaleRule {
    pub industries: Vec<String>,
    #[serde(default)]
    pub revenue: Option<f64>,
    /// Decided by qualification (construction): only a declared tag decides.
    #[serde(default)]
    pub by_qualification: bool,
}

/// 专精特新 levels, lowest first.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Specialised {
    pub source: String,
    pub levels: Vec<SpecialisedLevel>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecialisedLevel {
    pub id: String,
    pub title: Text,
    pub tags: Vec<String>,
}

/// The embedded metrics file, parsed once (a test reads it, so a failure is a build defect).
pub fn metrics() -> &'static Metrics {
    static CELL: OnceLock<Metrics> = OnceLock::new();
    CELL.get_or_init(|| {
        crate::source_file::SourceFile::from_text(
            "questionnaires/reference/pilot-metrics.yaml",
            include_str!("../../questionnaires/reference/pilot-metrics.yaml"),
        )
        .parse_yaml()
        .map(|mut m: Metrics| {
            let a = &mut m.above_scale;
            a.prefixes = a
                .rules
                .iter()
                .enumerate()
                .flat_map(|(k, r)| {
                    r.industries
                        .iter()
                        .map(move |p| (Prefix::of(p), p.len(), k))
                })
                .collect();
            m
        })
        .unwrap_or_else(|d| panic!("embedded reference data is broken: {}", d.render(None)))
    })
}

/// A code prefix (a region or industry code's first characters) kept as a masked number when it
/// is at most 8 bytes, so that testing a firm's code against a few dozen of them needs no text
/// comparison; longer prefixes, and any with a NUL byte, keep their text.
#[derive(Debug, Clone, PartialEq)]
enum Prefix {
    Packed { key: u64, mask: u64 },
    Text(String),
}

/// A text's first 8 bytes as a number, zero-padded when it is shorter.
fn packed(text: &str) -> u64 {
    let b = text.as_bytes();
    let n = b.len().min(8);
    let mut key = [0u8; 8];
    key[..n].copy_from_slice(&b[..n]);
    u64::from_le_bytes(key)
}

impl Prefix {
    fn of(prefix: &str) -> Prefix {
        if prefix.len() > 8 || prefix.contains('\0') {
            return Prefix::Text(prefix.to_string());
        }
        Prefix::Packed {
            key: packed(prefix),
            mask: u64::MAX
                .checked_shr(64 - 8 * prefix.len() as u32)
                .unwrap_or(0),
        }
    }

    /// Does `text` start with this prefix? `first8` is [`packed`]`(text)`. The prefix holds no NUL
    /// byte, so a text shorter than it (zero-padded) never matches.
    fn starts(&self, text: &str, first8: u64) -> bool {
        match self {
            Prefix::Packed { key, mask } => first8 & mask == *key,
            Prefix::Text(p) => text.starts_with(p.as_str()),
        }
    }
}

/// Above or below the statistical threshold, or not known (no revenue, construction without a tag).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    Above,
    Below,
    Unknown,
}

impl AboveScale {
    /// A declared tag wins; else the longest matching industry prefix and the revenue (万元) decide.
    pub fn classify(&self, industry: Option<&str>, revenue: Option<f64>, tags: &[String]) -> Scale {
        for t in tags {
            if self.tags.above.iter().any(|a| a == t) {
                return Scale::Above;
            }
            if self.tags.below.iter().any(|b| b == t) {
                return Scale::Below;
            }
        }
        let Some(code) = industry else {
            return Scale::Unknown;
        };
        let first8 = packed(code);
        let rule = self
            .prefixes
            .iter()
            .filter(|(p, _, _)| p.starts(code, first8))
            .max_by_key(|(_, len, _)| *len)
            .map(|(_, _, k)| &self.rules[*k]);
        match (rule, revenue) {
            (Some(r), _) if r.by_qualification => Scale::Unknown,
            (
                Some(ScaleRule {
                    revenue: Some(limit),
                    ..
                }),
                Some(v),
            ) => {
                if v >= *limit {
                    Scale::Above
                } else {
                    Scale::Below
                }
            }
            _ => Scale::Unknown,
        }
    }
}

impl Specialised {
    /// The highest 专精特新 level a firm's tags declare (index into `levels`).
    pub fn level_of(&self, tags: &[String]) -> Option<usize> {
        self.levels
            .iter()
            .enumerate()
            .rev()
            .find(|(_, l)| tags.iter().any(|t| l.tags.contains(t)))
            .map(|(i, _)| i)
    }
}

/// Counts of one headline cell (SMEs split by scale; large firms apart), and the demand of the
/// firms below the target for their next step.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct HeadCell {
    /// By scale (above, below, unknown): firms and firms at the target level or above.
    n: [u64; 3],
    at: [u64; 3],
    large: u64,
    large_at: u64,
    /// Firms below the target with a demand figure, and its list cost and subsidy (CNY).
    demand_firms: u64,
    list: f64,
    subsidy: f64,
}

impl HeadCell {
    pub(crate) fn merge(&mut self, o: &HeadCell) {
        for i in 0..3 {
            self.n[i] += o.n[i];
            self.at[i] += o.at[i];
        }
        self.large += o.large;
        self.large_at += o.large_at;
        self.demand_firms += o.demand_firms;
        self.list += o.list;
        self.subsidy += o.subsidy;
    }
}

/// What a headline cell counts: firms of a region and industry prefix (empty = all).
#[derive(Debug, Clone)]
struct Scope {
    region: Prefix,
    industry: Prefix,
    /// Only firms of this 专精特新 level.
    specialised: Option<usize>,
    target_level: u8,
}

/// The headline's cells, in order: all firms, then per pilot its whole region and each
/// sub-industry, then each 专精特新 level.
#[derive(Debug, Clone)]
pub(crate) struct HeadPlan {
    scopes: Vec<Scope>,
    /// Pilot policies (index into the policies given) and the first cell of each.
    pilots: Vec<(usize, usize)>,
    first_specialised: usize,
}

/// The level the office target counts: 二级, or the model's top level when it has fewer.
pub(crate) fn default_target(top_level: u8) -> u8 {
    2.min(top_level)
}

impl HeadPlan {
    pub(crate) fn new(policies: &[Policy], top_level: u8) -> HeadPlan {
        let target = default_target(top_level);
        let mut scopes = vec![Scope {
            region: Prefix::of(""),
            industry: Prefix::of(""),
            specialised: None,
            target_level: target,
        }];
        let mut pilots = Vec::new();
        for (i, p) in policies.iter().enumerate() {
            let (Some(pilot), Some(region)) = (&p.pilot, &p.region) else {
                continue;
            };
            let level = pilot.target_level.min(top_level);
            pilots.push((i, scopes.len()));
            for industry in
                std::iter::once("").chain(pilot.sub_industries.iter().map(|s| s.as_str()))
            {
                scopes.push(Scope {
                    region: Prefix::of(region),
                    industry: Prefix::of(industry),
                    specialised: None,
                    target_level: level,
                });
            }
        }
        let first_specialised = scopes.len();
        for l in 0..metrics().specialised.levels.len() {
            scopes.push(Scope {
                region: Prefix::of(""),
                industry: Prefix::of(""),
                specialised: Some(l),
                target_level: target,
            });
        }
        HeadPlan {
            scopes,
            pilots,
            first_specialised,
        }
    }

    pub(crate) fn cells(&self) -> Vec<HeadCell> {
        vec![HeadCell::default(); self.scopes.len()]
    }

    /// Count one firm in every cell it falls in (no allocation).
    pub(crate) fn add(&self, cells: &mut [HeadCell], r: &Record) {
        let m = metrics();
        let scale = m
            .above_scale
            .classify(r.industry.as_deref(), r.revenue, &r.tags);
        let spec = if r.tags.is_empty() {
            None
        } else {
            m.specialised.level_of(&r.tags)
        };
        let region = r.region.as_deref().unwrap_or("");
        let industry = r.industry.as_deref().unwrap_or("");
        let large = r.size == Some(SizeClass::Large);
        let s = match scale {
            Scale::Above => 0,
            Scale::Below => 1,
            Scale::Unknown => 2,
        };
        let (region8, industry8) = (packed(region), packed(industry));
        for (scope, cell) in self.scopes.iter().zip(cells.iter_mut()) {
            if !scope.region.starts(region, region8)
                || !scope.industry.starts(industry, industry8)
                || (scope.specialised.is_some() && scope.specialised != spec)
            {
                continue;
            }
            let at = r.scores.level >= scope.target_level;
            if large {
                cell.large += 1;
                cell.large_at += u64::from(at);
                continue;
            }
            cell.n[s] += 1;
            cell.at[s] += u64::from(at);
            if !at && !r.demand.is_empty() {
                cell.demand_firms += 1;
                for (_, c) in &r.demand {
                    cell.list += c.list;
                    cell.subsidy += c.subsidy;
                }
            }
        }
    }

    /// The published headline.
    pub(crate) fn summary(
        &self,
        policies: &[Policy],
        level_names: &[Text],
        cells: &[HeadCell],
        previous: Option<&[HeadCell]>,
        k: u64,
    ) -> Headline {
        let m = metrics();
        let prev = |i: usize| previous.and_then(|p| p.get(i));
        let row = |i: usize, key: String, title: Text, share: Option<f64>| {
            HeadlineRow::of(key, title, &cells[i], prev(i), share, k)
        };
        let target = self.scopes[0].target_level;
        let pilots = self
            .pilots
            .iter()
            .map(|&(pi, first)| {
                let p = &policies[pi];
                let pilot = p.pilot.as_ref().expect("a plan's pilots have pilot facts");
                let share = pilot.target_share;
                let mut rows = vec![row(
                    first,
                    p.region.clone().unwrap_or_default(),
                    Text::new(
                        &format!("{}（全部行业）", pilot.city.zh),
                        &format!("{} (all industries)", pilot.city.en),
                    ),
                    share,
                )];
                for (j, code) in pilot.sub_industries.iter().enumerate() {
                    let title = match pilot.sub_industry_titles.get(code) {
                        Some(t) => {
                            Text::new(&format!("{code} {}", t.zh), &format!("{code} {}", t.en))
                        }
                        None => {
                            let t = crate::answers::names::industry_name(code);
                            Text::new(
                                &format!("{code}（{}）", t.zh),
                                &format!("{code} ({})", t.en),
                            )
                        }
                    };
                    rows.push(row(first + 1 + j, code.clone(), title, share));
                }
                let whole = &cells[first];
                let sme_n: u64 = whole.n.iter().sum();
                let funds_check = (sme_n >= k && whole.demand_firms >= k).then(|| FundsCheck {
                    firms: whole.demand_firms,
                    list: round_to(whole.list, 10_000.0),
                    subsidy: round_to(whole.subsidy, 10_000.0),
                    funds_cny: pilot.funds_cny,
                    share_of_funds: pilot
                        .funds_cny
                        .filter(|f| *f > 0.0)
                        .map(|f| round4(whole.subsidy / f)),
                });
                let level = pilot.target_level.min(self.scopes[first].target_level);
                PilotHeadline {
                    policy: p.id.clone(),
                    city: pilot.city.clone(),
                    batch: pilot.batch,
                    region: p.region.clone().unwrap_or_default(),
                    region_name: p
                        .region
                        .as_deref()
                        .map(crate::answers::names::region_name)
                        .unwrap_or_default(),
                    target_level: level,
                    target_level_name: level_names
                        .get(usize::from(level))
                        .cloned()
                        .unwrap_or_default(),
                    target_share: share,
                    target_date: pilot.valid_until.clone(),
                    sub_industries_known: !pilot.sub_industries.is_empty(),
                    funds: pilot.funds.clone(),
                    source: pilot.source.clone(),
                    rows,
                    funds_check,
                }
            })
            // A pilot none of whose firms is in the input says nothing.
            .filter(|p| {
                let i = self
                    .pilots
                    .iter()
                    .find(|(pi, _)| policies[*pi].id == p.policy);
                i.is_some_and(|(_, first)| {
                    let c = &cells[*first];
                    c.n.iter().sum::<u64>() + c.large > 0
                        || prev(*first).is_some_and(|c| c.n.iter().sum::<u64>() + c.large > 0)
                })
            })
            .collect();
        let specialised = m
            .specialised
            .levels
            .iter()
            .enumerate()
            .map(|(l, level)| {
                row(
                    self.first_specialised + l,
                    level.id.clone(),
                    level.title.clone(),
                    None,
                )
            })
            .collect();
        Headline {
            target_level: target,
            target_level_name: level_names
                .get(usize::from(target))
                .cloned()
                .unwrap_or_default(),
            above_scale_version: m.above_scale.version.clone(),
            above_scale_source: m.above_scale.source.clone(),
            specialised_source: m.specialised.source.clone(),
            all: row(0, "all".into(), Text::new("全部企业", "All firms"), None),
            pilots,
            specialised,
        }
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Rounded to a multiple of `step` (money totals are published to the nearest 万元).
pub(crate) fn round_to(x: f64, step: f64) -> f64 {
    (x / step).round() * step
}

/// One figure of the headline: firms, firms at the target, the share; with the previous round.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Figure {
    /// Fewer firms than the minimum group: no figures.
    pub suppressed: bool,
    pub n: Option<u64>,
    pub at_target: Option<u64>,
    pub share: Option<f64>,
    /// Firms still to reach the target level for the target share (0 when met).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short_of_target: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_n: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_share: Option<f64>,
    /// Change of the share since the previous round, in percentage points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_points: Option<f64>,
}

impl Figure {
    fn of(n: u64, at: u64, prev: Option<(u64, u64)>, target_share: Option<f64>, k: u64) -> Figure {
        let share = |n: u64, at: u64| (n >= k && n > 0).then(|| round4(at as f64 / n as f64));
        let now = share(n, at);
        let before = prev.and_then(|(n, at)| share(n, at));
        Figure {
            suppressed: n < k,
            n: (n >= k).then_some(n),
            at_target: (n >= k).then_some(at),
            share: now,
            short_of_target: target_share.filter(|_| n >= k).map(|t| {
                // The firms needed: ceil(t × n) at the target, less those there (a small epsilon
                // so that 0.9 × 10 is 9, not 10).
                ((t * n as f64 - 1e-9).ceil() as u64).saturating_sub(at)
            }),
            previous_n: prev.map(|(n, _)| n).filter(|n| *n >= k),
            previous_share: before,
            change_points: now
                .zip(before)
                .map(|(a, b)| ((a - b) * 1000.0).round() / 10.0),
        }
    }
}

/// A headline row: 规上 SMEs, all SMEs, 规下 SMEs and large firms apart.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct HeadlineRow {
    pub key: String,
    pub title: Text,
    pub target_share: Option<f64>,
    pub above_scale: Figure,
    pub all_smes: Figure,
    pub below_scale: Figure,
    /// SMEs whose scale is not known (no revenue, or construction without a declared tag).
    pub unknown_scale: Option<u64>,
    /// Large firms: reported apart, never in SME figures.
    pub large: Figure,
}

impl HeadlineRow {
    fn of(
        key: String,
        title: Text,
        c: &HeadCell,
        p: Option<&HeadCell>,
        target_share: Option<f64>,
        k: u64,
    ) -> HeadlineRow {
        let sum = |c: &HeadCell| (c.n.iter().sum::<u64>(), c.at.iter().sum::<u64>());
        let (n, at) = sum(c);
        HeadlineRow {
            key,
            title,
            target_share,
            above_scale: Figure::of(
                c.n[0],
                c.at[0],
                p.map(|p| (p.n[0], p.at[0])),
                target_share,
                k,
            ),
            all_smes: Figure::of(n, at, p.map(sum), None, k),
            below_scale: Figure::of(c.n[1], c.at[1], p.map(|p| (p.n[1], p.at[1])), None, k),
            unknown_scale: (c.n[2] >= k || c.n[2] == 0).then_some(c.n[2]),
            large: Figure::of(
                c.large,
                c.large_at,
                p.map(|p| (p.large, p.large_at)),
                None,
                k,
            ),
        }
    }
}

/// Demand and subsidy of a pilot's firms below the target against the city's pilot funds.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FundsCheck {
    /// SMEs below the target with a demand figure.
    pub firms: u64,
    /// List cost of their next step over three years, CNY, to the nearest 万元.
    pub list: f64,
    pub subsidy: f64,
    pub funds_cny: Option<f64>,
    /// Subsidy as a share of the funds.
    pub share_of_funds: Option<f64>,
}

/// One pilot city in the headline.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PilotHeadline {
    pub policy: String,
    pub city: Text,
    pub batch: Option<u8>,
    pub region: String,
    pub region_name: String,
    pub target_level: u8,
    pub target_level_name: Text,
    pub target_share: Option<f64>,
    pub target_date: Option<String>,
    /// The policy file lists the pilot sub-industries (else only the whole region is shown).
    pub sub_industries_known: bool,
    pub funds: Option<Text>,
    pub source: String,
    /// The whole region first, then each pilot sub-industry.
    pub rows: Vec<HeadlineRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub funds_check: Option<FundsCheck>,
}

/// The office headline.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Headline {
    pub target_level: u8,
    pub target_level_name: Text,
    pub above_scale_version: String,
    pub above_scale_source: String,
    pub specialised_source: String,
    /// Every firm of the summary.
    pub all: HeadlineRow,
    pub pilots: Vec<PilotHeadline>,
    /// One row per 专精特新 level (a firm counts at the highest level it declares).
    pub specialised: Vec<HeadlineRow>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    proptest::proptest! {
        /// A packed prefix matches exactly the texts that start with it, whatever their length.
        #[test]
        fn a_packed_prefix_matches_as_starts_with_does(
            prefix in "[0-9C\\x00]{0,10}",
            text in "[0-9C\\x00中]{0,12}",
        ) {
            let p = Prefix::of(&prefix);
            proptest::prop_assert_eq!(
                p.starts(&text, packed(&text)),
                text.starts_with(prefix.as_str())
            );
            let longer = format!("{prefix}{text}");
            proptest::prop_assert!(p.starts(&longer, packed(&longer)));
        }
    }

    #[test]
    fn above_scale_by_industry_and_revenue_and_a_declared_tag_wins() {
        let a = &metrics().above_scale;
        assert_eq!(a.classify(Some("C3670"), Some(2000.0), &[]), Scale::Above);
        assert_eq!(a.classify(Some("C3670"), Some(1999.0), &[]), Scale::Below);
        assert_eq!(a.classify(Some("L7212"), Some(1000.0), &[]), Scale::Above);
        assert_eq!(a.classify(Some("F5179"), Some(1500.0), &[]), Scale::Below);
        assert_eq!(a.classify(Some("F5212"), Some(600.0), &[]), Scale::Above);
        assert_eq!(a.classify(Some("H6210"), Some(200.0), &[]), Scale::Above);
        assert_eq!(a.classify(Some("C3670"), None, &[]), Scale::Unknown);
        // Construction goes by qualification: revenue does not decide, a tag does.
        assert_eq!(
            a.classify(Some("E4710"), Some(90000.0), &[]),
            Scale::Unknown
        );
        assert_eq!(
            a.classify(Some("E4710"), None, &tags(&["规上"])),
            Scale::Above
        );
        assert_eq!(
            a.classify(Some("C3670"), Some(5.0), &tags(&["专精特新", "规上"])),
            Scale::Above
        );
        assert_eq!(
            a.classify(Some("C3670"), Some(9000.0), &tags(&["规下"])),
            Scale::Below
        );
    }

    #[test]
    fn the_highest_specialised_level_counts() {
        let s = &metrics().specialised;
        let id = |t: &[&str]| s.level_of(&tags(t)).map(|i| s.levels[i].id.as_str());
        assert_eq!(id(&["创新型中小企业"]), Some("innovative"));
        assert_eq!(id(&["创新型中小企业", "小巨人"]), Some("little-giant"));
        assert_eq!(id(&["专精特新"]), Some("specialised"));
        assert_eq!(id(&["规上"]), None);
    }

    #[test]
    fn a_figure_counts_the_firms_short_of_the_target_and_the_change() {
        let f = Figure::of(10, 7, Some((8, 4)), Some(0.9), 5);
        assert_eq!(f.share, Some(0.7));
        assert_eq!(f.short_of_target, Some(2));
        assert_eq!(f.previous_share, Some(0.5));
        assert_eq!(f.change_points, Some(20.0));
        let small = Figure::of(4, 4, None, Some(0.9), 5);
        assert!(small.suppressed);
        assert_eq!(
            (small.n, small.share, small.short_of_target),
            (None, None, None)
        );
    }
}
