//! Host keys for the PS/2 keyboard: text as set-1 scan codes (US layout), and `--keys`, text
//! typed on a schedule of virtual time (a timed event of the board, so runs are
//! deterministic).
//!
//! Set 1 is what the 8042 delivers to the guest when it translates (command byte bit 6, on
//! at power-on); [`ironpc_devices::I8042::key_scancodes_set1`] converts for a keyboard left
//! in set 2 without translation.

/// Virtual time of the first `--keys` key: 1 s after power-on.
pub const KEYS_START_NS: u64 = 1_000_000_000;
/// Virtual time between two `--keys` keys: 50 ms.
pub const KEYS_INTERVAL_NS: u64 = 50_000_000;

/// Set-1 make code of left Shift.
pub const SET1_LSHIFT: u8 = 0x2A;
/// Set-1 bit that turns a make code into its break code.
pub const SET1_BREAK: u8 = 0x80;

/// The set-1 make code of the key that types `c` on a US keyboard, and whether Shift must
/// be held. `None` for characters a US keyboard cannot type with one key.
pub fn ascii_set1(c: char) -> Option<(u8, bool)> {
    const ROW_DIGITS: &[u8; 10] = b"1234567890";
    const ROW_DIGITS_SHIFTED: &[u8; 10] = b"!@#$%^&*()";
    const ROW_Q: &[u8; 10] = b"qwertyuiop";
    const ROW_A: &[u8; 9] = b"asdfghjkl";
    const ROW_Z: &[u8; 7] = b"zxcvbnm";
    if !c.is_ascii() {
        return None;
    }
    let b = c as u8;
    let lower = b.to_ascii_lowercase();
    let pos = |row: &[u8], base: u8| row.iter().position(|&x| x == lower).map(|i| base + i as u8);
    if b.is_ascii_alphabetic() {
        let code = pos(ROW_Q, 0x10)
            .or_else(|| pos(ROW_A, 0x1E))
            .or_else(|| pos(ROW_Z, 0x2C))?;
        return Some((code, b.is_ascii_uppercase()));
    }
    if let Some(i) = ROW_DIGITS.iter().position(|&x| x == b) {
        return Some((0x02 + i as u8, false));
    }
    if let Some(i) = ROW_DIGITS_SHIFTED.iter().position(|&x| x == b) {
        return Some((0x02 + i as u8, true));
    }
    Some(match b {
        b'-' => (0x0C, false),
        b'_' => (0x0C, true),
        b'=' => (0x0D, false),
        b'+' => (0x0D, true),
        0x08 => (0x0E, false), // Backspace
        b'\t' => (0x0F, false),
        b'[' => (0x1A, false),
        b'{' => (0x1A, true),
        b']' => (0x1B, false),
        b'}' => (0x1B, true),
        b'\n' | b'\r' => (0x1C, false),
        b';' => (0x27, false),
        b':' => (0x27, true),
        b'\'' => (0x28, false),
        b'"' => (0x28, true),
        b'`' => (0x29, false),
        b'~' => (0x29, true),
        b'\\' => (0x2B, false),
        b'|' => (0x2B, true),
        b',' => (0x33, false),
        b'<' => (0x33, true),
        b'.' => (0x34, false),
        b'>' => (0x34, true),
        b'/' => (0x35, false),
        b'?' => (0x35, true),
        b' ' => (0x39, false),
        0x1B => (0x01, false), // Escape
        _ => return None,
    })
}

/// The set-1 bytes that type `c`: press and release, wrapped in left Shift when needed.
pub fn char_set1(c: char) -> Option<Vec<u8>> {
    let (code, shift) = ascii_set1(c)?;
    Some(if shift {
        vec![
            SET1_LSHIFT,
            code,
            code | SET1_BREAK,
            SET1_LSHIFT | SET1_BREAK,
        ]
    } else {
        vec![code, code | SET1_BREAK]
    })
}

/// The escapes of a `--keys` argument: the two characters `\n` are Enter (as is a real
/// newline), `\t` is Tab, `\e` is Escape and `\\` is one backslash; a backslash before
/// anything else stays as it is.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('e') => out.push('\x1B'),
            Some('\\') => out.push('\\'),
            _ => {
                out.push('\\');
                continue;
            }
        }
        chars.next();
    }
    out
}

/// Text typed on the keyboard, one key every [`KEYS_INTERVAL_NS`] of virtual time from a
/// start time: a timed event source of the board.
#[derive(Clone, Debug, Default)]
pub struct Typist {
    /// The set-1 bytes of each key, in order.
    keys: Vec<Vec<u8>>,
    /// Next key to type.
    next: usize,
    /// Virtual time of the first key.
    start: u64,
}

impl Typist {
    /// Schedule `text` from virtual time `start`. Fails, naming it, on the first character a
    /// US keyboard cannot type.
    pub fn new(text: &str, start: u64) -> Result<Typist, char> {
        let keys = text
            .chars()
            .map(|c| char_set1(c).ok_or(c))
            .collect::<Result<Vec<_>, char>>()?;
        Ok(Typist {
            keys,
            next: 0,
            start,
        })
    }

    /// Virtual time at which the next key is due, if any key is left.
    pub fn next_event(&self) -> Option<u64> {
        (self.next < self.keys.len()).then(|| {
            self.start
                .saturating_add(KEYS_INTERVAL_NS.saturating_mul(self.next as u64))
        })
    }

    /// The bytes of the next key if it is due at `now`.
    pub fn take_due(&mut self, now: u64) -> Option<&[u8]> {
        if self.next_event()? > now {
            return None;
        }
        self.next += 1;
        self.keys.get(self.next - 1).map(Vec::as_slice)
    }

    /// Keys not typed yet.
    pub fn remaining(&self) -> usize {
        self.keys.len() - self.next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn us_layout() {
        assert_eq!(char_set1('a'), Some(vec![0x1E, 0x9E]));
        assert_eq!(char_set1('B'), Some(vec![0x2A, 0x30, 0xB0, 0xAA]));
        assert_eq!(char_set1('1'), Some(vec![0x02, 0x82]));
        assert_eq!(char_set1('\n'), Some(vec![0x1C, 0x9C]));
        assert_eq!(char_set1('?'), Some(vec![0x2A, 0x35, 0xB5, 0xAA]));
        assert_eq!(char_set1(')'), Some(vec![0x2A, 0x0B, 0x8B, 0xAA]));
        assert_eq!(char_set1('m'), Some(vec![0x32, 0xB2]));
        assert_eq!(char_set1('p'), Some(vec![0x19, 0x99]));
        assert_eq!(char_set1('l'), Some(vec![0x26, 0xA6]));
        assert_eq!(char_set1(' '), Some(vec![0x39, 0xB9]));
        assert_eq!(char_set1('é'), None);
        for c in (0x20u8..0x7F).map(char::from) {
            assert!(char_set1(c).is_some(), "{c:?} has no key");
        }
    }

    #[test]
    fn escapes() {
        assert_eq!(unescape(r"aB1\n"), "aB1\n");
        assert_eq!(unescape("x\ny"), "x\ny");
        assert_eq!(unescape(r"\\n\t\q\"), "\\n\t\\q\\");
        assert_eq!(unescape(r"\e"), "\x1B");
    }

    #[test]
    fn schedule() {
        let mut t = Typist::new("ab", KEYS_START_NS).unwrap();
        assert_eq!(t.next_event(), Some(KEYS_START_NS));
        assert!(t.take_due(KEYS_START_NS - 1).is_none());
        assert_eq!(t.take_due(KEYS_START_NS), Some(&[0x1E, 0x9E][..]));
        assert_eq!(t.next_event(), Some(KEYS_START_NS + KEYS_INTERVAL_NS));
        assert!(t.take_due(KEYS_START_NS + 1).is_none());
        assert_eq!(t.take_due(u64::MAX), Some(&[0x30, 0xB0][..]));
        assert_eq!(t.next_event(), None);
        assert_eq!(t.remaining(), 0);
        assert_eq!(Typist::new("a€", 0).unwrap_err(), '€');
    }
}
