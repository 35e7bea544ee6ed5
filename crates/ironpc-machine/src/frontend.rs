//! Host front ends (a window) seen from the run loop: between two slices the board hands
//! its devices to the front end, which may render a frame of the VGA, feed host keys to the
//! keyboard controller, or ask for the run to end. The front end must not block: the guest
//! waits while it runs.

use crate::board::Io;

/// What a front end may show about the guest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GuestView {
    /// Instructions retired since power-on.
    pub icount: u64,
    /// Virtual time, ns.
    pub now_ns: u64,
    /// The CPU is halted (waiting for an interrupt).
    pub halted: bool,
}

/// What a front end's poll asks of the run loop.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Polled {
    /// The user ended the run (window closed, quit chord): the run ends with
    /// [`crate::board::RUN_QUIT`] (exit status 0).
    pub quit: bool,
    /// Host input was given to the devices: an idle guest should look at it now.
    pub input: bool,
}

/// A host front end polled by [`crate::Board::run`].
pub trait Frontend {
    /// Called between slices: every few milliseconds of host time while the guest runs,
    /// at least every 10 ms while it idles.
    fn poll(&mut self, io: &mut Io, guest: GuestView) -> Polled;
}
