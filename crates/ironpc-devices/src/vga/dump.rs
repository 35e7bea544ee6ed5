//! The rendered picture and its dumps: [`Frame`] (0x00RRGGBB pixels) and PNG output.

use std::io::Write;

/// A rendered screen: `width × height` pixels, row-major, each 0x00RRGGBB.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u32>,
}

impl Frame {
    /// Set the size, reusing the pixel buffer (it only grows when the picture does).
    pub(super) fn resize(&mut self, width: usize, height: usize) {
        self.width = width;
        self.height = height;
        self.pixels.resize(width * height, 0);
    }

    /// The pixel at (`x`, `y`), or `None` outside the frame.
    pub fn pixel(&self, x: usize, y: usize) -> Option<u32> {
        if x < self.width && y < self.height {
            self.pixels.get(y * self.width + x).copied()
        } else {
            None
        }
    }

    /// The frame as packed RGB bytes, 3 per pixel.
    pub fn to_rgb8(&self) -> Vec<u8> {
        self.pixels
            .iter()
            .flat_map(|&p| [(p >> 16) as u8, (p >> 8) as u8, p as u8])
            .collect()
    }
}

/// Write `frame` as an 8-bit RGB PNG (a `--screendump`).
pub fn write_png(frame: &Frame, w: impl Write) -> Result<(), png::EncodingError> {
    let width = u32::try_from(frame.width).map_err(|_| too_large())?;
    let height = u32::try_from(frame.height).map_err(|_| too_large())?;
    let mut enc = png::Encoder::new(w, width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header()?;
    writer.write_image_data(&frame.to_rgb8())?;
    writer.finish()
}

fn too_large() -> png::EncodingError {
    png::EncodingError::LimitsExceeded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_round_trip() {
        let frame = Frame {
            width: 3,
            height: 2,
            pixels: vec![0xFF0000, 0x00FF00, 0x0000FF, 0x000000, 0xFFFFFF, 0x123456],
        };
        let mut buf = Vec::new();
        write_png(&frame, &mut buf).unwrap();
        let dec = png::Decoder::new(std::io::Cursor::new(buf));
        let mut reader = dec.read_info().unwrap();
        let mut out = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut out).unwrap();
        assert_eq!((info.width, info.height), (3, 2));
        assert_eq!(&out[..info.buffer_size()], &frame.to_rgb8()[..]);
        assert_eq!(frame.pixel(2, 1), Some(0x123456));
        assert_eq!(frame.pixel(3, 0), None);
    }
}
