//! `serve-sim` against what an OpenAI client expects: streaming, `n`, errors, times, finish
//! reasons and methods, over real HTTP on loopback.

use super::server::SimServer;
use super::{AgentKind, SimAgent, synthetic_contexts};
use crate::benchmark::{FrozenContext, Split};
use crate::prompts::{choice_prompt, report_prompt};
use serde_json::{Value, json};
use std::sync::Arc;

struct Fixture {
    srv: SimServer,
    agent: Arc<SimAgent>,
    cs: Vec<FrozenContext>,
    http: reqwest::Client,
}

async fn fixture() -> Fixture {
    let cs = synthetic_contexts("wire", Split::Native, 3, 5, 2);
    let agent = Arc::new(SimAgent::new(AgentKind::Faithful, "w", &cs));
    let srv = SimServer::bind(agent.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    Fixture {
        srv,
        agent,
        cs,
        http: reqwest::Client::new(),
    }
}

impl Fixture {
    fn choice_messages(&self, i: usize) -> Value {
        serde_json::to_value(choice_prompt(&self.cs[i], &self.cs[i].pairs[0]).messages()).unwrap()
    }
    fn report_messages(&self) -> Value {
        let c = &self.cs[0];
        serde_json::to_value(report_prompt(c, &c.report_pairs[0]).messages()).unwrap()
    }
    async fn post(&self, body: Value) -> (u16, String, String) {
        let r = self
            .http
            .post(format!("{}/chat/completions", self.srv.base_url()))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let ctype = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, ctype, r.text().await.unwrap())
    }
}

/// The `data:` payloads of a server-sent event stream, in order.
fn events(body: &str) -> Vec<String> {
    body.split("\n\n")
        .filter(|e| !e.is_empty())
        .map(|e| {
            e.strip_prefix("data: ")
                .unwrap_or_else(|| panic!("not a data event: {e:?}"))
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn a_stream_is_server_sent_chunks_ending_in_done_that_add_up_to_the_answer() {
    let f = fixture().await;
    let messages = f.report_messages();
    let (status, ctype, body) = f
        .post(
            json!({"model": "faithful", "messages": messages, "stream": true,
            "stream_options": {"include_usage": true}, "max_tokens": 300}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ctype, "text/event-stream");
    let ev = events(&body);
    assert_eq!(ev.last().map(String::as_str), Some("[DONE]"));
    let chunks: Vec<Value> = ev[..ev.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e).unwrap())
        .collect();
    assert!(chunks.len() >= 4, "{body}");
    assert!(
        chunks
            .iter()
            .all(|c| c["object"] == json!("chat.completion.chunk"))
    );
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], json!("assistant"));
    let text: String = chunks
        .iter()
        .flat_map(|c| c["choices"].as_array().unwrap().iter())
        .filter_map(|c| c["delta"]["content"].as_str())
        .collect();
    let direct = f
        .agent
        .respond(&serde_json::from_value::<Vec<_>>(messages).unwrap(), None)
        .unwrap();
    assert_eq!(text, direct.text);
    let finishes: Vec<&Value> = chunks
        .iter()
        .flat_map(|c| c["choices"].as_array().unwrap().iter())
        .map(|c| &c["finish_reason"])
        .filter(|r| !r.is_null())
        .collect();
    assert_eq!(finishes, vec![&json!("stop")]);
    let usage = &chunks.last().unwrap()["usage"];
    assert_eq!(usage["completion_tokens"], json!(direct.tokens_out));
    assert_eq!(usage["prompt_tokens"], json!(direct.tokens_in));
    f.srv.shutdown();
}

#[tokio::test]
async fn n_returns_n_choices_the_first_being_the_single_answer() {
    let f = fixture().await;
    let (status, _, body) = f
        .post(
            json!({"model": "faithful", "messages": f.choice_messages(1), "n": 40,
            "max_tokens": 1, "logprobs": true, "top_logprobs": 2}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let choices = v["choices"].as_array().unwrap();
    assert_eq!(choices.len(), 40);
    let (_, _, single) = f
        .post(json!({"model": "faithful", "messages": f.choice_messages(1), "max_tokens": 1}))
        .await;
    let single: Value = serde_json::from_str(&single).unwrap();
    assert_eq!(
        choices[0]["message"], single["choices"][0]["message"],
        "choice 0 of n is the n = 1 answer"
    );
    for (i, c) in choices.iter().enumerate() {
        assert_eq!(c["index"], json!(i));
        assert!(["A", "B"].contains(&c["message"]["content"].as_str().unwrap()));
        assert_eq!(c["finish_reason"], json!("length"));
        assert_eq!(
            c["logprobs"]["content"][0]["top_logprobs"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }
    assert_eq!(v["usage"]["completion_tokens"], json!(40));
    // The letters are drawn per choice: unless P(A) is extreme, both letters appear.
    let p_a: f64 = f
        .agent
        .respond(
            &serde_json::from_value::<Vec<_>>(f.choice_messages(1)).unwrap(),
            Some(2),
        )
        .unwrap()
        .p_a
        .unwrap();
    let a: usize = choices
        .iter()
        .filter(|c| c["message"]["content"] == json!("A"))
        .count();
    if (0.2..=0.8).contains(&p_a) {
        assert!(0 < a && a < 40, "P(A) {p_a}, {a} of 40 were A");
    }
    for bad in [0, 129] {
        let (status, _, body) = f
            .post(json!({"model": "faithful", "messages": f.choice_messages(1), "n": bad}))
            .await;
        assert_eq!(status, 400, "n {bad}: {body}");
    }
    f.srv.shutdown();
}

#[tokio::test]
async fn an_unknown_model_is_openais_404_model_not_found() {
    let f = fixture().await;
    let (status, _, body) = f
        .post(json!({"model": "gpt-4o", "messages": f.choice_messages(0)}))
        .await;
    assert_eq!(status, 404, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["code"], json!("model_not_found"));
    assert_eq!(v["error"]["type"], json!("invalid_request_error"));
    assert!(v["error"]["message"].as_str().unwrap().contains("`gpt-4o`"));
    assert_eq!(f.srv.requests(), 1);
    let r = f
        .http
        .get(format!("{}/models/gpt-4o", f.srv.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let r = f
        .http
        .get(format!("{}/models/faithful", f.srv.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    f.srv.shutdown();
}

#[tokio::test]
async fn created_is_now_and_finish_reason_follows_max_tokens() {
    let f = fixture().await;
    let before = super::wire::unix_now();
    let (_, _, body) = f
        .post(json!({"model": "faithful", "messages": f.choice_messages(0), "max_tokens": 1}))
        .await;
    let v: Value = serde_json::from_str(&body).unwrap();
    let created = v["created"].as_u64().unwrap();
    assert!(
        before <= created && created <= super::wire::unix_now() + 1,
        "{created}"
    );
    assert_eq!(v["choices"][0]["finish_reason"], json!("length"));
    // Room left after the letter: the answer stopped by itself.
    let (_, _, body) = f
        .post(json!({"model": "faithful", "messages": f.choice_messages(0), "max_tokens": 5}))
        .await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["choices"][0]["finish_reason"], json!("stop"));
    // A report cut at 3 tokens: 12 characters and "length".
    let (_, _, body) = f
        .post(json!({"model": "faithful", "messages": f.report_messages(), "max_completion_tokens": 3}))
        .await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["choices"][0]["finish_reason"], json!("length"));
    assert_eq!(
        v["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
            .chars()
            .count(),
        12
    );
    assert_eq!(v["usage"]["completion_tokens"], json!(3));
    f.srv.shutdown();
}

#[tokio::test]
async fn a_route_asked_with_the_wrong_method_is_405_with_allow() {
    let f = fixture().await;
    let base = f.srv.base_url();
    for (method, url, allow) in [
        (
            reqwest::Method::GET,
            format!("{base}/chat/completions"),
            "POST",
        ),
        (
            reqwest::Method::DELETE,
            format!("{base}/chat/completions"),
            "POST",
        ),
        (reqwest::Method::POST, format!("{base}/models"), "GET"),
    ] {
        let r = f.http.request(method.clone(), &url).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 405, "{method} {url}");
        assert_eq!(r.headers()["allow"], allow);
        let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert!(v["error"]["message"].is_string());
    }
    let r = f.http.get(format!("{base}/nowhere")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    f.srv.shutdown();
}

#[tokio::test]
async fn temperature_is_checked_and_does_not_change_the_answer() {
    let f = fixture().await;
    let mut texts = Vec::new();
    for t in [0.0, 1.0, 2.0] {
        let (status, _, body) = f
            .post(json!({"model": "faithful", "messages": f.choice_messages(2), "temperature": t}))
            .await;
        assert_eq!(status, 200, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        texts.push(v["choices"][0]["message"]["content"].clone());
    }
    assert!(texts.windows(2).all(|w| w[0] == w[1]), "{texts:?}");
    let (status, _, _) = f
        .post(json!({"model": "faithful", "messages": f.choice_messages(2), "temperature": 2.5}))
        .await;
    assert_eq!(status, 400);
    f.srv.shutdown();
}
