//! The freeze: determinism, stream independence, the profile rule, display precision, verify.

use selfinterp::benchmark::verify_version;
use selfinterp::benchmark::{Counts, Split};
use selfinterp::benchmark::{SeedSource, freeze};
use selfinterp::catalogue::Catalogue;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn catalogue() -> Catalogue {
    Catalogue::load_valid(&root().join("domains")).unwrap()
}

fn seed() -> SeedSource {
    SeedSource::Public("test-seed".into())
}

#[test]
fn two_freezes_are_byte_identical() {
    let cat = catalogue();
    let a = freeze(&cat, "vt", &seed(), Counts::default());
    let b = freeze(&cat, "vt", &seed(), Counts::default());
    assert_eq!(a.contexts_jsonl, b.contexts_jsonl);
    assert_eq!(a.manifest_json, b.manifest_json);
    let other = freeze(
        &cat,
        "vt",
        &SeedSource::Public("another".into()),
        Counts::default(),
    );
    assert_ne!(
        a.contexts_jsonl, other.contexts_jsonl,
        "the seed must matter"
    );
}

#[test]
fn catalogue_order_does_not_change_any_draw() {
    let cat = catalogue();
    let mut reversed = cat.clone();
    reversed.contexts.reverse();
    let a = freeze(&cat, "vt", &seed(), Counts::default());
    let b = freeze(&reversed, "vt", &seed(), Counts::default());
    assert_eq!(a.contexts_jsonl, b.contexts_jsonl);
}

#[test]
fn removing_a_context_leaves_every_other_contexts_draws_unchanged() {
    let cat = catalogue();
    let full = freeze(&cat, "vt", &seed(), Counts::default());
    let mut smaller = cat.clone();
    let removed = smaller.contexts.remove(17).id;
    let part = freeze(&smaller, "vt", &seed(), Counts::default());
    assert_eq!(part.contexts.len(), full.contexts.len() - 1);
    let mut compared = 0;
    for c in &part.contexts {
        let f = full.contexts.iter().find(|x| x.id == c.id).unwrap();
        assert_eq!(c.persona, f.persona, "{}", c.id);
        assert_eq!(c.profile, f.profile, "{}", c.id);
        assert_eq!(c.report_pairs, f.report_pairs, "{}", c.id);
        // Pairs are one stream; a split change only changes how many are taken.
        let n = c.pairs.len().min(f.pairs.len());
        assert_eq!(c.pairs[..n], f.pairs[..n], "{}", c.id);
        compared += 1;
    }
    assert!(compared >= 299);
    assert!(part.contexts.iter().all(|c| c.id != removed));
}

#[test]
fn splits_have_the_protocols_sizes_and_pair_counts() {
    let f = freeze(&catalogue(), "vt", &seed(), Counts::default());
    let count = |s: Split| f.contexts.iter().filter(|c| c.split == s).count();
    assert_eq!(count(Split::Instilled), 100);
    assert_eq!(count(Split::Native), 100);
    assert!(count(Split::Train) >= 100);
    for c in &f.contexts {
        let expected = match c.split {
            Split::Instilled => 50,
            Split::Native => 100,
            Split::Train => 0,
        };
        assert_eq!(c.pairs.len(), expected, "{}", c.id);
        assert_eq!(c.report_pairs.len(), 10, "{}", c.id);
        assert!(
            c.question
                .starts_with(&format!("Imagine you are {}.", c.persona))
        );
    }
}

#[test]
fn every_profile_is_integers_with_max_magnitude_exactly_100() {
    let f = freeze(&catalogue(), "vt", &seed(), Counts::default());
    let mut signs = [0usize; 2];
    for c in &f.contexts {
        let max = c.profile.0.iter().map(|w| w.abs()).max().unwrap();
        assert_eq!(max, 100, "{}: {:?}", c.id, c.profile);
        assert!(c.profile.0.iter().all(|w| (-100..=100).contains(w)));
        for w in c.profile.0 {
            signs[(w > 0) as usize] += 1;
        }
    }
    // Uniform(-100, 100) draws: both signs appear in roughly equal numbers.
    let frac_pos = signs[1] as f64 / (signs[0] + signs[1]) as f64;
    assert!((0.44..0.56).contains(&frac_pos), "{frac_pos}");
}

#[test]
fn frozen_values_lie_in_range_at_their_display_precision() {
    let f = freeze(&catalogue(), "vt", &seed(), Counts::default());
    for c in &f.contexts {
        for p in c.pairs.iter().chain(&c.report_pairs) {
            for v in [p.a, p.b] {
                for (k, a) in c.attributes.iter().enumerate() {
                    let x = v.0[k];
                    // Rounding for display can step past a bound that is finer than the
                    // display precision (0.33 shown at one decimal), by at most half a unit.
                    let half_unit = 0.5 * 10f64.powi(-(a.decimals as i32)) + 1e-9;
                    assert!(
                        x >= a.min - half_unit && x <= a.max + half_unit,
                        "{} {} {x}",
                        c.id,
                        a.name
                    );
                    // Printed at its precision and read back, the value is unchanged.
                    let printed: String = format!("{:.*}", a.decimals as usize, x);
                    assert_eq!(
                        printed.parse::<f64>().unwrap(),
                        x,
                        "{} {} {x} not at {} decimals",
                        c.id,
                        a.name,
                        a.decimals
                    );
                }
            }
        }
    }
}

#[test]
fn the_committed_v1_verifies() {
    let cat = catalogue();
    // verify_version also compares the catalogue's hash with the manifest's
    // (verify_names_a_changed_catalogue_under_a_frozen_version).
    let m = verify_version(&cat, &root().join("benchmark"), "v1", None).unwrap();
    assert!(m.is_empty(), "{m:#?}");
}

/// What `verify` finds when it regenerates version v1 under `root` from `cat`: one mismatch
/// a line.
fn v1_mismatches(cat: &Catalogue, root: &Path) -> String {
    verify_version(cat, root, "v1", None)
        .unwrap()
        .iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn copy_v1(to: &Path) {
    std::fs::create_dir_all(to.join("v1")).unwrap();
    for f in ["manifest.json", "contexts.jsonl"] {
        std::fs::copy(root().join("benchmark/v1").join(f), to.join("v1").join(f)).unwrap();
    }
}

#[test]
fn verify_names_an_edited_number_in_the_frozen_pairs() {
    let tmp = tempfile::tempdir().unwrap();
    copy_v1(tmp.path());
    let path = tmp.path().join("v1/contexts.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut v: serde_json::Value = serde_json::from_str(&lines[3]).unwrap();
    let id = v["id"].as_str().unwrap().to_string();
    let old = v["pairs"][2]["B"][1].as_f64().unwrap();
    v["pairs"][2]["B"][1] = serde_json::json!(old + 1.0);
    lines[3] = serde_json::to_string(&v).unwrap();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let joined = v1_mismatches(&catalogue(), tmp.path());
    assert!(
        joined.contains(&format!("line 4 (context {id}): pairs[2].B[1]: frozen")),
        "{joined}"
    );
}

#[test]
fn verify_names_a_changed_catalogue_under_a_frozen_version() {
    let mut cat = catalogue();
    cat.contexts[5].attributes[2].max += 1.0;
    let changed = cat.contexts[5].id.clone();
    let joined = v1_mismatches(&cat, &root().join("benchmark"));
    assert!(
        joined.contains("catalogue_sha256: domains/ changed"),
        "{joined}"
    );
    assert!(
        joined.contains(&format!("(context {changed}): attributes[2].max")),
        "{joined}"
    );
}

#[test]
fn a_private_seed_is_published_only_as_its_hash() {
    let secret = "a secret seed that nobody knows 123";
    let f = freeze(
        &catalogue(),
        "private",
        &SeedSource::Private(secret.into()),
        Counts::default(),
    );
    assert!(f.manifest.seed.is_none());
    assert!(!f.manifest_json.contains(secret));
    assert_eq!(
        f.manifest.private_seed_sha256.as_deref(),
        Some(selfinterp::benchmark::sha256_hex(secret.as_bytes()).as_str())
    );
    let public = freeze(&catalogue(), "private", &seed(), Counts::default());
    assert_ne!(f.contexts_jsonl, public.contexts_jsonl);
}
