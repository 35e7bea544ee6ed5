//! The serial console of `-serial stdio` and `-nographic`: what is typed on the host's
//! standard input goes to COM1, what the guest sends to COM1 goes to standard output.
//!
//! A reader thread forwards standard input to the board over a channel. When standard input
//! is a terminal it is put in raw mode (no line editing, no echo, no signals: Ctrl-C goes to
//! the guest, as in QEMU) and restored on every way out: the end of the run, an error, a
//! panic (a hook), and Ctrl-A x. The escape key is Ctrl-A, as in QEMU:
//!
//! | keys | effect |
//! |---|---|
//! | Ctrl-A x | end the run (exit status 0) |
//! | Ctrl-A Ctrl-A | send one Ctrl-A to the guest |
//! | Ctrl-A h | print this list |
//!
//! When standard input is not a terminal (a pipe, a file, a test), its bytes are forwarded
//! as they are, with no escape processing; at its end the guest simply receives nothing more.

use std::io::{self, IsTerminal, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;
use ironpc_machine::board::RUN_QUIT;
use ironpc_machine::{Board, RunOutcome};

/// The escape character, Ctrl-A.
const ESCAPE: u8 = 0x01;
/// Host time between two looks at the quit flag while the board runs.
const CHUNK: Duration = Duration::from_millis(100);
/// After Ctrl-A x, how long the run may take to end by itself before the reader thread ends
/// the process (an engine that does not return to the console loop).
const QUIT_GRACE: Duration = Duration::from_secs(2);

const HELP: &str = "\r\nC-a x    exit\r\nC-a h    print this help\r\nC-a C-a  send C-a\r\n";

/// What the escape decoder made of some input.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Decoded {
    /// Bytes for the guest.
    pub bytes: Vec<u8>,
    /// Ctrl-A x was typed: nothing after it is for the guest.
    pub quit: bool,
    /// Ctrl-A h was typed.
    pub help: bool,
}

/// The Ctrl-A escape state machine (terminal input only).
#[derive(Debug, Default)]
pub struct Escape {
    after_escape: bool,
}

impl Escape {
    /// Decode a chunk of terminal input.
    pub fn feed(&mut self, input: &[u8]) -> Decoded {
        let mut out = Decoded::default();
        for &b in input {
            if !std::mem::take(&mut self.after_escape) {
                if b == ESCAPE {
                    self.after_escape = true;
                } else {
                    out.bytes.push(b);
                }
                continue;
            }
            match b {
                ESCAPE => out.bytes.push(ESCAPE),
                b'x' | b'X' => {
                    out.quit = true;
                    return out;
                }
                b'h' | b'H' | b'?' => out.help = true,
                // Unknown commands are dropped, as QEMU does.
                _ => {}
            }
        }
        out
    }
}

/// Leaves raw mode when dropped.
struct RawMode;

impl RawMode {
    fn enter() -> io::Result<RawMode> {
        static HOOK: Once = Once::new();
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                // Without this the panic message would be printed in raw mode and the
                // user's shell left unusable.
                let _ = crossterm::terminal::disable_raw_mode();
                previous(info);
            }));
        });
        crossterm::terminal::enable_raw_mode()?;
        Ok(RawMode)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

/// The console of a run: the reader thread, raw mode while it lives, and the quit flag.
pub struct Console {
    quit: Arc<AtomicBool>,
    raw: Option<RawMode>,
}

impl Console {
    /// Start forwarding standard input to `board`'s COM1.
    pub fn start(board: &mut Board) -> io::Result<Console> {
        let tty = io::stdin().is_terminal();
        let raw = if tty { Some(RawMode::enter()?) } else { None };
        let (tx, rx) = crossbeam_channel::unbounded();
        board.set_serial_input(rx);
        let quit = Arc::new(AtomicBool::new(false));
        let flag = quit.clone();
        std::thread::Builder::new()
            .name("stdin".into())
            .spawn(move || reader(tx, tty, &flag))?;
        Ok(Console { quit, raw })
    }

    /// Whether the user typed Ctrl-A x.
    pub fn quit_requested(&self) -> bool {
        self.quit.load(Ordering::Relaxed)
    }

    /// Leave raw mode now (before printing messages of our own); dropping does it too.
    pub fn restore(&mut self) {
        self.raw = None;
    }
}

/// Forward standard input to the board until it ends (or Ctrl-A x).
fn reader(tx: Sender<Vec<u8>>, tty: bool, quit: &AtomicBool) {
    let mut stdin = io::stdin().lock();
    let mut esc = Escape::default();
    let mut buf = [0u8; 4096];
    loop {
        let n = match stdin.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        if !tty {
            if tx.send(buf[..n].to_vec()).is_err() {
                return;
            }
            continue;
        }
        let d = esc.feed(&buf[..n]);
        if d.help {
            eprint!("{HELP}");
        }
        if !d.bytes.is_empty() && tx.send(d.bytes).is_err() {
            return;
        }
        if d.quit {
            quit.store(true, Ordering::Relaxed);
            // The run loop normally notices within CHUNK; if the engine does not come back,
            // end the process ourselves, with the terminal restored.
            std::thread::sleep(QUIT_GRACE);
            let _ = crossterm::terminal::disable_raw_mode();
            eprintln!("ironpc: terminated (C-a x)");
            std::process::exit(0);
        }
    }
}

/// Run the interpreter until the run ends or, with a console, the user types Ctrl-A x
/// ([`RUN_QUIT`], exit status 0). With a console the board runs in chunks of host time so that the
/// quit flag is seen promptly; `deadline` keeps its meaning.
pub fn run(
    board: &mut Board,
    deadline: Option<Instant>,
    console: Option<&mut Console>,
) -> RunOutcome {
    let Some(console) = console else {
        return board.run(deadline);
    };
    loop {
        if console.quit_requested() {
            board.flush();
            console.restore();
            eprintln!("ironpc: terminated (C-a x)");
            return RUN_QUIT;
        }
        let chunk_end = Instant::now() + CHUNK;
        let end = deadline.map_or(chunk_end, |d| d.min(chunk_end));
        match board.run(Some(end)) {
            RunOutcome::Timeout if deadline.is_some_and(|d| Instant::now() >= d) => {
                return RunOutcome::Timeout
            }
            RunOutcome::Timeout => {}
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_bytes_pass_through() {
        let mut e = Escape::default();
        let d = e.feed(b"ls -l\r\x03");
        assert_eq!(d.bytes, b"ls -l\r\x03");
        assert!(!d.quit && !d.help);
    }

    #[test]
    fn ctrl_a_x_quits_and_drops_the_rest() {
        let mut e = Escape::default();
        let d = e.feed(b"ab\x01xcd");
        assert_eq!(d.bytes, b"ab");
        assert!(d.quit);
    }

    #[test]
    fn ctrl_a_ctrl_a_sends_one_ctrl_a() {
        let mut e = Escape::default();
        assert_eq!(e.feed(b"\x01\x01z").bytes, b"\x01z");
        // Split across two reads.
        assert_eq!(e.feed(b"q\x01").bytes, b"q");
        let d = e.feed(b"\x01");
        assert_eq!(d.bytes, b"\x01");
        assert!(!d.quit);
        // Split escape then x.
        assert!(e.feed(b"\x01").bytes.is_empty());
        assert!(e.feed(b"x").quit);
    }

    #[test]
    fn help_and_unknown_commands_send_nothing() {
        let mut e = Escape::default();
        let d = e.feed(b"\x01h\x01c1");
        assert_eq!(d.bytes, b"1");
        assert!(d.help);
        assert!(!d.quit);
    }
}
