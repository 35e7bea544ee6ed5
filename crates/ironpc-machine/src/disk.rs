//! Raw disk images behind the BIOS's INT 13h: floppies (`-fda`, `-fdb`, geometry from the
//! image size) and hard disks (`-hda`, `-hdb`, any multiple of 512 bytes, CHS through
//! LBA-assist translation).
//!
//! Write policy, decided when the image is opened:
//! * `-snapshot`: the file is opened read-only and guest writes land in an in-memory
//!   copy-on-write map of sectors, so the guest sees them and the file never changes;
//! * otherwise writes go to the file, which is opened read-write — unless the user did not
//!   allow writes (the file has no write permission bits, or cannot be opened for writing):
//!   then the disk is write-protected and guest writes fail (INT 13h status 03h).
//!
//! Every guest-chosen LBA and count is checked against the image: nothing here panics.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Bytes per sector.
pub const SECTOR: usize = 512;
const SECTOR_U64: u64 = SECTOR as u64;

/// Floppy or hard disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiskKind {
    /// A diskette drive (BIOS drive 00h/01h).
    Floppy,
    /// A fixed disk (BIOS drive 80h/81h).
    Hard,
}

/// A CHS geometry as INT 13h reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// Cylinders (at most 1024 for a hard disk: what INT 13h AH=08h can express).
    pub cylinders: u32,
    /// Heads.
    pub heads: u32,
    /// Sectors per track.
    pub sectors: u32,
}

impl Geometry {
    /// The LBA of a CHS address (sector numbers start at 1), if the address is inside
    /// this geometry.
    pub fn lba(&self, c: u32, h: u32, s: u32) -> Option<u64> {
        if s == 0 || s > self.sectors || h >= self.heads || c >= self.cylinders {
            return None;
        }
        Some(
            (u64::from(c) * u64::from(self.heads) + u64::from(h)) * u64::from(self.sectors)
                + u64::from(s - 1),
        )
    }
}

/// A standard floppy format: image size, geometry and the drive type of CMOS byte 0x10
/// and INT 13h AH=08h (1 = 360K, 2 = 1.2M, 3 = 720K, 4 = 1.44M, 5 = 2.88M).
struct FloppyFormat {
    bytes: u64,
    geometry: Geometry,
    drive_type: u8,
}

const fn fmt(kib: u64, cylinders: u32, heads: u32, sectors: u32, drive_type: u8) -> FloppyFormat {
    FloppyFormat {
        bytes: kib * 1024,
        geometry: Geometry {
            cylinders,
            heads,
            sectors,
        },
        drive_type,
    }
}

/// The floppy formats a raw image may have (the size picks one).
const FLOPPY_FORMATS: [FloppyFormat; 8] = [
    fmt(160, 40, 1, 8, 1),
    fmt(180, 40, 1, 9, 1),
    fmt(320, 40, 2, 8, 1),
    fmt(360, 40, 2, 9, 1),
    fmt(720, 80, 2, 9, 3),
    fmt(1200, 80, 2, 15, 2),
    fmt(1440, 80, 2, 18, 4),
    fmt(2880, 80, 2, 36, 5),
];

/// The LBA-assist translation of the BIOS Enhanced Disk Drive specification: 63 sectors per
/// track, the fewest heads (16, 32, 64, 128, 255) that keep the cylinders within 1024.
pub fn lba_assist_geometry(sectors: u64) -> Geometry {
    const SPT: u64 = 63;
    let heads = [16u64, 32, 64, 128]
        .into_iter()
        .find(|h| sectors <= 1024 * h * SPT)
        .unwrap_or(255);
    let cylinders = (sectors / (heads * SPT)).clamp(1, 1024);
    Geometry {
        cylinders: cylinders as u32,
        heads: heads as u32,
        sectors: SPT as u32,
    }
}

/// An image that cannot be used as a disk.
#[derive(Debug, thiserror::Error)]
pub enum DiskError {
    /// The file could not be opened or measured.
    #[error("cannot open disk image {path}: {err}")]
    Open {
        /// The image.
        path: PathBuf,
        /// Why.
        err: io::Error,
    },
    /// A directory was given.
    #[error("disk image {0} is a directory")]
    Directory(PathBuf),
    /// Zero bytes.
    #[error("disk image {0} is empty")]
    Empty(PathBuf),
    /// Not whole sectors.
    #[error("disk image {path} is {size} bytes: not a multiple of 512")]
    NotSectors {
        /// The image.
        path: PathBuf,
        /// Its size.
        size: u64,
    },
    /// Not one of the floppy formats.
    #[error(
        "floppy image {path} is {size} bytes: expected 160K, 180K, 320K, 360K, 720K, 1.2M, \
         1.44M or 2.88M (163840, 184320, 327680, 368640, 737280, 1228800, 1474560 or \
         2949120 bytes)"
    )]
    FloppySize {
        /// The image.
        path: PathBuf,
        /// Its size.
        size: u64,
    },
    /// `-boot` names a device that is not `a` or `c`.
    #[error("-boot {0}: expected a (floppy) or c (hard disk)")]
    BootDevice(String),
}

/// Why a guest access failed (each maps to an INT 13h status).
#[derive(Debug)]
pub enum AccessError {
    /// The sectors are not all inside the image.
    OutOfRange,
    /// The disk is write-protected.
    ReadOnly,
    /// The host file failed.
    Host(io::Error),
}

/// Where guest writes go.
#[derive(Debug)]
enum Writes {
    /// Nowhere: the disk is write-protected.
    Refused,
    /// To the file.
    File,
    /// To an in-memory map of sectors (`-snapshot`).
    Overlay(HashMap<u64, Box<[u8; SECTOR]>>),
}

/// One raw image.
#[derive(Debug)]
pub struct Disk {
    path: PathBuf,
    file: File,
    kind: DiskKind,
    sectors: u64,
    geometry: Geometry,
    drive_type: u8,
    writes: Writes,
}

impl Disk {
    /// Open an image as a floppy or hard disk; `snapshot` keeps writes in memory.
    pub fn open(path: &Path, kind: DiskKind, snapshot: bool) -> Result<Disk, DiskError> {
        let open_err = |err| DiskError::Open {
            path: path.to_path_buf(),
            err,
        };
        let meta = std::fs::metadata(path).map_err(open_err)?;
        if meta.is_dir() {
            return Err(DiskError::Directory(path.to_path_buf()));
        }
        let read_only = || File::open(path).map_err(open_err);
        let (mut file, writes) = if snapshot {
            (read_only()?, Writes::Overlay(HashMap::new()))
        } else if meta.permissions().readonly() {
            (read_only()?, Writes::Refused)
        } else {
            match OpenOptions::new().read(true).write(true).open(path) {
                Ok(f) => (f, Writes::File),
                Err(e)
                    if e.kind() == io::ErrorKind::PermissionDenied
                        || e.raw_os_error() == Some(30) =>
                {
                    // EROFS (30) or no write access: the user did not allow writes.
                    (read_only()?, Writes::Refused)
                }
                Err(e) => return Err(open_err(e)),
            }
        };
        // The size from the file itself, so that block devices work too.
        let size = file.seek(SeekFrom::End(0)).map_err(open_err)?;
        if size == 0 {
            return Err(DiskError::Empty(path.to_path_buf()));
        }
        let (geometry, drive_type) = match kind {
            DiskKind::Floppy => {
                let f = FLOPPY_FORMATS.iter().find(|f| f.bytes == size).ok_or(
                    DiskError::FloppySize {
                        path: path.to_path_buf(),
                        size,
                    },
                )?;
                (f.geometry, f.drive_type)
            }
            DiskKind::Hard => {
                if !size.is_multiple_of(SECTOR_U64) {
                    return Err(DiskError::NotSectors {
                        path: path.to_path_buf(),
                        size,
                    });
                }
                (lba_assist_geometry(size / SECTOR_U64), 0)
            }
        };
        Ok(Disk {
            path: path.to_path_buf(),
            file,
            kind,
            sectors: size / SECTOR_U64,
            geometry,
            drive_type,
            writes,
        })
    }

    /// The image file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Floppy or hard disk.
    pub fn kind(&self) -> DiskKind {
        self.kind
    }

    /// Size in sectors.
    pub fn sectors(&self) -> u64 {
        self.sectors
    }

    /// The CHS geometry INT 13h uses.
    pub fn geometry(&self) -> Geometry {
        self.geometry
    }

    /// Floppy drive type (CMOS 0x10, INT 13h AH=08h BL); 0 for a hard disk.
    pub fn drive_type(&self) -> u8 {
        self.drive_type
    }

    /// Whether guest writes fail.
    pub fn read_only(&self) -> bool {
        matches!(self.writes, Writes::Refused)
    }

    /// Whether guest writes stay in memory.
    pub fn snapshot(&self) -> bool {
        matches!(self.writes, Writes::Overlay(_))
    }

    /// Whether `count` sectors from `lba` are all inside the image.
    pub fn contains(&self, lba: u64, count: u64) -> bool {
        lba.checked_add(count)
            .is_some_and(|end| end <= self.sectors)
    }

    /// Read whole sectors from `lba` into `buf` (a multiple of 512 bytes long).
    pub fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), AccessError> {
        let count = (buf.len() / SECTOR) as u64;
        if !buf.len().is_multiple_of(SECTOR) || !self.contains(lba, count) {
            return Err(AccessError::OutOfRange);
        }
        self.file
            .seek(SeekFrom::Start(lba * SECTOR_U64))
            .and_then(|_| self.file.read_exact(buf))
            .map_err(AccessError::Host)?;
        if let Writes::Overlay(map) = &self.writes {
            if !map.is_empty() {
                for (i, chunk) in buf.chunks_exact_mut(SECTOR).enumerate() {
                    if let Some(s) = map.get(&(lba + i as u64)) {
                        chunk.copy_from_slice(&s[..]);
                    }
                }
            }
        }
        Ok(())
    }

    /// Write whole sectors from `data` (a multiple of 512 bytes long) at `lba`.
    pub fn write(&mut self, lba: u64, data: &[u8]) -> Result<(), AccessError> {
        let count = (data.len() / SECTOR) as u64;
        if !data.len().is_multiple_of(SECTOR) || !self.contains(lba, count) {
            return Err(AccessError::OutOfRange);
        }
        match &mut self.writes {
            Writes::Refused => Err(AccessError::ReadOnly),
            Writes::File => self
                .file
                .seek(SeekFrom::Start(lba * SECTOR_U64))
                .and_then(|_| self.file.write_all(data))
                .map_err(AccessError::Host),
            Writes::Overlay(map) => {
                for (i, chunk) in data.chunks_exact(SECTOR).enumerate() {
                    let mut s = Box::new([0u8; SECTOR]);
                    s.copy_from_slice(chunk);
                    map.insert(lba + i as u64, s);
                }
                Ok(())
            }
        }
    }

    /// Push file writes to the host disk.
    pub fn flush(&mut self) {
        if matches!(self.writes, Writes::File) {
            let _ = self.file.flush();
        }
    }
}

/// The boot device of `-boot`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BootDevice {
    /// `a`: the first floppy drive.
    Floppy,
    /// `c`: the first hard disk.
    #[default]
    HardDisk,
}

impl BootDevice {
    /// Parse `a` or `c` (QEMU's spelling; `d`, the CD-ROM, does not exist here).
    pub fn parse(s: &str) -> Result<BootDevice, DiskError> {
        match s {
            "a" => Ok(BootDevice::Floppy),
            "c" => Ok(BootDevice::HardDisk),
            _ => Err(DiskError::BootDevice(s.to_string())),
        }
    }
}

/// Which images to attach, from the command line.
#[derive(Clone, Debug, Default)]
pub struct DiskConfig {
    /// Floppy drive A: and B: images.
    pub floppy: [Option<PathBuf>; 2],
    /// First and second hard disk images.
    pub hard: [Option<PathBuf>; 2],
    /// The boot device; `None`: A: when a floppy A: is given, else C:.
    pub boot: Option<BootDevice>,
    /// Keep guest writes in memory.
    pub snapshot: bool,
}

/// The attached disks, addressed by BIOS drive number.
#[derive(Debug, Default)]
pub struct Disks {
    /// Drives A: (00h) and B: (01h).
    pub floppy: [Option<Disk>; 2],
    /// Hard disks in BIOS order: the first present image is 80h, the next 81h.
    pub hard: Vec<Disk>,
    /// The device tried first by INT 19h.
    pub boot: BootDevice,
}

impl Disks {
    /// Open every image of `cfg`.
    pub fn open(cfg: &DiskConfig) -> Result<Disks, DiskError> {
        let mut d = Disks::default();
        for (slot, path) in d.floppy.iter_mut().zip(&cfg.floppy) {
            if let Some(p) = path {
                *slot = Some(Disk::open(p, DiskKind::Floppy, cfg.snapshot)?);
            }
        }
        for p in cfg.hard.iter().flatten() {
            d.hard.push(Disk::open(p, DiskKind::Hard, cfg.snapshot)?);
        }
        d.boot = cfg.boot.unwrap_or(if cfg.floppy[0].is_some() {
            BootDevice::Floppy
        } else {
            BootDevice::HardDisk
        });
        Ok(d)
    }

    /// The disk behind BIOS drive number `dl`.
    pub fn get(&mut self, dl: u8) -> Option<&mut Disk> {
        match dl {
            0 | 1 => self.floppy[usize::from(dl)].as_mut(),
            0x80.. => self.hard.get_mut(usize::from(dl - 0x80)),
            _ => None,
        }
    }

    /// Number of floppy drives present (the BIOS counts drive B: only with drive A:).
    pub fn floppy_count(&self) -> u8 {
        self.floppy.iter().filter(|d| d.is_some()).count() as u8
    }

    /// Every attached disk.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Disk> {
        self.floppy.iter_mut().flatten().chain(self.hard.iter_mut())
    }

    /// Push file writes to the host disk.
    pub fn flush(&mut self) {
        self.iter_mut().for_each(Disk::flush);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, bytes: &[u8]) -> PathBuf {
        let p = std::env::temp_dir().join(format!("ironpc-disk-{}-{name}", std::process::id()));
        std::fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn floppy_geometry_from_size() {
        let p = temp("fd144", &vec![0u8; 1_474_560]);
        let d = Disk::open(&p, DiskKind::Floppy, false).unwrap();
        assert_eq!(
            d.geometry(),
            Geometry {
                cylinders: 80,
                heads: 2,
                sectors: 18
            }
        );
        assert_eq!(d.drive_type(), 4);
        assert_eq!(d.sectors(), 2880);
        let _ = std::fs::remove_file(&p);
    }

    #[test]
    fn bad_images_are_refused() {
        let empty = temp("empty", &[]);
        assert!(matches!(
            Disk::open(&empty, DiskKind::Hard, false),
            Err(DiskError::Empty(_))
        ));
        let odd = temp("odd", &[0u8; 1000]);
        assert!(matches!(
            Disk::open(&odd, DiskKind::Hard, false),
            Err(DiskError::NotSectors { size: 1000, .. })
        ));
        assert!(matches!(
            Disk::open(&odd, DiskKind::Floppy, false),
            Err(DiskError::FloppySize { .. })
        ));
        let missing = std::env::temp_dir().join("ironpc-no-such-image.img");
        let e = Disk::open(&missing, DiskKind::Hard, false).unwrap_err();
        assert!(e.to_string().starts_with("cannot open disk image"), "{e}");
        let _ = std::fs::remove_file(&empty);
        let _ = std::fs::remove_file(&odd);
    }

    #[test]
    fn lba_assist() {
        let g = lba_assist_geometry(2048);
        assert_eq!((g.cylinders, g.heads, g.sectors), (2, 16, 63));
        let g = lba_assist_geometry(8 << 21); // 8 GiB
        assert_eq!((g.heads, g.sectors), (255, 63));
        assert_eq!(g.cylinders, 1024);
        assert_eq!(lba_assist_geometry(1).cylinders, 1);
        assert_eq!(g.lba(0, 0, 1), Some(0));
        assert_eq!(g.lba(1, 2, 3), Some((255 + 2) * 63 + 2));
        assert_eq!(g.lba(0, 0, 0), None);
        assert_eq!(g.lba(1024, 0, 1), None);
    }

    #[test]
    fn snapshot_writes_stay_in_memory_and_bounds_hold() {
        let mut img = vec![0u8; 4 * SECTOR];
        img[SECTOR] = 0xAB;
        let p = temp("snap", &img);
        let mut d = Disk::open(&p, DiskKind::Hard, true).unwrap();
        let mut buf = [0u8; SECTOR];
        d.read(1, &mut buf).unwrap();
        assert_eq!(buf[0], 0xAB);
        d.write(1, &[0x5A; SECTOR]).unwrap();
        d.read(1, &mut buf).unwrap();
        assert_eq!(buf[0], 0x5A);
        assert_eq!(std::fs::read(&p).unwrap(), img, "the file is unchanged");
        assert!(matches!(d.read(4, &mut buf), Err(AccessError::OutOfRange)));
        assert!(matches!(
            d.read(u64::MAX, &mut buf),
            Err(AccessError::OutOfRange)
        ));
        let mut two = [0u8; 2 * SECTOR];
        assert!(matches!(d.read(3, &mut two), Err(AccessError::OutOfRange)));
        let _ = std::fs::remove_file(&p);
    }
}
