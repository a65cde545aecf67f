//! `imitator completions SHELL` and `imitator man`: the usual command-line finish, generated from the
//! command-line definition itself (clap_complete, clap_mangen), so they never drift from it.

use clap_complete::Shell;

/// Print a shell completion script for imitator
///
/// For example, for bash: `imitator completions bash > ~/.local/share/bash-completion/completions/imitator`;
/// for zsh, write it to a file named `_imitator` in a folder of your `$fpath`.
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Print imitator's manual page (roff), e.g. `imitator man > imitator.1 && man ./imitator.1`
#[derive(clap::Args)]
pub struct ManArgs {}

/// Prints the completion script of `cmd` for `a.shell`.
pub fn completions(a: CompletionsArgs, mut cmd: clap::Command) -> anyhow::Result<u8> {
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "imitator", &mut script);
    super::out::print(&String::from_utf8_lossy(&script))?;
    Ok(0)
}

/// Prints the manual page of `cmd`, with a section per command.
pub fn man(_: ManArgs, cmd: clap::Command) -> anyhow::Result<u8> {
    let mut page = Vec::new();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    man.render_subcommands_section(&mut page)?;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("imitator {}", sub.get_name());
        let sub = sub.clone().bin_name(name);
        let sub_man = clap_mangen::Man::new(sub);
        sub_man.render_synopsis_section(&mut page)?;
        sub_man.render_description_section(&mut page)?;
        sub_man.render_options_section(&mut page)?;
    }
    man.render_version_section(&mut page)?;
    super::out::print(&String::from_utf8_lossy(&page))?;
    Ok(0)
}
