//! The reference the analyser's own loudness meter is checked against:
//! `ebur128` at the file's full rate on every frame (I, LRA, true peak,
//! no gating of the true-peak meter). Prints `file,lufs,lra,true_peak_dbtp`.
//!
//! `cargo run --release -p noktvrn-audio --example loudness_reference -- FILE...`
//! (see docs/audio.md for the comparison).

use std::path::Path;

use ebur128::{EbuR128, Mode};
use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

fn measure(path: &Path) -> Result<(f64, f64, f64), Box<dyn std::error::Error>> {
    let file = std::fs::File::open(path)?;
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(e) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(e);
    }
    let mut format = symphonia::default::get_probe().probe(
        &hint,
        mss,
        FormatOptions::default(),
        MetadataOptions::default(),
    )?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or("no audio track")?;
    let id = track.id;
    let Some(CodecParameters::Audio(params)) = track.codec_params.clone() else {
        return Err("no audio codec parameters".into());
    };
    let mut dec = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())?;
    let mut meter: Option<EbuR128> = None;
    let mut buf: Vec<f32> = Vec::new();
    while let Some(p) = format.next_packet()? {
        if p.track_id != id {
            continue;
        }
        let Ok(b) = dec.decode(&p) else { continue };
        let (rate, ch) = (b.spec().rate(), b.spec().channels().count());
        if meter.is_none() {
            meter = Some(EbuR128::new(
                ch as u32,
                rate,
                Mode::I | Mode::LRA | Mode::TRUE_PEAK,
            )?);
        }
        buf.resize(b.frames() * ch, 0.0);
        b.copy_to_slice_interleaved(&mut buf[..]);
        if let Some(m) = meter.as_mut() {
            m.add_frames_f32(&buf)?;
        }
    }
    let m = meter.ok_or("no audio")?;
    let ch = m.channels();
    let tp = (0..ch)
        .filter_map(|c| m.true_peak(c).ok())
        .fold(0f64, f64::max);
    Ok((m.loudness_global()?, m.loudness_range()?, 20.0 * tp.log10()))
}

fn main() {
    println!("file,lufs,lra,true_peak_dbtp");
    for f in std::env::args().skip(1) {
        match measure(Path::new(&f)) {
            Ok((i, l, t)) => println!("{f},{i:.3},{l:.3},{t:.3}"),
            Err(e) => eprintln!("{f}: {e}"),
        }
    }
}
