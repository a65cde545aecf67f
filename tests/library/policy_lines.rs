//! The policy lines `policy` writes are the ones `diff` reads: the writer's
//! lines on a hand-computed class, and a change found where it was made.

use imitator::diff::{diff, parse_line, TheirLine, Tolerance};
use imitator::engine::histories::walk;
use imitator::imitator::{Standard, Variant};
use imitator::scenario::Scenario;
use imitator_report::jsonl::{line, LineWriter};
use serde_json::json;
use serde_json::Value;

const COINS: &str = fixture!("two-coins-unnormalized");

fn lines(s: &Scenario, horizon: usize) -> Vec<Value> {
    let rule = Standard::new(Variant::Conservative, 0);
    let mut out = Vec::new();
    walk::<()>(s, &rule, horizon, |e| {
        out.push(line(s, e));
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn root_then_children_in_step_order() {
    let s = Scenario::parse(COINS, "coins.toml", "coins").unwrap();
    let v = lines(&s, 2);
    // Root: m = (1/2, 1/4), θ = 1/4; children: own h, own t, asked h, asked t.
    assert_eq!(v.len(), 5);
    assert_eq!(v[0]["history"], json!([]));
    assert_eq!(v[0]["m"], json!({"h": "1/2", "t": "1/4"}));
    assert_eq!(v[0]["theta"], json!("1/4"));
    assert_eq!(v[0]["p_im"], json!("1"));
    let firsts: Vec<(bool, &str, String)> = v[1..]
        .iter()
        .map(|l| {
            let st = &l["history"][0];
            (st["query"].as_bool().unwrap(), st["action"].as_str().unwrap(), l["p_im"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(
        firsts,
        vec![
            (false, "h", "1/2".to_string()),
            (false, "t", "1/4".to_string()),
            (true, "h", "1/8".to_string()),
            (true, "t", "1/8".to_string()),
        ]
    );
    // Asking and seeing h: posterior (1/2·1/2, 1/2·3/4) normalized = (2/5, 3/5).
    assert_eq!(v[3]["posterior"], json!({"fair": "2/5", "biased": "3/5"}));
    assert_eq!(v[3]["ranking"], json!(["biased", "fair"]));
    // The example of the module docs (with `biased` called `heads-biased` there).
    assert_eq!(v[3]["top"], json!(["biased", "fair"]));
    assert_eq!(v[3]["m"], json!({"h": "1/2", "t": "1/4"}));
    assert_eq!(v[3]["theta"], json!("1/4"));
    assert_eq!(v[3]["p_im"], json!("1/8"));
    assert_eq!(v[3]["truth_in_top"], json!(true));
}

#[test]
fn the_writer_renders_the_same_text() {
    let s = Scenario::parse(COINS, "coins.toml", "coins").unwrap();
    let rule = Standard::new(Variant::Conservative, 0);
    let mut w = LineWriter::new(&s);
    let mut n = 0;
    walk::<()>(&s, &rule, 4, |e| {
        assert_eq!(w.render(e), line(&s, e).to_string());
        n += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(n, 1 + 4 + 16 + 64);
}

#[test]
fn own_output_agrees_and_a_change_is_found() {
    let s = Scenario::parse(COINS, "coins.toml", "coins").unwrap();
    let rule = Standard::new(Variant::Conservative, 0);
    let v = lines(&s, 3);
    let parse = |v: &[Value]| -> Vec<TheirLine> {
        v.iter().enumerate().map(|(i, l)| parse_line(&s, &l.to_string(), i + 1).unwrap()).collect()
    };
    let r = diff(&s, &rule, parse(&v), 3, &Tolerance::default());
    assert!(r.agrees());
    assert_eq!(r.compared, v.len());
    let mut changed = v.clone();
    changed[2]["theta"] = json!("1/3");
    changed.remove(4);
    let r = diff(&s, &rule, parse(&changed), 3, &Tolerance::default());
    assert_eq!(r.differing, 1);
    let first = r.first.unwrap();
    assert_eq!(first.line, 3);
    assert_eq!(first.fields[0].field, "theta");
    assert_eq!(r.missing, 1);
}
