//! Solution demand for many firms at once: a light version of the planner that, for each firm,
//! picks the cheapest catalog chain lifting the scenarios its next level lacks (no re-scoring), so a
//! region of a million firms is summed in seconds. `smedx report` uses the full planner. Costs are
//! over three years (one-off + 3 × yearly), policies those valid today.

use super::catalog::{Catalog, LiftTarget};
use super::planner::CostSplit;
use super::policies::{Policies, Policy};
use crate::model::SizeClass;
use crate::model::{ItemSpec, Model};
use crate::score::{Scores, measure};
use rustc_hash::FxHashMap as HashMap;

/// What a firm's chains depend on besides the scenario and its grade: the needed grade, the
/// industry group (an index of `groups`), the size class, and the policies files of the region
/// (an index of `region_keys`).
type Context = (u8, usize, Option<SizeClass>, usize);

/// A chain not worked out yet (see `DemandTable::chains`).
const UNKNOWN: (u32, u32) = (u32::MAX, 0);

/// A scenario below the needed grade: its index, whether it is constrained, its grade.
type Below = (usize, bool, u8);

/// Precomputed choices: scenario × current grade × needed grade × group × size → catalog entries.
pub struct DemandTable<'a> {
    model: &'a Model,
    catalog: &'a Catalog,
    /// Scenario item indices in model order (parallel to `Scores::scenarios`).
    scenario_items: Vec<usize>,
    /// Industry groups seen, so a chain's key holds no text.
    groups: Vec<String>,
    /// Per place in the model's flat view of a group it names: the group's place in `groups`.
    by_place: Vec<Option<usize>>,
    /// Lists reused from one firm to the next: scenarios below the needed grade, and those picked.
    scratch: (Vec<Below>, Vec<(usize, u8)>),
    files: &'a [Policy],
    policies: HashMap<Vec<usize>, Policies>,
    /// Region code (as [`region_number`]) → the policies files that apply there (an index of
    /// `region_keys`).
    regions: HashMap<u64, usize>,
    region_keys: Vec<Vec<usize>>,
    /// (entry, size class, policies files) → its cost split.
    splits: HashMap<(usize, Option<SizeClass>, usize), CostSplit>,
    /// Contexts seen, each an index of `chains`.
    contexts: HashMap<Context, usize>,
    /// Per context, per scenario and grade below the needed one (`scenario × needed + grade`):
    /// its chain, as a range of `steps` ([`UNKNOWN`] until worked out). Found by its place, not
    /// by hashing, and kept together: a firm looks up a few chains.
    chains: Vec<Vec<(u32, u32)>>,
    /// The entries of every chain, with their cost splits, one chain after another.
    steps: Vec<(usize, CostSplit)>,
}

/// A region code of at most seven bytes as a number: its bytes and its length, so no two codes
/// share one. The check holds a firm's code to six digits; a longer one (none reaches here) would
/// be looked up the long way each time.
fn region_number(code: &str) -> Option<u64> {
    let b = code.as_bytes();
    (b.len() <= 7).then(|| {
        let mut key = [0u8; 8];
        key[..b.len()].copy_from_slice(b);
        key[7] = b.len() as u8;
        u64::from_le_bytes(key)
    })
}

impl<'a> DemandTable<'a> {
    pub fn new(model: &'a Model, catalog: &'a Catalog, files: &'a [Policy]) -> DemandTable<'a> {
        let scenario_items = model
            .items
            .iter()
            .enumerate()
            .filter(|(_, i)| matches!(i.spec, ItemSpec::Scenario { .. }))
            .map(|(k, _)| k)
            .collect();
        DemandTable {
            model,
            catalog,
            scenario_items,
            groups: Vec::new(),
            by_place: Vec::new(),
            scratch: (Vec::new(), Vec::new()),
            contexts: HashMap::default(),
            chains: Vec::new(),
            steps: Vec::new(),
            files,
            policies: HashMap::default(),
            regions: HashMap::default(),
            region_keys: Vec::new(),
            splits: HashMap::default(),
        }
    }

    fn suits(&self, e: usize, group: &str, size: Option<SizeClass>) -> bool {
        let e = &self.catalog.entries[e];
        !e.measure
            && (e.industries.is_empty() || e.industries.iter().any(|g| g == group))
            && (e.sizes.is_empty()
                || size.is_none_or(|s| e.sizes.iter().any(|x| SizeClass::parse(x) == Some(s))))
    }

    /// (list over three years, subsidised part: one-off and the first year), middle of the ranges.
    fn mid_cost(&self, e: usize, size: Option<SizeClass>) -> (f64, f64) {
        let mid = |r: [f64; 2]| (r[0] + r[1]) / 2.0;
        let e = &self.catalog.entries[e];
        let (one_off, yearly) = (mid(e.one_off.for_size(size)), mid(e.yearly.for_size(size)));
        (one_off + 3.0 * yearly, one_off + yearly)
    }

    /// The grade entry `e` lifts scenario `id` to, if it does.
    fn lifts_to(&self, e: usize, id: &str) -> Option<u8> {
        self.catalog.entries[e]
            .lifts
            .iter()
            .filter(|l| l.scenario.as_deref() == Some(id))
            .filter_map(|l| match l.to {
                Some(LiftTarget::Number(g)) => Some(g as u8),
                _ => None,
            })
            .max()
    }

    /// The place of `group` in `groups`; `at` is its place in the model's flat view, by which a
    /// group the model names is found without comparing texts.
    fn group(&mut self, group: &str, at: usize) -> usize {
        if let Some(Some(g)) = self.by_place.get(at) {
            return *g;
        }
        let g = match self.groups.iter().position(|x| x == group) {
            Some(g) => g,
            None => {
                self.groups.push(group.to_string());
                self.groups.len() - 1
            }
        };
        if self.model.flat().named(at) {
            if self.by_place.len() <= at {
                self.by_place.resize(at + 1, None);
            }
            self.by_place[at] = Some(g);
        }
        g
    }

    /// Entries that take scenario `s` from grade `from` to `to`: highest reachable step first, cheapest.
    fn chain(
        &self,
        s: usize,
        from: u8,
        to: u8,
        group: &str,
        size: Option<SizeClass>,
    ) -> Vec<usize> {
        let id = &self.model.items[self.scenario_items[s]].id;
        let mut out = Vec::new();
        let mut cur = from;
        while cur < to {
            let best = (0..self.catalog.entries.len())
                .filter(|&e| self.suits(e, group, size))
                .filter_map(|e| {
                    self.lifts_to(e, id)
                        .filter(|t| *t > cur && *t <= to)
                        .map(|t| (e, t))
                })
                .min_by(|(a, ta), (b, tb)| {
                    tb.cmp(ta).then(
                        self.mid_cost(*a, size)
                            .0
                            .total_cmp(&self.mid_cost(*b, size).0),
                    )
                });
            let Some((e, t)) = best else { break };
            out.push(e);
            cur = t;
        }
        out
    }

    /// The policies files that apply in `region`, as an index of `region_keys`.
    fn region_key(&mut self, region: Option<&str>) -> usize {
        if let Some(&k) = region
            .and_then(region_number)
            .and_then(|r| self.regions.get(&r))
        {
            return k;
        }
        let key: Vec<usize> = self
            .files
            .iter()
            .enumerate()
            .filter(|(_, p)| match (&p.region, region) {
                (None, _) => true,
                (Some(prefix), Some(r)) => r.starts_with(prefix.as_str()),
                _ => false,
            })
            .map(|(i, _)| i)
            .collect();
        let k = match self.region_keys.iter().position(|x| *x == key) {
            Some(k) => k,
            None => {
                self.region_keys.push(key);
                self.region_keys.len() - 1
            }
        };
        if let Some(r) = region.and_then(region_number) {
            self.regions.insert(r, k);
        }
        k
    }

    fn policies_for(&mut self, key: usize, region: Option<&str>) -> &Policies {
        let key = self.region_keys[key].clone();
        let files = self.files;
        self.policies.entry(key.clone()).or_insert_with(|| {
            Policies::for_region(
                &key.iter().map(|&i| files[i].clone()).collect::<Vec<_>>(),
                region,
                &crate::collect::cells::today(),
            )
        })
    }

    /// Catalog entries (by index) a firm needs for its next level, with their cost split.
    /// `group` and `size` are the firm's industry group (its id, and its place in the model's
    /// flat view) and size class, `region` its region code.
    pub fn demand(
        &mut self,
        (group, group_at): (&str, usize),
        size: Option<SizeClass>,
        region: Option<&str>,
        quick: &Scores,
    ) -> Vec<(usize, CostSplit)> {
        let mut out = Vec::new();
        self.demand_into((group, group_at), size, region, quick, &mut out);
        out
    }

    /// [`DemandTable::demand`] into `out` (cleared first), so a worker reuses one list.
    pub fn demand_into(
        &mut self,
        (group, group_at): (&str, usize),
        size: Option<SizeClass>,
        region: Option<&str>,
        quick: &Scores,
        out: &mut Vec<(usize, CostSplit)>,
    ) {
        out.clear();
        let target = quick.level + 1;
        let flat = self.model.flat();
        let rules = flat.rules(group_at);
        let Some(rule) = rules.iter().find(|r| r.level == target) else {
            return;
        };
        let Some(cond) = rule.scenarios else {
            return;
        };
        let lack = measure(
            rule.min_score,
            rule.scenarios,
            quick.level_score,
            &quick.scenarios,
        );
        let g = cond.at_or_above;
        // Nearest first: the highest grade below the needed one (a stable sort, as before).
        let (mut below, mut picked) = std::mem::take(&mut self.scratch);
        below.clear();
        picked.clear();
        // Scenarios below grade `g`, the highest grade first, in model order within a grade (a
        // stable sort by grade, done grade by grade: grades are few, scenarios a dozen). Each is
        // written at the end and kept by counting it, without a branch on its grade (grades are
        // as good as random to the processor).
        below.resize(quick.scenarios.len() * usize::from(g) + 1, (0, false, 0));
        let mut kept = 0;
        for x in (0..g).rev() {
            for (i, (c, grade)) in quick.scenarios.iter().enumerate() {
                below[kept] = (i, *c, x);
                kept += usize::from(*grade == Some(x));
            }
        }
        below.truncate(kept);
        picked.extend(
            below
                .iter()
                .filter(|(_, c, _)| *c)
                .take(lack.constrained_short as usize)
                .map(|(i, _, x)| (*i, *x)),
        );
        let more = (lack.short as usize).saturating_sub(picked.len());
        let first = picked.len();
        for (i, _, x) in &below {
            if picked.len() - first >= more {
                break;
            }
            if !picked[..first].iter().any(|(p, _)| p == i) {
                picked.push((*i, *x));
            }
        }
        let region_key = self.region_key(region);
        let group_at = self.group(group, group_at);
        let width = usize::from(g);
        let places = self.scenario_items.len() * width;
        let context = *(self.contexts)
            .entry((g, group_at, size, region_key))
            .or_insert_with(|| {
                self.chains.push(vec![UNKNOWN; places]);
                self.chains.len() - 1
            });
        for &(s, from) in &picked {
            // `from` is below `g`: it is a grade of a scenario below the needed one.
            let at = s * width + usize::from(from);
            let mut range = self.chains[context][at];
            if range == UNKNOWN {
                let start = self.steps.len();
                for e in self.chain(s, from, g, group, size) {
                    let split = self.split(e, size, region_key, region);
                    self.steps.push((e, split));
                }
                range = (start as u32, (self.steps.len() - start) as u32);
                self.chains[context][at] = range;
            }
            let (start, len) = (range.0 as usize, range.1 as usize);
            for &(e, split) in &self.steps[start..start + len] {
                if !out.iter().any(|(x, _)| *x == e) {
                    out.push((e, split));
                }
            }
        }
        self.scratch = (below, picked);
    }

    /// What entry `e` costs a firm of `size` under the policies of `region_key` (worked out once:
    /// a firm's demand is a handful of these).
    fn split(
        &mut self,
        e: usize,
        size: Option<SizeClass>,
        region_key: usize,
        region: Option<&str>,
    ) -> CostSplit {
        if let Some(known) = self.splits.get(&(e, size, region_key)) {
            return *known;
        }
        let (list, subsidised) = self.mid_cost(e, size);
        let category = self.catalog.entries[e].subsidy_category.clone();
        let policies = self.policies_for(region_key, region);
        let list = list.round();
        let (platform_discount, subsidy) = policies.split(&category, list, subsidised.round());
        let found = CostSplit {
            list,
            platform_discount,
            subsidy,
            enterprise: list - platform_discount - subsidy,
            ..CostSplit::default()
        };
        self.splits.insert((e, size, region_key), found);
        found
    }
}
