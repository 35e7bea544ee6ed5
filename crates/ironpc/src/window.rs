//! `-display window`: the VGA's frames in a window (minifb, X11), host keys to the PS/2
//! keyboard.
//!
//! The window lives on its own thread, as minifb requires (a window belongs to the thread that
//! created it and must be pumped regularly). The emulator never waits for it: between two
//! slices the run loop polls [`WindowLink`] (a [`Frontend`]), which
//! * at most ~60 times a second of host time asks the VGA for a frame and, only when
//!   `render()` drew a new one, copies its pixels into a buffer sent with `try_send` (when the
//!   window is behind, the frame is dropped and the VGA is told to draw again next time);
//! * gives the key events of the window, as set-1 scan codes, to the 8042;
//! * about once a second puts the guest's state in the window title: running or halted, and
//!   the instruction rate.
//!
//! The window thread scales each frame to the window (nearest neighbour, so 320×200 modes fill
//! it), turns minifb key events into scan codes (press and release, 0xE0 prefixes for the
//! extended keys) and ends the run when the window is closed or on Ctrl+Alt+Q.

use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, unbounded, Receiver, RecvTimeoutError, Sender, TrySendError};
use ironpc_machine::board::Io;
use ironpc_machine::{Frontend, GuestView, Polled};
use minifb::{InputCallback, Key, Window, WindowOptions};

/// The window's size when it opens: 80×25 text at 9×16 dots, shown 1:1.
pub const WINDOW_WIDTH: usize = 720;
pub const WINDOW_HEIGHT: usize = 400;
/// Host time between two looks at the VGA for a new frame (60 per second).
const FRAME_INTERVAL: Duration = Duration::from_micros(16_667);
/// Host time between two title updates.
const TITLE_INTERVAL: Duration = Duration::from_secs(1);
/// Longest the window thread goes without pumping its events or redrawing.
const PUMP_INTERVAL: Duration = Duration::from_millis(10);
/// Redraw at least this often even without a new frame (X11 does not keep the picture of
/// a window that was covered).
const REDRAW_INTERVAL: Duration = Duration::from_millis(100);
/// The beginning of every title; tests find the window by it.
pub const TITLE: &str = "IronPC";

/// One frame's pixels on their way to the window.
struct FrameBuf {
    width: usize,
    height: usize,
    pixels: Vec<u32>,
}

/// What the window sends to the emulator.
enum FromWindow {
    /// Set-1 scan codes of one key event.
    Keys(Vec<u8>),
    /// The window was closed, or Ctrl+Alt+Q.
    Quit,
}

/// The emulator's end of the window: a [`Frontend`] for [`ironpc_machine::Board::run`].
/// Dropping it closes the window.
pub struct WindowLink {
    frames: Sender<FrameBuf>,
    spare: Receiver<Vec<u32>>,
    titles: Sender<String>,
    input: Receiver<FromWindow>,
    thread: Option<std::thread::JoinHandle<()>>,
    last_frame: Option<Instant>,
    last_title: Instant,
    title_icount: u64,
    polls_halted: u64,
    polls_running: u64,
}

/// Open the window. `Err` (with minifb's reason) when there is no display or the window
/// cannot be created; nothing is left running then.
pub fn open() -> Result<WindowLink, String> {
    let (frames_tx, frames_rx) = bounded::<FrameBuf>(2);
    let (spare_tx, spare_rx) = bounded::<Vec<u32>>(4);
    let (titles_tx, titles_rx) = bounded::<String>(4);
    let (input_tx, input_rx) = unbounded::<FromWindow>();
    let (ready_tx, ready_rx) = bounded::<Result<(), String>>(1);
    let thread = std::thread::Builder::new()
        .name("window".into())
        .spawn(move || {
            let opts = WindowOptions {
                resize: true,
                ..WindowOptions::default()
            };
            let mut window = match Window::new(TITLE, WINDOW_WIDTH, WINDOW_HEIGHT, opts) {
                Ok(w) => w,
                Err(e) => {
                    let _ = ready_tx.send(Err(e.to_string()));
                    return;
                }
            };
            window.set_input_callback(Box::new(KeyForward::new(input_tx.clone())));
            let _ = ready_tx.send(Ok(()));
            window_loop(&mut window, &frames_rx, &spare_tx, &titles_rx, &input_tx);
        })
        .map_err(|e| format!("cannot start the window thread: {e}"))?;
    match ready_rx.recv_timeout(Duration::from_secs(10)) {
        Ok(Ok(())) => Ok(WindowLink {
            frames: frames_tx,
            spare: spare_rx,
            titles: titles_tx,
            input: input_rx,
            thread: Some(thread),
            last_frame: None,
            last_title: Instant::now(),
            title_icount: 0,
            polls_halted: 0,
            polls_running: 0,
        }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => Err("the window did not open within 10 s".into()),
    }
}

impl Frontend for WindowLink {
    fn poll(&mut self, io: &mut Io, guest: GuestView) -> Polled {
        let mut polled = Polled::default();
        loop {
            match self.input.try_recv() {
                Ok(FromWindow::Keys(codes)) => {
                    io.kbd.key_scancodes_set1(&codes);
                    polled.input = true;
                }
                Ok(FromWindow::Quit) => polled.quit = true,
                Err(crossbeam_channel::TryRecvError::Empty) => break,
                // The window thread is gone (it cannot have been closed by us while we
                // poll): treat it as a closed window.
                Err(crossbeam_channel::TryRecvError::Disconnected) => {
                    polled.quit = true;
                    break;
                }
            }
        }
        if guest.halted {
            self.polls_halted += 1;
        } else {
            self.polls_running += 1;
        }
        let now = Instant::now();
        if self
            .last_frame
            .is_none_or(|t| now.duration_since(t) >= FRAME_INTERVAL)
        {
            self.last_frame = Some(now);
            self.send_frame(io, guest.now_ns);
        }
        let since = now.duration_since(self.last_title);
        if since >= TITLE_INTERVAL {
            let mips =
                guest.icount.saturating_sub(self.title_icount) as f64 / since.as_secs_f64() / 1e6;
            let state = if self.polls_halted > self.polls_running {
                "halted"
            } else {
                "running"
            };
            let _ = self
                .titles
                .try_send(format!("{TITLE} - {state} - {mips:.1} MIPS"));
            self.last_title = now;
            self.title_icount = guest.icount;
            self.polls_halted = 0;
            self.polls_running = 0;
        }
        polled
    }
}

impl WindowLink {
    /// Render and send a frame if the picture changed.
    fn send_frame(&mut self, io: &mut Io, now_ns: u64) {
        io.vga.set_time(now_ns);
        let Some(f) = io.vga.render() else {
            return;
        };
        if f.pixels.is_empty() {
            return;
        }
        let mut pixels = self.spare.try_recv().unwrap_or_default();
        pixels.clear();
        pixels.extend_from_slice(&f.pixels);
        let buf = FrameBuf {
            width: f.width,
            height: f.height,
            pixels,
        };
        match self.frames.try_send(buf) {
            Ok(()) => {}
            // The window is behind (or gone): drop this frame, draw again next time.
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => io.vga.invalidate(),
        }
    }
}

impl Drop for WindowLink {
    fn drop(&mut self) {
        // Closing the frame channel ends the window thread.
        let (dead, _) = bounded(0);
        self.frames = dead;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The window thread: show frames, pump events, until the emulator hangs up or the window is
/// closed.
fn window_loop(
    window: &mut Window,
    frames: &Receiver<FrameBuf>,
    spare: &Sender<Vec<u32>>,
    titles: &Receiver<String>,
    input: &Sender<FromWindow>,
) {
    let mut frame: Option<FrameBuf> = None;
    let mut scaled: Vec<u32> = Vec::new();
    let mut drawn_size = (0, 0);
    let mut last_draw = Instant::now();
    let mut fresh = false;
    loop {
        match frames.recv_timeout(PUMP_INTERVAL) {
            Ok(mut f) => {
                // Only the newest frame matters.
                while let Ok(newer) = frames.try_recv() {
                    let _ = spare.try_send(std::mem::replace(&mut f, newer).pixels);
                }
                if let Some(old) = frame.replace(f) {
                    let _ = spare.try_send(old.pixels);
                }
                fresh = true;
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        while let Ok(t) = titles.try_recv() {
            window.set_title(&t);
        }
        let size = window.get_size();
        let due = fresh || size != drawn_size || last_draw.elapsed() >= REDRAW_INTERVAL;
        match &frame {
            Some(f) if due && size.0 > 0 && size.1 > 0 => {
                scale_nearest(f, size.0, size.1, &mut scaled);
                if window.update_with_buffer(&scaled, size.0, size.1).is_err() {
                    window.update();
                }
                drawn_size = size;
                last_draw = Instant::now();
                fresh = false;
            }
            _ => window.update(),
        }
        if !window.is_open() {
            let _ = input.send(FromWindow::Quit);
            return;
        }
    }
}

/// Scale `f` to `w × h` pixels, nearest neighbour.
fn scale_nearest(f: &FrameBuf, w: usize, h: usize, out: &mut Vec<u32>) {
    out.clear();
    if f.width == 0 || f.height == 0 || f.pixels.len() < f.width * f.height {
        out.resize(w * h, 0);
        return;
    }
    if (f.width, f.height) == (w, h) {
        out.extend_from_slice(&f.pixels[..w * h]);
        return;
    }
    let cols: Vec<usize> = (0..w).map(|x| x * f.width / w).collect();
    for y in 0..h {
        let row = &f.pixels[(y * f.height / h) * f.width..][..f.width];
        out.extend(cols.iter().map(|&sx| row[sx]));
    }
}

/// The key callback of the window: key events to scan codes, and the quit chord.
struct KeyForward {
    tx: Sender<FromWindow>,
    ctrl: u8,
    alt: u8,
}

impl KeyForward {
    fn new(tx: Sender<FromWindow>) -> Self {
        Self {
            tx,
            ctrl: 0,
            alt: 0,
        }
    }
}

impl InputCallback for KeyForward {
    fn add_char(&mut self, _uni_char: u32) {}

    fn set_key_state(&mut self, key: Key, down: bool) {
        let bit = |b: u8, on: bool, v: &mut u8| {
            if on {
                *v |= b
            } else {
                *v &= !b
            }
        };
        match key {
            Key::LeftCtrl => bit(1, down, &mut self.ctrl),
            Key::RightCtrl => bit(2, down, &mut self.ctrl),
            Key::LeftAlt => bit(1, down, &mut self.alt),
            Key::RightAlt => bit(2, down, &mut self.alt),
            Key::Q if down && self.ctrl != 0 && self.alt != 0 => {
                let _ = self.tx.send(FromWindow::Quit);
                return;
            }
            _ => {}
        }
        if let Some(codes) = key_set1(key, down) {
            let _ = self.tx.send(FromWindow::Keys(codes));
        }
    }
}

/// The set-1 scan codes of a key event (press or release), as the 8042 delivers them when
/// it translates. `None` for keys a PC keyboard does not have.
pub fn key_set1(key: Key, down: bool) -> Option<Vec<u8>> {
    if key == Key::Pause {
        // Pause sends its whole sequence on press and nothing on release.
        return down.then(|| vec![0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5]);
    }
    let (extended, code) = key_make_set1(key)?;
    let code = if down { code } else { code | 0x80 };
    Some(if extended {
        vec![0xE0, code]
    } else {
        vec![code]
    })
}

/// Whether a key is an extended (0xE0) key, and its set-1 make code.
fn key_make_set1(key: Key) -> Option<(bool, u8)> {
    use Key::*;
    let plain = |c: u8| Some((false, c));
    let ext = |c: u8| Some((true, c));
    match key {
        Escape => plain(0x01),
        Key1 => plain(0x02),
        Key2 => plain(0x03),
        Key3 => plain(0x04),
        Key4 => plain(0x05),
        Key5 => plain(0x06),
        Key6 => plain(0x07),
        Key7 => plain(0x08),
        Key8 => plain(0x09),
        Key9 => plain(0x0A),
        Key0 => plain(0x0B),
        Minus => plain(0x0C),
        Equal => plain(0x0D),
        Backspace => plain(0x0E),
        Tab => plain(0x0F),
        Q => plain(0x10),
        W => plain(0x11),
        E => plain(0x12),
        R => plain(0x13),
        T => plain(0x14),
        Y => plain(0x15),
        U => plain(0x16),
        I => plain(0x17),
        O => plain(0x18),
        P => plain(0x19),
        LeftBracket => plain(0x1A),
        RightBracket => plain(0x1B),
        Enter => plain(0x1C),
        LeftCtrl => plain(0x1D),
        A => plain(0x1E),
        S => plain(0x1F),
        D => plain(0x20),
        F => plain(0x21),
        G => plain(0x22),
        H => plain(0x23),
        J => plain(0x24),
        K => plain(0x25),
        L => plain(0x26),
        Semicolon => plain(0x27),
        Apostrophe => plain(0x28),
        Backquote => plain(0x29),
        LeftShift => plain(0x2A),
        Backslash => plain(0x2B),
        Z => plain(0x2C),
        X => plain(0x2D),
        C => plain(0x2E),
        V => plain(0x2F),
        B => plain(0x30),
        N => plain(0x31),
        M => plain(0x32),
        Comma => plain(0x33),
        Period => plain(0x34),
        Slash => plain(0x35),
        RightShift => plain(0x36),
        NumPadAsterisk => plain(0x37),
        LeftAlt => plain(0x38),
        Space => plain(0x39),
        CapsLock => plain(0x3A),
        F1 => plain(0x3B),
        F2 => plain(0x3C),
        F3 => plain(0x3D),
        F4 => plain(0x3E),
        F5 => plain(0x3F),
        F6 => plain(0x40),
        F7 => plain(0x41),
        F8 => plain(0x42),
        F9 => plain(0x43),
        F10 => plain(0x44),
        NumLock => plain(0x45),
        ScrollLock => plain(0x46),
        NumPad7 => plain(0x47),
        NumPad8 => plain(0x48),
        NumPad9 => plain(0x49),
        NumPadMinus => plain(0x4A),
        NumPad4 => plain(0x4B),
        NumPad5 => plain(0x4C),
        NumPad6 => plain(0x4D),
        NumPadPlus => plain(0x4E),
        NumPad1 => plain(0x4F),
        NumPad2 => plain(0x50),
        NumPad3 => plain(0x51),
        NumPad0 => plain(0x52),
        NumPadDot => plain(0x53),
        F11 => plain(0x57),
        F12 => plain(0x58),
        NumPadEnter => ext(0x1C),
        RightCtrl => ext(0x1D),
        NumPadSlash => ext(0x35),
        RightAlt => ext(0x38),
        Home => ext(0x47),
        Up => ext(0x48),
        PageUp => ext(0x49),
        Left => ext(0x4B),
        Right => ext(0x4D),
        End => ext(0x4F),
        Down => ext(0x50),
        PageDown => ext(0x51),
        Insert => ext(0x52),
        Delete => ext(0x53),
        LeftSuper => ext(0x5B),
        RightSuper => ext(0x5C),
        Menu => ext(0x5D),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_codes() {
        assert_eq!(key_set1(Key::A, true), Some(vec![0x1E]));
        assert_eq!(key_set1(Key::A, false), Some(vec![0x9E]));
        assert_eq!(key_set1(Key::Up, true), Some(vec![0xE0, 0x48]));
        assert_eq!(key_set1(Key::Up, false), Some(vec![0xE0, 0xC8]));
        assert_eq!(key_set1(Key::RightCtrl, false), Some(vec![0xE0, 0x9D]));
        assert_eq!(key_set1(Key::Delete, true), Some(vec![0xE0, 0x53]));
        assert_eq!(key_set1(Key::Pause, false), None);
        assert_eq!(key_set1(Key::F13, true), None);
        // The typed-text table agrees with the key table.
        for (c, k) in [('q', Key::Q), ('/', Key::Slash), ('`', Key::Backquote)] {
            let (code, _) = ironpc_machine::keys::ascii_set1(c).unwrap();
            assert_eq!(key_set1(k, true), Some(vec![code]), "{c}");
        }
    }

    #[test]
    fn quit_chord() {
        let (tx, rx) = unbounded();
        let mut k = KeyForward::new(tx);
        k.set_key_state(Key::Q, true);
        k.set_key_state(Key::Q, false);
        k.set_key_state(Key::LeftCtrl, true);
        k.set_key_state(Key::RightAlt, true);
        k.set_key_state(Key::Q, true);
        let got: Vec<Option<Vec<u8>>> = rx
            .try_iter()
            .map(|m| match m {
                FromWindow::Keys(k) => Some(k),
                FromWindow::Quit => None,
            })
            .collect();
        assert_eq!(
            got,
            vec![
                Some(vec![0x10]),
                Some(vec![0x90]),
                Some(vec![0x1D]),
                Some(vec![0xE0, 0x38]),
                None
            ]
        );
    }

    #[test]
    fn nearest_neighbour() {
        let f = FrameBuf {
            width: 2,
            height: 2,
            pixels: vec![1, 2, 3, 4],
        };
        let mut out = Vec::new();
        scale_nearest(&f, 4, 3, &mut out);
        assert_eq!(out, vec![1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4]);
        scale_nearest(&f, 1, 1, &mut out);
        assert_eq!(out, vec![1]);
    }
}
