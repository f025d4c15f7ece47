//! Stage 4, explain: the roadmap a consultant signs — each step's reason, what it lifts, its KPIs and
//! kinds of provider, costs split one-off / yearly over the plan's years, subsidies within the caps per
//! step and per firm with their condition, projections by re-scoring, measures shown apart, and notes
//! on the target, capacity, budget and the catalog's ceiling.

use super::super::catalog::{Catalog, Effort, Lift};
use super::super::policies::Policies;
use super::super::tuning::Tuning;
use super::candidates::{Candidate, stated, talent_people};
use super::select::{Selection, bundle};
use super::{apply_lifts, rescore};
use crate::answers::{AnswerSheet, AnswerValue};
use crate::model::{ItemSpec, Model};
use crate::score::{Assessment, LevelGap, score};
use crate::text::{Text, format_yuan};
use serde::Serialize;

/// A roadmap step, a talent measure or an organisational measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    Product,
    Talent,
    Measure,
}

/// A cost over the plan's years, CNY: list = one-off + yearly × years in use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct CostSplit {
    pub one_off: f64,
    pub yearly: f64,
    pub list: f64,
    pub platform_discount: f64,
    /// Subsidy counted (the plan meets its condition).
    pub subsidy: f64,
    /// Subsidy that would be paid only if the condition were met (not counted).
    pub subsidy_conditional: f64,
    /// list − platform discount − subsidy.
    pub enterprise: f64,
}

impl CostSplit {
    fn add(&mut self, o: &CostSplit) {
        self.one_off += o.one_off;
        self.yearly += o.yearly;
        self.list += o.list;
        self.platform_discount += o.platform_discount;
        self.subsidy += o.subsidy;
        self.subsidy_conditional += o.subsidy_conditional;
        self.enterprise += o.enterprise;
    }
}

/// One step of the roadmap (or a measure beside it).
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// 1-based position in the roadmap (measures: in the measures list).
    pub number: usize,
    pub id: String,
    pub kind: StepKind,
    pub name: Text,
    pub description: Text,
    /// Why this step: the pains it relieves, what it lifts, what the target needs.
    pub reason: Text,
    /// Stated pain points it relieves.
    pub relieves: Vec<Text>,
    /// What it lifts, in words.
    pub lifts: Vec<Text>,
    /// Every lift of the product (what adopting it makes true).
    pub lift_specs: Vec<Lift>,
    /// The lifts that change this firm's answers, given the steps before it.
    pub effective_lifts: Vec<Lift>,
    /// 1-based phase; one past the last phase = deferred beyond the plan.
    pub phase: u8,
    /// CNY ranges for the firm's size.
    pub one_off_range: [f64; 2],
    pub yearly_range: [f64; 2],
    pub cost_year: u16,
    /// Middle of the ranges over the years in use.
    pub cost: CostSplit,
    /// Years of subscription counted in `cost`.
    pub years: f64,
    pub subsidy_example: bool,
    /// Said beside the subsidy figure: the condition of payment, caps, the document.
    pub subsidy_note: Text,
    /// Document numbers of the subsidy.
    pub subsidy_source: String,
    /// Training: who qualifies and what must be shown.
    pub qualifies: Option<Text>,
    pub claim_condition: Option<Text>,
    pub weeks_to_value: u32,
    pub effort: Effort,
    pub free_trial: bool,
    pub requires: Vec<String>,
    /// Why it is 小/快/轻/准.
    pub why: Text,
    pub source: Option<String>,
    /// 预期成效: what to measure.
    pub kpis: Vec<Text>,
    /// 服务商类型: kinds of provider to look for.
    pub providers: Vec<Text>,
}

/// A phase with the projected result after it, computed by re-scoring.
#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    pub index: u8,
    pub months: [u8; 2],
    pub title: Text,
    pub steps: Vec<String>,
    /// Beyond the planned phases (no capacity left).
    pub deferred: bool,
    pub cost: CostSplit,
    /// Costs of this and every earlier phase.
    pub cumulative: CostSplit,
    pub projected_score: f64,
    pub projected_level: u8,
    pub projected_level_name: Text,
    /// Of the projected score, points that come from measures (保障措施).
    pub measures_points: f64,
    /// Subsidy of this and earlier phases that the firm pays in advance at the end of this phase:
    /// the plan meets the condition of payment (a level) only in a later phase. Counted in
    /// `cumulative.subsidy`; the firm's cash out so far is `cumulative.enterprise` plus this.
    pub subsidy_pending: f64,
}

/// 投资估算: measures, phases and the total over the plan's years.
#[derive(Debug, Clone, Serialize)]
pub struct Investment {
    pub years: u8,
    /// Costs of the measures (training, consulting), in the first phase's money.
    pub measures: CostSplit,
    pub total: CostSplit,
    /// Per-firm cap applied, CNY, if any.
    pub firm_cap: Option<f64>,
    /// The condition of payment, said beside the subsidy.
    pub subsidy_condition: Option<Text>,
    /// The plan reaches the level the subsidy is paid at.
    pub subsidy_payable: bool,
    pub subsidy_source: Option<String>,
}

/// The plan for one firm.
#[derive(Debug, Clone, Serialize)]
pub struct Roadmap {
    pub target_level: u8,
    pub target_name: Text,
    pub target_reason: Text,
    pub budget: Option<f64>,
    /// Does the plan reach the target?
    pub reaches_target: bool,
    pub final_level: u8,
    pub final_level_name: Text,
    pub final_score: f64,
    /// Points of the final score that come from measures.
    pub measures_points: f64,
    /// The level the products alone reach.
    pub products_level: u8,
    /// What remains short of the target after every step (when not reached).
    pub remaining_gap: Option<LevelGap>,
    /// The highest score and level everything fitting in the catalog reaches.
    pub ceiling_score: f64,
    pub ceiling_level: u8,
    pub steps: Vec<Step>,
    /// 保障措施 beside the roadmap.
    pub measures: Vec<Step>,
    pub phases: Vec<Phase>,
    pub total: CostSplit,
    pub investment: Investment,
    /// Stated pain points the firm gave (vocabulary titles and free text).
    pub pain_points: Vec<Text>,
    pub policies: Vec<String>,
    pub as_of: String,
    pub conditions: Vec<Text>,
    /// Why the plan stops where it does, in words.
    pub note: Text,
    /// Further notes: capacity, measures, pilot status.
    pub notes: Vec<Text>,
}

/// The target and budget the plan works toward.
pub(crate) struct Goal {
    pub target: u8,
    pub target_reason: Text,
    pub budget: Option<f64>,
}

/// Each candidate's list cost, platform discount and subsidy before any per-firm cap, for `years` of use.
fn price(c: &Candidate, sheet: &AnswerSheet, policies: &Policies, years: f64) -> (CostSplit, bool) {
    let mid = |r: [f64; 2]| ((r[0] + r[1]) / 2.0).round();
    let (one_off, yearly) = (mid(c.one_off), mid(c.yearly));
    let list = one_off + yearly * years;
    if let Some(t) = c.talent {
        let people = talent_people(sheet);
        let subsidy = policies
            .training_subsidies
            .get(&t.id)
            .map_or(0.0, |s| (s.per_person * people).min(list).round());
        let example = policies
            .training_subsidies
            .get(&t.id)
            .is_some_and(|s| s.example);
        return (
            CostSplit {
                one_off,
                yearly,
                list,
                subsidy,
                enterprise: list - subsidy,
                ..CostSplit::default()
            },
            example,
        );
    }
    let (platform_discount, subsidy) = policies.split(&c.category, list, one_off + yearly);
    let example = policies.shares.get(&c.category).is_some_and(|s| s.example);
    (
        CostSplit {
            one_off,
            yearly,
            list,
            platform_discount,
            subsidy,
            subsidy_conditional: 0.0,
            enterprise: list - platform_discount - subsidy,
        },
        example,
    )
}

/// The enterprise's share of each candidate over the full plan, with no subsidy in hand (for the budget).
pub(crate) fn list_costs(
    cands: &[Candidate],
    sheet: &AnswerSheet,
    policies: &Policies,
    t: &Tuning,
) -> Vec<f64> {
    cands
        .iter()
        .map(|c| {
            let (s, _) = price(c, sheet, policies, f64::from(t.years));
            s.list - s.platform_discount
        })
        .collect()
}

fn join(v: &[Text], zh: &str, en: &str) -> Text {
    Text::new(
        &v.iter().map(|t| t.zh.as_str()).collect::<Vec<_>>().join(zh),
        &v.iter().map(|t| t.en.as_str()).collect::<Vec<_>>().join(en),
    )
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn explain(
    model: &Model,
    sheet: &AnswerSheet,
    current: &Assessment,
    catalog: &Catalog,
    cands: &[Candidate],
    sel: &Selection,
    phased: &[(usize, u8)],
    policies: &Policies,
    t: &Tuning,
    goal: Goal,
) -> Roadmap {
    let target = goal.target;
    let level_name = |l: u8| {
        model.level_rule(l).map_or_else(
            || Text::new(&format!("{l} 级"), &format!("level {l}")),
            |r| r.name.clone(),
        )
    };
    let target_name = level_name(target);
    let (pains, _) = stated(sheet);
    let vocab = super::super::vocabulary::bundled();
    let pain_title = |id: &str| {
        vocab
            .pain_points
            .iter()
            .find(|p| p.id == id)
            .map_or_else(|| Text::new(id, id), |p| p.title.clone())
    };
    let n = t.phases.len() as u8;
    let start_month = |p: u8| {
        t.phases
            .get(usize::from(p).saturating_sub(1))
            .map_or(t.later.months[0], |s| s.months[0])
    };
    let years_in_use = |p: u8| (f64::from(t.years) - f64::from(start_month(p)) / 12.0).max(1.0);

    // Measures first (they start at once), then the steps in phase order.
    let mut running = sheet.clone();
    let make = |i: usize, phase: u8, number: usize, running: &mut AnswerSheet| -> Step {
        let c = &cands[i];
        // "toward the target" only while the plan has not reached it yet.
        let toward = rescore(model, running, target, &t.weights).level < target;
        let mut effective = Vec::new();
        let mut lifts = Vec::new();
        for l in &c.lifts {
            let before = running.clone();
            if apply_lifts(model, running, std::slice::from_ref(l)) {
                lifts.push(describe_change(model, l, &before, running));
                // Of options to add, only those the firm did not have before (what it will show).
                let mut l = l.clone();
                let had = match l.item.as_ref().and_then(|i| before.answers.get(i)) {
                    Some(a) => match &a.value {
                        AnswerValue::Choices { options } => options.clone(),
                        _ => Vec::new(),
                    },
                    None => Vec::new(),
                };
                if let Some(add) = &mut l.add {
                    add.retain(|o| !had.contains(o));
                }
                effective.push(l);
            }
        }
        let relieves: Vec<Text> = c.pains.iter().map(|p| pain_title(p)).collect();
        let mut reason_parts: Vec<Text> = Vec::new();
        if !relieves.is_empty() {
            let r = join(&relieves, "、", ", ");
            reason_parts.push(Text::new(
                &format!("针对企业提出的痛点：{}", r.zh),
                &format!("relieves the stated pain points: {}", r.en),
            ));
        } else if c.favoured {
            reason_parts.push(Text::new(
                "本行业的首选做法",
                "a first choice in this industry",
            ));
        }
        if !lifts.is_empty() {
            let l = join(&lifts, "；", "; ");
            reason_parts.push(if toward {
                Text::new(
                    &format!("{}（服务于达到{}）", l.zh, target_name.zh),
                    &format!("{} (toward {})", l.en, target_name.en),
                )
            } else {
                l
            });
        }
        // Steps that need this one and come after it (a measure comes before every step).
        let later = match phased.iter().position(|&(j, _)| j == i) {
            Some(k) => &phased[k + 1..],
            None => phased,
        };
        let needed_by: Vec<&Text> = later
            .iter()
            .map(|&(j, _)| &cands[j])
            .filter(|d| d.requires.contains(&c.id) || d.requires_any.contains(&c.id))
            .map(|d| &d.name)
            .collect();
        if !needed_by.is_empty() {
            let names = |f: fn(&Text) -> &str, sep| {
                needed_by.iter().map(|t| f(t)).collect::<Vec<_>>().join(sep)
            };
            reason_parts.push(Text::new(
                &format!("为「{}」提供数据或前提", names(|t| &t.zh, "、")),
                &format!("gives {} its data or prerequisite", names(|t| &t.en, ", ")),
            ));
        }
        let r = join(&reason_parts, "；", "; ");
        let reason = Text::new(&format!("{}。", r.zh), &format!("{}.", r.en));
        let years = years_in_use(phase);
        let (cost, example) = price(c, sheet, policies, years);
        let kind = match (c.talent.is_some(), c.measure) {
            (true, _) => StepKind::Talent,
            (false, true) => StepKind::Measure,
            _ => StepKind::Product,
        };
        let (qualifies, claim_condition, subsidy_source) = match c.talent {
            Some(tal) => (
                tal.qualifies.clone(),
                tal.condition.clone(),
                tal.source.clone(),
            ),
            None => (
                None,
                None,
                policies
                    .shares
                    .get(&c.category)
                    .map_or_else(String::new, |s| s.source.clone()),
            ),
        };
        Step {
            number,
            id: c.id.clone(),
            kind,
            name: c.name.clone(),
            description: c.description.clone(),
            reason,
            relieves,
            lifts,
            lift_specs: c.lifts.clone(),
            effective_lifts: effective,
            phase,
            one_off_range: c.one_off,
            yearly_range: c.yearly,
            cost_year: c.solution.map_or(0, |s| s.cost_year),
            cost,
            years,
            subsidy_example: example,
            subsidy_note: Text::default(),
            subsidy_source,
            qualifies,
            claim_condition,
            weeks_to_value: c.weeks,
            effort: c.effort,
            free_trial: c.free_trial,
            requires: c.requires.iter().chain(&c.requires_any).cloned().collect(),
            why: c.why.clone(),
            source: c
                .talent
                .map(|t| t.source.clone())
                .or_else(|| c.solution.map(|s| s.cost_basis.zh.clone())),
            kpis: c.solution.map(|s| s.kpis.clone()).unwrap_or_default(),
            providers: c.solution.map(|s| s.providers.clone()).unwrap_or_default(),
        }
    };
    let mut measures: Vec<Step> = Vec::new();
    for (k, &i) in sel.measures.iter().enumerate() {
        measures.push(make(i, 1, k + 1, &mut running));
    }
    let mut steps: Vec<Step> = Vec::new();
    for &(i, phase) in phased {
        let number = steps.len() + 1;
        steps.push(make(i, phase, number, &mut running));
    }

    // Projections: re-score with each phase's steps applied, with and without the measures.
    let mut with = sheet.clone();
    for m in &measures {
        apply_lifts(model, &mut with, &m.lift_specs);
    }
    let mut without = sheet.clone();
    let mut phases: Vec<Phase> = Vec::new();
    for index in 1..=n + 1 {
        let in_phase: Vec<&Step> = steps.iter().filter(|s| s.phase == index).collect();
        if in_phase.is_empty() && (index != 1 || measures.is_empty()) {
            continue;
        }
        for s in &in_phase {
            apply_lifts(model, &mut with, &s.lift_specs);
            apply_lifts(model, &mut without, &s.lift_specs);
        }
        let a = score(model, &with);
        let b = score(model, &without);
        let spec = t.phases.get(usize::from(index) - 1).unwrap_or(&t.later);
        phases.push(Phase {
            index,
            months: spec.months,
            title: spec.title.clone(),
            steps: in_phase.iter().map(|s| s.id.clone()).collect(),
            deferred: index > n,
            cost: CostSplit::default(),
            cumulative: CostSplit::default(),
            projected_score: a.level_score,
            projected_level: a.level,
            projected_level_name: a.level_name.clone(),
            measures_points: a.level_score - b.level_score,
            subsidy_pending: 0.0,
        });
    }
    let last = score(model, &with);
    let products_only = score(model, &without);

    // Subsidies: the condition of payment and the per-firm cap by the level the plan reaches.
    let rule = policies.subsidy_rule.as_ref();
    let payable = rule
        .and_then(|r| r.pays_at_level)
        .is_none_or(|l| last.level >= l);
    let cap_level = if payable {
        last.level
    } else {
        rule.and_then(|r| r.pays_at_level).unwrap_or(last.level)
    };
    let firm_cap = rule
        .map(|r| r.firm_cap_at(cap_level))
        .filter(|c| c.is_finite());
    let mut left = firm_cap.unwrap_or(f64::INFINITY);
    let cond = rule.map(|r| r.condition.clone());
    // The per-firm cap is used in the order the money is spent: the first phase's products (the 改造
    // the subsidy is for), the measures that run beside them, then the later phases' products.
    let first_phase = steps.iter().take_while(|s| s.phase <= 1).count();
    let (first, later) = steps.split_at_mut(first_phase);
    for s in first.iter_mut().chain(measures.iter_mut()).chain(later) {
        if s.kind == StepKind::Talent {
            s.subsidy_note = match &s.qualifies {
                None => Text::new(
                    "不属于职业培训补贴范围，无补贴。",
                    "Not a vocational training subsidy; no subsidy.",
                ),
                _ if s.cost.subsidy > 0.0 => Text::new(
                    &format!(
                        "仅符合条件人员可领，取得证书后申领，每人累计最多3次（财社〔2023〕181号）；金额：{}",
                        policies
                            .training_subsidies
                            .get(&s.id)
                            .map_or("", |x| x.source.as_str())
                    ),
                    "only people who qualify, after a certificate, at most 3 times per person (财社〔2023〕181号)",
                ),
                _ => Text::new(
                    "补贴标准由省级人社、财政部门确定（财社〔2023〕181号），所在地区文件未收录金额，未计入。",
                    "Amounts are set by the province (财社〔2023〕181号); the region's file has none, so none is counted.",
                ),
            };
            continue;
        }
        let raw = s.cost.subsidy;
        let granted = raw.min(left).max(0.0);
        left -= granted;
        if payable {
            s.cost.subsidy = granted;
        } else {
            s.cost.subsidy = 0.0;
            s.cost.subsidy_conditional = granted;
        }
        s.cost.enterprise = s.cost.list - s.cost.platform_discount - s.cost.subsidy;
        let capped = if granted < raw {
            Text::new("；已达每户补助上限", "; the per-firm cap is reached")
        } else {
            Text::default()
        };
        // The condition itself is stated once above the table (investment.subsidy_condition).
        s.subsidy_note = match &cond {
            _ if s.cost.list <= 0.0 => Text::new("无费用，无补贴。", "No cost, no subsidy."),
            Some(_) if payable => Text::new(
                &format!("满足上述拨付条件后拨付{}。", capped.zh),
                &format!("Paid once the condition above is met{}.", capped.en),
            ),
            Some(_) => Text::new(
                &format!(
                    "有条件补贴：按本路线图达不到上述拨付条件，未计入企业承担{}。",
                    capped.zh
                ),
                &format!(
                    "Conditional: this roadmap does not reach the condition above, so the subsidy is not counted{}.",
                    capped.en
                ),
            ),
            None => capped,
        };
    }

    // Costs per phase, cumulative, total.
    let mut cumulative = CostSplit::default();
    let mut measures_cost = CostSplit::default();
    for m in &measures {
        measures_cost.add(&m.cost);
    }
    // A subsidy paid at a level (not a training subsidy, paid per certificate) is paid once the
    // plan's phase reaches that level; until then the firm advances it.
    let pays_at = rule.and_then(|r| r.pays_at_level).filter(|_| payable);
    let level_subsidy = |s: &Step| {
        if s.kind == StepKind::Talent {
            0.0
        } else {
            s.cost.subsidy
        }
    };
    let mut advanced = 0.0;
    for ph in &mut phases {
        for s in steps.iter().filter(|s| s.phase == ph.index) {
            ph.cost.add(&s.cost);
            advanced += level_subsidy(s);
        }
        if ph.index == 1 {
            ph.cost.add(&measures_cost);
            advanced += measures.iter().map(level_subsidy).sum::<f64>();
        }
        cumulative.add(&ph.cost);
        ph.cumulative = cumulative;
        if pays_at.is_some_and(|l| ph.projected_level < l) {
            ph.subsidy_pending = advanced;
        }
    }
    let total = cumulative;

    // The ceiling: everything that fits and whose prerequisites can be had, regardless of budget and
    // capacity.
    let mut all = sheet.clone();
    for (i, c) in cands.iter().enumerate() {
        if bundle(i, cands, &[], &mut Vec::new(), 0) {
            apply_lifts(model, &mut all, &c.lifts);
        }
    }
    let ceiling = rescore(model, &all, target, &t.weights);

    let reaches_target = last.level >= target;
    let remaining_gap = (last.level < target)
        .then(|| {
            crate::score::level_gap(
                model,
                target,
                &sheet.profile.industry_group,
                last.level_score,
                &last.scenarios,
            )
        })
        .flatten();
    let budget = goal.budget;
    let note = if current.level >= target {
        Text::new(
            "企业已达到目标等级；以下步骤针对企业提出的痛点和行业特点。",
            "The firm is already at the target level; the steps below address its stated pain points and industry.",
        )
    } else if reaches_target {
        Text::default()
    } else if ceiling.level < target {
        let cl = level_name(ceiling.level);
        Text::new(
            &format!(
                "目录中适合本企业的全部产品和保障措施最多把评测总分提到 {}（{}），达不到{}；其余差距需要定制项目或目录之外的改造。",
                crate::text::points(ceiling.score),
                cl.zh,
                target_name.zh
            ),
            &format!(
                "Everything in the catalog that fits this firm lifts the score to at most {} ({}), short of {}; the rest needs tailored projects beyond the catalog.",
                crate::text::points(ceiling.score),
                cl.en,
                target_name.en
            ),
        )
    } else if sel.budget_blocked {
        Text::new(
            &format!(
                "在每年 {} 元的预算内无法达到{}（目录中的产品最多可达 {}，{}）；路线图给出预算内可达的最好结果。",
                format_yuan(budget.unwrap_or(0.0)),
                target_name.zh,
                crate::text::points(ceiling.score),
                level_name(ceiling.level).zh
            ),
            &format!(
                "{} cannot be reached within the yearly budget of CNY {} (the catalog could reach {}, {}); the roadmap shows the best within budget.",
                target_name.en,
                format_yuan(budget.unwrap_or(0.0)),
                crate::text::points(ceiling.score),
                level_name(ceiling.level).en
            ),
        )
    } else {
        Text::new(
            &format!(
                "目录中适合本企业的产品全部实施最多可达 {}（{}）；本路线图按对企业的价值和投入列出 {} 项，全部完成后仍达不到{}，其余差距宜在这些项目完成后重新评估、再行规划。",
                crate::text::points(ceiling.score),
                level_name(ceiling.level).zh,
                sel.steps.len(),
                target_name.zh
            ),
            &format!(
                "Everything fitting in the catalog could reach {} ({}); this roadmap lists the {} steps of most value for their cost, which still fall short of {}; plan the rest after a new assessment once they are done.",
                crate::text::points(ceiling.score),
                level_name(ceiling.level).en,
                sel.steps.len(),
                target_name.en
            ),
        )
    };
    let mut notes = vec![goal.target_reason];
    let deferred: Vec<&Step> = steps.iter().filter(|s| s.phase > n).collect();
    if !deferred.is_empty() {
        let names = join(
            &deferred.iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
            "、",
            ", ",
        );
        notes.push(Text::new(
            &format!(
                "按{}企业每阶段最多 {} 个实施项目（其中重型项目最多 {} 个），以下项目顺延到 24 个月以后，届时重新评估，按同样的节奏分批实施：{}。",
                sheet
                    .profile
                    .size_class
                    .map_or("", |s| s.label(crate::text::Lang::Zh)),
                t.capacity(sheet.profile.size_class),
                t.heavy_per_phase,
                names.zh
            ),
            &format!(
                "With at most {} implementation projects per phase for a {} firm (at most {} heavy), these move beyond 24 months, to be reassessed then and carried out in batches at the same pace: {}.",
                t.capacity(sheet.profile.size_class),
                sheet
                    .profile
                    .size_class
                    .map_or("", |s| s.label(crate::text::Lang::En)),
                t.heavy_per_phase,
                names.en
            ),
        ));
    }
    let measures_points = last.level_score - products_only.level_score;
    if measures_points > 0.005 {
        notes.push(Text::new(
            &format!(
                "预计评测总分中，保障措施占 +{} 分。{}",
                crate::text::points(measures_points),
                if products_only.level < last.level {
                    format!(
                        "仅靠产品步骤只能达到{}，{}要靠保障措施落实到位。",
                        products_only.level_name.zh, last.level_name.zh
                    )
                } else {
                    String::new()
                }
            ),
            &format!(
                "Of the projected score, measures add +{} points.{}",
                crate::text::points(measures_points),
                if products_only.level < last.level {
                    format!(
                        " The product steps alone reach {}; {} depends on the measures being carried out.",
                        products_only.level_name.en, last.level_name.en
                    )
                } else {
                    String::new()
                }
            ),
        ));
    }
    if let Some(p) = &policies.pilot
        && !p.covers(sheet.profile.industry.as_deref())
    {
        notes.push(Text::new(
            &format!(
                "企业所在行业不在{}公布的试点细分行业内，试点补助可能不适用。",
                p.city.zh
            ),
            &format!(
                "The firm's industry is not among {}'s pilot sub-industries; pilot subsidies may not apply.",
                p.city.en
            ),
        ));
    }
    notes.extend(unrelieved_pains(sheet, catalog, cands, sel, phased));
    let mut pain_points: Vec<Text> = pains.titles.clone();
    pain_points.extend(pains.free.iter().map(|f| Text::new(f, f)));
    Roadmap {
        target_level: target,
        target_name,
        target_reason: notes[0].clone(),
        budget,
        reaches_target,
        final_level: last.level,
        final_level_name: last.level_name.clone(),
        final_score: last.level_score,
        measures_points,
        products_level: products_only.level,
        remaining_gap,
        ceiling_score: ceiling.score,
        ceiling_level: ceiling.level,
        steps,
        measures,
        phases,
        total,
        investment: Investment {
            years: t.years,
            measures: measures_cost,
            total,
            firm_cap,
            subsidy_condition: cond,
            subsidy_payable: payable,
            subsidy_source: rule.map(|r| r.source.clone()),
        },
        pain_points,
        policies: policies.applied.clone(),
        as_of: policies.as_of.clone(),
        conditions: policies
            .conditions
            .iter()
            .map(|c| {
                Text::new(
                    &format!("{}（{}）", c.zh, c.source),
                    &format!("{} ({})", c.en, c.source),
                )
            })
            .collect(),
        note,
        notes,
    }
}

/// A note for each stated pain no step or measure relieves, saying why, so that the owner sees every
/// pain answered: a system the firm runs already covers it, a fitting product was left out of this
/// plan, or the catalog has nothing that suits the firm; a pain written in the firm's own words is
/// left to the on-site diagnosis.
fn unrelieved_pains(
    sheet: &AnswerSheet,
    catalog: &Catalog,
    cands: &[Candidate],
    sel: &Selection,
    phased: &[(usize, u8)],
) -> Vec<Text> {
    let (pains, systems) = stated(sheet);
    let planned: Vec<&Candidate> = (phased.iter().map(|&(i, _)| i))
        .chain(sel.measures.iter().copied())
        .map(|i| &cands[i])
        .collect();
    let vocab = super::super::vocabulary::bundled();
    let mut notes = Vec::new();
    for (id, title) in pains.ids.iter().zip(&pains.titles) {
        if planned.iter().any(|c| c.pains.contains(id)) {
            continue;
        }
        let relieves = |e: &&super::super::catalog::Solution| e.pain_points.contains(id);
        let running: Vec<Text> = (catalog.entries.iter().filter(relieves))
            .filter_map(|e| e.system.as_ref())
            .filter(|sys| systems.ids.contains(sys))
            .filter_map(|sys| vocab.systems.iter().find(|t| &t.id == sys))
            .map(|t| t.title.clone())
            .fold(Vec::new(), |mut v, t| {
                if !v.contains(&t) {
                    v.push(t);
                }
                v
            });
        let left_out: Vec<Text> = (cands.iter())
            .filter(|c| c.pains.contains(id) && !planned.iter().any(|p| p.id == c.id))
            .map(|c| c.name.clone())
            .collect();
        notes.push(if !running.is_empty() {
            let r = join(&running, "、", ", ");
            Text::new(
                &format!(
                    "痛点「{}」：企业已在用的{}可以缓解，路线图不再重复购买，建议先用足其相关功能。",
                    title.zh, r.zh
                ),
                &format!(
                    "Pain '{}': systems the firm already runs ({}) can relieve it; the roadmap does not buy them again. Make full use of them first.",
                    title.en, r.en
                ),
            )
        } else if !left_out.is_empty() {
            let l = join(&left_out, "、", ", ");
            Text::new(
                &format!(
                    "痛点「{}」：可缓解它的{}未纳入本路线图（对达到目标等级的作用较小或超出预算），可按需增补。",
                    title.zh, l.zh
                ),
                &format!(
                    "Pain '{}': {} would relieve it but is not in this roadmap (little effect on the target level, or over budget); add it if wanted.",
                    title.en, l.en
                ),
            )
        } else {
            Text::new(
                &format!(
                    "痛点「{}」：目录中没有适合本企业、能直接缓解它的产品，建议在现场诊断时单独分析。",
                    title.zh
                ),
                &format!(
                    "Pain '{}': the catalog has no product that suits the firm and plainly relieves it; analyse it on site.",
                    title.en
                ),
            )
        });
    }
    if !pains.free.is_empty() {
        let words = pains.free.join("、");
        notes.push(Text::new(
            &format!("企业自述的痛点「{words}」不在标准痛点词表中，未与目录产品对应，建议在现场诊断时单独分析。"),
            &format!("The pains written in the firm's own words ('{words}') are not in the vocabulary and are not matched to products; analyse them on site."),
        ));
    }
    notes
}

/// "约束性场景「设备管理」1 级 → 2 级" or "「信息系统覆盖」B 单个环节 → C 多个环节".
fn describe_change(model: &Model, l: &Lift, before: &AnswerSheet, after: &AnswerSheet) -> Text {
    let id = l
        .scenario
        .as_ref()
        .or(l.item.as_ref())
        .cloned()
        .unwrap_or_default();
    let Some(item) = model.item(&id) else {
        return Text::new(&id, &id);
    };
    let show = |s: &AnswerSheet| item.display(s.answers.get(&id).map(|a| &a.value));
    let (from, to) = (show(before), show(after));
    match &item.spec {
        ItemSpec::Scenario { constrained, .. } => Text::new(
            &format!(
                "{}「{}」{} → {}",
                if *constrained {
                    "约束性场景"
                } else {
                    "场景"
                },
                item.title.zh,
                from.zh,
                to.zh
            ),
            &format!(
                "{} scenario '{}' {} → {}",
                if *constrained {
                    "constrained"
                } else {
                    "guiding"
                },
                item.title.en,
                from.en,
                to.en
            ),
        ),
        ItemSpec::Multi { options, .. } => {
            let chosen = |s: &AnswerSheet| match s.answers.get(&id).map(|a| &a.value) {
                Some(AnswerValue::Choices { options }) => options.clone(),
                _ => Vec::new(),
            };
            let had = chosen(before);
            let added: Vec<&crate::model::Choice> = options
                .iter()
                .filter(|o| chosen(after).contains(&o.id) && !had.contains(&o.id))
                .collect();
            Text::new(
                &format!(
                    "「{}」增加 {}",
                    item.title.zh,
                    added
                        .iter()
                        .map(|o| format!("{} {}", o.id, o.label.zh))
                        .collect::<Vec<_>>()
                        .join("、")
                ),
                &format!(
                    "'{}' adds {}",
                    item.title.en,
                    added
                        .iter()
                        .map(|o| format!("{} {}", o.id, o.label.en))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        }
        ItemSpec::Single { options } => {
            let id_of = |s: &AnswerSheet| match s.answers.get(&id).map(|a| &a.value) {
                Some(AnswerValue::Choice { option }) => option.clone(),
                _ => "—".to_string(),
            };
            let new = options.iter().find(|o| o.id == id_of(after));
            Text::new(
                &format!(
                    "「{}」{} → {} {}",
                    item.title.zh,
                    id_of(before),
                    id_of(after),
                    new.map_or("", |o| o.label.zh.as_str())
                ),
                &format!(
                    "'{}' {} → {} {}",
                    item.title.en,
                    id_of(before),
                    id_of(after),
                    new.map_or("", |o| o.label.en.as_str())
                ),
            )
        }
        _ => Text::new(
            &format!("「{}」{} → {}", item.title.zh, from.zh, to.zh),
            &format!("'{}' {} → {}", item.title.en, from.en, to.en),
        ),
    }
}
