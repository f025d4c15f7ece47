//! Stage 1, candidates: the catalog products and talent steps that fit the firm — its industry group
//! and GB/T 4754 division, size, the systems it already runs — with the pain points each relieves.

use super::super::catalog::{Catalog, Effort, Lift, Solution};
use super::super::policies::{Policies, TalentStep};
use super::super::vocabulary::{self, Matched};
use crate::answers::AnswerSheet;
use crate::model::{Model, SizeClass};
use crate::text::Text;

/// A step the firm could take, before ranking.
#[derive(Debug, Clone)]
pub(crate) struct Candidate<'a> {
    pub id: String,
    /// An organisational measure (保障措施), never a roadmap step.
    pub measure: bool,
    pub name: Text,
    pub description: Text,
    pub lifts: Vec<Lift>,
    pub requires: Vec<String>,
    /// One of these in the plan first, unless `or_system_met`.
    pub requires_any: Vec<String>,
    /// The firm already runs a system that gives `requires_any`'s data.
    pub or_system_met: bool,
    pub requires_grade: Vec<(String, u8)>,
    /// CNY ranges for the firm's size.
    pub one_off: [f64; 2],
    pub yearly: [f64; 2],
    pub category: String,
    pub weeks: u32,
    pub effort: Effort,
    pub free_trial: bool,
    pub why: Text,
    /// Stated pain points it relieves (vocabulary ids).
    pub pains: Vec<String>,
    /// The firm's division is one this product is a first choice for.
    pub favoured: bool,
    /// The product is specific to divisions (and the firm is in one).
    pub division_specific: bool,
    pub solution: Option<&'a Solution>,
    pub talent: Option<&'a TalentStep>,
}

/// The firm's stated pain points and systems in vocabulary terms.
pub(crate) fn stated(sheet: &AnswerSheet) -> (Matched, Matched) {
    let v = vocabulary::bundled();
    (
        vocabulary::match_terms(&sheet.profile.pain_points, &v.pain_points),
        vocabulary::match_terms(&sheet.profile.existing_systems, &v.systems),
    )
}

fn size_ok(sizes: &[String], size: Option<SizeClass>) -> bool {
    // A large firm is offered what suits a medium one.
    let size = size.map(|s| {
        if s == SizeClass::Large {
            SizeClass::Medium
        } else {
            s
        }
    });
    sizes.is_empty() || size.is_none_or(|s| sizes.iter().any(|x| SizeClass::parse(x) == Some(s)))
}

fn in_division(divisions: &[String], industry: Option<&str>) -> bool {
    industry.is_some_and(|i| divisions.iter().any(|d| i.starts_with(d.as_str())))
}

/// Does this catalog entry suit the firm at all?
pub(crate) fn suits(e: &Solution, sheet: &AnswerSheet, systems: &Matched) -> bool {
    let p = &sheet.profile;
    (e.industries.is_empty() || e.industries.contains(&p.industry_group))
        && (e.divisions.is_empty() || in_division(&e.divisions, p.industry.as_deref()))
        && !in_division(&e.excluded_divisions, p.industry.as_deref())
        && size_ok(&e.sizes, p.size_class)
        && e.system.as_ref().is_none_or(|s| !systems.ids.contains(s))
}

/// Every step that fits the firm; the systems it runs already count as met prerequisites.
pub(crate) fn candidates<'a>(
    model: &Model,
    sheet: &AnswerSheet,
    catalog: &'a Catalog,
    policies: &'a Policies,
) -> Vec<Candidate<'a>> {
    let (pains, systems) = stated(sheet);
    let industry = sheet.profile.industry.as_deref();
    let size = sheet.profile.size_class;
    // Entries the firm already has (by system): prerequisites met, never proposed.
    let had: Vec<&str> = catalog
        .entries
        .iter()
        .filter(|e| e.system.as_ref().is_some_and(|s| systems.ids.contains(s)))
        .map(|e| e.id.value.as_str())
        .collect();
    // Entries whose every lift the answers already show (a firm with online safety monitoring at
    // grade 2 needs no safety system before its early-warning step): met as a `requires`.
    let shown: Vec<&str> = catalog
        .entries
        .iter()
        .filter(|e| !e.measure && !super::apply_lifts(model, &mut sheet.clone(), &e.lifts))
        .map(|e| e.id.value.as_str())
        .collect();
    let mut out: Vec<Candidate> = catalog
        .entries
        .iter()
        .filter(|e| suits(e, sheet, &systems))
        .map(|e| Candidate {
            id: e.id.value.clone(),
            measure: e.measure,
            name: e.name.clone(),
            description: e.description.clone(),
            lifts: e.lifts.clone(),
            requires: e
                .requires
                .iter()
                .filter(|r| !had.contains(&r.as_str()) && !shown.contains(&r.as_str()))
                .cloned()
                .collect(),
            requires_any: e.requires_any.clone(),
            or_system_met: e.or_systems.iter().any(|s| systems.ids.contains(s))
                || e.requires_any.iter().any(|r| had.contains(&r.as_str())),
            requires_grade: e
                .requires_grade
                .iter()
                .map(|(k, v)| (k.clone(), *v))
                .collect(),
            one_off: e.one_off.for_size(size),
            yearly: e.yearly.for_size(size),
            category: e.subsidy_category.clone(),
            weeks: e.weeks_to_value,
            effort: e.effort,
            free_trial: e.free_trial,
            why: e.why.clone(),
            pains: e
                .pain_points
                .iter()
                .filter(|p| pains.ids.contains(p))
                .cloned()
                .collect(),
            favoured: in_division(&e.favoured_divisions, industry),
            division_specific: industry.is_some_and(|i| {
                e.divisions
                    .iter()
                    .any(|d| d.len() > 1 && i.starts_with(d.as_str()))
            }),
            solution: Some(e),
            talent: None,
        })
        .collect();
    let people = talent_people(sheet);
    for t in &policies.talent {
        out.push(Candidate {
            id: t.id.clone(),
            measure: true,
            name: t.name.clone(),
            description: t.description.clone(),
            lifts: t.lifts.clone(),
            requires: Vec::new(),
            requires_any: Vec::new(),
            or_system_met: false,
            requires_grade: Vec::new(),
            one_off: [t.cost_per_person[0] * people, t.cost_per_person[1] * people],
            yearly: [0.0, 0.0],
            category: "training".into(),
            weeks: 4,
            effort: Effort::Low,
            free_trial: false,
            why: Text::new(
                &format!("{}费用按 {people} 人估算。", t.description.zh),
                &format!("{} Costed for {people} people.", t.description.en),
            ),
            pains: Vec::new(),
            favoured: false,
            division_specific: false,
            solution: None,
            talent: Some(t),
        });
    }
    out
}

/// How many people a talent step is costed for: the IT staff, at least two.
pub(crate) fn talent_people(sheet: &AnswerSheet) -> f64 {
    sheet.profile.it_staff.unwrap_or(0.0).max(2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(industry: &str, group: &str, size: SizeClass, systems: &[&str]) -> AnswerSheet {
        let mut s = AnswerSheet {
            model: "sme-dx-2024".into(),
            model_version: String::new(),
            profile: Default::default(),
            answers: Default::default(),
        };
        s.profile.industry = Some(industry.into());
        s.profile.industry_group = group.into();
        s.profile.size_class = Some(size);
        s.profile.existing_systems = systems.iter().map(|x| x.to_string()).collect();
        s
    }

    fn ids(sheet: &AnswerSheet) -> Vec<String> {
        let model = crate::model::bundled("sme-dx-2024").expect("bundled model");
        let (catalog, _) = crate::roadmap::bundled_catalog(model);
        let catalog = catalog.expect("bundled catalog");
        let policies = Policies::for_region(&[], None, "2026-01-01");
        candidates(model, sheet, &catalog, &policies)
            .into_iter()
            .map(|c| c.id)
            .collect()
    }

    #[test]
    fn industry_specific_products_reach_only_their_divisions() {
        let freight = ids(&sheet("G5431", "producer-services", SizeClass::Small, &[]));
        assert!(freight.contains(&"fuel-monitoring".into()));
        assert!(freight.contains(&"beidou-vehicle-tracking".into()));
        assert!(!freight.contains(&"qms".into()), "QMS is for manufacturers");
        assert!(!freight.contains(&"food-safety-traceability".into()));
        let food = ids(&sheet("C1431", "manufacturing", SizeClass::Small, &[]));
        assert!(food.contains(&"food-safety-traceability".into()));
        assert!(!food.contains(&"hazchem-safety-monitoring".into()));
        let it = ids(&sheet("I6513", "producer-services", SizeClass::Micro, &[]));
        assert!(it.contains(&"project-ticket-management".into()));
        assert!(!it.contains(&"cloud-mes".into()));
    }

    #[test]
    fn a_system_the_firm_runs_is_not_offered_again() {
        let with = ids(&sheet(
            "C3670",
            "manufacturing",
            SizeClass::Small,
            &["用友", "MES"],
        ));
        assert!(!with.contains(&"cloud-mes".into()));
        assert!(!with.contains(&"cloud-finance".into()));
        assert!(with.contains(&"cloud-erp".into()));
    }

    #[test]
    fn heavy_products_never_reach_a_micro_firm() {
        let micro = ids(&sheet("C3670", "manufacturing", SizeClass::Micro, &[]));
        for heavy in [
            "agv-amr",
            "product-digital-twin",
            "visual-inspection",
            "industrial-network-5g",
        ] {
            assert!(!micro.contains(&heavy.to_string()), "{heavy}");
        }
    }
}
