//! Reference data compiled into the binary: size-class rules, GB/T 4754 sections and divisions,
//! GB/T 2260 region codes to county level (their names and search are in [`super::names`]).

use super::SizeClass;
use crate::source_file::SourceFile;
use crate::text::Text;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Size-class thresholds of one sector (工信部联企业〔2011〕300号).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sector {
    pub id: String,
    pub title: Text,
    #[serde(default)]
    pub codes: Vec<String>,
    #[serde(default)]
    pub default: bool,
    pub medium: Bounds,
    pub small: Bounds,
    pub sme_below: Bounds,
}

/// Bounds on the three metrics; a missing metric is not a condition.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    pub employees: Option<f64>,
    pub revenue: Option<f64>,
    pub assets: Option<f64>,
}

/// A firm's size metrics, each possibly unknown.
#[derive(Debug, Default, Clone, Copy)]
pub struct Metrics {
    pub employees: Option<f64>,
    pub revenue: Option<f64>,
    pub assets: Option<f64>,
}

impl Bounds {
    fn pairs(&self, m: &Metrics) -> [(Option<f64>, Option<f64>); 3] {
        [
            (self.employees, m.employees),
            (self.revenue, m.revenue),
            (self.assets, m.assets),
        ]
    }

    /// Every listed bound met; `None` when undecidable (a metric unknown and none known failing).
    fn all_met(&self, m: &Metrics) -> Option<bool> {
        let mut unknown = false;
        for (bound, value) in self.pairs(m) {
            if let Some(b) = bound {
                match value {
                    Some(v) if v < b => return Some(false),
                    Some(_) => {}
                    None => unknown = true,
                }
            }
        }
        if unknown { None } else { Some(true) }
    }

    /// Any listed metric below its bound; `None` when undecidable.
    fn any_below(&self, m: &Metrics) -> Option<bool> {
        let mut unknown = false;
        for (bound, value) in self.pairs(m) {
            if let Some(b) = bound {
                match value {
                    Some(v) if v < b => return Some(true),
                    Some(_) => {}
                    None => unknown = true,
                }
            }
        }
        if unknown { None } else { Some(false) }
    }

    /// Names of the metrics these bounds use.
    pub fn metric_names(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.employees.is_some() {
            out.push("employees");
        }
        if self.revenue.is_some() {
            out.push("revenue");
        }
        if self.assets.is_some() {
            out.push("assets");
        }
        out
    }
}

impl Sector {
    /// Size class from the metrics; `None` when a metric the sector needs is unknown.
    pub fn classify(&self, m: &Metrics) -> Option<SizeClass> {
        if !self.sme_below.any_below(m)? {
            return Some(SizeClass::Large);
        }
        if self.medium.all_met(m)? {
            return Some(SizeClass::Medium);
        }
        // 微型 as soon as any small bound is missed, even if another metric is unknown.
        match self.small.all_met(m)? {
            true => Some(SizeClass::Small),
            false => Some(SizeClass::Micro),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SizeRules {
    #[allow(dead_code)]
    source: String,
    sectors: Vec<Sector>,
}

/// A GB/T 4754 门类 and its 大类 range.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub letter: String,
    pub title: Text,
    pub divisions: [u8; 2],
}

/// A GB/T 4754 大类.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Division {
    pub code: String,
    pub title: Text,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Industries {
    #[allow(dead_code)]
    source: String,
    sections: Vec<Section>,
    divisions: Vec<Division>,
}

/// GB/T 2260 region codes to county level (`regions.yaml`): six digits → the division's own name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Regions {
    pub source: String,
    /// The day the list was taken from its source.
    pub date: String,
    pub licence: String,
    /// Rows that gather the counties a province governs directly (`429000` 省直辖县级行政区划); not
    /// part of a place's name.
    pub groups: BTreeMap<String, String>,
    /// Province (`330000`), prefecture (`330300`) and county (`330381`) rows.
    pub names: BTreeMap<String, String>,
}

/// All reference tables.
#[derive(Debug)]
pub struct Reference {
    pub sectors: Vec<Sector>,
    pub sections: Vec<Section>,
    pub divisions: Vec<Division>,
    pub regions: Regions,
}

/// The embedded reference tables, parsed once. They are checked by tests, so a failure is a build defect.
pub fn reference() -> &'static Reference {
    static CELL: OnceLock<Reference> = OnceLock::new();
    CELL.get_or_init(|| {
        fn parse<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> T {
            SourceFile::from_text(name, text)
                .parse_yaml()
                .unwrap_or_else(|d| panic!("embedded reference data is broken: {}", d.render(None)))
        }
        let sizes: SizeRules = parse(
            "questionnaires/reference/size-classes-2011.yaml",
            include_str!("../../questionnaires/reference/size-classes-2011.yaml"),
        );
        let industries: Industries = parse(
            "questionnaires/reference/gbt4754-2017.yaml",
            include_str!("../../questionnaires/reference/gbt4754-2017.yaml"),
        );
        let regions: Regions = parse(
            "questionnaires/reference/regions.yaml",
            include_str!("../../questionnaires/reference/regions.yaml"),
        );
        Reference {
            sectors: sizes.sectors,
            sections: industries.sections,
            divisions: industries.divisions,
            regions,
        }
    })
}

impl Reference {
    /// The size-class sector of a normalised industry code: longest prefix, else the default.
    pub fn sector_of(&self, code: &str) -> Option<&Sector> {
        self.sectors
            .iter()
            .flat_map(|s| s.codes.iter().map(move |c| (s, c)))
            .filter(|(_, c)| code.starts_with(c.as_str()))
            .max_by_key(|(_, c)| c.len())
            .map(|(s, _)| s)
            .or_else(|| self.sectors.iter().find(|s| s.default))
    }

    /// The 门类 letter of a 大类 number.
    pub fn section_of_division(&self, division: u8) -> Option<&Section> {
        self.sections
            .iter()
            .find(|s| (s.divisions[0]..=s.divisions[1]).contains(&division))
    }

    pub fn section(&self, letter: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.letter == letter)
    }

    /// The name of a province from its two digits (`33` → 浙江省).
    pub fn province(&self, code: &str) -> Option<&str> {
        if code.len() != 2 {
            return None;
        }
        self.regions
            .names
            .get(&format!("{code}0000"))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(e: f64, r: f64) -> Metrics {
        Metrics {
            employees: Some(e),
            revenue: Some(r),
            assets: None,
        }
    }

    #[test]
    fn reference_tables_load() {
        let r = reference();
        assert_eq!(r.sections.len(), 20);
        assert!(r.divisions.iter().any(|d| d.code == "21"));
        assert!(r.province("51").is_some());
        assert_eq!(r.sectors.iter().filter(|s| s.default).count(), 1);
    }

    #[test]
    fn industry_size_classes_follow_2011_rules() {
        let s = reference().sector_of("C2110").unwrap();
        assert_eq!(s.id, "industry");
        assert_eq!(s.classify(&m(12.0, 380.0)), Some(SizeClass::Micro)); // X < 20
        assert_eq!(s.classify(&m(20.0, 300.0)), Some(SizeClass::Small)); // bounds are inclusive
        assert_eq!(s.classify(&m(299.0, 5000.0)), Some(SizeClass::Small));
        assert_eq!(s.classify(&m(300.0, 2000.0)), Some(SizeClass::Medium));
        assert_eq!(s.classify(&m(1000.0, 40000.0)), Some(SizeClass::Large));
        assert_eq!(
            s.classify(&m(1000.0, 39999.0)),
            Some(SizeClass::Medium),
            "SME when any metric is below"
        );
    }

    #[test]
    fn unknown_metrics_give_no_class_unless_decided() {
        let s = reference().sector_of("C2110").unwrap();
        let only_staff = Metrics {
            employees: Some(5.0),
            ..Metrics::default()
        };
        assert_eq!(
            s.classify(&only_staff),
            Some(SizeClass::Micro),
            "X<20 decides 微型 alone"
        );
        let only_big_staff = Metrics {
            employees: Some(500.0),
            ..Metrics::default()
        };
        assert_eq!(s.classify(&only_big_staff), None);
    }

    #[test]
    fn longest_prefix_wins() {
        let r = reference();
        assert_eq!(
            r.sector_of("G5990").map(|s| s.id.as_str()),
            Some("warehousing")
        );
        assert_eq!(r.sector_of("P8310").map(|s| s.default), Some(true));
    }
}
