//! Model lint: turns a raw model into a validated [`Model`], reporting every problem at once.

use super::raw::*;
use super::*;
use crate::diag::{Arg, Diagnostic, Pos};
use serde_saphyr::Spanned;
use std::collections::{BTreeSet, HashSet};

/// A phrase naming what a check is about (“title of `x`”), in both languages.
pub(super) fn what(zh: String, en: String) -> Text {
    Text { zh, en }
}

/// Group used when a model declares no industry groups.
pub const IMPLICIT_GROUP: &str = "all";

pub(super) const EPS: f64 = 1e-6;

pub(super) struct Linter<'a> {
    file: &'a str,
    diags: Vec<Diagnostic>,
    ids: HashSet<String>,
    group_ids: Vec<String>,
    items: Vec<Item>,
}

/// The longest id a model may use, in characters: ids are keys of answer sheets and parts of web
/// addresses, and a YAML key may be at most 1,024 characters.
const MAX_ID_CHARS: usize = 128;

impl Linter<'_> {
    pub(super) fn push(&mut self, d: Diagnostic, pos: Pos) {
        self.diags.push(d.in_file(self.file).at(pos));
    }

    pub(super) fn check_id(&mut self, id: &Spanned<String>, what: Text) {
        let pos = Pos::of(id.referenced);
        let v = &id.value;
        let valid = !v.is_empty()
            && v.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
        // An id is a key of every answer sheet (YAML keys stay short) and part of web addresses.
        let chars = v.chars().count();
        if !valid {
            let d = Diagnostic::error("invalid-id")
                .arg("what", what)
                .quoted("id", v);
            self.push(d, pos);
        } else if chars > MAX_ID_CHARS {
            let short: String = v.chars().take(40).collect();
            let d = Diagnostic::error("invalid-id")
                .variant("too_long")
                .arg("what", what)
                .quoted("id", format!("{short}…"))
                .arg("count", chars)
                .arg("max", MAX_ID_CHARS);
            self.push(d, pos);
        }
        if !self.ids.insert(v.clone()) {
            self.push(Diagnostic::error("duplicate-id").quoted("id", v), pos);
        }
    }

    pub(super) fn check_text(&mut self, text: &Text, pos: Pos, what: Text) {
        if text.zh.trim().is_empty() && text.en.trim().is_empty() {
            self.push(Diagnostic::error("missing-text").arg("what", what), pos);
        } else if text.zh.trim().is_empty() {
            let d = Diagnostic::warning("missing-translation").variant("zh");
            self.push(d.arg("what", what), pos);
        } else if text.en.trim().is_empty() {
            let d = Diagnostic::warning("missing-translation").variant("en");
            self.push(d.arg("what", what), pos);
        }
    }

    pub(super) fn check_fraction(&mut self, f: &Spanned<f64>, what: Text) -> f64 {
        let v = f.value;
        if !(0.0..=1.0).contains(&v) || !v.is_finite() {
            let d = Diagnostic::error("fraction-out-of-range")
                .arg("what", what)
                .arg("value", v);
            self.push(d, Pos::of(f.referenced));
            // Clamped, so the one mistake does not also trip the reachability checks.
            return if v.is_finite() {
                v.clamp(0.0, 1.0)
            } else {
                0.0
            };
        }
        v
    }

    pub(super) fn non_negative(&mut self, v: &Spanned<f64>, what: Text) -> f64 {
        if !v.value.is_finite() || v.value < 0.0 {
            let d = Diagnostic::error("negative-points")
                .arg("what", what)
                .arg("value", v.value);
            self.push(d, Pos::of(v.referenced));
            return 0.0;
        }
        v.value
    }

    pub(super) fn applicability(&mut self, raw: &Option<RawApplicability>) -> Applicability {
        let Some(raw) = raw else {
            return Applicability::default();
        };
        let industry_groups = raw.industry_groups.as_ref().map(|groups| {
            groups
                .iter()
                .filter_map(|g| {
                    if self.group_ids.contains(&g.value) {
                        Some(g.value.clone())
                    } else {
                        let d = Diagnostic::error("unknown-industry-group")
                            .quoted("group", &g.value)
                            .arg(
                                "known",
                                Arg::list(self.group_ids.iter().map(String::as_str)),
                            );
                        self.push(d, Pos::of(g.referenced));
                        None
                    }
                })
                .collect()
        });
        let sizes = raw.sizes.as_ref().map(|sizes| {
            sizes
                .iter()
                .filter_map(|s| match SizeClass::parse(&s.value) {
                    Some(c) => Some(c),
                    None => {
                        let d = Diagnostic::error("unknown-size-class").quoted("size", &s.value);
                        self.push(d, Pos::of(s.referenced));
                        None
                    }
                })
                .collect()
        });
        Applicability {
            industry_groups,
            sizes,
        }
    }

    fn node(
        &mut self,
        raw: RawNode,
        parent_combine: Option<Combine>,
        inherited: &Applicability,
        dimension: Option<&str>,
        counts: bool,
    ) -> Node {
        let pos = Pos::of(raw.id.referenced);
        self.check_id(&raw.id, what("节点".into(), "node".into()));
        let id = &raw.id.value;
        self.check_text(
            &raw.title,
            pos,
            what(format!("“{id}”的标题"), format!("title of `{id}`")),
        );
        let id = raw.id.value.clone();
        let combine = raw.combine.unwrap_or_default();
        let points = raw.points.as_ref().map(|p| {
            self.non_negative(
                p,
                what(format!("“{id}”的分值"), format!("points of `{id}`")),
            )
        });
        let weight = self.weight_of(raw.weight.as_ref(), parent_combine, &id, pos);
        let applies_to = inherited.and(&self.applicability(&raw.applies_to));
        let counts = counts && raw.counts_toward_level.unwrap_or(true);
        if dimension.is_some() && raw.counts_toward_level.is_some() {
            let d = Diagnostic::warning("key-not-for-node")
                .quoted("key", "counts_toward_level")
                .quoted("id", &id);
            self.push(d, pos);
        }
        let dim = dimension.unwrap_or(&id).to_string();
        let children = match (raw.indicators, raw.items) {
            (Some(_), Some(_)) => {
                self.push(Diagnostic::error("node-has-both").quoted("id", &id), pos);
                Children::Items(Vec::new())
            }
            (None, None) => {
                self.push(Diagnostic::error("empty-node").quoted("id", &id), pos);
                Children::Items(Vec::new())
            }
            (Some(nodes), None) => {
                if nodes.is_empty() {
                    let d = Diagnostic::error("empty-node").variant("empty_indicators");
                    self.push(d.quoted("id", &id), pos);
                }
                Children::Nodes(
                    nodes
                        .into_iter()
                        .map(|n| self.node(n, Some(combine), &applies_to, Some(&dim), counts))
                        .collect(),
                )
            }
            (None, Some(items)) => {
                if items.is_empty() {
                    let d = Diagnostic::error("empty-node").variant("empty_items");
                    self.push(d.quoted("id", &id), pos);
                }
                Children::Items(
                    items
                        .into_iter()
                        .map(|i| self.item(i, combine, &applies_to, &dim, &id))
                        .collect(),
                )
            }
        };
        // Points of children must add up when they are summed.
        let child_points: Vec<f64> = match &children {
            Children::Nodes(n) => n.iter().map(|n| n.points).collect(),
            Children::Items(i) => i.iter().map(|&i| self.items[i].points).collect(),
        };
        let sum: f64 = child_points.iter().sum();
        let points = match (combine, points) {
            (Combine::Sum, Some(p)) => {
                if (sum - p).abs() > EPS {
                    let d = Diagnostic::error("points-do-not-sum")
                        .quoted("id", &id)
                        .arg("points", p)
                        .arg("sum", round(sum));
                    self.push(
                        d,
                        raw.points.as_ref().map_or(pos, |s| Pos::of(s.referenced)),
                    );
                }
                p
            }
            (Combine::Sum, None) => sum,
            (_, Some(p)) => p,
            (_, None) => {
                let d = Diagnostic::error("missing-points")
                    .variant("scale")
                    .quoted("id", &id)
                    .arg("combine", format!("{combine:?}"));
                self.push(d, pos);
                0.0
            }
        };
        if dimension.is_none() && points > MAX_COMPARED_POINTS {
            let d = Diagnostic::warning("points-too-large")
                .quoted("id", &id)
                .arg("points", points)
                .arg("limit", MAX_COMPARED_POINTS);
            self.push(
                d,
                raw.points.as_ref().map_or(pos, |s| Pos::of(s.referenced)),
            );
        }
        if combine == Combine::WeightedMean {
            let total_weight: f64 = match &children {
                Children::Nodes(n) => n.iter().map(|n| n.weight).sum(),
                Children::Items(i) => i.iter().map(|&i| self.items[i].weight).sum(),
            };
            if total_weight <= 0.0 {
                let d = Diagnostic::error("missing-weight").variant("children");
                self.push(d.quoted("id", &id), pos);
            }
        }
        Node {
            id,
            title: raw.title,
            help: raw.help,
            points,
            weight,
            combine,
            counts_toward_level: counts,
            applies_to,
            children,
        }
    }

    fn weight_of(
        &mut self,
        raw: Option<&Spanned<f64>>,
        parent: Option<Combine>,
        id: &str,
        pos: Pos,
    ) -> f64 {
        match (raw, parent) {
            (Some(w), Some(Combine::WeightedMean)) => self.non_negative(
                w,
                what(format!("“{id}”的权重"), format!("weight of `{id}`")),
            ),
            (None, Some(Combine::WeightedMean)) => {
                self.push(Diagnostic::error("missing-weight").quoted("id", id), pos);
                0.0
            }
            (Some(w), _) => {
                let d = Diagnostic::warning("unused-weight").quoted("id", id);
                self.push(d, Pos::of(w.referenced));
                1.0
            }
            (None, _) => 1.0,
        }
    }

    fn item(
        &mut self,
        raw: RawItem,
        parent_combine: Combine,
        inherited: &Applicability,
        dimension: &str,
        parent: &str,
    ) -> usize {
        let pos = Pos::of(raw.id.referenced);
        self.check_id(&raw.id, what("题目".into(), "item".into()));
        let id = raw.id.value.clone();
        self.check_text(
            &raw.title,
            pos,
            what(format!("“{id}”的标题"), format!("title of `{id}`")),
        );
        if let Some(h) = &raw.help {
            self.check_text(
                h,
                pos,
                what(format!("“{id}”的说明"), format!("help of `{id}`")),
            );
        }
        for e in &raw.evidence {
            self.check_text(
                e,
                pos,
                what(format!("“{id}”的佐证材料"), format!("evidence of `{id}`")),
            );
        }
        let kind = raw.kind.value;
        let points = match (&raw.points, parent_combine, kind) {
            (Some(p), _, _) => self.non_negative(
                p,
                what(format!("“{id}”的分值"), format!("points of `{id}`")),
            ),
            (None, Combine::Sum, ItemKind::Scenario) => 0.0,
            (None, Combine::Sum, _) => {
                self.push(Diagnostic::error("missing-points").quoted("id", &id), pos);
                0.0
            }
            (None, _, _) => 1.0,
        };
        let weight = self.weight_of(raw.weight.as_ref(), Some(parent_combine), &id, pos);
        let applies_to = inherited.and(&self.applicability(&raw.applies_to));
        let mut fields = Vec::new();
        let mut field_ids = HashSet::new();
        for f in &raw.fields {
            if !field_ids.insert(f.id.value.clone()) {
                let d = Diagnostic::error("duplicate-id")
                    .variant("field")
                    .quoted("id", &f.id.value)
                    .quoted("item", &id);
                self.push(d, Pos::of(f.id.referenced));
            }
            let field = &f.id.value;
            let part = what(
                format!("数据“{field}”的名称"),
                format!("label of field `{field}`"),
            );
            self.check_text(&f.label, Pos::of(f.id.referenced), part);
            fields.push(Field {
                id: f.id.value.clone(),
                label: f.label.clone(),
                unit: f.unit.clone(),
            });
        }
        self.reject_foreign_keys(&raw, kind, &id, pos);
        let spec = match kind {
            ItemKind::Single | ItemKind::Multi => self.choice_spec(&raw, kind, &id, pos),
            ItemKind::Band => self.band_spec(&raw, &id, pos),
            ItemKind::Scenario => self.scenario_spec(&raw, &id, pos),
            ItemKind::Trend => self.trend_spec(&raw, &id, pos),
        };
        self.items.push(Item {
            id,
            title: raw.title,
            help: raw.help,
            evidence: raw.evidence,
            points,
            weight,
            applies_to,
            allow_na: raw.allow_na,
            required: raw.required.unwrap_or(true),
            fields,
            spec,
            dimension: dimension.to_string(),
            parent: parent.to_string(),
        });
        self.items.len() - 1
    }

    fn reject_foreign_keys(&mut self, raw: &RawItem, kind: ItemKind, id: &str, pos: Pos) {
        use ItemKind::*;
        let present: [(&str, bool, &[ItemKind]); 11] = [
            ("options", raw.options.is_some(), &[Single, Multi]),
            ("cap", raw.cap.is_some(), &[Multi]),
            ("unit", raw.unit.is_some(), &[Band]),
            ("min", raw.min.is_some(), &[Band]),
            ("max", raw.max.is_some(), &[Band]),
            ("ratio", raw.ratio.is_some(), &[Band]),
            ("descending", raw.descending, &[Band]),
            ("bands", raw.bands.is_some(), &[Band]),
            ("group", raw.group.is_some(), &[Scenario]),
            ("levels", raw.levels.is_some(), &[Scenario]),
            ("better_when", raw.better_when.is_some(), &[Trend]),
        ];
        for (key, is_present, kinds) in present {
            if is_present && !kinds.contains(&kind) {
                let d = Diagnostic::error("key-not-for-kind")
                    .quoted("key", key)
                    .quoted("id", id)
                    .arg("kind", format!("{kind:?}"))
                    .arg("kinds", format!("{kinds:?}"));
                self.push(d, pos);
            }
        }
        if raw.constrained && kind != Scenario {
            let d = Diagnostic::error("key-not-for-kind")
                .variant("constrained")
                .quoted("key", "constrained")
                .quoted("id", id)
                .arg("kind", format!("{kind:?}"));
            self.push(d, pos);
        }
    }

    fn scenario_condition(
        &mut self,
        raw: &RawScenarioCondition,
        level: u8,
        scenarios: u32,
        constrained: u32,
    ) -> ScenarioCondition {
        let at_or_above = raw.at_or_above.as_ref().map_or(level, |s| s.value);
        if let Some(a) = &raw.at_or_above
            && !(1..=4).contains(&a.value)
        {
            let d = Diagnostic::error("threshold-unreachable").variant("grade");
            self.push(d.arg("grade", a.value), Pos::of(a.referenced));
        }
        let at_least = raw.at_least.as_ref().map_or(0, |s| s.value);
        let constrained_at_least = raw.constrained_at_least.as_ref().map_or(0, |s| s.value);
        if let Some(s) = &raw.at_least
            && s.value > scenarios
        {
            let d = Diagnostic::error("threshold-unreachable")
                .variant("scenarios")
                .arg("level", level)
                .arg("needed", s.value)
                .arg("available", scenarios);
            self.push(d, Pos::of(s.referenced));
        }
        if let Some(s) = &raw.constrained_at_least {
            if s.value > constrained {
                let d = Diagnostic::error("threshold-unreachable")
                    .variant("constrained")
                    .arg("level", level)
                    .arg("needed", s.value)
                    .arg("available", constrained);
                self.push(d, Pos::of(s.referenced));
            }
            if s.value > at_least && raw.at_least.is_some() {
                let d = Diagnostic::warning("threshold-inconsistent")
                    .arg("level", level)
                    .arg("constrained", s.value)
                    .arg("at_least", at_least);
                self.push(d, Pos::of(s.referenced));
            }
        }
        ScenarioCondition {
            at_or_above,
            at_least,
            constrained_at_least,
        }
    }

    fn levels(
        &mut self,
        raw: Vec<RawLevelRule>,
        score_points: f64,
        scenario_count: u32,
        constrained: u32,
    ) -> Vec<LevelRule> {
        let mut out: Vec<LevelRule> = Vec::new();
        let mut positions: Vec<(u8, Pos)> = Vec::new();
        for r in raw {
            let pos = Pos::of(r.level.referenced);
            let level = r.level.value;
            if level == 0 {
                self.push(Diagnostic::error("bad-level"), pos);
            }
            if out.iter().any(|o| o.level == level) {
                self.push(
                    Diagnostic::error("duplicate-level").arg("level", level),
                    pos,
                );
            }
            let part = what(
                format!("{level} 级的名称"),
                format!("name of level {level}"),
            );
            self.check_text(&r.name, pos, part);
            if r.min_score.is_none() && r.scenarios.is_none() {
                self.push(
                    Diagnostic::error("level-rule-empty").arg("level", level),
                    pos,
                );
            }
            if r.scenarios.is_some() && scenario_count == 0 {
                let d = Diagnostic::error("level-rule-empty").variant("no_scenarios");
                self.push(d.arg("level", level), pos);
            }
            let check_score = |this: &mut Self, s: &Option<Spanned<f64>>| {
                s.as_ref().map(|s| {
                    if s.value > score_points + EPS || s.value < 0.0 {
                        let d = Diagnostic::error("threshold-unreachable")
                            .arg("level", level)
                            .arg("needed", s.value)
                            .arg("available", score_points);
                        this.push(d, Pos::of(s.referenced));
                    }
                    s.value
                })
            };
            let min_score = check_score(self, &r.min_score);
            let scenarios = r
                .scenarios
                .as_ref()
                .map(|s| self.scenario_condition(s, level, scenario_count, constrained));
            let mut overrides = Vec::new();
            for o in &r.overrides {
                for g in &o.industry_groups {
                    if !self.group_ids.contains(&g.value) {
                        let d = Diagnostic::error("unknown-industry-group")
                            .variant("override")
                            .arg("level", level)
                            .quoted("group", &g.value)
                            .arg(
                                "known",
                                Arg::list(self.group_ids.iter().map(String::as_str)),
                            );
                        self.push(d, Pos::of(g.referenced));
                    }
                }
                let min_score = check_score(self, &o.min_score);
                let scenarios = o
                    .scenarios
                    .as_ref()
                    .map(|s| self.scenario_condition(s, level, scenario_count, constrained));
                overrides.push(LevelOverride {
                    industry_groups: o.industry_groups.iter().map(|g| g.value.clone()).collect(),
                    min_score,
                    scenarios,
                });
            }
            positions.push((level, pos));
            out.push(LevelRule {
                level,
                name: r.name,
                summary: r.summary,
                min_score,
                scenarios,
                overrides,
            });
        }
        out.sort_by_key(|r| r.level);
        let pos_of = |level: u8| {
            positions
                .iter()
                .find(|(l, _)| *l == level)
                .map_or(Pos::UNKNOWN, |(_, p)| *p)
        };
        for pair in out.windows(2) {
            if let (Some(a), Some(b)) = (pair[0].min_score, pair[1].min_score)
                && b < a
            {
                let d = Diagnostic::warning("levels-not-monotonic")
                    .arg("level", pair[1].level)
                    .arg("score", b)
                    .arg("lower", pair[0].level)
                    .arg("lower_score", a);
                self.push(d, pos_of(pair[1].level));
            }
            if pair[1].level != pair[0].level + 1 {
                let d = Diagnostic::warning("levels-not-consecutive")
                    .arg("from", pair[0].level)
                    .arg("to", pair[1].level);
                self.push(d, pos_of(pair[1].level));
            }
        }
        out
    }
}

/// The largest dimension score the two-round comparison of `aggregate` stores (u16 hundredths).
const MAX_COMPARED_POINTS: f64 = u16::MAX as f64 / 100.0;

pub(super) fn round(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Lint a raw model. Returns the model when no error was found, and every diagnostic.
pub(super) fn lint(raw: RawModel, file: &str) -> (Option<Model>, Vec<Diagnostic>) {
    let mut l = Linter {
        file,
        diags: Vec::new(),
        ids: HashSet::new(),
        group_ids: Vec::new(),
        items: Vec::new(),
    };
    let top = Pos::of(raw.id.referenced);
    if raw.id.value.trim().is_empty() {
        l.push(Diagnostic::error("invalid-id").variant("model_empty"), top);
    }
    if raw.version.value.trim().is_empty() {
        let d = Diagnostic::error("missing-field").variant("model_version");
        l.push(d, Pos::of(raw.version.referenced));
    }
    l.check_text(
        &raw.title,
        top,
        what("模型标题".into(), "model title".into()),
    );

    // Industry groups.
    let mut groups = Vec::new();
    let mut codes_seen: BTreeSet<String> = BTreeSet::new();
    for g in &raw.industry_groups {
        let gpos = Pos::of(g.id.referenced);
        if l.group_ids.contains(&g.id.value) {
            let d = Diagnostic::error("duplicate-id").variant("group");
            l.push(d.quoted("id", &g.id.value), gpos);
        }
        l.group_ids.push(g.id.value.clone());
        let group = &g.id.value;
        let part = what(
            format!("行业组“{group}”的标题"),
            format!("title of industry group `{group}`"),
        );
        l.check_text(&g.title, gpos, part);
        for c in &g.codes {
            let valid = c.len() <= 5
                && c.chars().next().is_some_and(|ch| ch.is_ascii_uppercase())
                && c.chars().skip(1).all(|ch| ch.is_ascii_digit());
            if !valid {
                let d = Diagnostic::error("bad-industry-code")
                    .variant("prefix")
                    .quoted("code", c)
                    .quoted("group", &g.id.value);
                l.push(d, gpos);
            }
            if !codes_seen.insert(c.clone()) {
                l.push(
                    Diagnostic::warning("duplicate-industry-code").quoted("code", c),
                    gpos,
                );
            }
        }
        groups.push(IndustryGroup {
            id: g.id.value.clone(),
            title: g.title.clone(),
            codes: g.codes.clone(),
            default: g.default,
        });
    }
    if groups.is_empty() {
        l.group_ids.push(IMPLICIT_GROUP.to_string());
        groups.push(IndustryGroup {
            id: IMPLICIT_GROUP.into(),
            title: Text::new("全部行业", "All industries"),
            codes: Vec::new(),
            default: true,
        });
    } else {
        let defaults = groups.iter().filter(|g| g.default).count();
        if defaults != 1 {
            l.push(
                Diagnostic::error("default-group").arg("count", defaults),
                top,
            );
        }
    }

    // Dimensions.
    if raw.dimensions.is_empty() {
        l.push(Diagnostic::error("empty-node").variant("model"), top);
    }
    let combine = raw
        .score
        .as_ref()
        .and_then(|s| s.combine)
        .unwrap_or_default();
    let dimensions: Vec<Node> = raw
        .dimensions
        .into_iter()
        .map(|d| l.node(d, Some(combine), &Applicability::default(), None, true))
        .collect();
    let counted: Vec<&Node> = dimensions
        .iter()
        .filter(|d| d.counts_toward_level)
        .collect();
    let counted_sum: f64 = counted.iter().map(|d| d.points).sum();
    let score_points = match raw.score.as_ref().and_then(|s| s.points.as_ref()) {
        Some(p) => p.value,
        None if combine == Combine::Sum => counted_sum,
        None => counted.iter().map(|d| d.points).fold(0.0, f64::max),
    };
    if let Some(total) = &raw.total {
        let expected = if combine == Combine::Sum {
            counted_sum
        } else {
            score_points
        };
        if (total.value - expected).abs() > EPS {
            let d = Diagnostic::error("points-do-not-sum")
                .variant("total")
                .arg("points", total.value)
                .arg("sum", round(expected));
            l.push(d, Pos::of(total.referenced));
        }
    }
    if combine == Combine::Sum
        && let Some(p) = raw.score.as_ref().and_then(|s| s.points.as_ref())
        && (p.value - counted_sum).abs() > EPS
    {
        let d = Diagnostic::error("points-do-not-sum")
            .variant("score")
            .arg("points", p.value)
            .arg("sum", round(counted_sum));
        l.push(d, Pos::of(p.referenced));
    }
    if combine == Combine::WeightedMean && counted.iter().map(|d| d.weight).sum::<f64>() <= 0.0 {
        l.push(
            Diagnostic::error("missing-weight").variant("dimensions"),
            top,
        );
    }

    let scenario_count = l
        .items
        .iter()
        .filter(|i| matches!(i.spec, ItemSpec::Scenario { .. }))
        .count() as u32;
    let constrained = l
        .items
        .iter()
        .filter(|i| {
            matches!(
                i.spec,
                ItemSpec::Scenario {
                    constrained: true,
                    ..
                }
            )
        })
        .count() as u32;
    let levels = l.levels(raw.levels, score_points, scenario_count, constrained);

    let has_errors = l.diags.iter().any(Diagnostic::is_error);
    let item_index = l
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| (it.id.clone(), i))
        .collect();
    let model = Model {
        id: raw.id.value,
        version: raw.version.value,
        title: raw.title,
        source: raw.source,
        score_combine: combine,
        score_points,
        industry_groups: groups,
        dimensions,
        items: l.items,
        item_index,
        levels,
        flat: Default::default(),
    };
    (if has_errors { None } else { Some(model) }, l.diags)
}
