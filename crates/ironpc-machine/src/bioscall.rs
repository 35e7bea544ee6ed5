//! The host half of the built-in BIOS's services that need the host (disk I/O, the INT 15h
//! AH=87h block move, messages for the user).
//!
//! The protocol, private to our BIOS (`roms/bios/hostcall.asm`):
//! 1. the BIOS service entry, with the caller's IRET frame on the stack, pushes ES, DS, the
//!    eight 32-bit registers (PUSHAD), a reserved word and a function number, so that the
//!    stack holds a [`Frame`] at SS:SP;
//! 2. it writes the frame's physical address (SS * 16 + SP) with a 32-bit `OUT` to
//!    [`PORT_BIOSCALL`] (0x5A0);
//! 3. the CPU stops after the `OUT` (the board's `wants_stop`), the board calls [`service`],
//!    which reads the frame from guest RAM, does the work (disk sectors go straight to guest
//!    RAM) and writes back the registers and the caller's FLAGS (CF, ZF) into the frame;
//! 4. the BIOS pops the registers and IRETs to the caller.
//!
//! Reading the port returns [`SIGNATURE`], so a BIOS can tell that the host side exists.
//! Everything the guest chooses (addresses, counts, LBAs) is checked; nothing panics.

use ironpc_cpu::{CpuBus, PageMap};
use ironpc_devices::cmos::CMOS_EQUIPMENT;
use ironpc_devices::{Cmos, DevCtx, PortDevice, Size};

use crate::disk::{AccessError, BootDevice, Disk, DiskKind, Disks, SECTOR};
use crate::memory::{MemMap, VGA_END, VGA_START};

/// The built-in BIOS (`roms/bios/*.asm`, assembled into the checked-in `roms/bios.bin`).
pub static BUILTIN_BIOS: &[u8] = include_bytes!("../../../roms/bios.bin");

/// The trap port (a 32-bit register at 0x5A0..0x5A3).
pub const PORT_BIOSCALL: u16 = 0x5A0;
/// What reading the trap port returns: "IPCB".
pub const SIGNATURE: u32 = u32::from_le_bytes(*b"IPCB");

/// Function numbers of the frame.
pub mod func {
    /// Print the ASCIZ string at DS:SI on the host's standard error.
    pub const LOG: u16 = 0x0001;
    /// INT 13h, the disk services, for the drive in DL.
    pub const INT13: u16 = 0x0013;
    /// INT 15h AH=87h, copy CX words between the descriptors of the GDT at ES:SI.
    pub const MOVE_BLOCK: u16 = 0x1587;
}

/// Segment and offset of the diskette parameter table in the BIOS (the IBM PC/AT address,
/// also the INT 1Eh vector), returned by INT 13h AH=08h and AH=18h.
pub const DISKETTE_PARAM_TABLE: (u16, u16) = (0xF000, 0xEFC7);

/// BIOS data area: status of the last diskette and fixed-disk operation.
const BDA_FLOPPY_STATUS: u32 = 0x441;
const BDA_DISK_STATUS: u32 = 0x474;

/// INT 13h status codes (Ralf Brown's Interrupt List, table 00234).
mod st {
    pub const OK: u8 = 0x00;
    pub const BAD_COMMAND: u8 = 0x01;
    pub const WRITE_PROTECTED: u8 = 0x03;
    pub const NOT_FOUND: u8 = 0x04;
    pub const CONTROLLER: u8 = 0x20;
}

/// Guest physical memory as the host side sees it. Implementations drop writes to ROM,
/// send the VGA window to the VGA, and fail (return `false`) where nothing is mapped.
pub trait GuestMem {
    /// Read `buf.len()` bytes at physical `addr`.
    fn read(&mut self, addr: u32, buf: &mut [u8]) -> bool;
    /// Write `data` at physical `addr`.
    fn write(&mut self, addr: u32, data: &[u8]) -> bool;
}

/// CMOS byte of the boot order (Bochs/QEMU convention): low nibble the first device, high
/// nibble the second; 1 = floppy A:, 2 = hard disk C:.
pub const CMOS_BOOT_ORDER: u8 = 0x3D;
/// CMOS bytes of the extended types of fixed disks 0 and 1 (when their nibble of 12h is Fh).
const CMOS_DISKS_EXT0: u8 = 0x19;

/// Describe the drives to the BIOS in the standard CMOS bytes: diskette types (10h), fixed
/// disk types (12h, 19h/1Ah = 47, "user defined"), the equipment byte's diskette bits (14h),
/// and the boot order (3Dh).
pub fn describe_disks(cmos: &mut Cmos, disks: &Disks) {
    let ty = |d: &Option<Disk>| d.as_ref().map_or(0, Disk::drive_type);
    cmos.set_floppy_types(ty(&disks.floppy[0]), ty(&disks.floppy[1]));
    let n = disks.floppy_count();
    let equip = cmos.byte(CMOS_EQUIPMENT) & !0xC1;
    let equip = if n > 0 {
        equip | 0x01 | (n - 1) << 6
    } else {
        equip
    };
    cmos.set_equipment(equip);
    let present = |i: usize| if disks.hard.len() > i { 0xF } else { 0 };
    cmos.set_disk_types(present(0), present(1));
    cmos.set_byte(CMOS_DISKS_EXT0, if present(0) != 0 { 47 } else { 0 });
    cmos.set_byte(CMOS_DISKS_EXT0 + 1, if present(1) != 0 { 47 } else { 0 });
    let order = match disks.boot {
        BootDevice::Floppy => 0x21,
        BootDevice::HardDisk => 0x12,
    };
    cmos.set_byte(CMOS_BOOT_ORDER, order);
}

/// Guest memory of the board for [`service`]: RAM pages straight, ROM pages read-only
/// (writes dropped), the VGA window through the bus, nothing elsewhere. Remembers which
/// RAM it wrote, for the CPU's decoded-code invalidation.
pub struct BoardMem<'a> {
    ram: &'a mut [u8],
    map: MemMap,
    bus: &'a mut dyn CpuBus,
    written: Vec<(u32, u32)>,
}

impl<'a> BoardMem<'a> {
    /// Memory of `ram`, laid out by `map`, with `bus` for what is not RAM.
    pub fn new(ram: &'a mut [u8], map: MemMap, bus: &'a mut dyn CpuBus) -> Self {
        BoardMem {
            ram,
            map,
            bus,
            written: Vec::new(),
        }
    }

    /// The RAM ranges (start, length) written so far.
    pub fn written(&self) -> &[(u32, u32)] {
        &self.written
    }

    /// The RAM ranges (start, length) written, taken.
    pub fn into_written(self) -> Vec<(u32, u32)> {
        self.written
    }

    /// Visit `len` bytes from `addr` page by page: `f(paddr, how, offset_in_buffer, n)`.
    fn pages(
        &mut self,
        addr: u32,
        len: usize,
        mut f: impl FnMut(&mut Self, u32, PageMap, usize, usize) -> bool,
    ) -> bool {
        let Ok(len32) = u32::try_from(len) else {
            return false;
        };
        if addr.checked_add(len32).is_none() && len32 != 0 {
            return false;
        }
        let mut done = 0usize;
        while done < len {
            let a = addr + done as u32;
            let n = ((0x1000 - (a & 0xFFF)) as usize).min(len - done);
            let how = self.map.map(a & !0xFFF);
            if !f(self, a, how, done, n) {
                return false;
            }
            done += n;
        }
        true
    }
}

impl GuestMem for BoardMem<'_> {
    fn read(&mut self, addr: u32, buf: &mut [u8]) -> bool {
        self.pages(addr, buf.len(), |m, a, how, at, n| match how {
            PageMap::Ram { offset, .. } => {
                let o = (offset + (a & 0xFFF)) as usize;
                match m.ram.get(o..o + n) {
                    Some(s) => {
                        buf[at..at + n].copy_from_slice(s);
                        true
                    }
                    None => false,
                }
            }
            PageMap::Io if (VGA_START..VGA_END).contains(&a) => {
                for (i, b) in buf[at..at + n].iter_mut().enumerate() {
                    *b = m.bus.mem_read(a + i as u32, 1) as u8;
                }
                true
            }
            PageMap::Io => false,
        })
    }

    fn write(&mut self, addr: u32, data: &[u8]) -> bool {
        self.pages(addr, data.len(), |m, a, how, at, n| match how {
            PageMap::Ram {
                offset,
                writable: true,
            } => {
                let o = (offset + (a & 0xFFF)) as usize;
                match m.ram.get_mut(o..o + n) {
                    Some(s) => {
                        s.copy_from_slice(&data[at..at + n]);
                        m.written.push((a, n as u32));
                        true
                    }
                    None => false,
                }
            }
            // The BIOS ROM: a write does nothing, as on the bus.
            PageMap::Ram { .. } => true,
            PageMap::Io if (VGA_START..VGA_END).contains(&a) => {
                for (i, b) in data[at..at + n].iter().enumerate() {
                    m.bus.mem_write(a + i as u32, 1, u32::from(*b));
                }
                true
            }
            PageMap::Io => false,
        })
    }
}

/// The trap port: idle, or holding the address of a frame to serve.
#[derive(Clone, Debug, Default)]
pub struct BiosCall {
    pending: Option<u32>,
    /// Calls served so far.
    pub calls: u64,
}

impl BiosCall {
    /// A trap port with nothing pending.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a call waits to be served.
    pub fn pending(&self) -> bool {
        self.pending.is_some()
    }

    /// The frame address of the waiting call, if any; the port is idle afterwards.
    pub fn take(&mut self) -> Option<u32> {
        let p = self.pending.take();
        if p.is_some() {
            self.calls += 1;
        }
        p
    }
}

impl PortDevice for BiosCall {
    fn read(&mut self, port: u16, size: Size, _cx: &mut DevCtx) -> u32 {
        let shift = 8 * u32::from(port.wrapping_sub(PORT_BIOSCALL) & 3);
        let v = SIGNATURE >> shift;
        match size {
            1 => v & 0xFF,
            2 => v & 0xFFFF,
            _ => v,
        }
    }

    fn write(&mut self, port: u16, size: Size, value: u32, _cx: &mut DevCtx) {
        // Only the documented access starts a call: a dword written to the base port.
        if port == PORT_BIOSCALL && size == 4 {
            self.pending = Some(value);
        }
    }
}

/// Byte offsets in the frame.
const F_FUNC: u32 = 0;
const F_EDI: u32 = 4;
const F_ESI: u32 = 8;
const F_EBP: u32 = 12;
const F_EBX: u32 = 20;
const F_EDX: u32 = 24;
const F_ECX: u32 = 28;
const F_EAX: u32 = 32;
const F_DS: u32 = 36;
const F_ES: u32 = 38;
const F_FLAGS: u32 = 44;
/// Bytes of the frame, up to and including the caller's FLAGS.
pub const FRAME_LEN: usize = 46;

const CF: u16 = 0x0001;
const ZF: u16 = 0x0040;

/// The guest registers of a call, as the BIOS pushed them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    /// Function number ([`func`]).
    pub func: u16,
    pub eax: u32,
    pub ebx: u32,
    pub ecx: u32,
    pub edx: u32,
    pub esi: u32,
    pub edi: u32,
    pub ebp: u32,
    pub ds: u16,
    pub es: u16,
    /// The caller's FLAGS (returned through its IRET frame).
    pub flags: u16,
}

fn le16(b: &[u8], at: u32) -> u16 {
    let i = at as usize;
    u16::from_le_bytes([b[i], b[i + 1]])
}

fn le32(b: &[u8], at: u32) -> u32 {
    let i = at as usize;
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

fn put16(b: &mut [u8], at: u32, v: u16) {
    let i = at as usize;
    b[i..i + 2].copy_from_slice(&v.to_le_bytes());
}

fn put32(b: &mut [u8], at: u32, v: u32) {
    let i = at as usize;
    b[i..i + 4].copy_from_slice(&v.to_le_bytes());
}

impl Frame {
    /// Decode a frame from its bytes.
    pub fn from_bytes(b: &[u8; FRAME_LEN]) -> Frame {
        Frame {
            func: le16(b, F_FUNC),
            edi: le32(b, F_EDI),
            esi: le32(b, F_ESI),
            ebp: le32(b, F_EBP),
            ebx: le32(b, F_EBX),
            edx: le32(b, F_EDX),
            ecx: le32(b, F_ECX),
            eax: le32(b, F_EAX),
            ds: le16(b, F_DS),
            es: le16(b, F_ES),
            flags: le16(b, F_FLAGS),
        }
    }

    /// Encode the registers back into the frame's bytes (the saved ESP, the reserved word
    /// and the caller's CS:IP are left as they were).
    pub fn to_bytes(&self, b: &mut [u8; FRAME_LEN]) {
        put16(b, F_FUNC, self.func);
        put32(b, F_EDI, self.edi);
        put32(b, F_ESI, self.esi);
        put32(b, F_EBP, self.ebp);
        put32(b, F_EBX, self.ebx);
        put32(b, F_EDX, self.edx);
        put32(b, F_ECX, self.ecx);
        put32(b, F_EAX, self.eax);
        put16(b, F_DS, self.ds);
        put16(b, F_ES, self.es);
        put16(b, F_FLAGS, self.flags);
    }

    fn ah(&self) -> u8 {
        (self.eax >> 8) as u8
    }
    fn al(&self) -> u8 {
        self.eax as u8
    }
    fn set_ah(&mut self, v: u8) {
        self.eax = (self.eax & !0xFF00) | u32::from(v) << 8;
    }
    fn set_al(&mut self, v: u8) {
        self.eax = (self.eax & !0xFF) | u32::from(v);
    }
    fn bx(&self) -> u16 {
        self.ebx as u16
    }
    fn set_bx(&mut self, v: u16) {
        self.ebx = (self.ebx & !0xFFFF) | u32::from(v);
    }
    fn set_bl(&mut self, v: u8) {
        self.ebx = (self.ebx & !0xFF) | u32::from(v);
    }
    fn cx(&self) -> u16 {
        self.ecx as u16
    }
    fn set_cx(&mut self, v: u16) {
        self.ecx = (self.ecx & !0xFFFF) | u32::from(v);
    }
    fn dh(&self) -> u8 {
        (self.edx >> 8) as u8
    }
    fn dl(&self) -> u8 {
        self.edx as u8
    }
    fn set_dx(&mut self, v: u16) {
        self.edx = (self.edx & !0xFFFF) | u32::from(v);
    }
    fn set_di(&mut self, v: u16) {
        self.edi = (self.edi & !0xFFFF) | u32::from(v);
    }
    fn set_cf(&mut self, on: bool) {
        self.flags = if on {
            self.flags | CF
        } else {
            self.flags & !CF
        };
    }
    fn set_zf(&mut self, on: bool) {
        self.flags = if on {
            self.flags | ZF
        } else {
            self.flags & !ZF
        };
    }
    /// A real-mode `seg:off` as a physical address.
    fn phys(seg: u16, off: u16) -> u32 {
        (u32::from(seg) << 4) + u32::from(off)
    }
}

/// What a served call asks of the board besides the RAM it already wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Served {
    /// Nothing more.
    Done,
    /// Show this message to the user (standard error).
    Log(String),
    /// The frame was not readable: nothing was done.
    BadFrame,
}

/// Serve the call whose frame is at physical `addr`.
pub fn service(addr: u32, mem: &mut dyn GuestMem, disks: &mut Disks) -> Served {
    let mut raw = [0u8; FRAME_LEN];
    if !mem.read(addr, &mut raw) {
        return Served::BadFrame;
    }
    let mut f = Frame::from_bytes(&raw);
    let served = match f.func {
        func::LOG => Served::Log(read_asciz(mem, Frame::phys(f.ds, f.esi as u16), 256)),
        func::INT13 => {
            int13(&mut f, mem, disks);
            Served::Done
        }
        func::MOVE_BLOCK => {
            move_block(&mut f, mem);
            Served::Done
        }
        _ => {
            f.set_ah(0x86);
            f.set_cf(true);
            Served::Done
        }
    };
    f.to_bytes(&mut raw);
    mem.write(addr, &raw);
    served
}

/// A NUL-terminated string from guest memory (at most `max` bytes, lossy UTF-8, control
/// characters other than tab dropped).
fn read_asciz(mem: &mut dyn GuestMem, addr: u32, max: u32) -> String {
    let mut s = Vec::new();
    for i in 0..max {
        let mut b = [0u8];
        if !mem.read(addr.wrapping_add(i), &mut b) || b[0] == 0 {
            break;
        }
        if b[0] >= 0x20 || b[0] == b'\t' {
            s.push(b[0]);
        }
    }
    String::from_utf8_lossy(&s).into_owned()
}

/// A transfer direction of INT 13h.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Read,
    Write,
    Verify,
}

/// Move `count` sectors between the disk at `lba` and guest memory at `addr`. Returns the
/// sectors done and the status.
fn transfer(
    disk: &mut Disk,
    op: Op,
    lba: u64,
    count: u32,
    addr: u32,
    mem: &mut dyn GuestMem,
) -> (u32, u8) {
    /// Sectors moved per step (bounds the host buffer).
    const CHUNK: u32 = 128;
    let mut done = 0u32;
    let mut buf = Vec::new();
    while done < count {
        let n = (count - done).min(CHUNK);
        let at = lba + u64::from(done);
        if !disk.contains(at, u64::from(n)) {
            // Move what is inside the image, then report "sector not found".
            let room = disk.sectors().saturating_sub(at).min(u64::from(n)) as u32;
            if room == 0 {
                return (done, st::NOT_FOUND);
            }
            let (more, status) = transfer(disk, op, at, room, guest_at(addr, done), mem);
            return (
                done + more,
                if status == st::OK {
                    st::NOT_FOUND
                } else {
                    status
                },
            );
        }
        let dst = guest_at(addr, done);
        buf.resize(n as usize * SECTOR, 0);
        let r = match op {
            Op::Verify => Ok(()),
            Op::Read => disk.read(at, &mut buf).and_then(|()| {
                if mem.write(dst, &buf) {
                    Ok(())
                } else {
                    Err(AccessError::OutOfRange)
                }
            }),
            Op::Write => {
                if mem.read(dst, &mut buf) {
                    disk.write(at, &buf)
                } else {
                    Err(AccessError::OutOfRange)
                }
            }
        };
        match r {
            Ok(()) => done += n,
            Err(AccessError::OutOfRange) => return (done, st::BAD_COMMAND),
            Err(AccessError::ReadOnly) => return (done, st::WRITE_PROTECTED),
            Err(AccessError::Host(_)) => return (done, st::CONTROLLER),
        }
    }
    (done, st::OK)
}

/// The guest address `sectors` sectors after `addr` (wrapping like the address bus).
fn guest_at(addr: u32, sectors: u32) -> u32 {
    addr.wrapping_add(sectors.wrapping_mul(SECTOR as u32))
}

/// INT 13h for the drive in DL. Sets AH (status), CF and the function's outputs, and the
/// BIOS data area's last-status byte.
fn int13(f: &mut Frame, mem: &mut dyn GuestMem, disks: &mut Disks) {
    let dl = f.dl();
    let floppy = dl < 0x80;
    let status_at = if floppy {
        BDA_FLOPPY_STATUS
    } else {
        BDA_DISK_STATUS
    };
    let ah = f.ah();
    if ah == 0x01 {
        // Get status of last operation.
        let mut last = [0u8];
        mem.read(status_at, &mut last);
        f.set_ah(last[0]);
        f.set_cf(last[0] != 0);
        return;
    }
    let floppy_count = disks.floppy_count();
    let disk_count = disks.hard.len() as u8;
    let Some(disk) = disks.get(dl) else {
        if ah == 0x15 {
            // Get disk type: "no such drive" is an answer, not an error.
            f.set_ah(0);
            f.set_cf(false);
        } else {
            finish(f, mem, status_at, st::BAD_COMMAND);
        }
        return;
    };
    let status = match ah {
        0x00 | 0x0D | 0x10 | 0x11 | 0x14 => st::OK,
        0x0C if !floppy => st::OK,
        0x02..=0x04 => {
            let count = u32::from(f.al());
            let c = u32::from(f.cx() >> 8) | (u32::from(f.cx() & 0xC0) << 2);
            let s = u32::from(f.cx() & 0x3F);
            let h = u32::from(f.dh());
            match disk.geometry().lba(c, h, s) {
                _ if count == 0 => {
                    f.set_al(0);
                    st::BAD_COMMAND
                }
                None => {
                    f.set_al(0);
                    st::NOT_FOUND
                }
                Some(lba) => {
                    let op = [Op::Read, Op::Write, Op::Verify][usize::from(ah - 2)];
                    let addr = Frame::phys(f.es, f.bx());
                    let (done, status) = transfer(disk, op, lba, count, addr, mem);
                    f.set_al(done as u8);
                    status
                }
            }
        }
        0x05 if floppy => format_track(f, disk),
        0x08 => {
            let g = disk.geometry();
            let maxc = g.cylinders.saturating_sub(1).min(1023);
            f.set_cx((((maxc & 0xFF) << 8) | ((maxc >> 8) << 6) | (g.sectors & 0x3F)) as u16);
            if floppy {
                f.set_dx(((g.heads - 1) << 8) as u16 | u16::from(floppy_count));
                f.set_bl(disk.drive_type());
                f.set_al(0);
                (f.es, f.edi) = (DISKETTE_PARAM_TABLE.0, u32::from(DISKETTE_PARAM_TABLE.1));
            } else {
                f.set_dx((((g.heads - 1) & 0xFF) << 8) as u16 | u16::from(disk_count));
                f.set_al(0);
            }
            st::OK
        }
        0x15 => {
            f.set_cf(false);
            if floppy {
                f.set_ah(0x01); // diskette, no change-line support
            } else {
                let n = disk.sectors().min(u64::from(u32::MAX)) as u32;
                f.set_cx((n >> 16) as u16);
                f.set_dx(n as u16);
                f.set_ah(0x03); // fixed disk
            }
            mem.write(status_at, &[0]);
            return;
        }
        0x16 | 0x17 if floppy => st::OK,
        0x18 if floppy => {
            f.es = DISKETTE_PARAM_TABLE.0;
            f.set_di(DISKETTE_PARAM_TABLE.1);
            st::OK
        }
        0x41 if !floppy && f.bx() == 0x55AA => {
            f.set_bx(0xAA55);
            f.set_cx(0x0001); // extended disk access: AH=42h-44h, 47h, 48h
            f.set_cf(false);
            f.set_ah(0x21); // EDD 1.1
            mem.write(status_at, &[0]);
            return;
        }
        0x42..=0x44 | 0x47 if !floppy => extended_transfer(f, disk, mem),
        0x48 if !floppy => extended_params(f, disk, mem),
        _ => st::BAD_COMMAND,
    };
    finish(f, mem, status_at, status);
}

/// Return `status` in AH and CF and remember it in the BIOS data area.
fn finish(f: &mut Frame, mem: &mut dyn GuestMem, status_at: u32, status: u8) {
    f.set_ah(status);
    f.set_cf(status != st::OK);
    mem.write(status_at, &[status]);
}

/// AH=05h on a diskette: fill the track CH/DH with the format filler byte F6h.
fn format_track(f: &mut Frame, disk: &mut Disk) -> u8 {
    let g = disk.geometry();
    let Some(lba) = g.lba(u32::from(f.cx() >> 8), u32::from(f.dh()), 1) else {
        return st::NOT_FOUND;
    };
    let fill = vec![0xF6u8; g.sectors as usize * SECTOR];
    match disk.write(lba, &fill) {
        Ok(()) => st::OK,
        Err(AccessError::ReadOnly) => st::WRITE_PROTECTED,
        Err(AccessError::OutOfRange) => st::NOT_FOUND,
        Err(AccessError::Host(_)) => st::CONTROLLER,
    }
}

/// AH=42h/43h/44h/47h: the disk address packet at DS:SI.
fn extended_transfer(f: &mut Frame, disk: &mut Disk, mem: &mut dyn GuestMem) -> u8 {
    let dap_at = Frame::phys(f.ds, f.esi as u16);
    let mut dap = [0u8; 0x18];
    if !mem.read(dap_at, &mut dap[..0x10]) || dap[0] < 0x10 {
        return st::BAD_COMMAND;
    }
    let count = u32::from(u16::from_le_bytes([dap[2], dap[3]]));
    let (off, seg) = (
        u16::from_le_bytes([dap[4], dap[5]]),
        u16::from_le_bytes([dap[6], dap[7]]),
    );
    let lba = u64::from_le_bytes([
        dap[8], dap[9], dap[10], dap[11], dap[12], dap[13], dap[14], dap[15],
    ]);
    let mut addr = Frame::phys(seg, off);
    if (seg, off) == (0xFFFF, 0xFFFF) && dap[0] >= 0x18 {
        // EDD 3.0: a 64-bit flat buffer address follows.
        if !mem.read(dap_at + 0x10, &mut dap[0x10..0x18]) {
            return st::BAD_COMMAND;
        }
        let flat = u64::from_le_bytes([
            dap[16], dap[17], dap[18], dap[19], dap[20], dap[21], dap[22], dap[23],
        ]);
        match u32::try_from(flat) {
            Ok(a) => addr = a,
            Err(_) => return st::BAD_COMMAND,
        }
    }
    let op = match f.ah() {
        0x42 => Op::Read,
        0x43 => Op::Write,
        // Verify and seek only check the range.
        _ => Op::Verify,
    };
    if f.ah() == 0x47 {
        return if disk.contains(lba, 1) {
            st::OK
        } else {
            st::NOT_FOUND
        };
    }
    let (done, status) = transfer(disk, op, lba, count, addr, mem);
    mem.write(dap_at + 2, &(done as u16).to_le_bytes());
    status
}

/// AH=48h: the drive parameters at DS:SI (EDD 1.1 layout, plus the EDD 3.0 DPTE pointer,
/// "not available", when the buffer has room for it).
fn extended_params(f: &mut Frame, disk: &mut Disk, mem: &mut dyn GuestMem) -> u8 {
    /// Largest CHS the structure reports as valid (16383 cylinders of 16 heads x 63).
    const CHS_LIMIT: u64 = 16383 * 16 * 63;
    let at = Frame::phys(f.ds, f.esi as u16);
    let mut size = [0u8; 2];
    if !mem.read(at, &mut size) {
        return st::BAD_COMMAND;
    }
    let size = u16::from_le_bytes(size);
    if size < 0x1A {
        return st::BAD_COMMAND;
    }
    let len: u16 = if size >= 0x1E { 0x1E } else { 0x1A };
    let total = disk.sectors();
    let g = disk.geometry();
    let (flags, c, h, s) = if disk.kind() == DiskKind::Hard && total > CHS_LIMIT {
        (0u16, 16383u32, 16u32, 63u32)
    } else {
        let cyl = total / (u64::from(g.heads) * u64::from(g.sectors));
        (0x0002, cyl.max(1) as u32, g.heads, g.sectors)
    };
    let flags = if disk.kind() == DiskKind::Floppy {
        flags | 0x0004
    } else {
        flags
    };
    let mut b = [0u8; 0x1E];
    b[0..2].copy_from_slice(&len.to_le_bytes());
    b[2..4].copy_from_slice(&flags.to_le_bytes());
    b[4..8].copy_from_slice(&c.to_le_bytes());
    b[8..12].copy_from_slice(&h.to_le_bytes());
    b[12..16].copy_from_slice(&s.to_le_bytes());
    b[16..24].copy_from_slice(&total.to_le_bytes());
    b[24..26].copy_from_slice(&(SECTOR as u16).to_le_bytes());
    b[26..30].copy_from_slice(&u32::MAX.to_le_bytes());
    if mem.write(at, &b[..usize::from(len)]) {
        st::OK
    } else {
        st::BAD_COMMAND
    }
}

/// INT 15h AH=87h: copy CX words from the source descriptor (GDT+10h) to the destination
/// descriptor (GDT+18h) of the table at ES:SI.
fn move_block(f: &mut Frame, mem: &mut dyn GuestMem) {
    let gdt = Frame::phys(f.es, f.esi as u16);
    let mut d = [0u8; 16];
    let bytes = u32::from(f.cx()) * 2;
    let ok = f.cx() <= 0x8000 && mem.read(gdt + 0x10, &mut d) && {
        let base = |x: &[u8]| u32::from_le_bytes([x[2], x[3], x[4], x[7]]);
        let (src, dst) = (base(&d[0..8]), base(&d[8..16]));
        let mut buf = vec![0u8; bytes as usize];
        mem.read(src, &mut buf) && mem.write(dst, &buf)
    };
    f.set_ah(if ok { 0 } else { 0x02 });
    f.set_cf(!ok);
    f.set_zf(ok);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disk::DiskConfig;

    /// Flat RAM of 2 MiB.
    struct Ram(Vec<u8>);

    impl GuestMem for Ram {
        fn read(&mut self, addr: u32, buf: &mut [u8]) -> bool {
            let a = addr as usize;
            match self.0.get(a..a + buf.len()) {
                Some(s) => {
                    buf.copy_from_slice(s);
                    true
                }
                None => false,
            }
        }
        fn write(&mut self, addr: u32, data: &[u8]) -> bool {
            let a = addr as usize;
            match self.0.get_mut(a..a + data.len()) {
                Some(s) => {
                    s.copy_from_slice(data);
                    true
                }
                None => false,
            }
        }
    }

    const FRAME_AT: u32 = 0x7000;

    fn call(ram: &mut Ram, disks: &mut Disks, f: Frame) -> Frame {
        let mut raw = [0u8; FRAME_LEN];
        f.to_bytes(&mut raw);
        ram.write(FRAME_AT, &raw);
        assert_eq!(service(FRAME_AT, ram, disks), Served::Done);
        ram.read(FRAME_AT, &mut raw);
        Frame::from_bytes(&raw)
    }

    fn hd_image(name: &str, sectors: usize) -> std::path::PathBuf {
        let mut img = vec![0u8; sectors * SECTOR];
        for (i, s) in img.chunks_exact_mut(SECTOR).enumerate() {
            s[..8].copy_from_slice(&(i as u64).to_le_bytes());
        }
        let p = std::env::temp_dir().join(format!("ironpc-bc-{}-{name}", std::process::id()));
        std::fs::write(&p, img).unwrap();
        p
    }

    fn disks_with(path: &std::path::Path) -> Disks {
        Disks::open(&DiskConfig {
            hard: [Some(path.to_path_buf()), None],
            snapshot: true,
            ..DiskConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn chs_read_and_bounds() {
        let p = hd_image("chs", 2048);
        let mut disks = disks_with(&p);
        let mut ram = Ram(vec![0; 2 << 20]);
        // Read 2 sectors from C/H/S 0/1/1 (LBA 63) to 1000:0000.
        let f = call(
            &mut ram,
            &mut disks,
            Frame {
                func: func::INT13,
                eax: 0x0202,
                ecx: 0x0001,
                edx: 0x0180,
                es: 0x1000,
                ebx: 0,
                ..Frame::default()
            },
        );
        assert_eq!(f.flags & CF, 0);
        assert_eq!(f.eax & 0xFFFF, 0x0002);
        assert_eq!(ram.0[0x10000], 63);
        assert_eq!(ram.0[0x10200], 64);
        // Sector 0 is invalid in CHS; a cylinder past the geometry is "not found".
        let f = call(
            &mut ram,
            &mut disks,
            Frame {
                func: func::INT13,
                eax: 0x0201,
                ecx: 0x0000,
                edx: 0x0080,
                ..Frame::default()
            },
        );
        assert_eq!((f.flags & CF, f.ah()), (CF, st::NOT_FOUND));
        // An extended read past the end moves what exists and fails.
        assert!(ram.write(0x600, &[0x10, 0, 4, 0, 0, 0, 0, 0x20]));
        ram.write(0x608, &2046u64.to_le_bytes());
        let f = call(
            &mut ram,
            &mut disks,
            Frame {
                func: func::INT13,
                eax: 0x4200,
                edx: 0x80,
                esi: 0x600,
                ..Frame::default()
            },
        );
        assert_eq!((f.flags & CF, f.ah()), (CF, st::NOT_FOUND));
        assert_eq!(ram.0[0x602], 2, "two sectors were moved");
        assert_eq!(ram.0[0x20000], 0xFE, "LBA 2046 at 2000:0000");
        assert_eq!(ram.0[0x20200], 0xFF, "LBA 2047 after it");
        // A huge LBA never panics.
        ram.write(0x608, &u64::MAX.to_le_bytes());
        let f = call(
            &mut ram,
            &mut disks,
            Frame {
                func: func::INT13,
                eax: 0x4200,
                edx: 0x80,
                esi: 0x600,
                ..Frame::default()
            },
        );
        assert_eq!(f.flags & CF, CF);
        let _ = std::fs::remove_file(&p);
    }

    #[test]
    fn buffer_outside_ram_is_an_error() {
        let p = hd_image("far", 64);
        let mut disks = disks_with(&p);
        let mut ram = Ram(vec![0; 2 << 20]);
        ram.write(0x600, &[0x18, 0, 1, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
        ram.write(0x608, &0u64.to_le_bytes());
        ram.write(0x610, &0xFFFF_F000u64.to_le_bytes());
        let f = call(
            &mut ram,
            &mut disks,
            Frame {
                func: func::INT13,
                eax: 0x4200,
                edx: 0x80,
                esi: 0x600,
                ..Frame::default()
            },
        );
        assert_eq!(f.flags & CF, CF);
        let _ = std::fs::remove_file(&p);
    }

    #[test]
    fn missing_drive_and_unknown_function() {
        let mut disks = Disks::default();
        let mut ram = Ram(vec![0; 2 << 20]);
        let f = call(
            &mut ram,
            &mut disks,
            Frame {
                func: func::INT13,
                eax: 0x0800,
                edx: 0x81,
                ..Frame::default()
            },
        );
        assert_eq!((f.flags & CF, f.ah()), (CF, st::BAD_COMMAND));
        let f = call(
            &mut ram,
            &mut disks,
            Frame {
                func: 0x7777,
                ..Frame::default()
            },
        );
        assert_eq!((f.flags & CF, f.ah()), (CF, 0x86));
    }
}
