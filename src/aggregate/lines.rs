//! The fast way through a JSON Lines record that is a plain answer sheet (as `smedx simulate`, the
//! web form's export and most scripts write them): the line is read straight into borrowed parts
//! (no value tree, no copy of its text), each way an item is answered is checked once by the exact
//! check and remembered, and the sheet is scored by the engine's numeric core
//! ([`crate::score::evaluate_counted`]). A record this path cannot vouch for (a long-form answer, a
//! profile field it does not read, anything wrong) gets `None` and goes the exact way
//! ([`super::input::parse`]), so what is reported about a bad record does not change.

use super::input::{Record, constrained_short, date_key};
use crate::answers::reference::{Metrics, Sector, reference};
use crate::answers::{ProfileField, credit_code, normalise_industry, profile_field};
use crate::model::{Model, SizeClass};
use crate::score::{Counted, evaluate_counted};
use crate::yaml_value::PlainNode;
use rustc_hash::FxHashMap;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::sync::Mutex;

/// Ways of answering one item remembered at most (numbers with decimals are many); past this the
/// check runs for each record.
const REMEMBERED: usize = 1 << 14;

/// A sheet as one line of JSON, borrowed from the line. Any other key, a duplicate key or a value
/// of another shape makes it fail, and the record goes the exact way.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line<'a> {
    /// Named models and versions only give warnings, which aggregation does not show.
    #[serde(borrow, default, rename = "model")]
    _model: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "model_version")]
    _model_version: Option<&'a RawValue>,
    #[serde(borrow)]
    profile: LineProfile<'a>,
    #[serde(borrow)]
    answers: Answers<'a>,
}

/// The profile fields this path reads; a sheet with any other goes the exact way.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LineProfile<'a> {
    #[serde(borrow)]
    name: &'a str,
    #[serde(borrow, default)]
    credit_code: Option<&'a str>,
    #[serde(borrow, default)]
    region: Option<&'a str>,
    #[serde(borrow, default)]
    industry: Option<&'a str>,
    #[serde(default)]
    employees: Option<f64>,
    #[serde(default)]
    revenue: Option<f64>,
    #[serde(default)]
    assets: Option<f64>,
    #[serde(borrow, default)]
    assessed_on: Option<&'a str>,
    #[serde(default)]
    synthetic: Option<bool>,
    #[serde(borrow, default)]
    tags: Option<Vec<&'a str>>,
}

/// `answers:` as (item id, the answer's JSON text), in the order written.
struct Answers<'a>(Vec<(&'a str, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Answers<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Answers<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of answers")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut m: M,
            ) -> Result<Self::Value, M::Error> {
                let mut out = Vec::with_capacity(m.size_hint().unwrap_or(48));
                while let Some(entry) = m.next_entry::<&'de str, &'de RawValue>()? {
                    out.push(entry);
                }
                Ok(Answers(out))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// A text field as the exact check keeps it, when that is the text as written: trimmed text is
/// kept as is; blank or padded text goes the exact way.
fn plain(s: &str) -> Option<&str> {
    (!s.is_empty() && s.trim().len() == s.len()).then_some(s)
}

/// A number field checked as the profile check does (a whole number where the table says so, not
/// below its minimum); `None` when that check would report it.
fn number(field: Option<&ProfileField>, n: Option<f64>) -> Option<Option<f64>> {
    let Some(n) = n else { return Some(None) };
    let field = field?;
    if field.whole && n.fract() != 0.0 {
        return None;
    }
    field.min.is_none_or(|m| n >= m).then_some(Some(n))
}

/// An industry code as written, normalised, with what follows from it.
#[derive(Clone)]
struct Industry<'m> {
    code: String,
    group: &'m str,
    sector: Option<&'static Sector>,
}

/// What one worker remembers between records. Reused through a [`Pool`], so what it learns is
/// learned once per run, not once per chunk.
pub struct LineReader<'m> {
    model: &'m Model,
    index: FxHashMap<&'m str, usize>,
    /// Per item: the answer's JSON text → how it counts (`None`: the check reports it).
    answers: Vec<FxHashMap<Box<str>, Option<Counted>>>,
    industries: FxHashMap<Box<str>, Option<Industry<'m>>>,
    fields: [Option<&'static ProfileField>; 3],
    counted: Vec<Option<Counted>>,
    seen: Vec<bool>,
}

impl<'m> LineReader<'m> {
    pub fn new(model: &'m Model) -> LineReader<'m> {
        let n = model.items.len();
        LineReader {
            model,
            index: model
                .items
                .iter()
                .enumerate()
                .map(|(i, item)| (item.id.as_str(), i))
                .collect(),
            answers: vec![FxHashMap::default(); n],
            industries: FxHashMap::default(),
            fields: ["employees", "revenue", "assets"].map(profile_field),
            counted: vec![None; n],
            seen: vec![false; n],
        }
    }

    fn industry(&mut self, code: &str) -> Option<Industry<'m>> {
        if let Some(known) = self.industries.get(code) {
            return known.clone();
        }
        let model = self.model;
        let found = normalise_industry(code).ok().map(|normal| Industry {
            group: model.industry_group_of(Some(&normal)),
            sector: reference().sector_of(&normal),
            code: normal,
        });
        if self.industries.len() < REMEMBERED {
            self.industries.insert(code.into(), found.clone());
        }
        found
    }

    /// How answer `text` (JSON) to item `i` counts; `None` when the exact check reports a problem.
    fn counted(&mut self, i: usize, text: &str) -> Option<Counted> {
        if let Some(known) = self.answers[i].get(text) {
            return *known;
        }
        let item = &self.model.items[i];
        let found = serde_json::from_str::<PlainNode>(text)
            .ok()
            .and_then(|node| crate::answers::check::check_plain(item, &node.0))
            .map(|v| Counted::of(item, &v));
        if self.answers[i].len() < REMEMBERED {
            self.answers[i].insert(text.into(), found);
        }
        found
    }

    /// A record scored, or `None` when the line is not a plain, valid answer sheet.
    pub fn read(&mut self, text: &str) -> Option<Record> {
        let line: Line = serde_json::from_str(text).ok()?;
        let model = self.model;
        let p = &line.profile;
        let name = plain(p.name)?;
        let credit_code = match p.credit_code {
            Some(c) => Some(credit_code::validate(plain(c)?).ok()?),
            None => None,
        };
        let region = match p.region {
            Some(r) => {
                let r = plain(r)?;
                let digits = r.len() == 6 && r.bytes().all(|b| b.is_ascii_digit());
                (digits && reference().province(&r[..2]).is_some()).then_some(r)?;
                Some(r)
            }
            None => None,
        };
        let industry = match p.industry {
            Some(code) => Some(self.industry(plain(code)?)?),
            None => None,
        };
        let [employees, revenue, assets] = [
            (self.fields[0], p.employees),
            (self.fields[1], p.revenue),
            (self.fields[2], p.assets),
        ]
        .map(|(f, n)| number(f, n));
        let m = Metrics {
            employees: employees?,
            revenue: revenue?,
            assets: assets?,
        };
        let assessed_on = match p.assessed_on {
            Some(d) => {
                let d = plain(d)?;
                crate::answers::valid_date(d).then_some(d)?;
                date_key(d)
            }
            None => 0,
        };
        let mut tags = Vec::new();
        for t in p.tags.iter().flatten() {
            tags.push(plain(t)?.to_string());
        }
        let group = industry
            .as_ref()
            .map_or_else(|| model.industry_group_of(None), |i| i.group);
        let size: Option<SizeClass> = industry
            .as_ref()
            .and_then(|i| i.sector)
            .and_then(|s| s.classify(&m));

        // Answers, as the sheet check takes them: an unknown item, an item answered twice, a
        // blank or long-form answer or a wrong one goes the exact way; an answer to an item that
        // does not apply is left out (a warning there).
        self.counted.fill(None);
        self.seen.fill(false);
        for (id, raw) in &line.answers.0 {
            let &i = self.index.get(id)?;
            if std::mem::replace(&mut self.seen[i], true) {
                return None;
            }
            let text = raw.get();
            if text == "null" || text.starts_with('{') {
                return None;
            }
            if !model.items[i].applies_to.applies(group, size) {
                continue;
            }
            self.counted[i] = Some(self.counted(i, text)?);
        }
        let missing = model
            .items
            .iter()
            .zip(&self.seen)
            .any(|(item, seen)| !seen && item.required && item.applies_to.applies(group, size));
        if missing {
            return None;
        }
        let scores = evaluate_counted(model, group, size, &self.counted);
        Some(Record {
            name: name.to_string(),
            credit_code,
            assessed_on,
            region: region.map(str::to_string),
            constrained_short: constrained_short(model, group, &scores),
            industry: industry.map(|i| i.code),
            industry_group: group.to_string(),
            size,
            employees: m.employees,
            revenue: m.revenue,
            assets: m.assets,
            tags,
            synthetic: p.synthetic == Some(true),
            scores,
            demand: Vec::new(),
            answered: true,
            sheet: None,
        })
    }
}

/// Workers' state kept for the whole run: a worker takes one, and gives it back when it is done.
pub struct Pool<'a, T> {
    free: Mutex<Vec<T>>,
    make: Box<dyn Fn() -> T + Sync + 'a>,
}

impl<'a, T: Send> Pool<'a, T> {
    pub fn new(make: impl Fn() -> T + Sync + 'a) -> Pool<'a, T> {
        Pool {
            free: Mutex::new(Vec::new()),
            make: Box::new(make),
        }
    }

    /// Every state made, once no worker holds one.
    pub fn into_inner(self) -> Vec<T> {
        self.free.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    /// A state, given back when the guard is dropped.
    pub fn take(&self) -> Taken<'_, 'a, T> {
        let found = self.free.lock().ok().and_then(|mut f| f.pop());
        Taken {
            pool: self,
            value: Some(found.unwrap_or_else(|| (self.make)())),
        }
    }
}

/// A state taken from a [`Pool`].
pub struct Taken<'p, 'a, T> {
    pool: &'p Pool<'a, T>,
    value: Option<T>,
}

impl<T> std::ops::Deref for Taken<'_, '_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value.as_ref().expect("taken until dropped")
    }
}

impl<T> std::ops::DerefMut for Taken<'_, '_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.value.as_mut().expect("taken until dropped")
    }
}

impl<T> Drop for Taken<'_, '_, T> {
    fn drop(&mut self) {
        if let (Some(v), Ok(mut free)) = (self.value.take(), self.pool.free.lock()) {
            free.push(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::input::{RawRecord, parse};
    use super::*;

    /// What a record says, for comparing the two ways (the exact way also keeps the sheet).
    fn figures(r: &Record) -> String {
        format!(
            "{} {:?} {} {:?} {:?} {} {:?} {:?} {:?} {:?} {:?} {} {:?} {:?} {}",
            r.name,
            r.credit_code,
            r.assessed_on,
            r.region,
            r.industry,
            r.industry_group,
            r.size,
            r.employees,
            r.revenue,
            r.assets,
            r.tags,
            r.synthetic,
            r.scores,
            r.constrained_short,
            r.answered,
        )
    }

    fn exact(model: &Model, line: &str) -> Result<Record, String> {
        let raw = RawRecord::own("t.jsonl".into(), 1, line.to_string());
        parse(model, raw).map_err(|e| format!("{} {}", e.code, e.message))
    }

    /// Ways to spoil or vary a sheet: each is taken the exact way or read the same.
    fn variants(line: &str) -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(line).expect("simulated line");
        let mut out = Vec::new();
        let mut edit = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut x = v.clone();
            f(&mut x);
            out.push(x.to_string());
        };
        use serde_json::json;
        edit(&|x| x["answers"]["after-sales"] = json!(9));
        edit(&|x| x["answers"]["after-sales"] = json!("na"));
        edit(&|x| x["answers"]["after-sales"] = json!(null));
        edit(&|x| x["answers"]["after-sales"] = json!({"answer": 2, "note": "n"}));
        edit(&|x| x["answers"]["talent"] = json!(["C", "C"]));
        edit(&|x| x["answers"]["talent"] = json!("C,D"));
        edit(&|x| x["answers"]["talent"] = json!(["Z"]));
        edit(&|x| x["answers"]["funding"] = json!(-3));
        edit(&|x| x["answers"]["funding"] = json!({"numerator": 1, "denominator": 4}));
        edit(&|x| x["answers"]["digital-planning"] = json!("b"));
        edit(&|x| x["answers"]["cost-per-revenue"] = json!("BETTER"));
        edit(&|x| x["answers"]["no-such-item"] = json!(1));
        edit(&|x| {
            x["answers"].as_object_mut().map(|a| a.remove("hr"));
        });
        edit(&|x| {
            x["answers"]
                .as_object_mut()
                .map(|a| a.remove("product-pass-rate"));
        });
        edit(&|x| x["answers"] = json!(null));
        edit(&|x| x["answers"] = json!({}));
        edit(&|x| x["profile"]["name"] = json!(" 名字 "));
        edit(&|x| x["profile"]["name"] = json!(""));
        edit(&|x| x["profile"]["credit_code"] = json!("91441900MA10000004"));
        edit(&|x| x["profile"]["credit_code"] = json!("91441900ma10000003"));
        edit(&|x| x["profile"]["credit_code"] = json!(null));
        edit(&|x| x["profile"]["region"] = json!("991900"));
        edit(&|x| x["profile"]["region"] = json!(441900));
        edit(&|x| x["profile"]["industry"] = json!("c3982"));
        edit(&|x| x["profile"]["industry"] = json!("3982"));
        edit(&|x| x["profile"]["industry"] = json!("A0111"));
        edit(&|x| x["profile"]["industry"] = json!("F5199"));
        edit(&|x| x["profile"]["industry"] = json!("Q9999"));
        edit(&|x| x["profile"]["industry"] = json!(null));
        edit(&|x| x["profile"]["employees"] = json!(12.5));
        edit(&|x| x["profile"]["employees"] = json!(-1));
        edit(&|x| x["profile"]["employees"] = json!(2000));
        edit(&|x| x["profile"]["revenue"] = json!(null));
        edit(&|x| x["profile"]["revenue"] = json!("500万元"));
        edit(&|x| x["profile"]["assessed_on"] = json!("2026-02-30"));
        edit(&|x| x["profile"]["assessed_on"] = json!(null));
        edit(&|x| x["profile"]["tags"] = json!(["专精特新", "创新型中小企业"]));
        edit(&|x| x["profile"]["tags"] = json!("专精特新"));
        edit(&|x| x["profile"]["tags"] = json!([" x"]));
        edit(&|x| x["profile"]["synthetic"] = json!("yes"));
        edit(&|x| x["profile"]["assessor"] = json!("张三"));
        edit(&|x| x["profile"]["size"] = json!("small"));
        edit(&|x| x["model"] = json!("other-model"));
        edit(&|x| x["model_version"] = json!(2024));
        edit(&|x| x["level_score"] = json!(50));
        edit(&|x| x["extra"] = json!(1));
        edit(&|x| {
            x.as_object_mut().map(|a| a.remove("profile"));
        });
        out.push(line.replacen("\"profile\"", "\"answers\":{},\"profile\"", 1));
        out.push(line.replacen("\"name\":\"", "\"name\":\"\\u6a21", 1));
        out.push(line.replacen('{', "{\"answers\":{\"hr\":2},", 1));
        out.push(format!(" {line} "));
        out.push(line[..line.len() / 2].to_string());
        out
    }

    #[test]
    fn the_fast_way_reads_what_the_exact_way_reads_or_leaves_it_to_it() {
        let model = crate::model::bundled("sme-dx-2024").expect("bundled model");
        let mut text = Vec::new();
        crate::aggregate::simulate::simulate(model, 300, 7, 1, &mut text).expect("simulate");
        let text = String::from_utf8(text).expect("UTF-8");
        let mut reader = LineReader::new(model);
        let (mut plain, mut varied) = (0, 0);
        for (n, line) in text.lines().enumerate() {
            let mut lines = vec![line.to_string()];
            if n % 10 == 0 {
                lines.extend(variants(line));
            }
            for (k, line) in lines.iter().enumerate() {
                let want = exact(model, line);
                let Some(got) = reader.read(line) else {
                    continue;
                };
                *(if k == 0 { &mut plain } else { &mut varied }) += 1;
                match want {
                    Ok(want) => assert_eq!(figures(&got), figures(&want), "{line}"),
                    Err(e) => {
                        panic!("the fast way read a record the exact way refuses ({e}): {line}")
                    }
                }
            }
        }
        // Every simulated sheet goes the fast way, and the variants that are valid plain sheets
        // (`na`, tags, another size, no credit code or date, another model named) too.
        assert_eq!(plain, 300);
        assert!(varied >= 8 * 30, "{varied} variants read the fast way");
    }
}
