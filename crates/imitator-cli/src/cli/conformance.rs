//! `imitator conformance`: run another implementation against the shipped suite.

use imitator::conformance::{cases, judge, Case, Outcome, Pass, Verdict};
use imitator::diff::Tolerance;
use imitator_report::conformance as report;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Tell whether another implementation of the imitator is right, and where it is not
///
/// The suite is a set of small scenarios shipped inside imitator, each built
/// to expose one family of mistakes (the table's last column names it): exact
/// ties in the α rule and in the ranking, α at w(μ), zero probabilities and
/// eliminated models, a deterministic truth, many models, observation-dependent
/// models, unqueried steps, the variants and their warm-ups, and underflow
/// over many steps. Each case is checked twice: the full pass, every reachable
/// history to a small depth (as `imitator diff`), and the sampled pass, every
/// prefix of a few histories drawn from the imitator's exact distribution far
/// deeper (as `imitator diff --only-listed`).
///
/// Three ways to run it:
///
///   --command TEMPLATE  runs your implementation once per case and pass, with
///     the placeholders {scenario} (a scenario file), {depth}, {variant},
///     {warmup} and {histories} replaced (paths quoted for the shell), e.g.
///
///       imitator conformance --command "python3 mine.py {scenario} --depth {depth} \
///         --variant {variant} --warmup {warmup} --histories {histories}"
///
///     {histories} is a JSON Lines file of {"history": [...]} lines (the history
///     field of a policy line): write one policy line for each, to stdout.
///     Without {histories}, write every reachable history of length
///     0..depth-1 yourself, as for `diff`; the sampled pass is then skipped.
///     A command that fails, writes nothing or runs past --timeout is an ERROR
///     for that pass, and the suite goes on.
///
///   --emit DIR  writes the suite for running by hand: each scenario, the
///     histories of each pass (CASE.histories.jsonl,
///     CASE.sampled.histories.jsonl) and suite.json (each case's scenario,
///     variant, warm-up, depth, and the files to write).
///
///   --policies DIR  reads what you wrote by hand: DIR/CASE.jsonl for the full
///     pass (required) and DIR/CASE.sampled.jsonl answering
///     CASE.sampled.histories.jsonl (the sampled pass; SKIPPED if absent).
///
/// The table gives each pass's verdict (AGREE, DISAGREE, ERROR, SKIPPED) and
/// its first difference; `imitator diff` on the same scenario and lines
/// shows the detail. Tolerances are diff's (--tolerance, --rel-tolerance).
///
/// Exit status (docs/exit-status.md): 0 every pass agrees (or is skipped); 1 a
/// pass disagrees or is an ERROR; 2 bad usage (no mode, a template without
/// {scenario}, an unknown placeholder, a folder that cannot be read or written).
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
#[command(group(clap::ArgGroup::new("mode").required(true).multiple(false)))]
pub struct Args {
    /// Run this command line (through `sh -c`) for each case and pass; see the placeholders above.
    #[arg(long, value_name = "TEMPLATE", group = "mode")]
    pub command: Option<String>,
    /// Read policy lines written beforehand: DIR/CASE.jsonl and DIR/CASE.sampled.jsonl.
    #[arg(long, value_name = "DIR", group = "mode")]
    pub policies: Option<PathBuf>,
    /// Write the suite's scenarios, histories and suite.json into DIR, and stop.
    #[arg(long, value_name = "DIR", group = "mode")]
    pub emit: Option<PathBuf>,
    /// Seconds each run of --command may take before it is stopped (an ERROR for that pass).
    #[arg(long, default_value_t = 120.0, value_name = "SECONDS")]
    pub timeout: f64,
    /// Run only these cases (by name; repeat or separate with commas).
    #[arg(long = "case", value_name = "CASE", value_delimiter = ',')]
    pub cases: Vec<String>,
    /// Skip the sampled pass of every case.
    #[arg(long)]
    pub no_sampled: bool,
    /// Largest absolute deviation that still agrees (as for diff).
    #[arg(long)]
    pub tolerance: Option<String>,
    /// Largest deviation that still agrees, relative to the exact value (as for diff).
    #[arg(long, value_name = "R")]
    pub rel_tolerance: Option<String>,
    /// Print exactly one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// The placeholders a template may hold.
const PLACEHOLDERS: [&str; 5] = ["{scenario}", "{depth}", "{variant}", "{warmup}", "{histories}"];

/// Checks a template: it names {scenario}, and every `{word}` in it is a placeholder.
fn check_template(t: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        t.contains("{scenario}"),
        "--command must contain {{scenario}}, where the scenario file goes (placeholders: {})",
        PLACEHOLDERS.join(" ")
    );
    let mut rest = t;
    while let Some(i) = rest.find('{') {
        let after = &rest[i..];
        match after.find('}') {
            Some(j) if after[1..j].chars().all(|c| c.is_ascii_lowercase()) && j > 1 => {
                let word = &after[..=j];
                anyhow::ensure!(
                    PLACEHOLDERS.contains(&word),
                    "--command: unknown placeholder {word} (placeholders: {})",
                    PLACEHOLDERS.join(" ")
                );
                rest = &after[j + 1..];
            }
            _ => rest = &after[1..],
        }
    }
    Ok(())
}

/// A path quoted for `sh`.
fn quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

/// The suite's cases, or those of --case (an unknown name is bad usage).
fn selected(names: &[String]) -> anyhow::Result<Vec<Case>> {
    let all = cases();
    if names.is_empty() {
        return Ok(all);
    }
    for n in names {
        anyhow::ensure!(
            all.iter().any(|c| c.id == n),
            "--case {n}: no such case (cases: {})",
            all.iter().map(|c| c.id).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(all.into_iter().filter(|c| names.iter().any(|n| n == c.id)).collect())
}

pub fn main(a: Args) -> anyhow::Result<u8> {
    let tol = super::diff::tolerance(a.tolerance.as_deref(), a.rel_tolerance.as_deref())?;
    anyhow::ensure!(
        a.timeout.is_finite() && a.timeout > 0.0 && a.timeout < 1e9,
        "--timeout must be a positive number of seconds, not {}",
        a.timeout
    );
    let chosen = selected(&a.cases)?;
    if let Some(dir) = &a.emit {
        emit(dir, &chosen)?;
        return Ok(0);
    }
    if let Some(t) = &a.command {
        check_template(t)?;
    }
    if let Some(dir) = &a.policies {
        anyhow::ensure!(dir.is_dir(), "--policies {}: not a folder that can be read", dir.display());
    }
    let work = Scratch::new()?;
    let passes: Vec<(Case, Pass)> = chosen
        .into_iter()
        .flat_map(|c| {
            let sampled = (!a.no_sampled).then(|| (c.clone(), Pass::Sampled));
            std::iter::once((c, Pass::Full)).chain(sampled)
        })
        .collect();
    let shown = std::io::stderr().is_terminal() && !a.json;
    let mut outcomes = Vec::new();
    for (i, (case, pass)) in passes.iter().enumerate() {
        if shown {
            eprint!("\r\x1b[K[{}/{}] {} ({})", i + 1, passes.len(), case.id, pass.name());
        }
        let verdict = match (&a.command, &a.policies) {
            (Some(t), _) => by_command(t, case, *pass, &work.0, Duration::from_secs_f64(a.timeout), &tol)?,
            (None, Some(dir)) => from_folder(dir, case, *pass, &tol)?,
            _ => unreachable!("clap requires one mode"),
        };
        outcomes.push(Outcome { case: case.clone(), pass: *pass, verdict });
    }
    if shown {
        eprint!("\r\x1b[K");
    }
    let text = if a.json { format!("{}\n", report::document(&outcomes)) } else { report::text(&outcomes) };
    super::out::print(&text)?;
    Ok(if imitator::conformance::all_agree(&outcomes) { 0 } else { 1 })
}

/// A scratch folder for the scenarios and histories of `--command`, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> anyhow::Result<Self> {
        let base = std::env::temp_dir();
        for n in 0..1000u32 {
            let dir = base.join(format!("imitator-conformance-{}-{n}", std::process::id()));
            match std::fs::create_dir(&dir) {
                Ok(()) => return Ok(Scratch(dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => anyhow::bail!("{}: cannot create a scratch folder: {e}", dir.display()),
            }
        }
        anyhow::bail!("{}: cannot create a scratch folder", base.display())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the template for one pass of one case and judges what it wrote.
fn by_command(
    t: &str,
    case: &Case,
    pass: Pass,
    work: &Path,
    timeout: Duration,
    tol: &Tolerance,
) -> anyhow::Result<Verdict> {
    let asks = t.contains("{histories}");
    if pass == Pass::Sampled && !asks {
        return Ok(Verdict::Skipped("the command has no {histories}: sampled histories cannot be asked".into()));
    }
    let s = case.scenario();
    let scenario = work.join(case.file);
    if !scenario.exists() {
        std::fs::write(&scenario, case.text())
            .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", scenario.display()))?;
    }
    let asked = if asks { Some(case.asked(&s, pass)?) } else { None };
    let histories = work.join(format!("{}.{}.histories.jsonl", case.id, pass.name()));
    if let Some(asked) = &asked {
        std::fs::write(&histories, report::histories_file(&s, asked))
            .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", histories.display()))?;
    }
    let line = t
        .replace("{scenario}", &quote(&scenario))
        .replace("{depth}", &case.depth_of(pass).to_string())
        .replace("{variant}", case.variant.to_string().as_str())
        .replace("{warmup}", &case.warmup.to_string())
        .replace("{histories}", &quote(&histories));
    let out = match run(&line, timeout) {
        Ok(out) => out,
        Err(why) => return Ok(Verdict::Error(why)),
    };
    let asked = if pass == Pass::Sampled { asked.as_deref() } else { None };
    Ok(judge(case, pass, &out, "the command's output", asked, tol))
}

/// Runs `line` with `sh -c`: its standard output, or why it failed.
fn run(line: &str, timeout: Duration) -> Result<Vec<u8>, String> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(line)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start sh: {e}"))?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = stdout.read_to_end(&mut b);
        b
    });
    let err = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = (&mut stderr).take(1 << 20).read_to_end(&mut b);
        let _ = std::io::copy(&mut stderr, &mut std::io::sink());
        b
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("the command ran past --timeout {} s and was stopped", timeout.as_secs_f64()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("cannot wait for the command: {e}")),
        }
    };
    let out = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
    if !status.success() {
        let last = String::from_utf8_lossy(&err).lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").to_string();
        let code = status.code().map_or("a signal".to_string(), |c| format!("status {c}"));
        return Err(if last.is_empty() {
            format!("the command exited with {code}")
        } else {
            format!("the command exited with {code}: {last}")
        });
    }
    Ok(out)
}

/// Judges the files written beforehand for one pass of one case.
fn from_folder(dir: &Path, case: &Case, pass: Pass, tol: &Tolerance) -> anyhow::Result<Verdict> {
    let name = match pass {
        Pass::Full => format!("{}.jsonl", case.id),
        Pass::Sampled => format!("{}.sampled.jsonl", case.id),
    };
    let path = dir.join(&name);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(match pass {
                Pass::Full => Verdict::Error(format!("{}: no such file", path.display())),
                Pass::Sampled => Verdict::Skipped(format!("no {name}")),
            })
        }
        Err(e) => return Ok(Verdict::Error(format!("{}: cannot read: {e}", path.display()))),
    };
    let s = case.scenario();
    let asked = match pass {
        Pass::Full => None,
        Pass::Sampled => Some(case.asked(&s, pass)?),
    };
    Ok(judge(case, pass, &bytes, &path.display().to_string(), asked.as_deref(), tol))
}

/// Writes the suite into `dir`, whole or not at all.
fn emit(dir: &Path, chosen: &[Case]) -> anyhow::Result<()> {
    let mut folder = crate::atomic::Folder::create(dir, emitted)?;
    let mut written = std::collections::HashSet::new();
    for case in chosen {
        if written.insert(case.file) {
            folder.write(case.file, case.text().as_bytes())?;
        }
        let s = case.scenario();
        for pass in [Pass::Full, Pass::Sampled] {
            let asked = case.asked(&s, pass)?;
            let name = match pass {
                Pass::Full => format!("{}.histories.jsonl", case.id),
                Pass::Sampled => format!("{}.sampled.histories.jsonl", case.id),
            };
            folder.write(&name, report::histories_file(&s, &asked).as_bytes())?;
        }
    }
    let manifest = serde_json::to_string_pretty(&report::manifest(chosen))? + "\n";
    folder.write("suite.json", manifest.as_bytes())?;
    folder.commit()?;
    let _ = writeln!(
        std::io::stderr(),
        "wrote the suite ({}) to {}",
        imitator_report::words::count(chosen.len(), "case"),
        dir.display()
    );
    Ok(())
}

/// Whether a file may be replaced by `--emit` (an earlier suite's files).
fn emitted(name: &str) -> bool {
    name.ends_with(".toml") || name.ends_with(".jsonl") || name == "suite.json"
}
