//! EBU R128 integrated loudness and loudness range, fused into the front end.
//!
//! Exists because the `ebur128` crate's meter was the largest cost after the
//! decoder (26.5 % of the whole analysis on the dev split, 0.67x the decode
//! even on every 2nd frame): its K-filter is a scalar f64 4th-order IIR per
//! channel behind generic sample access, and it re-sums every filtered sample
//! 7 times (400 ms blocks every 100 ms, 3 s short-term windows every second).
//! Here the same measurement (ITU-R BS.1770-4, EBU Tech 3341/3342, with the
//! filter coefficients derived exactly as `ebur128` / libebur128 derive them
//! for the actual sample rate) runs at the full rate in one pass:
//! * K-weighting = high-shelf biquad then the RLB high-pass biquad (direct
//!   form I, f64), the high-pass running one sample behind the shelf so
//!   each recursion step is a single multiply-add (f32 was no faster, and
//!   its quantised RLB poles moved a 20 Hz sine at 96 kHz by 0.03 LU);
//! * the recursion is latency-bound, so where the CPU has 4-lane f64 FMA
//!   (x86-64 with AVX2 + FMA, detected at run time; every aarch64) each
//!   block of ~2.7 s is filtered as two chains side by side, four lanes
//!   (two channels x two halves): the second half's chain starts from rest
//!   a warm-up earlier, long enough for the filter's slowest pole to forget
//!   the start to ~4e-18, so its state and outputs equal one chain's to
//!   rounding ([`LoudnessMeter`]; tests compare with one chain at every
//!   meeting of blocks and segments). On the corpus the kernel is 2.1x
//!   and the meter, buffering included, 1.7x faster than one chain per
//!   pair. Where the CPU has AVX-512, four chains of 8 lanes instead, in a
//!   kernel written out with intrinsics over 8x8 transposed tiles
//!   ([`run_oct_fused`]; half the meter's time again). Without FMA one
//!   chain per pair is kept: two chains cost
//!   the same instructions per frame there and the warm-up would be loss.
//!   (An earlier split moved the numerators into vectorised passes over
//!   MB-sized f64 buffers, which fell out of cache: slower, not kept.)
//!   Frames reach the filter through per-pair planes of one block (one
//!   chain where the blocks would pass 16 MB: rates of several hundred
//!   kHz);
//! * each filtered sample is squared once into a 100 ms sum; 400 ms gating
//!   blocks (75 % overlap) and 3 s short-term windows (every second, the
//!   first at 3 s, as libebur128) are sums of those;
//! * gating as `ebur128`'s exact (queue) mode: absolute gate at -70 LUFS,
//!   relative gate -10 LU (integrated) and -20 LU (range), range = 95th minus
//!   10th percentile of the gated short-term loudness.
//!
//! `ebur128` stays the reference: the tests compare both meters on synthetic
//! signals (noise, sines 20 Hz-18 kHz, crescendo, gated silences; 1, 2 and 6
//! channels; 8 to 96 kHz).

/// Energy of the absolute gate (-70 LUFS), the value `ebur128` uses.
const ABS_GATE_ENERGY: f64 = 0.000_000_117_246_530_458_229_81;
/// 100 ms segments per short-term window (3 s).
const ST_SEGS: usize = 30;
/// Stage 2 lags stage 1 by this many samples.
const LAG: usize = 1;
/// Alternating +-amplitude added to the input: keeps the filter states far
/// from subnormal numbers in digital silence (their arithmetic is ~100x
/// slower) while adding ~1e-36 to a sample's energy (the gate is at 1e-7).
const DITHER: L = 1e-18;

/// The two biquads of the K-weighting for `rate`, as in `ebur128`
/// (`filter::filter_coefficients`, which multiplies them into one 4th-order
/// section): (b, a) of the high shelf, then of the RLB high-pass; a[0] = 1.
#[allow(non_snake_case)]
fn k_biquads(rate: f64) -> ([[f64; 3]; 2], [[f64; 3]; 2]) {
    let f0 = 1681.974450955533;
    let G = 3.999843853973347;
    let Q = 0.7071752369554196;
    let K = (std::f64::consts::PI * f0 / rate).tan();
    let Vh = 10f64.powf(G / 20.0);
    let Vb = Vh.powf(0.4996667741545416);
    let a0 = 1.0 + K / Q + K * K;
    let shelf_b = [
        (Vh + Vb * K / Q + K * K) / a0,
        2.0 * (K * K - Vh) / a0,
        (Vh - Vb * K / Q + K * K) / a0,
    ];
    let shelf_a = [1.0, 2.0 * (K * K - 1.0) / a0, (1.0 - K / Q + K * K) / a0];
    let f0 = 38.13547087602444;
    let Q = 0.5003270373238773;
    let K = (std::f64::consts::PI * f0 / rate).tan();
    let a0 = 1.0 + K / Q + K * K;
    let hp_b = [1.0, -2.0, 1.0];
    let hp_a = [1.0, 2.0 * (K * K - 1.0) / a0, (1.0 - K / Q + K * K) / a0];
    ([shelf_b, hp_b], [shelf_a, hp_a])
}

/// The filter's arithmetic.
type L = f64;

/// Coefficients: the shelf (stage 1) and the RLB high-pass denominator
/// (stage 2; its numerator is 1, -2, 1).
#[derive(Clone, Copy)]
struct Coefs {
    b0: L,
    b1: L,
    b2: L,
    a1: L,
    a2: L,
    c1: L,
    c2: L,
}

impl Coefs {
    fn new(rate: u32) -> Self {
        let (b, a) = k_biquads(f64::from(rate));
        Coefs {
            b0: b[0][0],
            b1: b[0][1],
            b2: b[0][2],
            a1: a[0][1],
            a2: a[0][2],
            c1: a[1][1],
            c2: a[1][2],
        }
    }
}

/// Filter state of `N` lanes (a channel pair, or two chains of one pair
/// side by side); direct form I. Stage 2 runs one sample behind stage 1 and
/// reads its input from stage 1's output history.
#[derive(Clone, Copy)]
struct State<const N: usize> {
    /// Stage-1 input history.
    x1: [L; N],
    x2: [L; N],
    /// Stage-1 outputs, newest first.
    y1: [L; N],
    y2: [L; N],
    y3: [L; N],
    /// Stage-2 outputs.
    z1: [L; N],
    z2: [L; N],
    dither: L,
}

/// One chain per channel pair (lanes: channel a, b).
type PairState = State<2>;
/// Two chains of one channel pair (lanes: chain 1 channel a, b; chain 2
/// channel a, b).
type QuadState = State<4>;

impl<const N: usize> State<N> {
    /// At rest, with the dither's amplitude.
    fn rest() -> Self {
        State {
            x1: [0.0; N],
            x2: [0.0; N],
            y1: [0.0; N],
            y2: [0.0; N],
            y3: [0.0; N],
            z1: [0.0; N],
            z2: [0.0; N],
            dither: DITHER,
        }
    }

    /// The same histories with lanes rearranged by `f`.
    fn lanes<const M: usize>(&self, f: impl Fn([L; N]) -> [L; M]) -> State<M> {
        State {
            x1: f(self.x1),
            x2: f(self.x2),
            y1: f(self.y1),
            y2: f(self.y2),
            y3: f(self.y3),
            z1: f(self.z1),
            z2: f(self.z2),
            dither: self.dither,
        }
    }

    /// One step of every lane for the inputs `x` (dither added here); adds
    /// the squared K-weighted outputs to `k`. The input terms come first:
    /// only the last two operations of each stage wait on its previous
    /// outputs (with FMA a chain of 2 per 2 steps; with the feedback term
    /// innermost it was 5, and the kernel 1.5x slower).
    #[inline(always)]
    fn step<M: MulAdd>(&mut self, c: &Coefs, x: [f32; N], k: &mut [L; N]) {
        let s = self;
        s.dither = -s.dither;
        let v: [L; N] = std::array::from_fn(|i| L::from(x[i]) + s.dither);
        let mut y: [L; N] = [0.0; N];
        let mut z: [L; N] = [0.0; N];
        for i in 0..N {
            let t = M::mul_add(c.b0, v[i], M::mul_add(c.b1, s.x1[i], c.b2 * s.x2[i]));
            y[i] = M::mul_add(-c.a1, s.y1[i], M::mul_add(-c.a2, s.y2[i], t));
            let u = (s.y1[i] + s.y3[i]) - (s.y2[i] + s.y2[i]);
            z[i] = M::mul_add(-c.c1, s.z1[i], M::mul_add(-c.c2, s.z2[i], u));
            k[i] = M::mul_add(z[i], z[i], k[i]);
        }
        s.x2 = s.x1;
        s.x1 = v;
        s.y3 = s.y2;
        s.y2 = s.y1;
        s.y1 = y;
        s.z2 = s.z1;
        s.z1 = z;
    }
}

/// Filters the frames of channels `a` and `b` and returns the sums of the
/// squared K-weighted outputs (one chain; each lane's recursion is one
/// multiply and one addition per step).
#[inline(never)] // its own function so the loop is compiled for this shape
fn run_pair(c: &Coefs, st: &mut PairState, a: &[f32], b: &[f32]) -> [L; 2] {
    let mut s = *st;
    let mut k: [L; 2] = [0.0; 2];
    for (&xa, &xb) in a.iter().zip(b) {
        s.step::<Unfused>(c, [xa, xb], &mut k);
    }
    *st = s;
    k
}

/// `a * b + c`, rounded once (an FMA instruction) or twice.
trait MulAdd {
    fn mul_add(a: L, b: L, c: L) -> L;
}

/// Separate multiply and add (any CPU).
struct Unfused;

impl MulAdd for Unfused {
    #[inline(always)]
    fn mul_add(a: L, b: L, c: L) -> L {
        a * b + c
    }
}

/// One fused multiply-add: only where the CPU has the instruction (a
/// software FMA would be ~50x slower).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
struct Fused;

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
impl MulAdd for Fused {
    #[inline(always)]
    fn mul_add(a: L, b: L, c: L) -> L {
        a.mul_add(b, c)
    }
}

/// One stretch of a channel pair: (channel a, channel b), equally long.
type Frames<'a> = (&'a [f32], &'a [f32]);

/// [`run_pair`] on two stretches at once (`f1` for chain 1, `f2` for chain
/// 2, same length): four independent recursions whose dependent step is a
/// single fused multiply-add where the CPU has one, so they fill a 4-lane
/// vector and the pipeline instead of waiting on one latency chain.
#[inline(always)]
fn run_quad<M: MulAdd>(c: &Coefs, st: &mut QuadState, f1: Frames, f2: Frames) -> [L; 4] {
    let mut s = *st;
    let mut k: [L; 4] = [0.0; 4];
    let n = f1.0.len().min(f1.1.len()).min(f2.0.len()).min(f2.1.len());
    let (a1, b1, a2, b2) = (&f1.0[..n], &f1.1[..n], &f2.0[..n], &f2.1[..n]);
    for j in 0..n {
        s.step::<M>(c, [a1[j], b1[j], a2[j], b2[j]], &mut k);
    }
    *st = s;
    k
}

#[inline(never)]
fn run_quad_unfused(c: &Coefs, st: &mut QuadState, f1: Frames, f2: Frames) -> [L; 4] {
    run_quad::<Unfused>(c, st, f1, f2)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn run_quad_fused(c: &Coefs, st: &mut QuadState, f1: Frames, f2: Frames) -> [L; 4] {
    run_quad::<Fused>(c, st, f1, f2)
}

#[cfg(target_arch = "aarch64")]
#[inline(never)]
fn run_quad_fused(c: &Coefs, st: &mut QuadState, f1: Frames, f2: Frames) -> [L; 4] {
    run_quad::<Fused>(c, st, f1, f2)
}

/// Four chains of one channel pair (lanes: chain `k` channel a, b at
/// `2k`, `2k + 1`).
type OctState = State<8>;

/// [`run_quad`] with four stretches at once: eight recursions. The
/// reference for [`run_oct_fused`], which does the same in 8-lane vectors
/// written out (the tests).
#[cfg(test)]
#[inline(always)]
fn run_oct<M: MulAdd>(c: &Coefs, st: &mut OctState, f: [Frames; 4]) -> [L; 8] {
    let mut s = *st;
    let mut k: [L; 8] = [0.0; 8];
    let n = f
        .iter()
        .map(|(a, b)| a.len().min(b.len()))
        .min()
        .unwrap_or(0);
    let [(a0, b0), (a1, b1), (a2, b2), (a3, b3)] = f;
    let (a0, b0, a1, b1) = (&a0[..n], &b0[..n], &a1[..n], &b1[..n]);
    let (a2, b2, a3, b3) = (&a2[..n], &b2[..n], &a3[..n], &b3[..n]);
    for j in 0..n {
        let x = [a0[j], b0[j], a1[j], b1[j], a2[j], b2[j], a3[j], b3[j]];
        s.step::<M>(c, x, &mut k);
    }
    *st = s;
    k
}

#[cfg(test)]
#[inline(never)]
fn run_oct_unfused(c: &Coefs, st: &mut OctState, f: [Frames; 4]) -> [L; 8] {
    run_oct::<Unfused>(c, st, f)
}

/// [`run_oct`] with fused multiply-adds in 8-lane vectors, written out:
/// left to the vectoriser, the eight frames of a step are gathered one by
/// one (eight loads and seven inserts per step, more than the filter's own
/// arithmetic) and the lanes split over 4-lane halves. Here 8 steps of the
/// 8 lane streams are loaded as 8 vectors and transposed (24 shuffles),
/// and each step is one 8-lane vector through the same operations in the
/// same order as [`State::step`], so the sums are those of [`run_oct`]
/// with [`Fused`] (a test compares them).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx2,fma")]
fn run_oct_fused(c: &Coefs, st: &mut OctState, f: [Frames; 4]) -> [L; 8] {
    use std::arch::x86_64::*;
    let n = f
        .iter()
        .map(|(a, b)| a.len().min(b.len()))
        .min()
        .unwrap_or(0);
    let rows: [&[f32]; 8] = std::array::from_fn(|r| {
        let (a, b) = f[r / 2];
        if r % 2 == 0 { &a[..n] } else { &b[..n] }
    });
    let tiles = n / 8;
    // SAFETY (the three raw-pointer intrinsics below): each pointer comes
    // from a reference to exactly the 8 values the unaligned load or store
    // reads or writes.
    let ld = |v: &[L; 8]| -> __m512d { unsafe { _mm512_loadu_pd(v.as_ptr()) } };
    let (mut x1, mut x2) = (ld(&st.x1), ld(&st.x2));
    let (mut y1, mut y2, mut y3) = (ld(&st.y1), ld(&st.y2), ld(&st.y3));
    let (mut z1, mut z2) = (ld(&st.z1), ld(&st.z2));
    let mut k = _mm512_setzero_pd();
    let b0 = _mm512_set1_pd(c.b0);
    let b1 = _mm512_set1_pd(c.b1);
    let b2 = _mm512_set1_pd(c.b2);
    let na1 = _mm512_set1_pd(-c.a1);
    let na2 = _mm512_set1_pd(-c.a2);
    let nc1 = _mm512_set1_pd(-c.c1);
    let nc2 = _mm512_set1_pd(-c.c2);
    // the dither flips before every step: steps 0, 2, .. of a tile add
    // -d, steps 1, 3, .. add d (a tile is even, so d is the same after it)
    let d = st.dither;
    let dith = [_mm512_set1_pd(-d), _mm512_set1_pd(d)];
    for t in 0..tiles {
        let r: [__m256; 8] = std::array::from_fn(|i| {
            let row: &[f32; 8] = rows[i][8 * t..8 * t + 8].try_into().unwrap_or(&[0.0; 8]);
            unsafe { _mm256_loadu_ps(row.as_ptr()) }
        });
        // 8x8 transpose: col[j] = [r0[j], r1[j], .., r7[j]]
        let t0 = _mm256_unpacklo_ps(r[0], r[1]);
        let t1 = _mm256_unpackhi_ps(r[0], r[1]);
        let t2 = _mm256_unpacklo_ps(r[2], r[3]);
        let t3 = _mm256_unpackhi_ps(r[2], r[3]);
        let t4 = _mm256_unpacklo_ps(r[4], r[5]);
        let t5 = _mm256_unpackhi_ps(r[4], r[5]);
        let t6 = _mm256_unpacklo_ps(r[6], r[7]);
        let t7 = _mm256_unpackhi_ps(r[6], r[7]);
        let s0 = _mm256_shuffle_ps::<0x44>(t0, t2);
        let s1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
        let s2 = _mm256_shuffle_ps::<0x44>(t1, t3);
        let s3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
        let s4 = _mm256_shuffle_ps::<0x44>(t4, t6);
        let s5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
        let s6 = _mm256_shuffle_ps::<0x44>(t5, t7);
        let s7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
        let col = [
            _mm256_permute2f128_ps::<0x20>(s0, s4),
            _mm256_permute2f128_ps::<0x20>(s1, s5),
            _mm256_permute2f128_ps::<0x20>(s2, s6),
            _mm256_permute2f128_ps::<0x20>(s3, s7),
            _mm256_permute2f128_ps::<0x31>(s0, s4),
            _mm256_permute2f128_ps::<0x31>(s1, s5),
            _mm256_permute2f128_ps::<0x31>(s2, s6),
            _mm256_permute2f128_ps::<0x31>(s3, s7),
        ];
        for (j, &x) in col.iter().enumerate() {
            let v = _mm512_add_pd(_mm512_cvtps_pd(x), dith[j & 1]);
            let tt = _mm512_fmadd_pd(b0, v, _mm512_fmadd_pd(b1, x1, _mm512_mul_pd(b2, x2)));
            let y = _mm512_fmadd_pd(na1, y1, _mm512_fmadd_pd(na2, y2, tt));
            let u = _mm512_sub_pd(_mm512_add_pd(y1, y3), _mm512_add_pd(y2, y2));
            let z = _mm512_fmadd_pd(nc1, z1, _mm512_fmadd_pd(nc2, z2, u));
            k = _mm512_fmadd_pd(z, z, k);
            x2 = x1;
            x1 = v;
            y3 = y2;
            y2 = y1;
            y1 = y;
            z2 = z1;
            z1 = z;
        }
    }
    let sv = |v: __m512d| -> [L; 8] {
        let mut a = [0.0; 8];
        unsafe { _mm512_storeu_pd(a.as_mut_ptr(), v) };
        a
    };
    let mut s = State {
        x1: sv(x1),
        x2: sv(x2),
        y1: sv(y1),
        y2: sv(y2),
        y3: sv(y3),
        z1: sv(z1),
        z2: sv(z2),
        dither: d,
    };
    let mut kk = sv(k);
    // the last steps (fewer than a tile) one by one; `j` indexes all 8 rows
    #[allow(clippy::needless_range_loop)]
    for j in 8 * tiles..n {
        let x = std::array::from_fn(|r| rows[r][j]);
        s.step::<Fused>(c, x, &mut kk);
    }
    *st = s;
    kk
}

/// How the meter filters a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kernel {
    /// One chain per channel pair ([`run_pair`]).
    Sequential,
    /// Two chains per pair ([`run_quad`]), separate multiply and add (the
    /// tests: the split's logic on any CPU).
    #[cfg(test)]
    SplitUnfused,
    /// Two chains per pair with fused multiply-adds; only chosen where the
    /// CPU has them ([`Kernel::best`]).
    SplitFused,
    /// Four chains per pair ([`run_oct`]), separate multiply and add (the
    /// tests).
    #[cfg(test)]
    Split4Unfused,
    /// Four chains per pair in 8-lane vectors with fused multiply-adds;
    /// only chosen where the CPU has AVX-512 ([`Kernel::best`]).
    #[cfg(target_arch = "x86_64")]
    Split4Fused,
}

/// Whether this CPU has 4-lane f64 vectors with FMA: x86-64 with AVX2 and
/// FMA (checked at run time), every aarch64 (FMA is part of the base ISA).
fn has_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(target_arch = "aarch64")]
    {
        true
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        false
    }
}

/// Whether this CPU has 8-lane f64 vectors with FMA (x86-64 with the
/// AVX-512 foundation, VL and DQ extensions, checked at run time).
fn has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        has_fma()
            && std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512dq")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

impl Kernel {
    /// Four chains where the CPU has 8-lane vectors, two where it has
    /// 4-lane FMA: there they are ~3x faster than one (measured on x86-64;
    /// docs/audio.md). Without FMA two chains cost as many instructions per
    /// frame as one, which already fills two-lane vectors, so the warm-up
    /// would be pure loss.
    fn best() -> Self {
        #[cfg(target_arch = "x86_64")]
        if has_avx512() {
            return Kernel::Split4Fused;
        }
        if has_fma() {
            Kernel::SplitFused
        } else {
            Kernel::Sequential
        }
    }

    /// Chains per channel pair.
    fn chains(self) -> usize {
        match self {
            Kernel::Sequential => 1,
            #[cfg(test)]
            Kernel::SplitUnfused => 2,
            Kernel::SplitFused => 2,
            #[cfg(test)]
            Kernel::Split4Unfused => 4,
            #[cfg(target_arch = "x86_64")]
            Kernel::Split4Fused => 4,
        }
    }

    /// Split block length in warm-ups: the chains after the first repeat
    /// `chains - 1` warm-ups per block, so more chains take longer blocks.
    fn block_warmups(self) -> usize {
        if self.chains() > 2 {
            SPLIT4_BLOCK_WARMUPS
        } else {
            SPLIT_BLOCK_WARMUPS
        }
    }

    /// Runs every chain of one pair over the same steps: chain `k` reads
    /// `f[k]` (only the first [`Kernel::chains`] are used); returns the
    /// sums of squares by lane (chain `k`: `2k`, `2k + 1`).
    fn run(self, c: &Coefs, st: &mut OctState, f: [Frames; 4]) -> [L; 8] {
        let quad = |k: [L; 4]| [k[0], k[1], k[2], k[3], 0.0, 0.0, 0.0, 0.0];
        let mut q: QuadState = st.lanes(|v| [v[0], v[1], v[2], v[3]]);
        let k = match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Split4Fused` is only chosen by `Kernel::best` when
            // `has_avx512` detected AVX-512 F/VL/DQ, AVX2 and FMA.
            Kernel::Split4Fused => return unsafe { run_oct_fused(c, st, f) },
            #[cfg(test)]
            Kernel::Split4Unfused => return run_oct_unfused(c, st, f),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `SplitFused` is only chosen by `Kernel::best` when
            // `has_fma` detected AVX2 and FMA on this CPU.
            Kernel::SplitFused => quad(unsafe { run_quad_fused(c, &mut q, f[0], f[1]) }),
            #[cfg(target_arch = "aarch64")]
            Kernel::SplitFused => quad(run_quad_fused(c, &mut q, f[0], f[1])),
            _ => quad(run_quad_unfused(c, &mut q, f[0], f[1])),
        };
        *st = q.lanes(|v| [v[0], v[1], v[2], v[3], 0.0, 0.0, 0.0, 0.0]);
        k
    }
}

/// Frames of the slowest pole's decay to `e^-40` (4e-18) of a start
/// state: after that many frames a chain started from rest carries the
/// true chain's state to f64 precision. `None` when a pole is on or
/// outside the unit circle (the odd rates where the design is unstable).
fn settle_frames(c: &Coefs) -> Option<usize> {
    let radius = |a1: L, a2: L| -> L {
        let d = a1 * a1 - 4.0 * a2;
        if d < 0.0 {
            a2.sqrt() // complex pair: |p|^2 = a2
        } else {
            let r = d.sqrt();
            ((-a1 + r) / 2.0).abs().max(((-a1 - r) / 2.0).abs())
        }
    };
    let r = radius(c.a1, c.a2).max(radius(c.c1, c.c2));
    if !(r.is_finite() && r < 1.0) {
        return None;
    }
    let n = (40.0 / -r.ln()).ceil();
    (n.is_finite() && n < 1e7).then_some(n as usize)
}

/// One channel pair (b absent for an odd last channel), its BS.1770
/// weights, filter state and the frames buffered for the next block (one
/// plane per channel).
struct Pair {
    a: usize,
    b: Option<usize>,
    wa: f64,
    wb: f64,
    state: PairState,
    buf_a: Vec<f32>,
    buf_b: Vec<f32>,
}

impl Pair {
    /// Buffered frames `start..start + len` of both channels; a single
    /// channel stands in for the absent b (whose weight is 0).
    fn frames(&self, start: usize, len: usize) -> Frames<'_> {
        let a = &self.buf_a[start..start + len];
        let b = if self.b.is_some() {
            &self.buf_b[start..start + len]
        } else {
            a
        };
        (a, b)
    }

    fn clear(&mut self) {
        self.buf_a.clear();
        self.buf_b.clear();
    }
}

/// BS.1770 channel weights for `channels` interleaved channels, in
/// `ebur128`'s default channel map: 4 = L R Ls Rs, 5 = L R C Ls Rs, else
/// L R C LFE Ls Rs and the rest unused. LFE and unused channels weigh 0,
/// surrounds 1.41.
fn channel_weights(channels: usize) -> Vec<f64> {
    match channels {
        4 => vec![1.0, 1.0, 1.41, 1.41],
        5 => vec![1.0, 1.0, 1.0, 1.41, 1.41],
        _ => {
            let map = [1.0, 1.0, 1.0, 0.0, 1.41, 1.41];
            (0..channels)
                .map(|c| map.get(c).copied().unwrap_or(0.0))
                .collect()
        }
    }
}

/// A stretch of steps of the split kernel that crosses no segment end of
/// any chain, and the energies (all pairs, weighted) it gave each chain.
#[derive(Clone, Copy)]
struct Run {
    start: usize,
    len: usize,
    e: [f64; 4],
}

/// Frames buffered per block by the sequential kernel (bounded memory, and
/// long runs between calls).
const SEQ_BLOCK: usize = 4096;
/// Most bytes the split kernel's blocks may hold (all channels): beyond it
/// (very high rates with many channels, where a warm-up is long) one chain
/// per pair is used, so memory stays bounded.
const SPLIT_MAX_BYTES: usize = 16 << 20;
/// Two-chain block length in warm-up lengths: 1.88 frames per step.
const SPLIT_BLOCK_WARMUPS: usize = 16;
/// Four-chain block length in warm-up lengths: 3.2 frames per step (the
/// three later chains each repeat a warm-up), 0.7 MB of stereo 44.1 kHz
/// blocks, which stay in a 1 MB L2 (8 to 24 warm-ups measured alike).
const SPLIT4_BLOCK_WARMUPS: usize = 12;

/// The streaming meter (integrated loudness and loudness range).
///
/// Frames are buffered per channel pair, in blocks. With the
/// split kernel a block of `B` frames is filtered as two chains side by
/// side: chain 1 continues the stream over frames `0..h`, chain 2 starts
/// from rest at `h - W` and is counted from `h` on, where `W` frames of
/// warm-up ([`settle_frames`]) bring it to the state chain 1 would have
/// had (to ~1e-17 relative, so the results equal one chain's), and `h =
/// (B + W) / 2` gives both chains the same number of steps. Chain 2's state
/// carries on into the next block.
pub struct LoudnessMeter {
    coefs: Coefs,
    ch: usize,
    kernel: Kernel,
    /// Frames per block, and the warm-up (split kernel only; even, so the
    /// half `h` is whole).
    block: usize,
    warm: usize,
    pairs: Vec<Pair>,
    runs: Vec<Run>,
    pos: Position,
    seg_len: usize,
    /// Energies (weighted sums of squares) of the last [`ST_SEGS`]
    /// segments, a ring indexed by segment number.
    ring: [f64; ST_SEGS],
    /// 400 ms block energies above the absolute gate.
    blocks: Vec<f64>,
    /// 3 s short-term energies above the absolute gate.
    short: Vec<f64>,
    flushed: bool,
}

/// Where the segment accounting stands.
#[derive(Clone, Copy, Default)]
struct Position {
    seg_left: usize,
    seg_acc: f64,
    segs: u64,
}

impl LoudnessMeter {
    /// A meter; `None` for a format `ebur128` would refuse (no channels,
    /// more than 64, rate outside 16 Hz-2.8224 MHz).
    pub fn new(channels: usize, rate: u32) -> Option<Self> {
        Self::with_kernel(channels, rate, Kernel::best(), None)
    }

    /// A meter with `kernel` (falling back to [`Kernel::Sequential`] where
    /// the filter does not settle) and, for the split kernels, `block`
    /// frames per block (the tests; even, more than the warm-up) or
    /// [`SPLIT_BLOCK_WARMUPS`] warm-ups.
    fn with_kernel(
        channels: usize,
        rate: u32,
        kernel: Kernel,
        block: Option<usize>,
    ) -> Option<Self> {
        if channels == 0 || channels > 64 || !(16..=2_822_400).contains(&rate) {
            return None;
        }
        let coefs = Coefs::new(rate);
        let w = channel_weights(channels);
        let used: Vec<usize> = (0..channels).filter(|&c| w[c] > 0.0).collect();
        let chains = kernel.chains();
        let split = settle_frames(&coefs).filter(|_| chains > 1).and_then(|w| {
            // a warm-up of whole quarters and blocks of whole chains' steps
            // (`chains * steps = block + (chains - 1) * warm`)
            let w = w.next_multiple_of(4);
            let b = block
                .map_or(kernel.block_warmups() * w, |b| b.max(w + chains))
                .next_multiple_of(chains);
            (b * used.len() * size_of::<f32>() <= SPLIT_MAX_BYTES).then_some((b, w))
        });
        let (kernel, block, warm) = match (kernel, split) {
            (Kernel::Sequential, _) | (_, None) => (Kernel::Sequential, SEQ_BLOCK, 0),
            (k, Some((b, w))) => (k, b, w),
        };
        let state = PairState::rest();
        let pairs: Vec<Pair> = used
            .chunks(2)
            .map(|p| Pair {
                a: p[0],
                b: p.get(1).copied(),
                wa: w[p[0]],
                wb: p.get(1).map_or(0.0, |&b| w[b]),
                state,
                buf_a: Vec::with_capacity(block),
                buf_b: Vec::with_capacity(if p.len() > 1 { block } else { 0 }),
            })
            .collect();
        let seg_len = (rate as usize + 5) / 10;
        let pos = Position {
            seg_left: seg_len + LAG,
            ..Position::default()
        };
        Some(LoudnessMeter {
            coefs,
            ch: channels,
            kernel,
            block,
            warm,
            pairs,
            runs: Vec::new(),
            pos,
            seg_len,
            ring: [0.0; ST_SEGS],
            blocks: Vec::new(),
            short: Vec::new(),
            flushed: false,
        })
    }

    /// Feeds `frames` frames of each channel's plane (finite samples: the
    /// front end sanitises broken input first).
    pub fn push(&mut self, planes: &[Vec<f32>], frames: usize) {
        if planes.len() != self.ch || planes.iter().any(|p| p.len() < frames) {
            return;
        }
        let mut done = 0;
        while done < frames {
            let have = self.pairs.first().map_or(0, |p| p.buf_a.len());
            let take = (self.block - have).min(frames - done);
            let r = done..done + take;
            for p in &mut self.pairs {
                p.buf_a.extend_from_slice(&planes[p.a][r.clone()]);
                if let Some(b) = p.b {
                    p.buf_b.extend_from_slice(&planes[b][r.clone()]);
                }
            }
            done += take;
            if have + take == self.block {
                match self.kernel {
                    Kernel::Sequential => self.filter_sequential(),
                    _ => self.filter_split(),
                }
            }
        }
    }

    /// Feeds interleaved frames (the tests; the front end is planar).
    #[cfg(test)]
    pub fn push_interleaved(&mut self, x: &[f32]) {
        let ch = self.ch;
        let frames = x.len() / ch;
        let planes: Vec<Vec<f32>> = (0..ch)
            .map(|c| x.chunks_exact(ch).map(|f| f[c]).collect())
            .collect();
        self.push(&planes, frames);
    }

    /// Adds `e` over the next `frames` frames, which do not cross the end
    /// of the current segment.
    fn account(&mut self, e: f64, frames: usize) {
        debug_assert!(frames <= self.pos.seg_left, "a run crosses a segment end");
        self.pos.seg_acc += e;
        self.pos.seg_left -= frames;
        if self.pos.seg_left == 0 {
            self.close_segment();
        }
    }

    /// Filters the buffered frames with one chain per pair and empties the
    /// buffers.
    fn filter_sequential(&mut self) {
        let n = self.pairs.first().map_or(0, |p| p.buf_a.len());
        let mut done = 0;
        while done < n {
            let take = self.pos.seg_left.min(n - done);
            let mut e = 0f64;
            for p in &mut self.pairs {
                let mut st = p.state;
                let (a, b) = p.frames(done, take);
                let k = run_pair(&self.coefs, &mut st, a, b);
                p.state = st;
                e += p.wa * k[0] + p.wb * k[1];
            }
            self.account(e, take);
            done += take;
        }
        for p in &mut self.pairs {
            p.clear();
        }
    }

    /// Filters a full block as [`Kernel::chains`] chains (see the type's
    /// docs) and empties the buffers.
    fn filter_split(&mut self) {
        let (b, w, k) = (self.block, self.warm, self.kernel.chains());
        // steps of every chain; chain c reads frames from c * (steps - w)
        let steps = (b + (k - 1) * w) / k;
        let first_frame = |c: usize| c * (steps - w);
        // the steps where a chain's segment ends (chain c counts frames
        // from first_frame(c) + w, chain 0 from 0), and where the later
        // chains' warm-up ends
        let (len, s0) = (self.seg_len, self.pos.seg_left);
        let mut cuts: Vec<usize> = Vec::with_capacity(k * (b / len + 2) + 2);
        for c in 0..k {
            let from = if c == 0 { 0 } else { first_frame(c) + w };
            let first = if s0 >= from {
                s0
            } else {
                s0 + (from - s0).div_ceil(len) * len
            };
            let end = first_frame(c) + steps;
            cuts.extend((first..end).step_by(len).map(|p| p - first_frame(c)));
        }
        cuts.push(w);
        cuts.push(steps);
        cuts.sort_unstable();
        cuts.dedup();
        self.runs.clear();
        let mut start = 0;
        for &c in cuts.iter().filter(|&&c| c > 0) {
            self.runs.push(Run {
                start,
                len: c - start,
                e: [0.0; 4],
            });
            start = c;
        }
        let kernel = self.kernel;
        for p in &mut self.pairs {
            // chain 0 continues the pair's state, the others start from rest
            let mut st: OctState = p.state.lanes(|v| [v[0], v[1], 0., 0., 0., 0., 0., 0.]);
            for r in &mut self.runs {
                let f: [Frames; 4] =
                    std::array::from_fn(|c| p.frames(first_frame(c.min(k - 1)) + r.start, r.len));
                let e = kernel.run(&self.coefs, &mut st, f);
                for (c, ec) in r.e.iter_mut().enumerate().take(k) {
                    *ec += p.wa * e[2 * c] + p.wb * e[2 * c + 1];
                }
            }
            p.state = st.lanes(|v| [v[2 * k - 2], v[2 * k - 1]]);
            p.clear();
        }
        for c in 0..k {
            for i in 0..self.runs.len() {
                let r = self.runs[i];
                if c == 0 || r.start >= w {
                    self.account(r.e[c], r.len);
                }
            }
        }
    }

    fn close_segment(&mut self) {
        let seg = self.pos.segs as usize;
        self.ring[seg % ST_SEGS] = self.pos.seg_acc;
        self.pos.segs += 1;
        self.pos.seg_acc = 0.0;
        self.pos.seg_left = self.seg_len;
        let n = self.pos.segs as usize;
        let sum_last = |k: usize| -> f64 { (n - k..n).map(|i| self.ring[i % ST_SEGS]).sum() };
        if n >= 4 {
            let e = sum_last(4) / (4 * self.seg_len) as f64;
            if e >= ABS_GATE_ENERGY {
                self.blocks.push(e);
            }
        }
        // libebur128: the first short-term window at 3 s, then every second
        if n >= ST_SEGS && (n - ST_SEGS).is_multiple_of(10) {
            let e = sum_last(ST_SEGS) / (ST_SEGS * self.seg_len) as f64;
            if e >= ABS_GATE_ENERGY {
                self.short.push(e);
            }
        }
    }

    /// Filters what is buffered and runs the last [`LAG`] samples through
    /// the second stage (call once at the end of the stream, before reading
    /// the results).
    pub fn finish(&mut self) {
        if !self.flushed {
            self.flushed = true;
            for p in &mut self.pairs {
                p.buf_a.extend([0f32; LAG]);
                if p.b.is_some() {
                    p.buf_b.extend([0f32; LAG]);
                }
            }
            self.filter_sequential();
        }
    }

    /// Integrated loudness (LUFS); `None` when no block passes the absolute
    /// gate.
    pub fn integrated(&self) -> Option<f64> {
        if self.blocks.is_empty() {
            return None;
        }
        let mean = self.blocks.iter().sum::<f64>() / self.blocks.len() as f64;
        let thr = mean * 0.1;
        let (n, sum) = self
            .blocks
            .iter()
            .filter(|&&e| e >= thr)
            .fold((0u64, 0f64), |(n, s), &e| (n + 1, s + e));
        if n == 0 {
            return None;
        }
        let l = energy_to_loudness(sum / n as f64);
        l.is_finite().then_some(l)
    }

    /// Loudness range (LU), EBU Tech 3342; 0 when fewer than one short-term
    /// window passes the gates.
    pub fn range(&self) -> f64 {
        let mut q = self.short.clone();
        if q.is_empty() {
            return 0.0;
        }
        q.sort_by(f64::total_cmp);
        let power = q.iter().sum::<f64>() / q.len() as f64;
        let thr = 0.01 * power;
        let gated = q.iter().take_while(|&&v| v < thr).count();
        let Some(last) = (q.len() - gated).checked_sub(1) else {
            return 0.0;
        };
        let at = |p: f64| q.get(gated + (last as f64 * p + 0.5) as usize).copied();
        match (at(0.95), at(0.1)) {
            (Some(h), Some(l)) => energy_to_loudness(h) - energy_to_loudness(l),
            _ => 0.0,
        }
    }
}

fn energy_to_loudness(e: f64) -> f64 {
    10.0 * e.log10() - 0.691
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::lcg;
    use ebur128::{EbuR128, Mode};

    /// The kernels this CPU can run: the split's logic is checked
    /// everywhere, with FMA where there is one.
    fn kernels() -> Vec<Kernel> {
        let mut k = vec![
            Kernel::Sequential,
            Kernel::SplitUnfused,
            Kernel::Split4Unfused,
        ];
        if has_fma() {
            k.push(Kernel::SplitFused);
        }
        #[cfg(target_arch = "x86_64")]
        if has_avx512() {
            k.push(Kernel::Split4Fused);
        }
        k
    }

    /// Feeds interleaved `x` in uneven blocks and finishes.
    fn feed(m: &mut LoudnessMeter, x: &[f32], ch: usize) {
        let mut i = 0;
        let mut k = 0;
        while i < x.len() / ch {
            let n = [1152, 4096, 7, 333, 1][k % 5].min(x.len() / ch - i);
            m.push_interleaved(&x[i * ch..(i + n) * ch]);
            i += n;
            k += 1;
        }
        m.finish();
    }

    /// (integrated, range) by ours with `kernel`, fed in uneven blocks, and
    /// by ebur128.
    fn both(
        x: &[f32],
        ch: usize,
        rate: u32,
        kernel: Kernel,
    ) -> ((Option<f64>, f64), (Option<f64>, f64)) {
        let mut m = LoudnessMeter::with_kernel(ch, rate, kernel, None).expect("meter");
        feed(&mut m, x, ch);
        let mut e = EbuR128::new(ch as u32, rate, Mode::I | Mode::LRA).expect("ebur128");
        e.add_frames_f32(x).expect("add");
        let ei = e.loudness_global().expect("I");
        let el = e.loudness_range().expect("LRA");
        (
            (m.integrated(), m.range()),
            (ei.is_finite().then_some(ei), el),
        )
    }

    /// LU; measured: 3e-7 (I) and 3e-9 (LRA) at most over these cases.
    const TOL: f64 = 1e-3;

    fn check(name: &str, x: &[f32], ch: usize, rate: u32) {
        for k in kernels() {
            let ((i, l), (ei, el)) = both(x, ch, rate, k);
            match (i, ei) {
                (Some(a), Some(b)) => assert!(
                    (a - b).abs() <= TOL,
                    "{name} {ch}ch {rate} Hz {k:?}: I {a:.4} vs ebur128 {b:.4}"
                ),
                (a, b) => assert_eq!(a.is_some(), b.is_some(), "{name} {k:?}: I {a:?} vs {b:?}"),
            }
            assert!(
                (l - el).abs() <= TOL,
                "{name} {ch}ch {rate} Hz {k:?}: LRA {l:.4} vs ebur128 {el:.4}"
            );
        }
    }

    /// Block and short-term energies of two meters: the same count, equal
    /// to `rel` of the loudest (rounding differs between the kernels, and
    /// a quiet block after a loud one holds the loud one's filter tail).
    fn same_energies(a: &LoudnessMeter, b: &LoudnessMeter, rel: f64, what: &str) {
        for (x, y) in [(&a.blocks, &b.blocks), (&a.short, &b.short)] {
            assert_eq!(x.len(), y.len(), "{what}: counts");
            let top = x.iter().fold(0f64, |m, &v| m.max(v));
            for (i, (p, q)) in x.iter().zip(y.iter()).enumerate() {
                assert!((p - q).abs() <= rel * top, "{what}: #{i} {p} vs {q}");
            }
        }
    }

    #[test]
    fn two_chains_give_one_chains_energies_wherever_blocks_and_segments_meet() {
        // 8 kHz: 800-frame segments, a 1336-frame warm-up; block sizes swept
        // so that the halves and the block ends fall on, next to and between
        // segment ends
        let rate = 8_000;
        let ch = 2;
        let mut g = lcg(11);
        let frames = 6 * rate as usize;
        let x = make(ch, frames, |c, n| {
            let t = n as f32 / frames as f32;
            (0.3 + 0.1 * c as f32) * g() * 10f32.powf(2.0 * (t - 1.0))
        });
        let mut seq = LoudnessMeter::with_kernel(ch, rate, Kernel::Sequential, None).expect("m");
        feed(&mut seq, &x, ch);
        assert!(seq.blocks.len() > 50 && seq.short.len() > 2);
        let w = LoudnessMeter::with_kernel(ch, rate, Kernel::SplitUnfused, None)
            .expect("m")
            .warm;
        assert!(w > 1000 && w < 2000, "warm-up {w}");
        for k in kernels().into_iter().skip(1) {
            for b in (w + 2..w + 1700)
                .step_by(2)
                .chain((2 * w..2 * w + 40).step_by(2))
            {
                let mut m = LoudnessMeter::with_kernel(ch, rate, k, Some(b)).expect("m");
                // blocks of whole chains' steps: b rounded up to a multiple
                // of the chains
                assert_eq!((m.kernel, m.block), (k, b.next_multiple_of(k.chains())));
                feed(&mut m, &x, ch);
                same_energies(&seq, &m, 1e-12, &format!("{k:?} block {b}"));
            }
        }
    }

    /// The written-out AVX-512 kernel is the generic four-chain kernel with
    /// FMA, to the bit, on any length (whole tiles of 8 steps and a rest).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx512_kernel_equals_the_generic_one() {
        if !has_avx512() {
            return;
        }
        let c = Coefs::new(44_100);
        let mut g = lcg(5);
        let x: Vec<Vec<f32>> = (0..8)
            .map(|_| (0..1000).map(|_| 0.5 * g()).collect())
            .collect();
        for n in [0, 1, 7, 8, 9, 63, 1000] {
            let f: [Frames; 4] = std::array::from_fn(|k| (&x[2 * k][..n], &x[2 * k + 1][..n]));
            let mut a: OctState = State::rest();
            a.y1 = [0.1, -0.2, 0.3, 0.0, 0.5, -0.6, 0.7, 0.05];
            a.dither = -DITHER;
            let mut b = a;
            // SAFETY: has_avx512 said the CPU has what the kernel enables
            let ka = unsafe { run_oct_fused(&c, &mut a, f) };
            let kb = unsafe { run_oct_fused_reference(&c, &mut b, f) };
            assert_eq!(ka, kb, "{n}");
            assert_eq!(
                (a.z1, a.z2, a.y3, a.x2, a.dither),
                (b.z1, b.z2, b.y3, b.x2, b.dither)
            );
        }
    }

    /// [`run_oct`] with [`Fused`], compiled with the features of
    /// [`run_oct_fused`] (so `mul_add` is the instruction).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512vl,avx512dq,avx2,fma")]
    fn run_oct_fused_reference(c: &Coefs, st: &mut OctState, f: [Frames; 4]) -> [L; 8] {
        run_oct::<Fused>(c, st, f)
    }

    #[test]
    fn the_split_buffers_stay_bounded() {
        let k = Kernel::SplitUnfused;
        let m = LoudnessMeter::with_kernel(2, 44_100, k, None).expect("m");
        assert_eq!(m.kernel, k);
        assert!(m.block * 2 * 4 <= SPLIT_MAX_BYTES);
        // 5 weighted channels (of 64) at 384 kHz would need ~20 MB of
        // blocks, at 2.8 MHz ~150 MB: one chain
        let m = LoudnessMeter::with_kernel(64, 384_000, k, None).expect("m");
        assert_eq!((m.kernel, m.block), (Kernel::Sequential, SEQ_BLOCK));
        let m = LoudnessMeter::with_kernel(2, 2_822_400, k, None).expect("m");
        assert_eq!((m.kernel, m.block), (Kernel::Sequential, SEQ_BLOCK));
    }

    #[test]
    fn two_chains_match_one_at_the_default_block_sizes() {
        for (rate, ch) in [(44_100u32, 2usize), (48_000, 1), (96_000, 6)] {
            let mut g = lcg(u64::from(rate));
            let frames = 9 * rate as usize;
            let x = make(ch, frames, |c, n| {
                let t = n as f32 / rate as f32;
                let env = if (t as usize) % 3 == 2 { 0.0 } else { 0.4 };
                env * g() * (1.0 + 0.2 * c as f32)
            });
            let mut seq =
                LoudnessMeter::with_kernel(ch, rate, Kernel::Sequential, None).expect("m");
            feed(&mut seq, &x, ch);
            for k in kernels().into_iter().skip(1) {
                let mut m = LoudnessMeter::with_kernel(ch, rate, k, None).expect("m");
                assert!(frames > 2 * m.block, "{rate}: several blocks");
                feed(&mut m, &x, ch);
                same_energies(&seq, &m, 1e-12, &format!("{k:?} {rate} Hz {ch} ch"));
            }
        }
    }

    /// Interleaves `ch` channels made by `f(channel, frame)`.
    fn make(ch: usize, frames: usize, mut f: impl FnMut(usize, usize) -> f32) -> Vec<f32> {
        let mut x = Vec::with_capacity(ch * frames);
        for n in 0..frames {
            for c in 0..ch {
                x.push(f(c, n));
            }
        }
        x
    }

    #[test]
    fn matches_ebur128_on_noise_sines_crescendo_and_gated_silence() {
        for &rate in &[8_000u32, 44_100, 48_000, 96_000] {
            let r = rate as f32;
            let secs = 12.0;
            let frames = (secs * r) as usize;
            for &ch in &[1usize, 2, 6] {
                let mut g = lcg(ch as u64 * 7 + u64::from(rate));
                check(
                    "noise",
                    &make(ch, frames, |c, _| 0.3 * g() * (1.0 + c as f32 * 0.1)),
                    ch,
                    rate,
                );
                // crescendo: -60 dB to 0 dB, exercising both gates and the range
                let mut g = lcg(3);
                check(
                    "crescendo",
                    &make(ch, frames, |_, n| {
                        let t = n as f32 / frames as f32;
                        0.5 * g() * 10f32.powf(3.0 * (t - 1.0))
                    }),
                    ch,
                    rate,
                );
                // loud passages separated by digital silence and by a -50 dB
                // passage (below the relative gate)
                let mut g = lcg(5);
                check(
                    "gaps",
                    &make(ch, frames, |_, n| {
                        let t = n as f32 / r;
                        let v = g();
                        match (t as usize) % 4 {
                            0 | 1 => 0.4 * v,
                            2 => 0.0,
                            _ => 0.001 * v,
                        }
                    }),
                    ch,
                    rate,
                );
            }
            // sines 20 Hz-18 kHz (below Nyquist), stereo and mono
            for &f in &[
                20.0f32, 40.0, 100.0, 1000.0, 3000.0, 8000.0, 12000.0, 18000.0,
            ] {
                if f >= 0.45 * r {
                    continue;
                }
                for &ch in &[1usize, 2] {
                    let w = 2.0 * std::f64::consts::PI * f64::from(f) / f64::from(rate);
                    let x = make(ch, (5.0 * r) as usize, |c, n| {
                        (0.5 * (w * n as f64 + c as f64).sin()) as f32
                    });
                    check(&format!("sine {f} Hz"), &x, ch, rate);
                }
            }
        }
    }

    #[test]
    fn silence_and_short_input_have_no_loudness() {
        let mut m = LoudnessMeter::new(2, 44_100).expect("meter");
        m.push_interleaved(&vec![0.0; 2 * 44_100 * 5]);
        m.finish();
        assert_eq!(m.integrated(), None);
        assert_eq!(m.range(), 0.0);
        let mut m = LoudnessMeter::new(1, 48_000).expect("meter");
        m.push_interleaved(&[0.5; 1000]);
        m.finish();
        assert_eq!(m.integrated(), None);
        // rates where the K-filter design is unstable or odd: a finite value
        // or None, never NaN
        for rate in [16u32, 1_000, 3_000, 2_822_400] {
            let mut m = LoudnessMeter::new(2, rate).expect("meter");
            let mut g = lcg(u64::from(rate));
            let x: Vec<f32> = (0..2 * (rate as usize * 5).max(100)).map(|_| g()).collect();
            m.push_interleaved(&x);
            m.finish();
            assert!(m.integrated().is_none_or(f64::is_finite), "{rate}");
            assert!(!m.range().is_nan(), "{rate}");
        }
        assert!(LoudnessMeter::new(0, 44_100).is_none());
        assert!(LoudnessMeter::new(2, 8).is_none());
    }
}
