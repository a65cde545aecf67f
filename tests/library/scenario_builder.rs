//! A scenario made in code goes through the same builder, the same rules and
//! the same words as a scenario file; a kind of model, environment or event
//! says how it is written back, or `to_toml` refuses it; and a new event kind
//! plugs into both engines as a new model kind does.

use crate::common;

use common::verify_json_with;
use imitator::engine::EngineKind;
use imitator::environment::{AfterActionEnvironment, IidEnvironment};
use imitator::event::{AtLeast, AtStep, Event, EventKind, Prefix};
use imitator::imitator::Variant;
use imitator::model::{DemonstratorModel, Iid, LastStep, Markov};
use imitator::number::{ratio, Rational};
use imitator::scenario::{Scenario, ScenarioBuilder, ScenarioError};

/// A model whose context is the step's parity: `odd` at steps 1, 3, …, `even` at 2, 4, ….
#[derive(Debug)]
struct Parity {
    odd: Vec<Rational>,
    even: Vec<Rational>,
}

impl DemonstratorModel for Parity {
    fn contexts(&self) -> usize {
        2
    }
    fn initial_context(&self) -> usize {
        0
    }
    fn next_context(&self, ctx: usize, _: usize, _: usize) -> usize {
        1 - ctx
    }
    fn distribution(&self, ctx: usize) -> &[Rational] {
        if ctx == 0 {
            &self.odd
        } else {
            &self.even
        }
    }
    fn describe_context(&self, ctx: usize, _: &[String], _: &[String]) -> String {
        if ctx == 0 { "odd step" } else { "even step" }.into()
    }
}

/// An event no file can declare: action `action` is taken an even number of times.
#[derive(Debug)]
struct EvenCount {
    action: usize,
}

impl EventKind for EvenCount {
    fn advance(&self, state: u32, _: usize, action: usize, _: usize) -> u32 {
        if action == self.action {
            1 - state
        } else {
            state
        }
    }
    fn accepts(&self, state: u32) -> bool {
        state == 0
    }
    fn timed_until(&self) -> usize {
        0
    }
}

fn half() -> Vec<Rational> {
    vec![ratio(1, 2), ratio(1, 2)]
}

/// Two actions, α = 1/10, a fair iid model `fair` (the truth) and whatever `more` adds.
fn two_coins(more: impl FnOnce(ScenarioBuilder) -> ScenarioBuilder) -> Result<Scenario, ScenarioError> {
    let b = Scenario::builder("two coins")
        .actions(["heads", "tails"])
        .alpha(ratio(1, 10))
        .model("fair", ratio(1, 1), Box::new(Iid { probs: half() }))
        .truth("fair");
    more(b).build()
}

/// A file with the same two coins, `model` appended as a second `[[models]]` table's lines.
fn two_coins_file(extra: &str) -> Result<Scenario, ScenarioError> {
    let text = format!(
        "actions = [\"heads\", \"tails\"]\nalpha = \"1/10\"\ntruth = \"fair\"\n\n\
         [[models]]\nname = \"fair\"\nprior = 1\niid = [\"1/2\", \"1/2\"]\n{extra}"
    );
    Scenario::parse(&text, "coins.toml", "two coins")
}

/// The builder's refusal, and the file's for the same fault: the same key and
/// words, the file's with its place in front.
fn same_refusal(built: Result<Scenario, ScenarioError>, file: Result<Scenario, ScenarioError>, says: &str) {
    let built = built.expect_err("the builder refuses").to_string();
    let file = file.expect_err("the file is refused").to_string();
    assert!(built.contains(says), "builder: {built}");
    assert!(file.starts_with("coins.toml:"), "{file}");
    assert!(file.ends_with(&format!(": {built}")), "file: {file}\nbuilder: {built}");
}

#[test]
fn priors_are_weights_normalized_alike_in_code_and_in_a_file() {
    // 7 and 1/2 are valid weights (a file accepts them too): both normalize to 14/15 and 1/15.
    let built = two_coins(|b| b.model("other", ratio(1, 2), Box::new(Iid { probs: half() }))).unwrap();
    let file = two_coins_file("\n[[models]]\nname = \"other\"\nprior = \"1/2\"\niid = [\"1/2\", \"1/2\"]\n").unwrap();
    assert_eq!(built.models[1].prior, file.models[1].prior);
    let seven = Scenario::builder("seven")
        .actions(["heads", "tails"])
        .alpha(ratio(1, 10))
        .model("a", ratio(7, 1), Box::new(Iid { probs: half() }))
        .model("b", ratio(1, 2), Box::new(Iid { probs: half() }))
        .truth("a")
        .build()
        .unwrap();
    assert_eq!(seven.models[0].prior, ratio(14, 15));
    assert_eq!(seven.models[1].prior, ratio(1, 15));
}

#[test]
fn the_builder_refuses_what_a_file_refuses_with_the_same_words() {
    let iid = |p: Vec<Rational>| Box::new(Iid { probs: p });
    // A distribution that does not sum to 1, with priors 7 and 1/2.
    same_refusal(
        Scenario::builder("two coins")
            .actions(["heads", "tails"])
            .alpha(ratio(1, 10))
            .model("fair", ratio(7, 1), iid(half()))
            .model("other", ratio(1, 2), iid(vec![ratio(1, 2), ratio(1, 1)]))
            .truth("fair")
            .build(),
        two_coins_file("\n[[models]]\nname = \"other\"\nprior = \"1/2\"\niid = [\"1/2\", \"1\"]\n"),
        "key `models[1].iid`: sums to 3/2, not exactly 1",
    );
    same_refusal(
        two_coins(|b| b.model("other", ratio(0, 1), iid(half()))),
        two_coins_file("\n[[models]]\nname = \"other\"\nprior = 0\niid = [\"1/2\", \"1/2\"]\n"),
        "key `models[1].prior`: is 0, but a prior must be > 0",
    );
    same_refusal(
        two_coins(|b| b.model("fair", ratio(1, 1), iid(half()))),
        two_coins_file("\n[[models]]\nname = \"fair\"\nprior = 1\niid = [\"1/2\", \"1/2\"]\n"),
        "duplicate model name `fair`",
    );
    same_refusal(
        two_coins(|b| b.model("other", ratio(1, 1), iid(vec![ratio(1, 1)]))),
        two_coins_file("\n[[models]]\nname = \"other\"\nprior = 1\niid = [\"1\"]\n"),
        "has 1 entries but there are 2 actions",
    );
    let sticky =
        Markov { reads: LastStep::Action, start: half(), after: vec![half(), vec![ratio(2, 1), ratio(-1, 1)]] };
    same_refusal(
        two_coins(|b| b.model("sticky", ratio(1, 1), Box::new(sticky))),
        two_coins_file(
            "\n[[models]]\nname = \"sticky\"\nprior = 1\nstart = [\"1/2\", \"1/2\"]\n\
             after_action = { heads = [\"1/2\", \"1/2\"], tails = [\"2\", \"-1\"] }\n",
        ),
        "key `models[1].after_action.tails`: entry 0 is 2, outside [0, 1]",
    );
    same_refusal(
        two_coins(|b| b.environment(Box::new(IidEnvironment { probs: vec![ratio(1, 3)] }))),
        two_coins_file("\n[environment]\niid = [\"1/3\"]\n"),
        "key `environment.iid`: sums to 1/3, not exactly 1",
    );
    same_refusal(
        two_coins(|b| b.environment(Box::new(AfterActionEnvironment { by_action: vec![vec![ratio(1, 1)], vec![]] }))),
        two_coins_file("\n[environment]\nafter_action = { heads = [\"1\"], tails = [] }\n"),
        "key `environment.after_action.tails`: has 0 entries but there are 1 observations",
    );
    same_refusal(
        two_coins(|b| {
            b.event(Event::new("e", AtLeast::of_action(0, 1))).event(Event::new("e", Prefix { actions: vec![] }))
        }),
        two_coins_file(
            "\n[[events]]\nname = \"e\"\naction = \"heads\"\nat_least = 1\n\n[[events]]\nname = \"e\"\nprefix = []\n",
        ),
        "key `events[1].name`: duplicate event name `e`",
    );
    same_refusal(
        two_coins(|b| b.event(Event::new("late", AtStep::of_action(0, 0)))),
        two_coins_file("\n[[events]]\nname = \"late\"\naction = \"heads\"\nat_step = 0\n"),
        "key `events[0].at_step`: must be a step >= 1",
    );
    same_refusal(
        two_coins(|b| b.truth("nobody")),
        Scenario::parse(
            "actions = [\"heads\", \"tails\"]\nalpha = \"1/10\"\ntruth = \"nobody\"\n\n\
             [[models]]\nname = \"fair\"\nprior = 1\niid = [\"1/2\", \"1/2\"]\n",
            "coins.toml",
            "x",
        ),
        "key `truth`: `nobody` is not a model; the models are [\"fair\"]",
    );
    same_refusal(
        two_coins(|b| b.alpha(ratio(1, 1))),
        Scenario::parse(
            "actions = [\"heads\", \"tails\"]\nalpha = 1\ntruth = \"fair\"\n\n\
             [[models]]\nname = \"fair\"\nprior = 1\niid = [\"1/2\", \"1/2\"]\n",
            "coins.toml",
            "x",
        ),
        "key `alpha`: is 1, but must satisfy 0 < alpha < 1",
    );
    same_refusal(
        two_coins(|b| b.actions(["heads", "heads"])),
        Scenario::parse(
            "actions = [\"heads\", \"heads\"]\nalpha = \"1/10\"\ntruth = \"fair\"\n\n\
             [[models]]\nname = \"fair\"\nprior = 1\niid = [\"1/2\", \"1/2\"]\n",
            "coins.toml",
            "x",
        ),
        "key `actions[1]`: duplicate name `heads`",
    );
}

#[test]
fn the_builder_refuses_kinds_made_in_code_that_no_file_could_hold() {
    // An event on an action the scenario does not have.
    let e = two_coins(|b| b.event(Event::new("third", AtLeast::of_action(2, 1)))).unwrap_err();
    assert_eq!(e.to_string(), "key `events[0].action`: is action 2, but there are 2 actions (0 to 1)");
    // A model whose context leaves its contexts.
    #[derive(Debug)]
    struct Lost(Vec<Rational>);
    impl DemonstratorModel for Lost {
        fn contexts(&self) -> usize {
            1
        }
        fn initial_context(&self) -> usize {
            0
        }
        fn next_context(&self, _: usize, _: usize, _: usize) -> usize {
            1
        }
        fn distribution(&self, _: usize) -> &[Rational] {
            &self.0
        }
        fn describe_context(&self, _: usize, _: &[String], _: &[String]) -> String {
            "-".into()
        }
    }
    let e = two_coins(|b| b.model("lost", ratio(1, 1), Box::new(Lost(half())))).unwrap_err();
    assert!(matches!(&e, ScenarioError::Rejected { key, .. } if key == "models[1]"), "{e}");
    // A missing α, as a file without one is told.
    let e = Scenario::builder("x")
        .actions(["a"])
        .model("m", ratio(1, 1), Box::new(Iid { probs: vec![ratio(1, 1)] }))
        .truth("m")
        .build();
    assert_eq!(e.unwrap_err().to_string(), "key `alpha`: missing field `alpha`");
}

#[test]
fn a_custom_model_runs_but_is_never_written_as_another() {
    let s = two_coins(|b| {
        b.model("parity", ratio(1, 1), Box::new(Parity { odd: vec![ratio(1, 1), ratio(0, 1)], even: half() }))
    })
    .unwrap();
    // The engines take it as any kind.
    let ex = verify_json_with(EngineKind::Exhaustive, &s, Variant::Conservative, 0, 3);
    let lu = verify_json_with(EngineKind::Lumped, &s, Variant::Conservative, 0, 3);
    assert_eq!(ex["expected_queries"], lu["expected_queries"]);
    // But it has no form in a file: to_toml says which model, and writes nothing.
    match s.to_toml() {
        Err(ScenarioError::NotWritable { part }) => assert_eq!(part, "model `parity`"),
        other => panic!("a parity model was written: {other:?}"),
    }
    let e = s.to_toml().unwrap_err().to_string();
    assert!(e.starts_with("model `parity` cannot be written to a scenario file"), "{e}");
}

#[test]
fn a_custom_event_runs_on_both_engines_alike_and_is_never_written() {
    let s = two_coins(|b| {
        b.model("heads", ratio(1, 1), Box::new(Iid { probs: vec![ratio(3, 4), ratio(1, 4)] }))
            .event(Event::new("even heads", EvenCount { action: 0 }))
            .event(Event::new("heads twice", AtLeast::of_action(0, 2)))
    })
    .unwrap();
    for depth in 1..=4 {
        let ex = verify_json_with(EngineKind::Exhaustive, &s, Variant::Conservative, 0, depth);
        let lu = verify_json_with(EngineKind::Lumped, &s, Variant::Conservative, 0, depth);
        assert_eq!(ex["events"], lu["events"], "depth {depth}");
    }
    // At depth 1 under the fair truth, heads is taken 0 times (an even count) with probability 1/2.
    let one = verify_json_with(EngineKind::Exhaustive, &s, Variant::Conservative, 0, 1);
    assert_eq!(one["events"][0]["p_dem"], "1/2", "{}", one["events"]);
    match s.to_toml() {
        Err(ScenarioError::NotWritable { part }) => assert_eq!(part, "event `even heads`"),
        other => panic!("a custom event was written: {other:?}"),
    }
}

/// The figures a run reports, as the JSON document without `stats`.
fn figures(s: &Scenario, depth: usize) -> serde_json::Value {
    let mut doc = verify_json_with(EngineKind::Exhaustive, s, Variant::Conservative, 0, depth);
    doc.as_object_mut().expect("an object").remove("stats");
    doc
}

#[test]
fn the_built_in_kinds_round_trip_through_to_toml() {
    let s = Scenario::builder("every kind")
        .actions(["heads", "tails"])
        .observations(["calm", "storm"])
        .alpha(ratio(1, 7))
        .depth(3)
        .model("fair", ratio(1, 2), Box::new(Iid { probs: half() }))
        .model(
            "sticky",
            ratio(1, 4),
            Box::new(Markov {
                reads: LastStep::Action,
                start: half(),
                after: vec![vec![ratio(9, 10), ratio(1, 10)], vec![ratio(1, 10), ratio(9, 10)]],
            }),
        )
        .model(
            "watcher",
            ratio(1, 4),
            Box::new(Markov {
                reads: LastStep::Observation,
                start: half(),
                after: vec![vec![ratio(1, 1), ratio(0, 1)], vec![ratio(0, 1), ratio(1, 1)]],
            }),
        )
        .truth("sticky")
        .environment(Box::new(AfterActionEnvironment { by_action: vec![vec![ratio(1, 1), ratio(0, 1)], half()] }))
        .event(Event::new("tails twice", AtLeast::of_action(1, 2)))
        .event(Event::new("tails first", AtStep::of_action(1, 1)))
        .event(Event::new("opening", Prefix { actions: vec![0, 1] }))
        .build()
        .unwrap();
    let text = s.to_toml().unwrap();
    for key in ["iid = [", "after_action = {", "after_observation = {", "at_least = 2", "at_step = 1", "prefix = ["] {
        assert!(text.contains(key), "{key} in\n{text}");
    }
    let again = Scenario::parse(&text, "again.toml", "x").unwrap();
    assert_eq!(again.to_toml().unwrap(), text);
    assert_eq!(figures(&again, 3), figures(&s, 3));
    // And every shipped example.
    for name in ["three-coins", "markov-weather", "elimination", "rare-action"] {
        let s = Scenario::from_file(format!("{}/examples/{name}.toml", workspace!())).unwrap();
        let text = s.to_toml().unwrap();
        let again = Scenario::parse(&text, "again.toml", "x").unwrap();
        assert_eq!(again.to_toml().unwrap(), text, "{name}");
        assert_eq!(figures(&again, 3), figures(&s, 3), "{name}");
    }
}
