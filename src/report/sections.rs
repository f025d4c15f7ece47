//! The report's sections drawn from the assessment and the profile: 企业现状 (the firm as it stands),
//! 问题清单 (the problems in the firm's own words) and the risk notes of 保障措施与风险.

use crate::answers::names;
use crate::roadmap::vocabulary;
use crate::score::{Assessment, ItemStatus};
use crate::text::Text;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// 企业现状: the profile in names, not codes, with the systems, pain points and the assessor's notes.
#[derive(Debug, Clone, Serialize)]
pub struct FirmView {
    /// GB/T 4754 大类 (and 门类) title with the code, e.g. "C2110 家具制造业（制造业）".
    pub industry: Option<Text>,
    /// Province name with the 行政区划代码.
    pub region: Option<Text>,
    pub size: Option<Text>,
    /// Vocabulary words in both languages, free text as written.
    pub systems: Vec<Text>,
    pub pain_points: Vec<Text>,
    /// Notes the assessor wrote on answers.
    pub notes: Vec<AnswerNote>,
}

/// An assessor's note on one answer.
#[derive(Debug, Clone, Serialize)]
pub struct AnswerNote {
    pub item: Text,
    pub answer: Text,
    pub note: String,
}

/// Where a problem comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The firm said so (profile `pain_points`).
    PainPoint,
    /// An answer that earns little.
    WeakItem,
    /// A scenario below the grade the next level needs.
    Scenario,
}

/// One line of 问题清单, in plain words.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    /// The dimension (weak items) or scenario group the problem belongs to.
    pub area: Text,
    pub title: Text,
    pub detail: Text,
    pub constrained: bool,
}

/// A risk note of 保障措施与风险.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskNote {
    pub id: String,
    pub title: Text,
    pub text: Text,
    #[serde(default, skip_serializing)]
    pub when: RiskWhen,
}

/// When a risk note is shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskWhen {
    #[default]
    Always,
    NoItStaff,
    HasSteps,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionData {
    #[allow(dead_code)]
    source: String,
    weak_item_below: f64,
    risks: Vec<RiskNote>,
}

const SECTION_DATA: (&str, &str) = (
    "questionnaires/reference/report-sections.yaml",
    include_str!("../../questionnaires/reference/report-sections.yaml"),
);

/// The embedded section data, parsed once; a test parses it, so a failure is a build defect.
fn data() -> &'static SectionData {
    static CELL: OnceLock<SectionData> = OnceLock::new();
    CELL.get_or_init(|| {
        crate::source_file::SourceFile::from_text(SECTION_DATA.0, SECTION_DATA.1)
            .parse_yaml()
            .unwrap_or_else(|d| panic!("embedded report data is broken: {}", d.render(None)))
    })
}

/// "C 制造业 / 21 家具制造业（C2110）": the names of an industry code's 门类 and 大类, with the code
/// when it says more than they do (中类, 小类).
pub fn industry_title(code: &str) -> Option<Text> {
    let i = names::industry(code)?;
    let label = i.label();
    if i.code.len() <= 3 {
        return Some(label);
    }
    Some(Text::new(
        &format!("{}（{}）", label.zh, i.code),
        &format!("{} · {}", label.en, i.code),
    ))
}

/// "浙江省温州市瑞安市（330381）"; a code the table does not have is "330399（已撤销或未知）".
fn region_title(code: &str) -> Text {
    match names::region(code) {
        Some(r) => Text::new(
            &format!("{}（{}）", r.full_name, code.trim()),
            &format!("{} ({})", r.full_name, code.trim()),
        ),
        None => {
            let shown = names::region_name(code);
            Text::new(&shown, &shown)
        }
    }
}

/// 企业现状 from the assessment's profile and items.
pub fn firm_view(a: &Assessment) -> FirmView {
    let p = &a.profile;
    FirmView {
        industry: p
            .industry
            .as_deref()
            .map(|c| industry_title(c).unwrap_or_else(|| Text::new(c, c))),
        region: p.region.as_deref().map(region_title),
        size: p.size_class.map(|s| {
            Text::new(
                s.label(crate::text::Lang::Zh),
                s.label(crate::text::Lang::En),
            )
        }),
        systems: in_both(&p.existing_systems, &vocabulary::bundled().systems),
        pain_points: in_both(&p.pain_points, &vocabulary::bundled().pain_points),
        notes: a
            .items
            .iter()
            .filter_map(|i| {
                let note = i.note.as_ref().filter(|n| !n.trim().is_empty())?;
                Some(AnswerNote {
                    item: i.title.clone(),
                    answer: i.answer.clone(),
                    note: note.clone(),
                })
            })
            .collect(),
    }
}

fn in_both(written: &[String], terms: &[vocabulary::Term]) -> Vec<Text> {
    written
        .iter()
        .map(|w| vocabulary::bilingual(w, terms))
        .collect()
}

/// 问题清单: the stated pain points, the answers that earn little, and the scenarios below the grade
/// the next level needs (constrained first), each in the firm's own answer words.
pub fn problems(a: &Assessment) -> Vec<Problem> {
    let stated = Text::new("企业自述", "Stated by the firm");
    let mut out: Vec<Problem> = a
        .profile
        .pain_points
        .iter()
        .map(|p| Problem {
            kind: ProblemKind::PainPoint,
            area: stated.clone(),
            title: vocabulary::bilingual(p, &vocabulary::bundled().pain_points),
            detail: Text::default(),
            constrained: false,
        })
        .collect();
    let below = data().weak_item_below;
    for i in &a.items {
        let weak = matches!(i.status, ItemStatus::Answered | ItemStatus::Unanswered)
            && i.kind != crate::model::ItemKind::Scenario
            && i.fraction.is_some_and(|f| f < below);
        let dim = a.dimensions.iter().find(|d| d.id == i.dimension);
        if !weak || !dim.is_some_and(|d| d.counts_toward_level) {
            continue;
        }
        out.push(Problem {
            kind: ProblemKind::WeakItem,
            area: dim.map(|d| d.title.clone()).unwrap_or_default(),
            title: i.title.clone(),
            detail: Text::new(
                &format!("目前：{}", i.answer.zh),
                &format!("Now: {}", i.answer.en),
            ),
            constrained: false,
        });
    }
    if let Some((gap, s)) = a
        .next_level
        .as_ref()
        .and_then(|g| Some((g, g.scenarios.as_ref()?)))
    {
        let need = s.condition.at_or_above;
        let mut below: Vec<_> = s.below.iter().collect();
        below.sort_by_key(|r| !r.constrained);
        for r in below {
            out.push(Problem {
                kind: ProblemKind::Scenario,
                area: Text::new("业务场景", "Business scenarios"),
                title: r.title.clone(),
                detail: Text::new(
                    &format!("目前 {} 级；{}要求 {need} 级及以上", r.grade, gap.name.zh),
                    &format!(
                        "Now grade {}; {} needs grade {need} or above",
                        r.grade, gap.name.en
                    ),
                ),
                constrained: r.constrained,
            });
        }
    }
    out
}

/// The risk notes that apply to this firm and plan.
pub fn risks(a: &Assessment, has_steps: bool) -> Vec<RiskNote> {
    let no_it_staff = a.profile.it_staff.is_none_or(|n| n < 1.0);
    let notes: Vec<&RiskNote> = data()
        .risks
        .iter()
        .filter(|r| match r.when {
            RiskWhen::Always => true,
            RiskWhen::NoItStaff => no_it_staff,
            RiskWhen::HasSteps => has_steps,
        })
        .collect();
    // A conditional note replaces the general one of the same title (e.g. talent without IT staff).
    notes
        .iter()
        .filter(|r| {
            r.when != RiskWhen::Always
                || !notes
                    .iter()
                    .any(|o| o.when != RiskWhen::Always && o.title == r.title)
        })
        .map(|r| (*r).clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_data_parses_with_a_threshold_between_0_and_1() {
        let d = data();
        assert!(d.weak_item_below > 0.0 && d.weak_item_below <= 1.0);
        for id in ["organisation", "talent", "data-security", "lock-in"] {
            assert!(d.risks.iter().any(|r| r.id == id), "no risk note {id}");
        }
    }

    #[test]
    fn industry_and_region_are_named() {
        let t = industry_title("C2110").unwrap();
        assert_eq!(t.zh, "C 制造业 / 21 家具制造业（C2110）");
        assert!(
            t.en.contains("家具制造业"),
            "Chinese names in English too: {t:?}"
        );
        assert_eq!(
            industry_title("C21").unwrap().zh,
            "C 制造业 / 21 家具制造业"
        );
        assert_eq!(region_title("330381").zh, "浙江省温州市瑞安市（330381）");
        assert_eq!(region_title("330381").en, "浙江省温州市瑞安市 (330381)");
        assert_eq!(region_title("999999").zh, "999999（已撤销或未知）");
    }
}
