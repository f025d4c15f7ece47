//! Model lint: turns a raw model into a validated [`Model`], reporting every problem at once.

use super::raw::*;
use super::*;
use crate::diag::{Diagnostic, Pos};
use serde_saphyr::Spanned;
use std::collections::{BTreeSet, HashSet};

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

impl Linter<'_> {
    pub(super) fn err(&mut self, code: &'static str, pos: Pos, msg: String, help: &str) {
        self.diags.push(
            Diagnostic::error(code, msg)
                .in_file(self.file)
                .at(pos)
                .help(help.to_string()),
        );
    }

    pub(super) fn warn(&mut self, code: &'static str, pos: Pos, msg: String, help: &str) {
        self.diags.push(
            Diagnostic::warning(code, msg)
                .in_file(self.file)
                .at(pos)
                .help(help.to_string()),
        );
    }

    pub(super) fn check_id(&mut self, id: &Spanned<String>, what: &str) {
        let pos = Pos::of(id.referenced);
        let v = &id.value;
        let valid = !v.is_empty()
            && v.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid {
            self.err(
                "invalid-id",
                pos,
                format!("{what} id `{v}` is not a valid id"),
                "use letters, digits, `-`, `_` or `.`, no spaces, e.g. `network-connectivity`",
            );
        }
        if !self.ids.insert(v.clone()) {
            self.err(
                "duplicate-id",
                pos,
                format!("id `{v}` is used more than once in this model"),
                "give every dimension, indicator and item its own id; answer sheets refer to items by id",
            );
        }
    }

    pub(super) fn check_text(&mut self, text: &Text, pos: Pos, what: &str) {
        if text.zh.trim().is_empty() && text.en.trim().is_empty() {
            self.err(
                "missing-text",
                pos,
                format!("{what} is empty"),
                "write it in Chinese (zh) and English (en)",
            );
        } else if text.zh.trim().is_empty() {
            self.warn(
                "missing-translation",
                pos,
                format!("{what} has no Chinese text (zh)"),
                "add `zh:`; the product shows Simplified Chinese first",
            );
        } else if text.en.trim().is_empty() {
            self.warn(
                "missing-translation",
                pos,
                format!("{what} has no English text (en)"),
                "add `en:` so English reports are complete",
            );
        }
    }

    pub(super) fn check_fraction(&mut self, f: &Spanned<f64>, what: &str) -> f64 {
        let v = f.value;
        if !(0.0..=1.0).contains(&v) || !v.is_finite() {
            self.err(
                "fraction-out-of-range",
                Pos::of(f.referenced),
                format!("{what} has fraction {v}, outside 0–1"),
                "a fraction is the share of the item's points: 0.25 means a quarter",
            );
            // Clamped, so the one mistake does not also trip the reachability checks.
            return if v.is_finite() {
                v.clamp(0.0, 1.0)
            } else {
                0.0
            };
        }
        v
    }

    pub(super) fn non_negative(&mut self, v: &Spanned<f64>, what: &str) -> f64 {
        if !v.value.is_finite() || v.value < 0.0 {
            self.err(
                "negative-points",
                Pos::of(v.referenced),
                format!("{what} is {}, it must be zero or more", v.value),
                "points and weights are non-negative numbers",
            );
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
                        let known = self.group_ids.join(", ");
                        self.err(
                            "unknown-industry-group",
                            Pos::of(g.referenced),
                            format!(
                                "industry group `{}` is not declared in `industry_groups`",
                                g.value
                            ),
                            &format!("use one of: {known}"),
                        );
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
                        self.err(
                            "unknown-size-class",
                            Pos::of(s.referenced),
                            format!("size class `{}` is unknown", s.value),
                            "use medium, small, micro or large",
                        );
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
        self.check_id(&raw.id, "node");
        self.check_text(&raw.title, pos, &format!("title of `{}`", raw.id.value));
        let id = raw.id.value.clone();
        let combine = raw.combine.unwrap_or_default();
        let points = raw
            .points
            .as_ref()
            .map(|p| self.non_negative(p, &format!("points of `{id}`")));
        let weight = self.weight_of(raw.weight.as_ref(), parent_combine, &id, pos);
        let applies_to = inherited.and(&self.applicability(&raw.applies_to));
        let counts = counts && raw.counts_toward_level.unwrap_or(true);
        if dimension.is_some() && raw.counts_toward_level.is_some() {
            self.warn(
                "key-not-for-node",
                pos,
                format!("`counts_toward_level` on `{id}` has effect only on a dimension"),
                "move it to the top-level dimension",
            );
        }
        let dim = dimension.unwrap_or(&id).to_string();
        let children = match (raw.indicators, raw.items) {
            (Some(_), Some(_)) => {
                self.err(
                    "node-has-both",
                    pos,
                    format!("`{id}` has both `indicators` and `items`"),
                    "a node holds either child indicators or items; move the items into an indicator",
                );
                Children::Items(Vec::new())
            }
            (None, None) => {
                self.err(
                    "empty-node",
                    pos,
                    format!("`{id}` has neither `indicators` nor `items`"),
                    "add the items this node scores, or remove it",
                );
                Children::Items(Vec::new())
            }
            (Some(nodes), None) => {
                if nodes.is_empty() {
                    self.err(
                        "empty-node",
                        pos,
                        format!("`{id}` has an empty `indicators` list"),
                        "add indicators or remove the node",
                    );
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
                    self.err(
                        "empty-node",
                        pos,
                        format!("`{id}` has an empty `items` list"),
                        "add items or remove the node",
                    );
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
                    self.err(
                        "points-do-not-sum",
                        raw.points.as_ref().map_or(pos, |s| Pos::of(s.referenced)),
                        format!("`{id}` declares {p} points but its children add up to {}", round(sum)),
                        "make the children's points add up to the node's points, or correct the node's points",
                    );
                }
                p
            }
            (Combine::Sum, None) => sum,
            (_, Some(p)) => p,
            (_, None) => {
                self.err(
                    "missing-points",
                    pos,
                    format!("`{id}` combines its children by {combine:?} and needs `points` for its scale"),
                    "add `points:`, e.g. 100 for a 0–100 dimension",
                );
                0.0
            }
        };
        if combine == Combine::WeightedMean {
            let total_weight: f64 = match &children {
                Children::Nodes(n) => n.iter().map(|n| n.weight).sum(),
                Children::Items(i) => i.iter().map(|&i| self.items[i].weight).sum(),
            };
            if total_weight <= 0.0 {
                self.err(
                    "missing-weight",
                    pos,
                    format!("the children of `{id}` have no positive weight"),
                    "give each child a `weight:`",
                );
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
            (Some(w), Some(Combine::WeightedMean)) => {
                self.non_negative(w, &format!("weight of `{id}`"))
            }
            (None, Some(Combine::WeightedMean)) => {
                self.err(
                    "missing-weight",
                    pos,
                    format!("`{id}` is inside a weighted_mean node but has no `weight`"),
                    "add `weight:` (weights are relative: 2 counts double)",
                );
                0.0
            }
            (Some(w), _) => {
                self.warn(
                    "unused-weight",
                    Pos::of(w.referenced),
                    format!("`weight` of `{id}` is ignored: its parent does not combine by weighted_mean"),
                    "remove it, or set `combine: weighted_mean` on the parent",
                );
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
        self.check_id(&raw.id, "item");
        let id = raw.id.value.clone();
        self.check_text(&raw.title, pos, &format!("title of `{id}`"));
        if let Some(h) = &raw.help {
            self.check_text(h, pos, &format!("help of `{id}`"));
        }
        for e in &raw.evidence {
            self.check_text(e, pos, &format!("evidence of `{id}`"));
        }
        let kind = raw.kind.value;
        let points = match (&raw.points, parent_combine, kind) {
            (Some(p), _, _) => self.non_negative(p, &format!("points of `{id}`")),
            (None, Combine::Sum, ItemKind::Scenario) => 0.0,
            (None, Combine::Sum, _) => {
                self.err(
                    "missing-points",
                    pos,
                    format!("item `{id}` has no `points`"),
                    "add `points:` (its parent adds its children's points up)",
                );
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
                self.err(
                    "duplicate-id",
                    Pos::of(f.id.referenced),
                    format!("field `{}` appears twice in `{id}`", f.id.value),
                    "give each field its own id",
                );
            }
            self.check_text(
                &f.label,
                Pos::of(f.id.referenced),
                &format!("label of field `{}`", f.id.value),
            );
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
                self.err(
                    "key-not-for-kind",
                    pos,
                    format!("`{key}` does not belong on `{id}`, a {kind:?} item"),
                    &format!("remove `{key}`, or change `kind` to one that uses it ({kinds:?})"),
                );
            }
        }
        if raw.constrained && kind != Scenario {
            self.err(
                "key-not-for-kind",
                pos,
                format!("`constrained` does not belong on `{id}`, a {kind:?} item"),
                "only scenario items are constrained (约束性)",
            );
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
            self.err(
                "threshold-unreachable",
                Pos::of(a.referenced),
                format!("scenario grade {} does not exist", a.value),
                "scenarios are graded 1 to 4",
            );
        }
        let at_least = raw.at_least.as_ref().map_or(0, |s| s.value);
        let constrained_at_least = raw.constrained_at_least.as_ref().map_or(0, |s| s.value);
        if let Some(s) = &raw.at_least
            && s.value > scenarios
        {
            self.err(
                "threshold-unreachable",
                Pos::of(s.referenced),
                format!(
                    "level {level} needs {} scenarios but the model has {scenarios}",
                    s.value
                ),
                "lower the count or add scenario items",
            );
        }
        if let Some(s) = &raw.constrained_at_least {
            if s.value > constrained {
                self.err("threshold-unreachable", Pos::of(s.referenced), format!("level {level} needs {} constrained scenarios but the model marks {constrained}", s.value), "lower the count or mark scenarios `constrained: true`");
            }
            if s.value > at_least && raw.at_least.is_some() {
                self.warn("threshold-inconsistent", Pos::of(s.referenced), format!("level {level} needs more constrained scenarios ({}) than scenarios ({at_least})", s.value), "constrained scenarios are counted among all scenarios");
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
                self.err(
                    "bad-level",
                    pos,
                    "level 0 is reserved for \"no level\" (未达一级)".into(),
                    "number the levels from 1",
                );
            }
            if out.iter().any(|o| o.level == level) {
                self.err(
                    "duplicate-level",
                    pos,
                    format!("level {level} has more than one rule"),
                    "keep one rule per level; use `overrides` for industry variants",
                );
            }
            self.check_text(&r.name, pos, &format!("name of level {level}"));
            if r.min_score.is_none() && r.scenarios.is_none() {
                self.err(
                    "level-rule-empty",
                    pos,
                    format!("the rule for level {level} has no condition"),
                    "add `min_score:` and/or `scenarios:`",
                );
            }
            if r.scenarios.is_some() && scenario_count == 0 {
                self.err("level-rule-empty", pos, format!("the rule for level {level} counts scenarios, but the model has no scenario items"), "add scenario items or remove `scenarios:`");
            }
            let check_score = |this: &mut Self, s: &Option<Spanned<f64>>| {
                s.as_ref().map(|s| {
                    if s.value > score_points + EPS || s.value < 0.0 {
                        this.err("threshold-unreachable", Pos::of(s.referenced), format!("level {level} needs {} points but the level score runs 0–{score_points}", s.value), "lower the threshold or correct `score.points`");
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
                        let known = self.group_ids.join(", ");
                        self.err(
                            "unknown-industry-group",
                            Pos::of(g.referenced),
                            format!(
                                "level {level} override names unknown industry group `{}`",
                                g.value
                            ),
                            &format!("use one of: {known}"),
                        );
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
                self.diags.push(
                    Diagnostic::warning(
                        "levels-not-monotonic",
                        format!(
                            "level {} needs fewer points ({b}) than level {} ({a})",
                            pair[1].level, pair[0].level
                        ),
                    )
                    .in_file(self.file)
                    .at(pos_of(pair[1].level))
                    .help("a higher level should not be easier to reach"),
                );
            }
            if pair[1].level != pair[0].level + 1 {
                self.diags.push(
                    Diagnostic::warning(
                        "levels-not-consecutive",
                        format!("levels jump from {} to {}", pair[0].level, pair[1].level),
                    )
                    .in_file(self.file)
                    .at(pos_of(pair[1].level))
                    .help("number the levels 1, 2, 3, …"),
                );
            }
        }
        out
    }
}

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
        l.err(
            "invalid-id",
            top,
            "the model id is empty".into(),
            "give the model an id such as `sme-dx-2024`",
        );
    }
    if raw.version.value.trim().is_empty() {
        l.err(
            "missing-field",
            Pos::of(raw.version.referenced),
            "the model version is empty".into(),
            "give a version such as \"2024.1\"; every result records it",
        );
    }
    l.check_text(&raw.title, top, "model title");

    // Industry groups.
    let mut groups = Vec::new();
    let mut codes_seen: BTreeSet<String> = BTreeSet::new();
    for g in &raw.industry_groups {
        let gpos = Pos::of(g.id.referenced);
        if l.group_ids.contains(&g.id.value) {
            l.err(
                "duplicate-id",
                gpos,
                format!("industry group `{}` is declared twice", g.id.value),
                "give each group its own id",
            );
        }
        l.group_ids.push(g.id.value.clone());
        l.check_text(
            &g.title,
            gpos,
            &format!("title of industry group `{}`", g.id.value),
        );
        for c in &g.codes {
            let valid = c.len() <= 5
                && c.chars().next().is_some_and(|ch| ch.is_ascii_uppercase())
                && c.chars().skip(1).all(|ch| ch.is_ascii_digit());
            if !valid {
                l.err(
                    "bad-industry-code",
                    gpos,
                    format!(
                        "`{c}` in group `{}` is not a GB/T 4754 code prefix",
                        g.id.value
                    ),
                    "write a 门类 letter, optionally with digits: C, C36, G595",
                );
            }
            if !codes_seen.insert(c.clone()) {
                l.warn(
                    "duplicate-industry-code",
                    gpos,
                    format!("code `{c}` is claimed by more than one group"),
                    "list each code in one group only",
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
            l.err(
                "default-group",
                top,
                format!(
                    "{defaults} industry groups are marked `default: true`; exactly one must be"
                ),
                "mark the group for all other industries `default: true`",
            );
        }
    }

    // Dimensions.
    if raw.dimensions.is_empty() {
        l.err(
            "empty-node",
            top,
            "the model has no dimensions".into(),
            "add at least one dimension with items",
        );
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
            l.err("points-do-not-sum", Pos::of(total.referenced), format!("the model declares total {} but the dimensions that count toward the level add up to {}", total.value, round(expected)), "correct `total`, or the dimensions' points");
        }
    }
    if combine == Combine::Sum
        && let Some(p) = raw.score.as_ref().and_then(|s| s.points.as_ref())
        && (p.value - counted_sum).abs() > EPS
    {
        l.err(
            "points-do-not-sum",
            Pos::of(p.referenced),
            format!(
                "`score.points` is {} but the dimensions add up to {}",
                p.value,
                round(counted_sum)
            ),
            "with `combine: sum`, leave `score.points` out or make it the sum",
        );
    }
    if combine == Combine::WeightedMean && counted.iter().map(|d| d.weight).sum::<f64>() <= 0.0 {
        l.err(
            "missing-weight",
            top,
            "the dimensions have no positive weight".into(),
            "give each dimension a `weight:`",
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
    };
    (if has_errors { None } else { Some(model) }, l.diags)
}
