//! Code page 437, the character set of the VGA's ROM font, as Unicode: what `--textdump`
//! prints for each character code in text memory.

/// Unicode for each code of code page 437, with the IBM glyphs for the control range
/// (0x01–0x1F: ☺☻♥…, 0x7F: ⌂). Code 0x00 is a blank glyph and maps to a space; 0xFF is the
/// blank no-break space.
pub const CP437: [char; 256] = [
    ' ', '☺', '☻', '♥', '♦', '♣', '♠', '•', '◘', '○', '◙', '♂', '♀', '♪', '♫', '☼', '►', '◄', '↕',
    '‼', '¶', '§', '▬', '↨', '↑', '↓', '→', '←', '∟', '↔', '▲', '▼', ' ', '!', '"', '#', '$', '%',
    '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', '0', '1', '2', '3', '4', '5', '6', '7', '8',
    '9', ':', ';', '<', '=', '>', '?', '@', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K',
    'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', '[', '\\', ']', '^',
    '_', '`', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q',
    'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', '{', '|', '}', '~', '⌂', 'Ç', 'ü', 'é', 'â', 'ä',
    'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', 'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û', 'ù',
    'ÿ', 'Ö', 'Ü', '¢', '£', '¥', '₧', 'ƒ', 'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '⌐', '¬',
    '½', '¼', '¡', '«', '»', '░', '▒', '▓', '│', '┤', '╡', '╢', '╖', '╕', '╣', '║', '╗', '╝', '╜',
    '╛', '┐', '└', '┴', '┬', '├', '─', '┼', '╞', '╟', '╚', '╔', '╩', '╦', '╠', '═', '╬', '╧', '╨',
    '╤', '╥', '╙', '╘', '╒', '╓', '╫', '╪', '┘', '┌', '█', '▄', '▌', '▐', '▀', 'α', 'ß', 'Γ', 'π',
    'Σ', 'σ', 'µ', 'τ', 'Φ', 'Θ', 'Ω', 'δ', '∞', 'φ', 'ε', '∩', '≡', '±', '≥', '≤', '⌠', '⌡', '÷',
    '≈', '°', '∙', '·', '√', 'ⁿ', '²', '■', '\u{a0}',
];

/// Decode one row of character codes, trailing blanks (space, NUL) trimmed.
pub fn decode_row(codes: impl IntoIterator<Item = u8>) -> String {
    let s: String = codes.into_iter().map(|c| CP437[usize::from(c)]).collect();
    s.trim_end_matches(' ').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_known_code_points() {
        assert_eq!(CP437[0x41], 'A');
        assert_eq!(CP437[0x01], '☺');
        assert_eq!(CP437[0x7F], '⌂');
        assert_eq!(CP437[0xB3], '│');
        assert_eq!(CP437[0xC9], '╔');
        assert_eq!(CP437[0xDB], '█');
        assert_eq!(CP437[0xE1], 'ß');
        assert_eq!(CP437[0xFE], '■');
        let mut sorted: Vec<char> = CP437.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            sorted.len(),
            255,
            "one code point per code, NUL and space share one"
        );
        assert_eq!(decode_row([b'H', b'i', 0, b' ', 0]), "Hi");
    }
}
