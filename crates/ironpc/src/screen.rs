//! `--textdump` and `--screendump`: the VGA's screen written to files when the run ends,
//! whatever way it ends (guest exit, timeout, triple fault, halt, window closed).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use ironpc_devices::vga::{self, Vga};

/// The text screen as UTF-8 lines (code page 437 decoded, trailing blanks trimmed), one per
/// character row, each ending in a newline; in a graphics mode, one line saying so.
pub fn text_dump(vga: &mut Vga) -> String {
    match vga.text_screen() {
        Some(rows) => rows.iter().fold(String::new(), |mut s, r| {
            s.push_str(r);
            s.push('\n');
            s
        }),
        None => {
            let f = match vga.render() {
                Some(f) => f,
                None => vga.frame(),
            };
            format!(
                "(no text screen: the display is in a {}x{} graphics mode)\n",
                f.width, f.height
            )
        }
    }
}

/// Write the dumps asked for. Both are attempted; the first error is returned.
pub fn write_dumps(vga: &mut Vga, text: Option<&Path>, png: Option<&Path>) -> Result<()> {
    let t = text.map(|p| {
        std::fs::write(p, text_dump(vga)).with_context(|| format!("--textdump {}", p.display()))
    });
    let s = png.map(|p| write_png(vga, p).with_context(|| format!("--screendump {}", p.display())));
    t.transpose()?;
    s.transpose()?;
    Ok(())
}

/// The screen as it would be shown now, as a PNG.
fn write_png(vga: &mut Vga, path: &Path) -> Result<()> {
    vga.render();
    let mut w = BufWriter::new(File::create(path)?);
    vga::write_png(vga.frame(), &mut w)?;
    w.flush()?;
    Ok(())
}
