//! The log cache against what the runner relies on: answers read back after a reopen, a torn
//! or garbled line costs only itself, concurrent writers (separate handles, as separate
//! processes have) lose nothing, and an old one-file-per-answer cache is moved in.

use super::*;
use std::io::Write;

fn answer(text: &str) -> ChatResponse {
    ChatResponse {
        text: text.to_string(),
        tokens_in: Some(12),
        model: Some("m".to_string()),
        ..ChatResponse::default()
    }
}

fn key(n: usize) -> String {
    hex::encode(Sha256::digest(n.to_string().as_bytes()))
}

fn log(root: &Path) -> PathBuf {
    root.join("responses").join(LOG_FILE)
}

fn append_raw(root: &Path, bytes: &[u8]) {
    let mut f = OpenOptions::new().append(true).open(log(root)).unwrap();
    f.write_all(bytes).unwrap();
}

#[test]
fn answers_read_back_after_a_reopen_and_the_last_write_wins() {
    let dir = tempfile::tempdir().unwrap();
    let c = ResponseCache::new(dir.path());
    assert!(c.is_empty());
    assert_eq!(c.get(&key(1)), None);
    c.put(&key(1), &answer("A"));
    c.put(&key(2), &answer("B\nwith a newline"));
    assert_eq!(c.get(&key(1)), Some(answer("A")));
    c.put(&key(1), &answer("B"));
    assert_eq!(c.get(&key(1)), Some(answer("B")));
    c.sync();
    let again = ResponseCache::new(dir.path());
    assert_eq!(again.len(), 2);
    assert_eq!(again.get(&key(1)), Some(answer("B")));
    assert_eq!(again.get(&key(2)), Some(answer("B\nwith a newline")));
    // One file, one line per put.
    let text: String = std::fs::read_to_string(log(dir.path())).unwrap();
    assert_eq!(text.lines().count(), 3);
    assert_eq!(
        std::fs::read_dir(dir.path().join("responses"))
            .unwrap()
            .count(),
        1
    );
    // Keys that are not 64 hex digits are neither stored nor found.
    c.put("short", &answer("A"));
    assert_eq!(c.get("short"), None);
    assert_eq!(ResponseCache::new(dir.path()).len(), 2);
}

#[test]
fn a_torn_last_line_costs_only_itself_and_the_next_write_stays_whole() {
    let dir = tempfile::tempdir().unwrap();
    let c = ResponseCache::new(dir.path());
    c.put(&key(1), &answer("A"));
    // A writer killed mid-line: no newline at the end.
    let torn: String = format!("{} {{\"text\":\"B\",\"top_lo", key(2));
    append_raw(dir.path(), torn.as_bytes());
    let reopened = ResponseCache::new(dir.path());
    assert_eq!(reopened.len(), 1);
    assert_eq!(reopened.get(&key(2)), None);
    reopened.put(&key(3), &answer("C"));
    let last = ResponseCache::new(dir.path());
    assert_eq!(last.get(&key(1)), Some(answer("A")));
    assert_eq!(last.get(&key(3)), Some(answer("C")));
    assert_eq!(last.get(&key(2)), None);
}

#[test]
fn garbled_lines_are_misses_not_errors() {
    let dir = tempfile::tempdir().unwrap();
    let c = ResponseCache::new(dir.path());
    c.put(&key(1), &answer("A"));
    // A whole line that is not JSON, a line of zeros (a crash can leave those), no key.
    append_raw(dir.path(), format!("{} not json\n", key(2)).as_bytes());
    append_raw(dir.path(), &[0u8; 80]);
    append_raw(dir.path(), b"\nno key here\n\n");
    c.put(&key(3), &answer("C"));
    let again = ResponseCache::new(dir.path());
    assert_eq!(again.get(&key(1)), Some(answer("A")));
    assert_eq!(again.get(&key(2)), None);
    assert_eq!(again.get(&key(3)), Some(answer("C")));
    // An entry edited in place no longer reads back: a miss.
    let bytes: Vec<u8> = std::fs::read(log(dir.path())).unwrap();
    let at: usize = bytes.windows(3).position(|w| w == b"\"A\"").unwrap();
    let mut edited = bytes.clone();
    edited[at + 2] = b'x';
    std::fs::write(log(dir.path()), &edited).unwrap();
    assert_eq!(ResponseCache::new(dir.path()).get(&key(1)), None);
}

#[test]
fn concurrent_writers_with_separate_handles_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // Two handles opened separately hold separate file descriptions, as two processes do.
    let caches: Vec<ResponseCache> = (0..2).map(|_| ResponseCache::new(dir.path())).collect();
    let per_thread: usize = 300;
    std::thread::scope(|s| {
        for (ci, c) in caches.iter().enumerate() {
            for t in 0..3 {
                s.spawn(move || {
                    for i in 0..per_thread {
                        let n: usize = (ci * 3 + t) * per_thread + i;
                        c.put(
                            &key(n),
                            &answer(&format!("answer {n} {}", "x".repeat(n % 700))),
                        );
                    }
                });
            }
        }
    });
    let all = ResponseCache::new(dir.path());
    assert_eq!(all.len(), 6 * per_thread);
    for n in 0..6 * per_thread {
        let want = answer(&format!("answer {n} {}", "x".repeat(n % 700)));
        assert_eq!(all.get(&key(n)), Some(want), "entry {n}");
    }
    // Each handle finds its own writes, and the other's after a reopen.
    assert_eq!(caches[0].get(&key(0)), all.get(&key(0)));
}

#[test]
fn an_old_one_file_per_answer_cache_is_moved_into_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let responses: PathBuf = dir.path().join("responses");
    let write = |k: &str, bytes: &[u8]| {
        let sub: PathBuf = responses.join(&k[..2]);
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join(format!("{k}.json")), bytes).unwrap();
    };
    for n in 0..5 {
        write(
            &key(n),
            &serde_json::to_vec(&answer(&format!("{n}"))).unwrap(),
        );
    }
    write(&key(5), &serde_json::to_vec(&answer("  ")).unwrap());
    write(&key(6), b"{\"text\":");
    // An old writer's temporary file is not an answer: left alone.
    let tmp_dir: PathBuf = responses.join(&key(7)[..2]);
    std::fs::create_dir_all(&tmp_dir).unwrap();
    std::fs::write(tmp_dir.join(format!("{}.tmp1-0", key(7))), b"{").unwrap();

    let c = ResponseCache::new(dir.path());
    for n in 0..5 {
        assert_eq!(c.get(&key(n)), Some(answer(&format!("{n}"))), "entry {n}");
    }
    assert_eq!(c.get(&key(5)), None, "an empty answer is never cached");
    assert_eq!(c.get(&key(6)), None);
    assert_eq!(c.len(), 5);
    // Only the log and the directory still holding the temporary file remain.
    let mut left: Vec<String> = std::fs::read_dir(&responses)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    left.sort();
    let mut want: Vec<String> = vec![LOG_FILE.to_string(), key(7)[..2].to_string()];
    want.sort();
    assert_eq!(left, want);
    // Opening again moves nothing twice.
    let again = ResponseCache::new(dir.path());
    assert_eq!(again.len(), 5);
    let lines: usize = std::fs::read_to_string(log(dir.path()))
        .unwrap()
        .lines()
        .count();
    assert_eq!(lines, 5);
}

#[test]
fn an_unwritable_cache_still_answers_what_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    ResponseCache::new(dir.path()).put(&key(1), &answer("A"));
    // A root that is a file: nothing can be created under it; every get is a miss, no panic.
    let file_root: PathBuf = dir.path().join("plain");
    std::fs::write(&file_root, b"x").unwrap();
    let c = ResponseCache::new(&file_root);
    c.put(&key(1), &answer("A"));
    assert_eq!(c.get(&key(1)), None);
    c.sync();
}

/// The key as it was computed before it was streamed: existing caches keep their hits.
fn key_as_before(
    server: &ServerIdentity,
    provider: &str,
    model: &str,
    body: &Value,
    salt: Option<&str>,
) -> String {
    let mut material =
        serde_json::json!({"server": server, "provider": provider, "model": model, "body": body});
    if let Some(s) = salt {
        material["salt"] = Value::String(s.to_string());
    }
    hex::encode(Sha256::digest(serde_json::to_vec(&material).unwrap()))
}

#[test]
fn the_streamed_key_is_the_key_existing_caches_hold() {
    let listed = ServerIdentity {
        endpoint: "http://127.0.0.1:8765/v1".to_string(),
        listing: Some(
            serde_json::json!({"id": "m", "meta": {"n_params": 134515008, "size": 1.5e8}}),
        ),
        model_id: Some("m".to_string()),
        fingerprint: Some("b1-abc".to_string()),
        props: None,
    };
    let bare = ServerIdentity::endpoint_only("in-process");
    let body = serde_json::json!({"model": "m", "max_tokens": 1, "temperature": 0.0, "top_logprobs": 20,
        "messages": [{"role": "user", "content": "A or B?\n\"quoted\" é"}]});
    for server in [&listed, &bare] {
        for salt in [None, Some("sim seed 7")] {
            assert_eq!(
                ResponseCache::key(server, "openai", "m", &body, salt),
                key_as_before(server, "openai", "m", &body, salt)
            );
        }
    }
}
