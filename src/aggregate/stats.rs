//! Streaming statistics: counts, level distributions and quantiles from fixed-resolution histograms,
//! so memory does not grow with the number of firms and partial results merge exactly.
//! The resolution is 0.1 point up to a 0–1000 scale; a larger scale gets at most 10,000 bins.

use serde::Serialize;

/// Values are kept at 0.1-point resolution: quartiles are exact to the precision reports show.
const STEP: f64 = 0.1;

/// The most bins a histogram has (a scale above 0–1000 gets coarser steps).
const MAX_BINS: f64 = 10_000.0;

/// A histogram of values in [0, max] at 0.1 resolution (coarser above 1000).
#[derive(Debug, Clone, PartialEq)]
pub struct Hist {
    bins: Vec<u32>,
    step: f64,
    sum: f64,
    n: u64,
}

impl Hist {
    pub fn new(max: f64) -> Hist {
        let max = if max.is_finite() { max.max(0.0) } else { 0.0 };
        let step = STEP.max(max / MAX_BINS);
        Hist {
            bins: vec![0; (max / step).round() as usize + 1],
            step,
            sum: 0.0,
            n: 0,
        }
    }

    pub fn add(&mut self, x: f64) {
        self.add_in(self.bin(x), x);
    }

    /// The bin of `x`: histograms of one scale share it, so it is worked out once for all.
    pub fn bin(&self, x: f64) -> usize {
        let last = self.bins.len().saturating_sub(1);
        (crate::score::round(x / self.step).max(0.0) as usize).min(last)
    }

    /// The count in bin `bin` (0 past the last): reading it ahead brings it into the cache.
    pub fn count_in(&self, bin: usize) -> u32 {
        self.bins.get(bin).copied().unwrap_or(0)
    }

    /// Add `x`, whose [`Hist::bin`] in a histogram of this scale is `bin`.
    pub fn add_in(&mut self, bin: usize, x: f64) {
        if let Some(b) = self.bins.get_mut(bin) {
            *b += 1;
        }
        self.sum += x;
        self.n += 1;
    }

    pub fn merge(&mut self, other: &Hist) {
        for (a, b) in self.bins.iter_mut().zip(&other.bins) {
            *a += b;
        }
        self.sum += other.sum;
        self.n += other.n;
    }

    pub fn count(&self) -> u64 {
        self.n
    }

    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / self.n as f64)
    }

    /// The q-quantile (0–1) by the nearest-rank method, at 0.1 resolution.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.n == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.n as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        for (i, c) in self.bins.iter().enumerate() {
            seen += u64::from(*c);
            if seen >= rank {
                return Some((i as f64 * self.step * 10.0).round() / 10.0);
            }
        }
        None
    }

    /// Mean, quartiles, min and max.
    pub fn summary(&self) -> Distribution {
        Distribution {
            n: self.n,
            mean: self.mean().map(|m| (m * 100.0).round() / 100.0),
            min: self.quantile(0.0),
            q1: self.quantile(0.25),
            median: self.quantile(0.5),
            q3: self.quantile(0.75),
            max: self.quantile(1.0),
        }
    }
}

/// Mean and quartiles of a measure.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Distribution {
    pub n: u64,
    pub mean: Option<f64>,
    pub min: Option<f64>,
    pub q1: Option<f64>,
    pub median: Option<f64>,
    pub q3: Option<f64>,
    pub max: Option<f64>,
}

impl Distribution {
    /// As a publication may show it: no minimum or maximum (each is one firm's score), and
    /// quartiles only for a group of at least `k`. A named (internal) output keeps everything.
    pub fn published(mut self, named: bool, k: u64) -> Distribution {
        if !named {
            self.min = None;
            self.max = None;
            if self.n < k {
                self.q1 = None;
                self.q3 = None;
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_by_nearest_rank() {
        let mut h = Hist::new(100.0);
        for x in [10.0, 20.0, 30.0, 40.0] {
            h.add(x);
        }
        let s = h.summary();
        assert_eq!(
            (s.min, s.q1, s.median, s.q3, s.max),
            (Some(10.0), Some(10.0), Some(20.0), Some(30.0), Some(40.0))
        );
        assert_eq!(s.mean, Some(25.0));
    }

    #[test]
    fn merge_is_exact() {
        let (mut a, mut b, mut all) = (Hist::new(10.0), Hist::new(10.0), Hist::new(10.0));
        for (i, x) in [1.25, 3.0, 9.9, 0.0, 10.0, 7.5].iter().enumerate() {
            if i % 2 == 0 {
                a.add(*x)
            } else {
                b.add(*x)
            }
            all.add(*x);
        }
        a.merge(&b);
        assert_eq!(a, all);
    }

    #[test]
    fn values_outside_are_clamped() {
        let mut h = Hist::new(5.0);
        h.add(7.0);
        h.add(-1.0);
        assert_eq!(h.quantile(1.0), Some(5.0));
        assert_eq!(h.quantile(0.0), Some(0.0));
    }

    #[test]
    fn publications_show_no_extremes_and_quartiles_only_for_k() {
        let mut h = Hist::new(100.0);
        for x in [10.0, 20.0, 30.0, 40.0] {
            h.add(x);
        }
        let p = h.summary().published(false, 4);
        assert_eq!((p.min, p.max), (None, None));
        assert_eq!((p.q1, p.q3), (Some(10.0), Some(30.0)));
        let small = h.summary().published(false, 5);
        assert_eq!((small.q1, small.q3, small.median), (None, None, Some(20.0)));
        assert_eq!(h.summary().published(true, 5), h.summary());
    }
}
