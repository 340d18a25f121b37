//! What a user asks of the planner ([`PlanRequest`]) and the one place its defaults are
//! filled in from the pilot ([`PlanRequest::resolve`]), as a run's request is resolved into
//! its configuration: `plan` maps its arguments to a request, resolves it and prints.

use super::search::PlanOptions;
use crate::scoring::input::ContextInput;

/// Candidate pairs per context when none are given.
pub const DEFAULT_PAIRS: [usize; 8] = [10, 20, 30, 50, 75, 100, 150, 200];
/// Simulated runs per predicted width when not given.
pub const DEFAULT_REPLICATES: usize = 24;
/// Largest number of contexts considered when neither the request nor the pilot's benchmark
/// split bounds it.
pub const DEFAULT_MAX_CONTEXTS: usize = 5000;

/// A plan as asked: `None` takes the pilot's value.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanRequest {
    /// Wanted width of the 95% context-bootstrap interval of the main score.
    pub target_width: f64,
    /// Candidate pairs per context (default `DEFAULT_PAIRS`: 10 to 200).
    pub pairs: Vec<usize>,
    /// Reports per context in the planned run (default: the pilot's per asked context).
    pub reports: Option<usize>,
    /// Presentation orders per pair (default: the pilot's, else 1).
    pub orders: Option<usize>,
    /// Simulated runs per predicted width (default `DEFAULT_REPLICATES`, 24).
    pub replicates: usize,
    /// Largest number of contexts (default: the pilot's benchmark split, else
    /// `DEFAULT_MAX_CONTEXTS`).
    pub max_contexts: Option<usize>,
    /// Seeds the simulated runs.
    pub seed: u64,
}

impl PlanRequest {
    /// A request for `target_width` with every other setting at its default.
    pub fn new(target_width: f64) -> PlanRequest {
        PlanRequest {
            target_width,
            pairs: DEFAULT_PAIRS.to_vec(),
            reports: None,
            orders: None,
            replicates: DEFAULT_REPLICATES,
            max_contexts: None,
            seed: 0,
        }
    }

    /// The planner's options for this request and pilot: `inputs` are the pilot's scoring
    /// inputs, `pilot_orders` the orders its parameters recorded, `split_size` the number of
    /// contexts its experiment has in its benchmark (a plan the benchmark cannot run is no
    /// plan).
    pub fn resolve(
        &self,
        inputs: &[ContextInput],
        pilot_orders: Option<usize>,
        split_size: Option<usize>,
    ) -> PlanOptions {
        let reports: usize = self
            .reports
            .unwrap_or(reports_per_asked_context(inputs).round() as usize)
            .max(1);
        PlanOptions {
            seed: self.seed,
            pairs: self.pairs.clone(),
            orders: self.orders.or(pilot_orders).unwrap_or(1).clamp(1, 2),
            reports,
            replicates: self.replicates.max(2),
            max_contexts: self
                .max_contexts
                .or(split_size)
                .unwrap_or(DEFAULT_MAX_CONTEXTS),
            ..PlanOptions::default()
        }
    }
}

/// The pilot's reports per context it asked (every report, valid or not). A context with
/// neither a choice nor a report was never asked: an imported bundle lists every context of
/// its source (1,100 for the study's scenarios) though a run asked only some, and counting
/// those would plan one report where the pilot asked ten.
pub fn reports_per_asked_context(inputs: &[ContextInput]) -> f64 {
    let asked: Vec<&ContextInput> = inputs
        .iter()
        .filter(|c| !c.choices.is_empty() || !c.reports.is_empty())
        .collect();
    asked.iter().map(|c| c.reports.len()).sum::<usize>() as f64 / asked.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parsing::{ChoiceStatus, ReportStatus};
    use crate::scoring::input::{ChoiceObs, ReportObs};
    use crate::types::{Choice, ContextId, N_ATTR, Pair, Values, Weights};

    /// A context with `choices` answered choices and `reports` valid reports.
    fn context(i: usize, choices: usize, reports: usize) -> ContextInput {
        let c = ChoiceObs {
            pair: Pair {
                a: Values([0.0; N_ATTR]),
                b: Values([1.0; N_ATTR]),
            },
            p_a: None,
            choice: Some(Choice::A),
            status: ChoiceStatus::Exact,
        };
        let r = ReportObs {
            status: ReportStatus::Valid,
            weights: Some(Weights([20.0; N_ATTR])),
            out_of_range: false,
        };
        ContextInput {
            id: ContextId(format!("c{i:04}")),
            ranges: [(0.0, 1.0); N_ATTR],
            target: None,
            choices: vec![c; choices],
            reports: vec![r; reports],
        }
    }

    #[test]
    fn reports_are_counted_over_the_contexts_asked_not_every_context_listed() {
        // An import: 100 contexts asked (10 reports each) among 1,100 listed.
        let mut listed: Vec<ContextInput> = (0..100).map(|i| context(i, 5, 10)).collect();
        listed.extend((100..1100).map(|i| context(i, 0, 0)));
        assert_eq!(reports_per_asked_context(&listed), 10.0);
        let o: PlanOptions = PlanRequest::new(0.1).resolve(&listed, None, None);
        assert_eq!(o.reports, 10);
        // A context asked for choices only still counts (it was asked, with no reports).
        listed.push(context(2000, 5, 0));
        assert!((reports_per_asked_context(&listed) - 1000.0 / 101.0).abs() < 1e-12);
    }

    #[test]
    fn defaults_come_from_the_request_then_the_pilot_then_the_planner() {
        let inputs: Vec<ContextInput> = (0..8).map(|i| context(i, 5, 3)).collect();
        let mut q = PlanRequest::new(0.2);
        let o = q.resolve(&inputs, Some(2), Some(100));
        assert_eq!((o.orders, o.max_contexts, o.reports), (2, 100, 3));
        let o = q.resolve(&inputs, None, None);
        assert_eq!((o.orders, o.max_contexts), (1, DEFAULT_MAX_CONTEXTS));
        q.orders = Some(5);
        q.max_contexts = Some(40);
        q.reports = Some(0);
        q.replicates = 1;
        let o = q.resolve(&inputs, Some(1), Some(100));
        assert_eq!(
            (o.orders, o.max_contexts, o.reports, o.replicates),
            (2, 40, 1, 2)
        );
    }
}
