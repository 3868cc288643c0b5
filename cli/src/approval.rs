//! Local approval: the terminal prompt (`--approve prompt`) and operator
//! policies (`--approve auto|reject`). Both are a channel (shows the
//! preview) and a pull source of decisions; the decision itself goes through
//! the same apply-decision stage the Telegram webhook uses.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use async_trait::async_trait;

use noktvrn_domain::run::{Decision, DecisionMethod};
use noktvrn_pipeline::ProviderError;
use noktvrn_pipeline::ports::{ApprovalChannel, ApprovalPreview, DecisionSource, IncomingDecision};

/// Approve or reject everything, recorded as an operator policy.
pub struct PolicyApproval {
    pub decision: Decision,
}

#[async_trait]
impl ApprovalChannel for PolicyApproval {
    fn name(&self) -> &str {
        "cli-policy"
    }
    async fn send_request(&self, preview: &ApprovalPreview) -> Result<String, ProviderError> {
        tracing::info!(approval_id = %preview.approval_id, title = %preview.title, "approval by policy");
        Ok(preview.approval_id.clone())
    }
}

#[async_trait]
impl DecisionSource for PolicyApproval {
    async fn next_decision(
        &self,
        preview: &ApprovalPreview,
        _wait: Duration,
    ) -> Result<Option<IncomingDecision>, ProviderError> {
        let how = match self.decision {
            Decision::Approved => "auto",
            Decision::Rejected => "reject",
            Decision::Expired => "expire",
        };
        Ok(Some(IncomingDecision {
            approval_id: preview.approval_id.clone(),
            decision: self.decision,
            method: DecisionMethod::Policy,
            decided_by: format!("cli --approve {how}"),
            note: None,
        }))
    }
}

/// Asks y/n on the terminal.
pub struct TerminalApproval;

fn describe(p: &ApprovalPreview) -> String {
    let mut s = format!(
        "\n── Approve release? ──────────────────────────────\n  artist   {} ({})\n  title    {}\n  genre    {}\n",
        p.artist_name, p.artist_id, p.title, p.genre
    );
    s += &format!(
        "  tempo    {}   key {}   length {:.0}s   loudness {}\n",
        p.bpm
            .map(|b| format!("{b:.1} BPM"))
            .unwrap_or_else(|| "—".into()),
        p.key.clone().unwrap_or_else(|| "—".into()),
        p.duration_s,
        p.loudness_lufs
            .map(|l| format!("{l:.1} LUFS"))
            .unwrap_or_else(|| "—".into()),
    );
    s += &format!("  form     {}\n  audio    {}\n", p.structure, p.audio_url);
    if let Some(v) = &p.video {
        s += &format!("  video    {v}\n");
    }
    if let Some(v) = &p.ab_variant {
        s += &format!("  variant  {v}\n");
    }
    s
}

#[async_trait]
impl ApprovalChannel for TerminalApproval {
    fn name(&self) -> &str {
        "cli-prompt"
    }
    async fn send_request(&self, preview: &ApprovalPreview) -> Result<String, ProviderError> {
        eprint!("{}", describe(preview));
        Ok(preview.approval_id.clone())
    }
}

#[async_trait]
impl DecisionSource for TerminalApproval {
    async fn next_decision(
        &self,
        preview: &ApprovalPreview,
        wait: Duration,
    ) -> Result<Option<IncomingDecision>, ProviderError> {
        let approval_id = preview.approval_id.clone();
        let ask = tokio::task::spawn_blocking(move || -> std::io::Result<Option<bool>> {
            let stdin = std::io::stdin();
            let interactive = stdin.is_terminal();
            loop {
                eprint!("  approve? [y/n] ");
                std::io::stderr().flush()?;
                let mut line = String::new();
                if stdin.lock().read_line(&mut line)? == 0 {
                    return Ok(None); // end of input: nobody to ask
                }
                match line.trim().to_ascii_lowercase().as_str() {
                    "y" | "yes" => return Ok(Some(true)),
                    "n" | "no" => return Ok(Some(false)),
                    _ if !interactive => return Ok(None),
                    _ => eprintln!("  please answer y or n"),
                }
            }
        });
        let answer = match tokio::time::timeout(wait, ask).await {
            Ok(Ok(Ok(a))) => a,
            Ok(Ok(Err(e))) => {
                return Err(ProviderError::Unavailable {
                    provider: "terminal".into(),
                    message: "cannot read the answer".into(),
                    source: Some(Box::new(e)),
                });
            }
            Ok(Err(_)) | Err(_) => None,
        };
        let user = std::env::var("USER").unwrap_or_else(|_| "terminal".into());
        Ok(answer.map(|yes| IncomingDecision {
            approval_id,
            decision: if yes {
                Decision::Approved
            } else {
                Decision::Rejected
            },
            method: DecisionMethod::Human,
            decided_by: format!("cli:{user}"),
            note: None,
        }))
    }
}
