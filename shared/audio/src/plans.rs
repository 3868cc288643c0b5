//! FFT plans shared by every file a thread analyses.
//!
//! Exists because planning is not free: rustfft computes each plan's
//! twiddle factors (one `sincos` per point) and picks its algorithm, and
//! every file needs the same few sizes (the onset and pitch STFTs, the
//! full-band spectral frames, the tempo autocorrelations). Planned once per
//! thread and size, a batch of files pays for it once; the planners keep
//! the plans (`Arc`s) they handed out, a few sizes per thread.

use std::cell::RefCell;
use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};
use rustfft::{Fft, FftPlanner};

thread_local! {
    static F32: RefCell<FftPlanner<f32>> = RefCell::new(FftPlanner::new());
    static F64: RefCell<FftPlanner<f64>> = RefCell::new(FftPlanner::new());
    static REAL32: RefCell<RealFftPlanner<f32>> = RefCell::new(RealFftPlanner::new());
}

/// Forward complex FFT of `n` points, f32.
pub(crate) fn forward_f32(n: usize) -> Arc<dyn Fft<f32>> {
    F32.with(|p| p.borrow_mut().plan_fft_forward(n))
}

/// Forward and inverse complex FFT of `n` points, f64.
pub(crate) fn pair_f64(n: usize) -> (Arc<dyn Fft<f64>>, Arc<dyn Fft<f64>>) {
    F64.with(|p| {
        let mut p = p.borrow_mut();
        (p.plan_fft_forward(n), p.plan_fft_inverse(n))
    })
}

/// Forward real-to-complex FFT of `n` points, f32.
pub(crate) fn real_forward_f32(n: usize) -> Arc<dyn RealToComplex<f32>> {
    REAL32.with(|p| p.borrow_mut().plan_fft_forward(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_size_is_planned_once_per_thread() {
        let a = forward_f32(512);
        let b = forward_f32(512);
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(a.len(), 512);
        let (f, i) = pair_f64(1024);
        assert_eq!((f.len(), i.len()), (1024, 1024));
        assert!(Arc::ptr_eq(&f, &pair_f64(1024).0));
        let r = real_forward_f32(2048);
        assert!(Arc::ptr_eq(&r, &real_forward_f32(2048)));
        assert_eq!(r.len(), 2048);
    }
}
