//! Synthetic answer sheets for demos and benchmarks: a latent maturity per firm, every answer
//! correlated with it, a plausible industry, size and region mix (data in
//! questionnaires/reference/simulation.yaml). Same seed, same output; each firm marked synthetic.

use crate::answers::credit_code;
use crate::model::{ItemSpec, Model};
use crate::source_file::SourceFile;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::io::Write;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Mix {
    #[allow(dead_code)]
    source: String,
    regions: Vec<Weighted>,
    industries: Vec<IndustryMix>,
    staff: Vec<StaffMix>,
    tags: Vec<TagMix>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Weighted {
    code: String,
    weight: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IndustryMix {
    code: String,
    weight: f64,
    revenue_per_employee: [f64; 2],
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StaffMix {
    range: [u32; 2],
    weight: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TagMix {
    tag: String,
    share: f64,
}

/// SplitMix64: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a, T>(&mut self, items: &'a [T], weight: impl Fn(&T) -> f64) -> &'a T {
        let total: f64 = items.iter().map(&weight).sum();
        let mut x = self.f() * total;
        for it in items {
            x -= weight(it);
            if x < 0.0 {
                return it;
            }
        }
        &items[items.len() - 1]
    }

    /// Roughly normal noise (sum of uniforms), mean 0, sd about `sd`.
    fn noise(&mut self, sd: f64) -> f64 {
        (self.f() + self.f() + self.f() + self.f() - 2.0) * sd * 1.73
    }
}

fn mix() -> Result<Mix, crate::diag::Diagnostic> {
    SourceFile::from_text(
        "questionnaires/reference/simulation.yaml",
        include_str!("../../questionnaires/reference/simulation.yaml"),
    )
    .parse_yaml()
}

/// Write `count` synthetic firms as JSON Lines. `round` > 1 gives the same firms later, a little
/// more mature (for two-round demos).
pub fn simulate(
    model: &Model,
    count: u64,
    seed: u64,
    round: u32,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let mix =
        mix().map_err(|d| anyhow::anyhow!("embedded simulation settings: {}", d.message()))?;
    let alphabet: Vec<char> = "0123456789ABCDEFGHJKLMNPQRTUWXY".chars().collect();
    for i in 0..count {
        // Each firm has its own stream, so firm i is the same whatever the count.
        let mut rng = Rng(seed ^ (i.wrapping_mul(0xD1B5_4A32_D192_ED03)));
        let region = &rng.pick(&mix.regions, |r| r.weight).code;
        let industry = rng.pick(&mix.industries, |r| r.weight);
        let staff = rng.pick(&mix.staff, |s| s.weight);
        let employees =
            staff.range[0] + (rng.f() * f64::from(staff.range[1] - staff.range[0] + 1)) as u32;
        let per_head = industry.revenue_per_employee[0]
            + rng.f() * (industry.revenue_per_employee[1] - industry.revenue_per_employee[0]);
        let revenue = (f64::from(employees) * per_head).round();
        let size_bonus = (f64::from(employees).ln() - 3.5) * 0.06;
        let mut maturity = ((rng.f() + rng.f() + rng.f()) / 3.0 + size_bonus).clamp(0.02, 0.98);
        // Unique per firm: the index scrambled by a bijection of 0..31^7 (the multiplier is prime
        // to 31), written in the 31-character code alphabet.
        const SPACE: u64 = 27_512_614_111; // 31^7
        let mut n = (i.wrapping_mul(1_000_003) + seed) % SPACE;
        let mut body: String = (0..7)
            .map(|_| {
                let c = alphabet[(n % 31) as usize];
                n /= 31;
                c
            })
            .collect();
        body.insert_str(0, "MA");
        let code = credit_code::with_check_digit(&format!("91{region}{body}")).unwrap_or_default();
        let tags: Vec<&str> = mix
            .tags
            .iter()
            .filter(|t| rng.f() < t.share * (0.5 + maturity))
            .map(|t| t.tag.as_str())
            .collect();
        // Later rounds: the same firm, more mature (a few go back).
        let mut later = Rng(seed ^ 0x5EED ^ i);
        for _ in 1..round {
            maturity = (maturity + 0.06 + later.noise(0.05)).clamp(0.02, 0.98);
        }
        let mut answers = Map::new();
        let mut arng =
            Rng(seed.wrapping_add(u64::from(round)).wrapping_mul(31) ^ i.rotate_left(17));
        for item in &model.items {
            let m = (maturity + arng.noise(0.12)).clamp(0.0, 1.0);
            if item.allow_na && arng.f() < 0.03 {
                answers.insert(item.id.clone(), json!("na"));
                continue;
            }
            let group = industry_group(model, &industry.code);
            if !item.applies_to.applies(group, None) {
                continue;
            }
            let v = match &item.spec {
                ItemSpec::Single { options } => {
                    let mut sorted: Vec<&crate::model::Choice> = options.iter().collect();
                    sorted.sort_by(|a, b| a.fraction.total_cmp(&b.fraction));
                    json!(sorted[((m * sorted.len() as f64) as usize).min(sorted.len() - 1)].id)
                }
                ItemSpec::Multi { options, .. } => {
                    let chosen: Vec<&str> = options
                        .iter()
                        .filter(|o| !o.exclusive && arng.f() < m * 0.95)
                        .map(|o| o.id.as_str())
                        .collect();
                    if chosen.is_empty() {
                        let none = options.iter().find(|o| o.exclusive).unwrap_or(&options[0]);
                        json!([none.id])
                    } else {
                        json!(chosen)
                    }
                }
                ItemSpec::Band { min, max, .. } => {
                    let (lo, hi) = (min.unwrap_or(0.0), max.unwrap_or(100.0));
                    json!(((lo + (hi - lo) * m * m) * 10.0).round() / 10.0)
                }
                ItemSpec::Scenario { .. } => json!(((m * 4.4 - 0.3).round()).clamp(0.0, 4.0) as u8),
                ItemSpec::Trend { .. } => json!(if m > 0.55 {
                    "better"
                } else if m > 0.3 {
                    "flat"
                } else {
                    "worse"
                }),
            };
            answers.insert(item.id.clone(), v);
        }
        let mut profile = Map::new();
        profile.insert("name".into(), json!(format!("模拟企业{i:07}")));
        profile.insert("credit_code".into(), json!(code));
        profile.insert("region".into(), json!(region));
        profile.insert("industry".into(), json!(industry.code));
        profile.insert("employees".into(), json!(employees));
        profile.insert("revenue".into(), json!(revenue));
        // Some sectors' size classes need total assets (建筑业, 房地产, 租赁和商务服务业).
        profile.insert("assets".into(), json!((revenue * (0.6 + rng.f())).round()));
        profile.insert(
            "assessed_on".into(),
            json!(if round > 1 {
                "2027-06-30"
            } else {
                "2026-06-30"
            }),
        );
        if !tags.is_empty() {
            profile.insert("tags".into(), json!(tags));
        }
        profile.insert("synthetic".into(), json!(true));
        let line = Value::Object(Map::from_iter([
            ("model".to_string(), json!(model.id)),
            ("profile".to_string(), Value::Object(profile)),
            ("answers".to_string(), Value::Object(answers)),
        ]));
        serde_json::to_writer(&mut *out, &line)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

fn industry_group<'a>(model: &'a Model, code: &str) -> &'a str {
    model.industry_group_of(Some(code))
}
