//! `score`'s reading of a plain run's samples: every field of every line read and type-checked
//! as [`Sample`] reads it, only the fields the score uses kept.
//!
//! A [`Sample`] holds seven heap strings and vectors (the prompt's hash, the response, the
//! log-probabilities' tokens, ...) that scoring never looks at; a [`ScoreSample`] checks them
//! in place (a string is a string, a log-probability a token and a number) and keeps two.
//! [`summary`] takes this path only when the bundle is what a finished fixed-design run writes
//! (canonical order, every sample a request of the plan); anything else, and any error, sends
//! the caller to the full reading ([`super::open`]), which reports problems as every command
//! does. So the lean path never accepts what the full one refuses, and gives the same summary.

use super::check;
use super::journal::{self, ReadJournal};
use super::parameters::{Parameters, run_contexts};
use super::sample::{Fields, KeyRef, KindKey, Order, Parsed};
use super::score_input::{self, ContextTable};
use super::summary::BundleSummary;
use super::{CONTEXTS, RunManifest, SAMPLES};
use crate::benchmark::{Benchmark, FrozenContext};
use crate::scoring::Summary;
use crate::types::{ContextId, Pair};
use serde::Deserialize;
use serde::de::{Deserializer, SeqAccess, Visitor};
use std::path::{Path, PathBuf};

/// One line of `samples.jsonl` as the score reads it: [`Sample`]'s fields in its order, with
/// its defaults; the ones scoring does not use are checked and dropped.
///
/// [`Sample`]: super::Sample
#[derive(Debug, Deserialize)]
pub struct ScoreSample {
    kind: KindKey,
    context: ContextId,
    index: usize,
    order: Order,
    #[serde(rename = "prompt_sha256")]
    _prompt_sha256: Option<AString>,
    options: Pair,
    #[serde(rename = "response")]
    _response: AString,
    parsed: Option<Parsed>,
    status: String,
    #[serde(default)]
    out_of_range: Option<bool>,
    #[serde(rename = "logprobs")]
    _logprobs: Option<SeqOf<ALogprob>>,
    p_a: Option<f64>,
    #[serde(default, rename = "p_a_status")]
    _p_a_status: Option<AString>,
    #[serde(rename = "tokens_in")]
    _tokens_in: Option<u64>,
    #[serde(rename = "tokens_out")]
    _tokens_out: Option<u64>,
}

impl Fields for ScoreSample {
    fn key_ref(&self) -> KeyRef<'_> {
        KeyRef {
            kind: self.kind,
            context: self.context.as_str(),
            index: self.index,
            order: self.order,
        }
    }

    fn options(&self) -> &Pair {
        &self.options
    }

    fn parsed(&self) -> Option<Parsed> {
        self.parsed
    }

    fn status(&self) -> &str {
        &self.status
    }

    fn p_a(&self) -> Option<f64> {
        self.p_a
    }

    fn out_of_range(&self) -> Option<bool> {
        self.out_of_range
    }
}

/// A string, checked and not kept (where [`Sample`] has a `String`).
///
/// [`Sample`]: super::Sample
#[derive(Debug)]
struct AString;

impl<'de> Deserialize<'de> for AString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<AString, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = AString;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<AString, E> {
                Ok(AString)
            }
        }
        d.deserialize_string(V)
    }
}

/// A sequence of `T`, each checked, none kept (where [`Sample`] has a `Vec<T>`).
///
/// [`Sample`]: super::Sample
#[derive(Debug)]
struct SeqOf<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for SeqOf<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SeqOf<T>, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = SeqOf<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SeqOf<T>, A::Error> {
                while seq.next_element::<T>()?.is_some() {}
                Ok(SeqOf(std::marker::PhantomData))
            }
        }
        d.deserialize_seq(V(std::marker::PhantomData))
    }
}

/// A [`crate::providers::TokenLogprob`], checked and not kept: the same fields.
#[derive(Debug, Deserialize)]
struct ALogprob {
    #[serde(rename = "token")]
    _token: AString,
    #[serde(rename = "logprob")]
    _logprob: f64,
}

/// The manifest and summary `score` prints for the bundle in `dir` (and what was read to make
/// them, [`Read`]), read the lean way, when the bundle is
/// a finished-looking fixed-design run on the benchmark its manifest names (hash-checked),
/// with no contexts of its own, not an observer run, no choice asked swapped, samples in
/// canonical order and every sample a request of the plan with its frozen pair. `None`
/// otherwise, and on any error (reading, parsing, the checks, scoring): the caller then opens
/// the bundle the full way ([`super::open`]), which says what is wrong.
pub fn summary(benchmark_root: &Path, dir: &Path) -> Option<(RunManifest, BundleSummary, Read)> {
    let manifest: RunManifest = super::read_manifest(dir).ok()?;
    let p: &Parameters = manifest.parameters.as_ref()?;
    if p.observe.is_some() || p.design.is_some() || dir.join(CONTEXTS).exists() {
        return None;
    }
    let path: PathBuf = dir.join(SAMPLES);
    let (read, bench) = rayon::join(
        || journal::read::<ScoreSample>(&path),
        || super::open::benchmark_of(benchmark_root, &manifest, dir),
    );
    let read: ReadJournal<ScoreSample> = read.ok()?;
    let bench: Benchmark = bench.ok()??;
    let samples: Vec<ScoreSample> = read.records;
    // Counterbalanced runs get a position-bias block from the full samples.
    let swapped = |s: &ScoreSample| s.kind == KindKey::Choice && s.order == Order::Ba;
    if read.partial_line.is_some()
        || samples.is_empty()
        || !check::strictly_sorted(&samples)
        || samples.iter().any(swapped)
    {
        return None;
    }
    // Strictly sorted: no key repeats, and file order is the canonical order.
    let lines: Vec<usize> = check::in_file_order(samples.len());
    let list: Vec<&FrozenContext> = run_contexts(&bench, p);
    if !check::against_requests(&path, &samples, &lines, p, &list, None).is_empty() {
        return None;
    }
    let score: Summary =
        score_input::summary(&samples, &manifest, ContextTable::Benchmark(&bench)).ok()?;
    let summary = BundleSummary {
        score,
        position_bias: None,
        privileged_access: None,
    };
    let read = Read {
        _samples: samples,
        _bench: bench,
    };
    Some((manifest, summary, read))
}

/// What [`summary`] read to score (the samples and the benchmark), handed to the caller: a
/// process about to end may leave it unfreed (`std::mem::forget`) instead of freeing every
/// sample one by one.
#[derive(Debug)]
pub struct Read {
    _samples: Vec<ScoreSample>,
    _bench: Benchmark,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{MANIFEST, Sample};
    use serde_json::{Map, Value};

    fn root() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    /// The full reading's summary: what `score` printed before the lean path existed.
    fn full(dir: &Path) -> Result<BundleSummary, String> {
        let bench: PathBuf = root().join("benchmark");
        let opened = crate::bundle::open(&bench, dir).map_err(|e| e.to_string())?;
        opened.summary().map_err(|e| e.to_string())
    }

    /// Values a field might be faked to: every JSON type, and the shapes of the real fields.
    const VALUES: &[&str] = &[
        "null",
        "true",
        "0",
        "1",
        "-1",
        "1.5",
        "1e300",
        r#""""#,
        r#""x""#,
        r#""A""#,
        r#""exact""#,
        "[]",
        "[1]",
        r#"["x"]"#,
        "[1,2,3,4,5]",
        "{}",
        r#"{"A":[1,2,3,4,5],"B":[5,4,3,2,1]}"#,
        r#"{"A":[1,2,3,4,5]}"#,
        r#"{"token":"A","logprob":-1}"#,
        r#"[{"token":"A","logprob":-1}]"#,
        r#"[["A",-1]]"#,
        r#"[{"token":"A","logprob":-1,"extra":[]}]"#,
        r#"[{"token":1,"logprob":-1}]"#,
        r#"[{"token":"A"}]"#,
        r#"[{"token":"A","logprob":"x"}]"#,
        r#"[{"token":"A","logprob":null}]"#,
        r#"[{"token":"A","logprob":-1,"token":"B"}]"#,
        r#"[{"token":"A","logprob":-1},7]"#,
    ];

    /// A real sample line edited every way: each field dropped, faked to each of `VALUES`,
    /// repeated; an unknown field; the line as an array (serde's sequence form of a struct).
    fn edited(line: &str) -> Vec<String> {
        let base: Map<String, Value> = serde_json::from_str(line).unwrap();
        let text = |m: &Map<String, Value>| serde_json::to_string(m).unwrap();
        let mut out: Vec<String> = vec![line.to_string()];
        for key in base.keys() {
            let mut m = base.clone();
            m.remove(key);
            out.push(text(&m));
            for v in VALUES {
                let mut m = base.clone();
                m.insert(key.clone(), serde_json::from_str(v).unwrap());
                out.push(text(&m));
            }
            let whole: String = text(&base);
            out.push(format!(
                "{},\"{key}\":{}}}",
                &whole[..whole.len() - 1],
                base[key]
            ));
        }
        let mut m = base.clone();
        m.insert("unknown".into(), Value::from(1));
        out.push(text(&m));
        let values: Vec<Value> = base.values().cloned().collect();
        for n in [values.len(), values.len() - 2, 3] {
            out.push(serde_json::to_string(&values[..n]).unwrap());
        }
        out
    }

    #[test]
    fn a_score_sample_reads_exactly_the_lines_a_sample_reads() {
        let dir: PathBuf = root().join("results/sim-faithful-native-quick");
        let text: String = std::fs::read_to_string(dir.join(SAMPLES)).unwrap();
        let choice: &str = text.lines().find(|l| l.contains("\"choice\"")).unwrap();
        let report: &str = text.lines().find(|l| l.contains("\"report\"")).unwrap();
        let (mut read, mut refused) = (0usize, 0usize);
        for line in edited(choice).iter().chain(edited(report).iter()) {
            let full = serde_json::from_str::<Sample>(line);
            let lean = serde_json::from_str::<ScoreSample>(line);
            assert_eq!(lean.is_ok(), full.is_ok(), "{line}: {full:?} / {lean:?}");
            let (Ok(full), Ok(lean)) = (full, lean) else {
                refused += 1;
                continue;
            };
            read += 1;
            assert_eq!(lean.key_ref(), full.key_ref(), "{line}");
            assert_eq!(lean.options(), &full.options, "{line}");
            assert_eq!(lean.parsed(), full.parsed, "{line}");
            assert_eq!(lean.status(), full.status, "{line}");
            assert_eq!(lean.p_a().map(f64::to_bits), full.p_a.map(f64::to_bits));
            assert_eq!(lean.out_of_range(), full.out_of_range, "{line}");
        }
        assert!(read > 50 && refused > 200, "read {read}, refused {refused}");
    }

    #[test]
    fn the_lean_summary_is_the_full_one_or_none() {
        let mut lean_read: usize = 0;
        for entry in std::fs::read_dir(root().join("results")).unwrap() {
            let dir: PathBuf = entry.unwrap().path();
            if !dir.join(SAMPLES).is_file() {
                continue;
            }
            if let Some((m, s, _)) = summary(&root().join("benchmark"), &dir) {
                assert_eq!(m, crate::bundle::read_manifest(&dir).unwrap());
                let want: BundleSummary = full(&dir).unwrap();
                assert_eq!(s.to_bytes(), want.to_bytes(), "{}", dir.display());
                lean_read += 1;
            }
        }
        assert!(lean_read >= 1, "no bundle of results/ took the lean path");
    }

    /// A copy of the quick simulated bundle with `samples.jsonl` edited.
    fn damaged(edit: &dyn Fn(&str) -> String) -> tempfile::TempDir {
        let from: PathBuf = root().join("results/sim-faithful-native-quick");
        let tmp = tempfile::tempdir().unwrap();
        std::fs::copy(from.join(MANIFEST), tmp.path().join(MANIFEST)).unwrap();
        let text: String = std::fs::read_to_string(from.join(SAMPLES)).unwrap();
        std::fs::write(tmp.path().join(SAMPLES), edit(&text)).unwrap();
        tmp
    }

    /// `text` with line `i` (0-based) edited.
    fn line(text: &str, i: usize, edit: impl Fn(&str) -> String) -> String {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines[i] = edit(&lines[i]);
        lines.join("\n") + "\n"
    }

    #[test]
    fn anything_unusual_goes_the_full_way() {
        let bench: PathBuf = root().join("benchmark");
        let intact = damaged(&|t| t.to_string());
        assert!(summary(&bench, intact.path()).is_some());
        type Edit = Box<dyn Fn(&str) -> String>;
        // What is edited, whether the full reading refuses it, the edit.
        let cases: Vec<(&str, bool, Edit)> = vec![
            (
                "two lines swapped",
                false,
                Box::new(|t| {
                    let mut l: Vec<&str> = t.lines().collect();
                    l.swap(3, 4);
                    l.join("\n") + "\n"
                }),
            ),
            (
                "a line repeated",
                false,
                Box::new(|t| {
                    let mut l: Vec<&str> = t.lines().collect();
                    l.insert(5, l[5]);
                    l.join("\n") + "\n"
                }),
            ),
            (
                "a torn last line",
                true,
                Box::new(|t| format!("{t}{{\"kind\":")),
            ),
            (
                "a malformed line",
                true,
                Box::new(|t| line(t, 7, |_| "{".into())),
            ),
            ("no samples", true, Box::new(|_| String::new())),
            (
                "an option changed",
                true,
                Box::new(|t| {
                    line(t, 2, |l| {
                        let i: usize = l.find("\"A\":[").unwrap() + 5;
                        let j: usize = i + l[i..].find(',').unwrap();
                        format!("{}12345.0{}", &l[..i], &l[j..])
                    })
                }),
            ),
            (
                "a sample outside the plan",
                true,
                Box::new(|t| line(t, 0, |l| l.replacen("\"index\":0", "\"index\":9999", 1))),
            ),
            (
                "an unknown status",
                true,
                Box::new(|t| line(t, 1, |l| l.replacen("\"status\":\"", "\"status\":\"x", 1))),
            ),
        ];
        for (what, refused, edit) in cases {
            let tmp = damaged(&*edit);
            assert!(summary(&bench, tmp.path()).is_none(), "{what}");
            assert_eq!(full(tmp.path()).is_err(), refused, "{what}");
        }
    }
}
