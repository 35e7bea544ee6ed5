//! Decimal adjust: DAA, DAS, AAA, AAS, AAM imm8, AAD imm8 (SDM vol. 2 pseudo-code; AAA/AAS
//! adjust all of AX as P6-family processors do). AAM with a base of 0 is #DE. Undefined
//! flags: OF after DAA/DAS/AAA/AAS is cleared and SF/ZF/PF after AAA/AAS follow AL; AAM
//! clears OF/AF/CF; AAD sets them as the 8-bit addition AL + AH * base it performs (see
//! docs/undefined-flags.md).

use iced_x86::{Instruction, Mnemonic};

use crate::bus::Sys;
use crate::fault::{Fault, Res};
use crate::flags::{Flags, LazyOp, AF, ARITH, CF};
use crate::state::{Cpu, EAX};
use crate::uop::{Handler, Uop};
use crate::width::{B8, W16};

const DAA: u8 = 0;
const DAS: u8 = 1;
const AAA: u8 = 2;
const AAS: u8 = 3;

pub(super) fn lookup(ins: &Instruction) -> Option<Handler> {
    Some(match ins.mnemonic() {
        Mnemonic::Daa => adjust::<DAA>,
        Mnemonic::Das => adjust::<DAS>,
        Mnemonic::Aaa => adjust::<AAA>,
        Mnemonic::Aas => adjust::<AAS>,
        Mnemonic::Aam => aam,
        Mnemonic::Aad => aad,
        _ => return None,
    })
}

/// The BCD adjustments that work on AL (DAA, DAS) or AX (AAA, AAS) with CF and AF.
fn adjust<const OP: u8>(cpu: &mut Cpu, _: &mut Sys, _: &Uop) -> Res {
    let ax = cpu.reg::<W16>(EAX as u8);
    let al = ax & 0xFF;
    let (cf, af) = (cpu.flags.cf(), cpu.flags.af());
    let low = al & 0xF > 9 || af;
    let (ax, cf, af) = match OP {
        DAA => {
            let mut r = al;
            if low {
                r = (r + 6) & 0xFF;
            }
            let cf = al > 0x99 || cf;
            if cf {
                r = (r + 0x60) & 0xFF;
            }
            ((ax & 0xFF00) | r, cf, low)
        }
        DAS => {
            let mut r = al;
            let mut c = false;
            if low {
                r = r.wrapping_sub(6) & 0xFF;
                c = cf || al < 6;
            }
            if al > 0x99 || cf {
                r = r.wrapping_sub(0x60) & 0xFF;
                c = true;
            }
            ((ax & 0xFF00) | r, c, low)
        }
        AAA => {
            let r = if low { ax.wrapping_add(0x106) } else { ax };
            (r & 0xFF0F, low, low)
        }
        _ => {
            let r = if low {
                ax.wrapping_sub(6).wrapping_sub(0x100)
            } else {
                ax
            };
            (r & 0xFF0F, low, low)
        }
    };
    cpu.set_reg::<W16>(EAX as u8, ax);
    let mut f = Flags::szp(0, ax);
    if cf {
        f |= CF;
    }
    if af {
        f |= AF;
    }
    cpu.flags.put(ARITH, f);
    Ok(())
}

/// AAM imm8: AH = AL / base, AL = AL mod base.
fn aam(cpu: &mut Cpu, _: &mut Sys, u: &Uop) -> Res {
    let base = u.imm & 0xFF;
    if base == 0 {
        return Err(Fault::DE);
    }
    let al = cpu.reg::<B8>(EAX as u8);
    let r = ((al / base) << 8) | (al % base);
    cpu.set_reg::<W16>(EAX as u8, r);
    cpu.flags.set_lazy(LazyOp::Logic, 0, 0, 0, r & 0xFF);
    Ok(())
}

/// AAD imm8: AL = AL + AH * base (8 bits), AH = 0.
fn aad(cpu: &mut Cpu, _: &mut Sys, u: &Uop) -> Res {
    let base = u.imm & 0xFF;
    let ax = cpu.reg::<W16>(EAX as u8);
    let al = ax & 0xFF;
    let p = ((ax >> 8) * base) & 0xFF;
    let r = (al + p) & 0xFF;
    cpu.set_reg::<W16>(EAX as u8, r);
    cpu.flags.set_lazy(LazyOp::Add, 0, al, p, r);
    Ok(())
}
