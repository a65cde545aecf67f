//! The lumped chain in the explicit formats of probabilistic model checkers.
//!
//! - [`write_drn`]: Storm's explicit DRN format, which Storm reads with exact
//!   numbers (`stormpy.build_model_from_drn[stormpy.Rational]`, or
//!   `storm --explicit-drn FILE --exact`).
//! - [`write_tra`], [`write_lab`], [`write_srew`]: PRISM's explicit files
//!   (`.tra`, `.lab`, one `.srew` per reward), which PRISM imports
//!   (`-importtrans`, `-importlabels`, `-importstaterewards`, `-dtmc`); its
//!   exact engine (`-exact`) reads the `p/q` numbers as they are. Storm's own
//!   reader of these files takes another layout and floating-point numbers
//!   only: give Storm the DRN.
//!
//! Every number is exact, `p/q` in lowest terms or an integer; nothing is
//! rounded. Each file starts with a comment that names the scenario, the
//! imitator and the depth, what the labels and rewards mean, and the
//! identities that tie them to `imitator verify`.

use imitator::engine::chain::{Chain, Reward};
use imitator::number::fmt_exact;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// One line of a header, cleaned for a comment: no control characters (a
/// name may hold a line break), and, for PRISM, no double quote (its readers
/// split some comment lines as fields).
fn clean(text: &str, quotes: bool) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .map(|c| if !quotes && c == '"' { '\'' } else { c })
        .collect()
}

/// The lines of the header, without the comment marker.
fn header(chain: &Chain, labels_quoted: bool) -> Vec<String> {
    let t = chain.depth;
    let q = |s: &str| if labels_quoted { format!("\"{s}\"") } else { s.to_string() };
    let mut out = vec![
        "imitator export: the lumped chain of the imitator as a discrete-time Markov chain, exact".to_string(),
        format!("scenario: {}", chain.scenario),
        format!("imitator: {}; depth T = {t}", chain.rule),
        format!("{} states, {} transitions", chain.states(), chain.transitions()),
        format!(
            "states: one per merged state of each depth 0..{t}, numbered depth by depth (state 0: the initial \
             state); a state at depth d is about to take step d+1; the depth-{t} states are absorbing"
        ),
        "labels (a label that no state carries is absent, and a property on it has probability 0):".to_string(),
    ];
    for l in chain.labels() {
        out.push(format!("  {}: {}", l.name, l.meaning));
    }
    out.push("state rewards, of the state's next step:".to_string());
    for r in Reward::ALL {
        out.push(format!("  {}: {}", r.name(), r.meaning()));
    }
    out.push(format!("identities with imitator verify --engine lumped --json (by_depth entry t), for t = 1..{t}:"));
    out.push(format!("  event_e                 = 1 - P=? [F<=t-1 {}]", q("excluded")));
    out.push(format!("  query_cubed_sum         = R{{{}}}=? [C<=t]", q("theta3")));
    out.push(format!("  expected_queries        = R{{{}}}=? [C<=t]", q("theta")));
    out.push(format!("  inverse_truth_posterior = R{{{}}}=? [I=t]", q("inv_post_truth")));
    out.push(format!("  unsettled mass after t steps = 1 - P=? [F<=t {}]", q("settled")));
    if !chain.events().is_empty() {
        out.push(format!(
            "  for an event B with label L: p_im = P=? [F<={t} L], p_im_and_e = P=? [!{} U<={t} L]",
            q("excluded")
        ));
        out.push("event labels (label: the event's name):".to_string());
        for e in chain.events() {
            out.push(format!("  {}: {}", e.label, e.event));
        }
    }
    out
}

/// Writes `lines` as comments behind `marker`.
fn comments(w: &mut dyn Write, marker: &str, lines: &[String], quotes: bool) -> io::Result<()> {
    for line in lines {
        writeln!(w, "{marker} {}", clean(line, quotes))?;
    }
    Ok(())
}

/// Every number of the chain as text, by value id: rewards and probabilities repeat.
fn texts(chain: &Chain) -> Vec<String> {
    chain.values().iter().map(fmt_exact).collect()
}

/// Storm's DRN: a header comment, then every state with its rewards and
/// labels and its one choice's transitions.
pub fn write_drn(chain: &Chain, w: &mut dyn Write) -> io::Result<()> {
    comments(w, "//", &header(chain, true), true)?;
    writeln!(w, "@type: DTMC")?;
    writeln!(w, "@parameters")?;
    writeln!(w)?;
    writeln!(w, "@reward_models")?;
    writeln!(w, "{}", Reward::ALL.map(Reward::name).join(" "))?;
    writeln!(w, "@nr_states")?;
    writeln!(w, "{}", chain.states())?;
    writeln!(w, "@nr_choices")?;
    writeln!(w, "{}", chain.states())?;
    writeln!(w, "@model")?;
    let texts = texts(chain);
    let names: Vec<&str> = chain.labels().iter().map(|l| l.name.as_str()).collect();
    for (i, labels) in chain.state_labels().enumerate() {
        let i = i as u32;
        write!(w, "state {i} [")?;
        for (k, r) in Reward::ALL.into_iter().enumerate() {
            let sep = if k == 0 { "" } else { ", " };
            write!(w, "{sep}{}", texts[chain.reward_id(r, i) as usize])?;
        }
        write!(w, "]")?;
        for k in labels {
            write!(w, " {}", names[k])?;
        }
        writeln!(w)?;
        writeln!(w, "\taction 0")?;
        let (targets, probs) = chain.transitions_of(i);
        for (t, &p) in targets.iter().zip(probs) {
            writeln!(w, "\t\t{t} : {}", texts[p as usize])?;
        }
    }
    Ok(())
}

/// PRISM's transitions file: `n m`, then `i j p` for every transition.
pub fn write_tra(chain: &Chain, w: &mut dyn Write) -> io::Result<()> {
    let lines = [
        format!("imitator export: transitions of the lumped chain of {}", chain.scenario),
        format!(
            "imitator: {}; depth T = {}; labels, rewards and identities: see the .lab file",
            chain.rule, chain.depth
        ),
    ];
    comments(w, "#", &lines, false)?;
    writeln!(w, "{} {}", chain.states(), chain.transitions())?;
    let texts = texts(chain);
    for i in 0..chain.states() as u32 {
        let (targets, probs) = chain.transitions_of(i);
        for (t, &p) in targets.iter().zip(probs) {
            writeln!(w, "{i} {t} {}", texts[p as usize])?;
        }
    }
    Ok(())
}

/// PRISM's labels file: `0="init" 1="excluded" …`, then `i: k …` for every state that carries a label.
pub fn write_lab(chain: &Chain, w: &mut dyn Write) -> io::Result<()> {
    comments(w, "#", &header(chain, true), true)?;
    let names: Vec<String> = chain.labels().iter().enumerate().map(|(k, l)| format!("{k}=\"{}\"", l.name)).collect();
    writeln!(w, "{}", names.join(" "))?;
    for (i, labels) in chain.state_labels().enumerate() {
        if labels.is_empty() {
            continue;
        }
        let ks: Vec<String> = labels.iter().map(|k| k.to_string()).collect();
        writeln!(w, "{i}: {}", ks.join(" "))?;
    }
    Ok(())
}

/// PRISM's state rewards file of one reward: its name in PRISM's header, `n
/// nnz`, then `i r` for every state whose reward is not 0.
pub fn write_srew(chain: &Chain, reward: Reward, w: &mut dyn Write) -> io::Result<()> {
    let lines = [
        format!("imitator export: reward {} of the lumped chain of {}", reward.name(), chain.scenario),
        format!("{}: {}", reward.name(), reward.meaning()),
    ];
    comments(w, "#", &lines, false)?;
    writeln!(w, "# Reward structure \"{}\"", reward.name())?;
    writeln!(w, "# State rewards")?;
    let n = chain.states() as u32;
    let nonzero = (0..n).filter(|&i| !num_traits::Zero::is_zero(chain.reward(reward, i))).count();
    writeln!(w, "{n} {nonzero}")?;
    let texts = texts(chain);
    for i in 0..n {
        if !num_traits::Zero::is_zero(chain.reward(reward, i)) {
            writeln!(w, "{i} {}", texts[chain.reward_id(reward, i) as usize])?;
        }
    }
    Ok(())
}

/// One of PRISM's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrismFile {
    Transitions,
    Labels,
    StateRewards(Reward),
}

/// The files of the PRISM export with base `base`: `BASE.tra`, `BASE.lab`,
/// then `BASE.<reward>.srew` for each reward; `None` when `base` names no file
/// (it is empty, ends with `/`, or its last part is `.` or `..`).
///
/// The names are made from `base` as given, byte for byte (a name that is
/// not UTF-8 keeps its bytes), beside it in its own folder.
pub fn prism_files(base: &Path) -> Option<Vec<(PathBuf, PrismFile)>> {
    let bytes = base.as_os_str().as_encoded_bytes();
    let last = bytes.rsplit(|&b| b == b'/').next().unwrap_or_default();
    if last.is_empty() || last == b"." || last == b".." {
        return None;
    }
    let name = base.file_name()?;
    let at = |ext: &str| {
        let mut n = name.to_os_string();
        n.push(".");
        n.push(ext);
        base.with_file_name(n)
    };
    let mut out = vec![(at("tra"), PrismFile::Transitions), (at("lab"), PrismFile::Labels)];
    for r in Reward::ALL {
        out.push((at(&format!("{}.srew", r.name())), PrismFile::StateRewards(r)));
    }
    Some(out)
}

/// Writes one of PRISM's files.
pub fn write_prism(chain: &Chain, file: PrismFile, w: &mut dyn Write) -> io::Result<()> {
    match file {
        PrismFile::Transitions => write_tra(chain, w),
        PrismFile::Labels => write_lab(chain, w),
        PrismFile::StateRewards(r) => write_srew(chain, r, w),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imitator::engine::chain::{build, Options};
    use imitator::imitator::{Standard, Variant};
    use imitator::scenario::Scenario;

    const COINS: &str = include_str!("../../../tests/fixtures/two-coins-quoted-name.toml");

    fn chain() -> Chain {
        let s = Scenario::parse(COINS, "c.toml", "c").expect("valid");
        let opts = Options {
            depth: 2,
            limits: imitator::limits::Limits { max_states: 1000, max_memory: 1 << 30, ..Default::default() },
            events: true,
        };
        build(&s, &Standard::new(Variant::Conservative, 0), opts).expect("builds")
    }

    fn text(f: impl Fn(&mut dyn Write) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        f(&mut out).expect("writes");
        String::from_utf8(out).expect("UTF-8")
    }

    /// PRISM reads a comment of one word (`# Labels`) as a section header, and refuses an unexpected one.
    fn header_like(line: &str) -> bool {
        let Some(rest) = line.strip_prefix("# ") else { return false };
        let word = rest.trim_end_matches(' ');
        !word.is_empty() && word.chars().all(|c| c.is_ascii_alphabetic() || c == '(' || c == ')')
    }

    #[test]
    fn drn_has_storms_sections_and_one_state_line_per_state() {
        let c = chain();
        let drn = text(|w| write_drn(&c, w));
        assert!(drn.starts_with("// imitator export"));
        // The name's line break stays in its comment line.
        assert!(drn.contains("// scenario: two \"coins\" next line\n"), "{drn}");
        let body = &drn[drn.find("@type: DTMC").expect("type")..];
        assert!(body.starts_with(&format!(
            "@type: DTMC\n@parameters\n\n@reward_models\ntheta theta3 inv_post_truth\n@nr_states\n{n}\n@nr_choices\n{n}\n@model\nstate 0 [",
            n = c.states()
        )));
        assert_eq!(body.matches("\nstate ").count(), c.states());
        assert_eq!(body.matches("\taction 0\n").count(), c.states());
        assert_eq!(body.lines().filter(|l| l.starts_with("\t\t")).count(), c.transitions());
        assert!(body.contains("state 0 [1/4, 1/64, 2] init\n"), "{body}");
        assert!(!body.contains("e-") && !body.contains('.'), "no decimal number anywhere in the model");
    }

    #[test]
    fn prism_files_have_their_headers_and_counts() {
        let c = chain();
        let tra = text(|w| write_tra(&c, w));
        let lab = text(|w| write_lab(&c, w));
        let srew = text(|w| write_srew(&c, Reward::Theta, w));
        for f in [&tra, &lab, &srew] {
            for line in f.lines().filter(|l| l.starts_with('#')) {
                assert!(
                    !header_like(line) || line == "# State rewards",
                    "a comment PRISM would read as a header: {line}"
                );
            }
        }
        // No double quote in a comment PRISM splits into fields (the reward's name line is PRISM's own).
        for line in
            tra.lines().chain(srew.lines()).filter(|l| l.starts_with('#') && !l.starts_with("# Reward structure"))
        {
            assert!(!line.contains('"'), "{line}");
        }
        let first = tra.lines().find(|l| !l.starts_with('#')).expect("size line");
        assert_eq!(first, format!("{} {}", c.states(), c.transitions()));
        assert_eq!(tra.lines().filter(|l| !l.starts_with('#')).count(), 1 + c.transitions());
        let names = lab.lines().find(|l| !l.starts_with('#')).expect("names");
        assert!(names.starts_with("0=\"init\" "), "{names}");
        assert!(lab.contains("\n0: 0\n"), "{lab}");
        assert!(srew.contains("# Reward structure \"theta\"\n# State rewards\n"));
        let theta_nonzero =
            (0..c.states() as u32).filter(|&i| !num_traits::Zero::is_zero(c.reward(Reward::Theta, i))).count();
        assert!(srew.contains(&format!("\n{} {theta_nonzero}\n", c.states())));
    }

    #[test]
    fn prism_file_names_follow_the_base() {
        let files = prism_files(Path::new("out/m")).expect("a base");
        let names: Vec<String> = files.iter().map(|(p, _)| p.display().to_string()).collect();
        assert_eq!(
            names,
            ["out/m.tra", "out/m.lab", "out/m.theta.srew", "out/m.theta3.srew", "out/m.inv_post_truth.srew"]
        );
        assert!(prism_files(Path::new("/")).is_none());
        assert!(prism_files(Path::new("out/..")).is_none());
    }
}
