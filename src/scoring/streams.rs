//! The named random streams of scoring and planning.
//!
//! Every figure that resamples draws from its own ChaCha8 stream of the scoring seed, so
//! adding a figure changes no other one and figures computed side by side (rayon) come out
//! the same on any number of threads. A stream is named here once; its number is the
//! ChaCha8 stream id it has always had, so the stored summaries keep their figures.

use super::summary::ComparisonKind;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What a random stream is used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// One comparison's context bootstrap, then its chance level (null permutations).
    Comparison(ComparisonKind),
    /// The partial correlation's context bootstrap.
    Partial,
    /// Paired comparison of two conditions: the context bootstrap.
    PairedBootstrap,
    /// Paired comparison of two conditions: the permutation test.
    PairedPermutation,
    /// Two runs without shared contexts: each run's contexts resampled independently.
    UnpairedBootstrap,
    /// Privileged access: the rows' and differences' context bootstrap.
    PrivilegedBootstrap,
    /// Privileged access: the differences' permutation tests.
    PrivilegedPermutation,
    /// Privileged access: the self-report's partial r bootstrap.
    PrivilegedPartialSelf,
    /// Privileged access: the observer model's partial r bootstrap.
    PrivilegedPartialObserver,
    /// The ideal observer: each context's random splits (one word range per context).
    ObserverSplits,
    /// The ideal observer: resampling contexts and splits.
    ObserverBootstrap,
    /// Measurement quality: the split-half splits.
    QualitySplits,
    /// Measurement quality: the behavioural reliability's interval.
    BehaviourInterval,
    /// Measurement quality: the report reliability's interval.
    ReportInterval,
    /// Measurement quality: the corrected score's interval.
    CeilingInterval,
    /// The planner: the pilot model's per-context draws.
    PilotFit,
    /// The planner: the scale calibration's common random numbers.
    PilotCalibration,
    /// The planner: simulated runs of one design (its own stream per design).
    PlanDesign {
        /// The design's contexts.
        contexts: usize,
        /// Its pairs per context.
        pairs: usize,
        /// Its presentation orders per pair.
        orders: usize,
    },
    /// The planner: the promise's range over refits of resampled pilots.
    PlanPromise,
}

impl Stream {
    /// The ChaCha8 stream id (fixed: changing one changes that figure in every summary).
    pub fn id(self) -> u64 {
        match self {
            Stream::Comparison(ComparisonKind::ReportsVsLearned) => 1,
            Stream::Comparison(ComparisonKind::LearnedVsTarget) => 2,
            Stream::Comparison(ComparisonKind::ReportsVsTarget) => 3,
            Stream::Partial => 4,
            Stream::PairedBootstrap => 11,
            Stream::PairedPermutation => 12,
            Stream::UnpairedBootstrap => 13,
            Stream::PrivilegedBootstrap => 21,
            Stream::PrivilegedPermutation => 22,
            Stream::PrivilegedPartialSelf => 23,
            Stream::ObserverSplits => 31,
            Stream::ObserverBootstrap => 32,
            Stream::PrivilegedPartialObserver => 33,
            Stream::QualitySplits => 101,
            Stream::BehaviourInterval => 102,
            Stream::ReportInterval => 103,
            Stream::CeilingInterval => 104,
            Stream::PilotFit => 0x5eed,
            Stream::PilotCalibration => 0xca1b,
            Stream::PlanPromise => 0x9a9e,
            Stream::PlanDesign {
                contexts,
                pairs,
                orders,
            } => (contexts as u64) << 32 | (pairs as u64) << 8 | orders as u64,
        }
    }

    /// The generator of this stream under `seed`.
    pub fn rng(self, seed: u64) -> ChaCha8Rng {
        let mut rng: ChaCha8Rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(self.id());
        rng
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn no_two_scoring_streams_share_an_id() {
        let all: [Stream; 19] = [
            Stream::Comparison(ComparisonKind::ReportsVsLearned),
            Stream::Comparison(ComparisonKind::LearnedVsTarget),
            Stream::Comparison(ComparisonKind::ReportsVsTarget),
            Stream::Partial,
            Stream::PairedBootstrap,
            Stream::PairedPermutation,
            Stream::UnpairedBootstrap,
            Stream::PrivilegedBootstrap,
            Stream::PrivilegedPermutation,
            Stream::PrivilegedPartialSelf,
            Stream::PrivilegedPartialObserver,
            Stream::ObserverSplits,
            Stream::ObserverBootstrap,
            Stream::QualitySplits,
            Stream::BehaviourInterval,
            Stream::ReportInterval,
            Stream::CeilingInterval,
            Stream::PilotFit,
            Stream::PilotCalibration,
        ];
        let mut seen: BTreeMap<u64, Stream> = BTreeMap::new();
        for s in all.into_iter().chain([Stream::PlanPromise]) {
            if let Some(other) = seen.insert(s.id(), s) {
                panic!("{s:?} and {other:?} share stream {}", s.id());
            }
        }
    }
}
