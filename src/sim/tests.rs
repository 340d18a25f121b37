//! Unit tests of the simulated agents.

use super::*;
use crate::benchmark::sampling::profile_choice;
use crate::benchmark::{FrozenContext, Split};
use crate::prompts::{CHOICE_TAG, Message};
use crate::prompts::{choice_prompt, report_prompt};
use crate::types::Choice;
use crate::types::ContextId;

fn contexts() -> Vec<FrozenContext> {
    let mut c = synthetic_contexts("t", Split::Instilled, 10, 100, 4);
    c.extend(synthetic_contexts("t", Split::Native, 10, 100, 4));
    c
}

#[test]
fn names_round_trip() {
    for s in [
        "faithful",
        "confabulator",
        "position-biased",
        "random",
        "partial:0.25",
    ] {
        assert_eq!(s.parse::<AgentKind>().unwrap().to_string(), s);
    }
    assert_eq!(
        "partial".parse::<AgentKind>().unwrap(),
        AgentKind::Partial(0.5)
    );
    assert_eq!(
        "sim-faithful".parse::<AgentKind>().unwrap(),
        AgentKind::Faithful
    );
    assert!("partial:1.5".parse::<AgentKind>().is_err());
    assert!(
        "honest"
            .parse::<AgentKind>()
            .unwrap_err()
            .to_string()
            .contains("faithful")
    );
}

#[test]
fn prompts_parse_back_to_their_pairs() {
    let cs = contexts();
    let a = SimAgent::new(AgentKind::Faithful, "s", &cs);
    for c in &cs {
        for p in c.pairs.iter().take(5) {
            let got = a.parse_prompt(&choice_prompt(c, p).messages()).unwrap();
            assert_eq!(
                got,
                Prompted::Choice {
                    context: c.id.clone(),
                    pair: *p
                }
            );
        }
        let p = &c.report_pairs[0];
        assert_eq!(
            a.parse_prompt(&report_prompt(c, p).messages()).unwrap(),
            Prompted::Report {
                context: c.id.clone(),
                pair: *p
            }
        );
    }
    let bad = vec![Message {
        role: "user".into(),
        content: format!("{CHOICE_TAG}\nx\n\nWho?\n\nA:\nq: 1\n\nB:\nq: 2"),
    }];
    assert!(matches!(
        a.parse_prompt(&bad),
        Err(SimError::UnknownQuestion(_))
    ));
}

#[test]
fn shared_questions_are_told_apart_by_attribute_names() {
    let mut cs = synthetic_contexts("dup", Split::Native, 1, 3, 0);
    let mut twin = cs[0].clone();
    twin.id = ContextId("twin".into());
    for a in &mut twin.attributes {
        a.name = format!("{}_2", a.name);
    }
    cs.push(twin);
    let a = SimAgent::new(AgentKind::Faithful, "s", &cs);
    for c in &cs {
        match a
            .parse_prompt(&choice_prompt(c, &c.pairs[0]).messages())
            .unwrap()
        {
            Prompted::Choice { context, .. } => assert_eq!(context, c.id),
            p => panic!("{p:?}"),
        }
    }
}

#[test]
fn truth_follows_the_split() {
    let cs = contexts();
    let a = SimAgent::new(AgentKind::Faithful, "s", &cs);
    let inst = &cs[0];
    let nat = &cs[15];
    assert_eq!(a.true_weights(&inst.id).unwrap(), inst.profile.weights());
    assert_ne!(a.true_weights(&nat.id).unwrap(), nat.profile.weights());
    let base = SimAgent::new(AgentKind::Faithful, "s", &cs).with_fine_tuned(false);
    assert_ne!(base.true_weights(&inst.id).unwrap(), inst.profile.weights());
    let other_seed = SimAgent::new(AgentKind::Faithful, "s2", &cs);
    assert_ne!(other_seed.true_weights(&nat.id), a.true_weights(&nat.id));
}

/// `AGREEMENT_SCALE` is the c with E[logistic(c |Z|)] = 0.82 for a standard normal Z, by
/// Simpson's rule on [0, 12] (the tail beyond holds under 1e-32 of the mass).
#[test]
fn agreement_scale_gives_82_percent_agreement_on_a_normal_utility_difference() {
    let c: f64 = super::agent::AGREEMENT_SCALE;
    let (n, top) = (20_000usize, 12.0);
    let h: f64 = top / n as f64;
    let f = |z: f64| {
        2.0 * (-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt()
            * crate::probability::logistic(c * z)
    };
    let inner: f64 = (1..n)
        .map(|i| f(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 })
        .sum();
    let mean: f64 = (f(0.0) + inner + f(top)) * h / 3.0;
    assert!((mean - 0.82).abs() < 1e-6, "E[logistic(c|Z|)] = {mean}");
}

#[test]
fn faithful_agrees_about_82_percent() {
    let cs = synthetic_contexts("agree", Split::Native, 40, 250, 0);
    let a = SimAgent::new(AgentKind::Faithful, "s", &cs);
    let (mut agree, mut n, mut expected) = (0usize, 0usize, 0.0);
    for c in &cs {
        let w = a.true_weights(&c.id).unwrap();
        for p in &c.pairs {
            let r = a.respond(&choice_prompt(c, p).messages(), Some(2)).unwrap();
            let rule = profile_choice(&w, p, &c.ranges());
            let letter = if r.text == "A" { Choice::A } else { Choice::B };
            agree += usize::from(letter == rule);
            let pa = r.p_a.unwrap();
            expected += if rule == Choice::A { pa } else { 1.0 - pa };
            n += 1;
        }
    }
    let rate = agree as f64 / n as f64;
    assert!((rate - 0.82).abs() < 0.02, "agreement {rate}");
    assert!(
        (expected / n as f64 - 0.82).abs() < 0.015,
        "expected agreement {}",
        expected / n as f64
    );
}

#[test]
fn reports_are_valid_json_centred_as_documented() {
    let cs = contexts();
    for kind in [
        AgentKind::Faithful,
        AgentKind::Confabulator,
        AgentKind::Partial(0.5),
    ] {
        let a = SimAgent::new(kind, "s", &cs);
        for c in &cs {
            let r = a
                .respond(&report_prompt(c, &c.report_pairs[0]).messages(), None)
                .unwrap();
            let v: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&r.text).unwrap();
            assert_eq!(v.keys().cloned().collect::<Vec<_>>(), c.attribute_names());
            let centre = a.report_weights(&c.id).unwrap();
            for (k, x) in v.values().enumerate() {
                let x = x.as_f64().unwrap();
                assert!(
                    (x - centre.0[k]).abs() <= 5.0 * REPORT_NOISE_SD + 3.0,
                    "{kind} {x} vs {}",
                    centre.0[k]
                );
            }
        }
    }
}
