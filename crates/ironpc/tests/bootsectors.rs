//! The 512-byte boot-sector programs of `examples/bootsectors/` (assembled with nasm at
//! test time), booted from a 1.44 MB floppy image and driven by `--keys`:
//!
//! * `calc.asm`, a calculator typed into through INT 16h and echoed through INT 10h: the
//!   `--textdump` must show the typed lines and their values (computed here by Rust), the
//!   error messages, and what Backspace left.
//! * `snake.asm`, a game in mode 13h: the `--screendump` is compared pixel for pixel with
//!   `tests/golden/bootsectors/*.png` (`IRONPC_BLESS=1` rewrites them from this build; look
//!   at them before committing), and read back cell by cell to check where the snake went,
//!   how long it is and where the apple is; the score comes back as the exit status.
//!
//! Both programs end the run themselves on Escape by writing to the exit port 0xF4, so the
//! dumps do not depend on host time: `--keys` is typed on a schedule of guest time, and the
//! guest's own exit stops the board at a deterministic point. `--timeout` is only a safety
//! net. nasm is required (scripts/test.sh installs it).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{golden, read_png, read_text, repo, Rgb};

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("bootsectors-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("cannot create a scratch directory");
    d
}

/// Assemble `examples/bootsectors/NAME.asm` and put it into a zero-padded 1.44 MB floppy
/// image in `dir`; returns the image's path.
fn floppy(name: &str, dir: &Path) -> PathBuf {
    let src = repo().join(format!("examples/bootsectors/{name}.asm"));
    let bin = dir.join(format!("{name}.bin"));
    let out = Command::new("nasm")
        .args(["-f", "bin", "-o"])
        .arg(&bin)
        .arg(&src)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run nasm ({e}): these tests need it. Install it (`apt-get install \
                 nasm`) or run scripts/test.sh, which installs it"
            )
        });
    assert!(
        out.status.success(),
        "nasm failed on {}:\n{}",
        src.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let sector = std::fs::read(&bin).unwrap();
    assert_eq!(sector.len(), 512, "{name}: one sector");
    assert_eq!(&sector[510..], &[0x55, 0xAA], "{name}: boot signature");
    let mut img = vec![0u8; 1_474_560];
    img[..512].copy_from_slice(&sector);
    let path = dir.join(format!("{name}.img"));
    std::fs::write(&path, img).unwrap();
    path
}

/// What a run left behind.
struct Run {
    status: Option<i32>,
    /// The debug console (port 0xE9), where the BIOS copies teletype output.
    debugcon: String,
    stderr: String,
    text: String,
    png: PathBuf,
}

impl Run {
    fn context(&self) -> String {
        format!(
            "status {:?}\n--- text screen\n{}\n--- debug console\n{}\n--- stderr\n{}",
            self.status, self.text, self.debugcon, self.stderr
        )
    }
}

/// Boot `img` headless with `keys` typed, both dumps and the debug console in `dir`.
fn run(dir: &Path, img: &Path, keys: &str) -> Run {
    let (txt, png, con) = (
        dir.join("screen.txt"),
        dir.join("screen.png"),
        dir.join("debugcon.txt"),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_ironpc"))
        .arg("-fda")
        .arg(img)
        .args(["-display", "none", "-no-reboot", "--timeout", "60"])
        .args(["--keys", keys])
        .arg("--textdump")
        .arg(&txt)
        .arg("--screendump")
        .arg(&png)
        .arg("-debugcon")
        .arg(format!("file:{}", con.display()))
        .env_remove("DISPLAY")
        .output()
        .expect("cannot run the ironpc binary");
    Run {
        status: out.status.code(),
        debugcon: read_text(&con),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        text: read_text(&txt),
        png,
    }
}

/// The exit status of a guest that wrote `v` to port 0xF4.
fn exit_status(v: u8) -> Option<i32> {
    Some(i32::from(v) << 1 | 1)
}

// --- The calculator ----------------------------------------------------------------------

/// Type `lines` (each ended by Enter, then Escape) into the calculator and return the text
/// screen's rows, after checking the exit through Escape and the banner.
fn calc_session(name: &str, lines: &[&str]) -> Vec<String> {
    let dir = scratch(name);
    let img = floppy("calc", &dir);
    let keys: String = lines.iter().map(|l| format!("{l}\n")).collect::<String>() + "\x1b";
    let r = run(&dir, &img, &keys);
    // Escape writes its own ASCII code, 1Bh, to the exit port.
    assert_eq!(r.status, exit_status(0x1B), "{}", r.context());
    let rows: Vec<String> = r.text.lines().map(|l| l.trim_end().to_string()).collect();
    assert_eq!(rows.len(), 25, "an 80x25 text screen\n{}", r.context());
    assert!(
        rows[0].starts_with("Calculator:"),
        "the banner on a cleared screen\n{}",
        r.context()
    );
    rows
}

/// Check that after the banner, `rows` show each prompt with the line as it stands on the
/// screen and the answer (none for an empty line), and a last, empty prompt.
fn expect_dialogue(rows: &[String], dialogue: &[(&str, Option<String>)]) {
    let screen = rows.join("\n");
    let mut i = 1;
    for (shown, answer) in dialogue {
        assert_eq!(
            rows[i],
            format!("> {shown}").trim_end(),
            "row {i}\n{screen}"
        );
        i += 1;
        if let Some(answer) = answer {
            assert_eq!(&rows[i], answer, "the answer to `{shown}`\n{screen}");
            i += 1;
        }
    }
    assert_eq!(rows[i], ">", "the prompt after the last answer\n{screen}");
    assert!(
        rows[i + 1..].iter().all(|r| r.is_empty()),
        "nothing after the prompt\n{screen}"
    );
}

/// The line "^ syntax error" with the caret under character `at` of a typed line (the
/// prompt "> " takes two columns).
fn caret(at: usize) -> String {
    format!("{}^ syntax error", " ".repeat(2 + at))
}

#[test]
fn calculator_evaluates_typed_expressions() {
    // The expected values are Rust's evaluation of the same expressions in i32, whose `/`
    // and `%` truncate toward zero as IDIV does.
    let cases: [(&str, i32); 9] = [
        ("12*(3+4)", 12 * (3 + 4)),
        ("2 + 3*4", 2 + 3 * 4),
        ("(1+2)*(3+4)-5", (1 + 2) * (3 + 4) - 5),
        ("100/7", 100 / 7),
        ("100%7", 100 % 7),
        ("-7/2", -7 / 2),
        ("-7%3", -7 % 3),
        ("-(2-10)*3-50", -(2 - 10) * 3 - 50),
        ("65536*32767+65535", 65536 * 32767 + 65535),
    ];
    let typed: Vec<&str> = cases.iter().map(|c| c.0).collect();
    let rows = calc_session("values", &typed);
    let dialogue: Vec<(&str, Option<String>)> = cases
        .iter()
        .map(|&(e, v)| (e, Some(v.to_string())))
        .collect();
    expect_dialogue(&rows, &dialogue);
}

#[test]
fn calculator_reports_errors_and_edits_lines() {
    const BS: &str = "\x08"; // Backspace
    let erase2 = format!("12{BS}{BS}5+4");
    let erase1 = format!("123{BS}+1");
    let erase_nothing = format!("{BS}{BS}1+1");
    let typed = [
        "7/0",
        "3+*4",
        "(1+2",
        "2 3",
        "99999*99999",
        "2147483648",
        "-2147483647-1",
        &erase2,
        &erase1,
        &erase_nothing,
        "",
    ];
    let rows = calc_session("errors", &typed);
    let dialogue: [(&str, Option<String>); 11] = [
        ("7/0", Some("division by zero".into())),
        ("3+*4", Some(caret("3+*4".find('*').unwrap()))),
        ("(1+2", Some(caret("(1+2".len()))), // a missing ")" at the end of the line
        ("2 3", Some(caret("2 3".find('3').unwrap()))),
        ("99999*99999", Some("overflow".into())),
        ("2147483648", Some("overflow".into())),
        ("-2147483647-1", Some(i32::MIN.to_string())),
        // Backspace erased "12"; then of "123" the "3"; on an empty line it does nothing.
        ("5+4", Some((5 + 4).to_string())),
        ("12+1", Some((12 + 1).to_string())),
        ("1+1", Some((1 + 1).to_string())),
        // An empty line: just the next prompt.
        ("", None),
    ];
    expect_dialogue(&rows, &dialogue);
}

// --- Snake -------------------------------------------------------------------------------

// The colours snake.asm uses, from the default VGA palette (6-bit DAC values widened).
const BLACK: u32 = 0x000000;
const WALL: u32 = 0x555555; // 8, dark grey
const BODY: u32 = 0x00AA00; // 2, green
const HEAD: u32 = 0x55FF55; // 10, light green
const APPLE: u32 = 0xFF5555; // 12, light red

/// What a cell of the 40x25 grid holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cell {
    Empty,
    Wall,
    Body,
    Head,
    Apple,
}

/// (row, column) of a cell.
type Pos = (usize, usize);

/// The playing field (cell rows 1-24; row 0 is the status line) read back from the
/// screen dump: every cell must be one colour over its 7x7 square.
struct Field(Vec<[Cell; 40]>);

impl Field {
    fn read(img: &Rgb) -> Field {
        assert_eq!((img.width, img.height), (320, 200), "mode 13h");
        let mut rows = vec![[Cell::Empty; 40]; 25];
        for (r, row) in rows.iter_mut().enumerate().skip(1) {
            for (c, cell) in row.iter_mut().enumerate() {
                let colour = img.pixel(c * 8, r * 8);
                for (dx, dy) in (0..7).flat_map(|dx| (0..7).map(move |dy| (dx, dy))) {
                    assert_eq!(
                        img.pixel(c * 8 + dx, r * 8 + dy),
                        colour,
                        "cell ({r}, {c}) is not one colour"
                    );
                }
                *cell = match colour {
                    BLACK => Cell::Empty,
                    WALL => Cell::Wall,
                    BODY => Cell::Body,
                    HEAD => Cell::Head,
                    APPLE => Cell::Apple,
                    _ => panic!("cell ({r}, {c}) has an unexpected colour {colour:06x}"),
                };
            }
        }
        Field(rows)
    }

    /// The cells holding `what`, in row order.
    fn find(&self, what: Cell) -> Vec<Pos> {
        (1..25)
            .flat_map(|r| (0..40).map(move |c| (r, c)))
            .filter(|&(r, c)| self.0[r][c] == what)
            .collect()
    }

    /// Check the frame of walls around an otherwise empty field, `snake` (tail to head) and
    /// `apple`.
    fn expect(&self, snake: &[Pos], apple: Pos) {
        let head = *snake.last().unwrap();
        for r in 1..25 {
            for c in 0..40 {
                let want = if r == 1 || r == 24 || c == 0 || c == 39 {
                    Cell::Wall
                } else if (r, c) == head {
                    Cell::Head
                } else if snake.contains(&(r, c)) {
                    Cell::Body
                } else if (r, c) == apple {
                    Cell::Apple
                } else {
                    Cell::Empty
                };
                assert_eq!(
                    self.0[r][c], want,
                    "cell ({r}, {c}); want the snake {snake:?} and the apple at {apple:?}"
                );
            }
        }
    }
}

/// The snake at the start: row 12, columns 5-8, tail to head, heading right.
const START: [Pos; 4] = [(12, 5), (12, 6), (12, 7), (12, 8)];
/// The first apple: ahead of the snake in its row.
const FIRST_APPLE: Pos = (12, 20);

/// `n` keys that the game ignores: a pause of `n` times 50 ms of guest time (`--keys` types a
/// key every 50 ms) while the snake goes on.
fn dots(n: usize) -> String {
    ".".repeat(n)
}

/// The lines of the debug console written by the game: the BIOS copies teletype output
/// there (its own messages come first, up to "Booting from floppy A:").
fn game_lines(r: &Run) -> Vec<&str> {
    let lines: Vec<&str> = r.debugcon.lines().map(str::trim_end).collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with("Booting from floppy A:"))
        .unwrap_or_else(|| panic!("the BIOS did not boot the floppy\n{}", r.context()));
    lines[start + 1..].to_vec()
}

#[test]
fn snake_eats_the_apple_and_turns() {
    let dir = scratch("snake-eat");
    let img = floppy("snake", &dir);
    // D starts the game going right, through the apple; S turns down; Escape ends it.
    let keys = format!("d{}s{}\x1b", dots(30), dots(10));
    let r = run(&dir, &img, &keys);
    assert_eq!(r.status, exit_status(1), "score 1\n{}", r.context());
    assert_eq!(game_lines(&r), ["Score 0", "Score 1"], "{}", r.context());
    let shot = read_png(&r.png);
    let field = Field::read(&shot);
    // Where the head is depends on how many moves fit between the keys; the path does not:
    // right along row 12 from the start, then down.
    let heads = field.find(Cell::Head);
    assert_eq!(heads.len(), 1, "one head: {heads:?}");
    let (hr, hc) = heads[0];
    assert!(
        hc > FIRST_APPLE.1,
        "the snake went past the apple: head at {:?}",
        heads[0]
    );
    assert!(hr > 12, "the snake turned down: head at {:?}", heads[0]);
    let path: Vec<Pos> = (START[0].1..=hc)
        .map(|c| (12, c))
        .chain((13..=hr).map(|r| (r, hc)))
        .collect();
    // Four cells long at the start, one more for the apple.
    let snake = &path[path.len() - (START.len() + 1)..];
    let apples = field.find(Cell::Apple);
    assert_eq!(apples.len(), 1, "one new apple: {apples:?}");
    assert_ne!(apples[0], FIRST_APPLE, "the first apple was eaten");
    field.expect(snake, apples[0]);
    // The status line: white text on black in row 0 (pixel rows 0-7), left of the middle.
    let text = (0..8)
        .flat_map(|y| (0..160).map(move |x| (x, y)))
        .filter(|&(x, y)| shot.pixel(x, y) == 0xFFFFFF)
        .count();
    assert!(text > 0, "\"Score 1\" on the status line");
    golden(&r.png, "bootsectors/snake.png");
}

#[test]
fn snake_hits_the_wall() {
    let dir = scratch("snake-wall");
    let img = floppy("snake", &dir);
    // W starts the game going up, into the wall; Escape ends the run at "GAME OVER".
    let keys = format!("w{}\x1b", dots(30));
    let r = run(&dir, &img, &keys);
    assert_eq!(r.status, exit_status(0), "score 0\n{}", r.context());
    assert_eq!(game_lines(&r), ["Score 0", "GAME OVER"], "{}", r.context());
    // The head stopped below the wall (row 1), straight above where it started.
    let head = START[3];
    let snake: Vec<Pos> = (0..START.len()).rev().map(|i| (2 + i, head.1)).collect();
    Field::read(&read_png(&r.png)).expect(&snake, FIRST_APPLE);
    golden(&r.png, "bootsectors/snake_over.png");
}

#[test]
fn snake_restarts_and_does_not_turn_back() {
    let dir = scratch("snake-restart");
    let img = floppy("snake", &dir);
    // A game lost at the wall; Enter starts a new one, whose first key, A (left: back into
    // the snake's neck), is ignored, so it goes right.
    let keys = format!("w{}\na{}\x1b", dots(30), dots(5));
    let r = run(&dir, &img, &keys);
    assert_eq!(r.status, exit_status(0), "score 0\n{}", r.context());
    assert_eq!(
        game_lines(&r),
        ["Score 0", "GAME OVER", "Score 0"],
        "{}",
        r.context()
    );
    let field = Field::read(&read_png(&r.png));
    let heads = field.find(Cell::Head);
    assert_eq!(heads.len(), 1, "one head: {heads:?}");
    let (hr, hc) = heads[0];
    assert_eq!(hr, 12, "still in the start row: head at {:?}", heads[0]);
    assert!(
        hc > START[3].1 && hc < FIRST_APPLE.1,
        "moved right, not yet to the apple: head at {:?}",
        heads[0]
    );
    let snake: Vec<Pos> = (hc + 1 - START.len()..=hc).map(|c| (12, c)).collect();
    field.expect(&snake, FIRST_APPLE);
}
