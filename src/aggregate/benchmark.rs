//! Peer benchmarks (行业横向对比): percentiles by industry and size, written by `smedx aggregate
//! --benchmark` and read by `smedx report --benchmark`.

use super::GroupAcc;
use crate::model::Model;
use crate::score::ModelRef;
use crate::text::Text;
use serde::{Deserialize, Serialize};

/// Percentiles of one measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Percentiles {
    pub p10: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p90: f64,
}

/// A peer group: firms of one industry (门类, or 大类 in 制造业) and size class.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PeerGroup {
    pub industry: String,
    pub size: String,
    /// `None` when the group is suppressed (fewer firms than the minimum).
    pub n: Option<u64>,
    pub level_score: Option<Percentiles>,
    /// Percentiles of each dimension with points, by dimension id.
    pub dimensions: Vec<(String, Percentiles)>,
}

impl PeerGroup {
    pub(crate) fn of(industry: &str, size: &str, g: &GroupAcc, model: &Model, k: u64) -> PeerGroup {
        let p = |h: &super::stats::Hist| -> Option<Percentiles> {
            Some(Percentiles {
                p10: h.quantile(0.1)?,
                p25: h.quantile(0.25)?,
                p50: h.quantile(0.5)?,
                p75: h.quantile(0.75)?,
                p90: h.quantile(0.9)?,
            })
        };
        if g.n < k {
            return PeerGroup {
                industry: industry.into(),
                size: size.into(),
                n: None,
                level_score: None,
                dimensions: Vec::new(),
            };
        }
        PeerGroup {
            industry: industry.into(),
            size: size.into(),
            n: Some(g.n),
            level_score: p(&g.score),
            dimensions: model
                .dimensions
                .iter()
                .zip(&g.dims)
                .filter(|(d, _)| d.points > 0.0)
                .filter_map(|(d, h)| p(h).map(|x| (d.id.clone(), x)))
                .collect(),
        }
    }
}

/// The benchmark file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Benchmark {
    pub model: ModelRef,
    pub min_group: u64,
    pub firms: u64,
    pub peers: Vec<PeerGroup>,
}

impl Benchmark {
    pub fn from_summary(s: &super::Summary) -> Benchmark {
        Benchmark {
            model: s.model.clone(),
            min_group: s.min_group,
            firms: s.records,
            peers: s.peers.clone(),
        }
    }

    /// The peer group of a firm: its industry key and size; `None` if absent or suppressed.
    pub fn peers_of(
        &self,
        industry: Option<&str>,
        size: Option<crate::answers::SizeClass>,
    ) -> Option<&PeerGroup> {
        let industry = industry.filter(|c| !c.is_empty() && c.is_ascii())?;
        let key = if industry.starts_with('C') && industry.len() >= 3 {
            &industry[..3]
        } else {
            &industry[..1]
        };
        let size = format!("{:?}", size?).to_lowercase();
        self.peers
            .iter()
            .find(|p| p.industry == key && p.size == size && p.n.is_some())
    }
}

/// Where a value stands among peers, in words (below p25, p25–p50, …).
pub fn standing(value: f64, p: &Percentiles) -> Text {
    match value {
        v if v < p.p25 => Text::new("低于同行后 25%", "in the bottom quarter of peers"),
        v if v < p.p50 => Text::new("低于同行中位数", "below the peer median"),
        v if v < p.p75 => Text::new("高于同行中位数", "above the peer median"),
        v if v < p.p90 => Text::new("位于同行前 25%", "in the top quarter of peers"),
        _ => Text::new("位于同行前 10%", "in the top tenth of peers"),
    }
}
