//! What `verin model deploy` and `publish` print while they work, on stderr: a progress
//! line redrawn at most once a second on a terminal; elsewhere (logs, tests) only the steps
//! and one summary line, so that logs stay short.

use std::{
	io::{IsTerminal, Write},
	time::{Duration, Instant},
};

use verin_sdk::{hex, DeployProgress};

/// Least time between two redraws of the progress line.
const REDRAW_INTERVAL: Duration = Duration::from_secs(1);

const MIB: f64 = 1024.0 * 1024.0;

/// Prints the steps of an upload as they come.
pub(crate) struct UploadReport {
	/// Whether stderr is a terminal: only then is the progress line drawn.
	interactive: bool,
	/// When this run's upload began, and the bytes the chain held already then.
	started: Option<(Instant, u64)>,
	/// Chunks the chain held already when this run began.
	received: u32,
	last_redraw: Option<Instant>,
	/// Whether a progress line is drawn and not yet ended by a newline.
	line_open: bool,
}

impl UploadReport {
	pub(crate) fn new() -> Self {
		Self {
			interactive: std::io::stderr().is_terminal(),
			started: None,
			received: 0,
			last_redraw: None,
			line_open: false,
		}
	}

	/// Reports one step.
	pub(crate) fn step(&mut self, step: DeployProgress) {
		match step {
			DeployProgress::Registered(model) => eprintln!("registered model {model}"),
			DeployProgress::Continuing(model) => eprintln!(
				"continuing model {model}: you registered it under this name earlier and it has no version yet"
			),
			DeployProgress::Uploading {
				model,
				version,
				received,
				received_bytes,
				chunks,
				bytes,
			} => {
				self.received = received;
				self.started = Some((Instant::now(), received_bytes));
				if received > 0 {
					eprintln!(
						"resuming the upload of model {model} version {version} at chunk {} of {chunks}: \
						 the chain holds the first {received} from an earlier run",
						received + 1
					);
				}
				if received == chunks {
					eprintln!("all {chunks} chunks ({}) are on chain already", size(bytes as f64));
				}
			},
			DeployProgress::Chunk { done, chunks, bytes_done, bytes } => {
				let due = self.last_redraw.is_none_or(|last| last.elapsed() >= REDRAW_INTERVAL);
				if self.interactive && (due || done == chunks) {
					self.redraw(done, chunks, bytes_done, bytes);
				}
				if done == chunks {
					self.summary(chunks, bytes_done);
				}
			},
			DeployProgress::CircuitCompiled { digest, bytes } => {
				self.end_line();
				eprintln!(
					"compiled the ZK circuit {} ({bytes} bytes of verifier data)",
					hex(&digest)
				);
			},
			DeployProgress::Published(version) => {
				self.end_line();
				eprintln!("published version {version}");
			},
		}
	}

	/// Redraws the progress line: chunks, MiB and rate so far.
	fn redraw(&mut self, done: u32, chunks: u32, bytes_done: u64, bytes: u64) {
		self.last_redraw = Some(Instant::now());
		eprint!(
			"\ruploading {} {done}/{chunks} chunks, {} of {}, {}\x1b[K",
			bar(done, chunks),
			size(bytes_done as f64),
			size(bytes as f64),
			self.rate(bytes_done)
		);
		let _ = std::io::stderr().flush();
		self.line_open = true;
	}

	/// The line that says what this run sent, printed once the last chunk is on chain.
	fn summary(&mut self, chunks: u32, bytes_done: u64) {
		self.end_line();
		let Some((started, already)) = self.started else { return };
		let sent = chunks - self.received;
		let earlier = match self.received {
			0 => String::new(),
			received => format!(" ({received} more were on chain from an earlier run)"),
		};
		eprintln!(
			"uploaded {sent} chunk{} ({}) in {:.1} s, {}{earlier}",
			if sent == 1 { "" } else { "s" },
			size((bytes_done - already) as f64),
			started.elapsed().as_secs_f64(),
			self.rate(bytes_done)
		);
	}

	/// MiB/s of the bytes this run sent.
	fn rate(&self, bytes_done: u64) -> String {
		let Some((started, already)) = self.started else { return "-".into() };
		let seconds = started.elapsed().as_secs_f64().max(0.001);
		format!("{}/s", size((bytes_done.saturating_sub(already)) as f64 / seconds))
	}

	fn end_line(&mut self) {
		if self.line_open {
			eprintln!();
			self.line_open = false;
		}
	}
}

/// A size in MiB, or in KiB below one MiB.
fn size(bytes: f64) -> String {
	if bytes < MIB {
		format!("{:.1} KiB", bytes / 1024.0)
	} else {
		format!("{:.2} MiB", bytes / MIB)
	}
}

fn bar(done: u32, total: u32) -> String {
	let width = 20;
	let filled = (done as usize * width) / total.max(1) as usize;
	format!("[{}{}]", "#".repeat(filled), ".".repeat(width - filled))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn sizes_read_in_the_unit_that_fits() {
		assert_eq!(size(1240.0), "1.2 KiB");
		assert_eq!(size(20_127_694.0), "19.20 MiB");
		assert_eq!(bar(1, 4), "[#####...............]");
		assert_eq!(bar(0, 0), "[....................]");
	}
}
