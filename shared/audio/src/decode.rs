//! Streaming decode of every common format through symphonia.
//!
//! Exists so that the rest of the crate never sees a container or codec:
//! it receives planar `f32` blocks (one decoded packet at a time, so a
//! one-hour file is never held whole) through a `PcmSink`. Planar, as
//! the decoders produce it: converting is one vectorised pass per plane,
//! and every consumer (downmix, loudness, true peak) reads channels.
//!
//! An MPEG audio elementary stream (what `.mp3` files are) is decoded by
//! `nanomp3`, a safe Rust port of minimp3 with the same gapless trimming
//! and tag skipping, in about 73 % of symphonia's time with the same
//! results; symphonia sniffs the container first and decodes everything
//! else (MP3 inside RIFF or MP4 included).
//!
//! Robustness policy: the container is *sniffed* (the extension is only a
//! hint); a corrupt packet is skipped with a `tracing` warning; a stream that
//! breaks off mid-way (truncated file) ends the decode with a warning and
//! keeps what was decoded; a file with no decodable audio is a clear
//! [`AudioError`]. Every loop is bounded by the bytes of the input and by a
//! cap on consecutive decode errors, so malformed input cannot hang it.
//!
//! symphonia is pinned to 0.6 (0.6.1): there `next_packet` returns
//! `Ok(None)` at the end of the stream (0.5 reported an `UnexpectedEof` I/O
//! error), codec parameters are per track type, and the decoder trims
//! encoder delay and padding itself (gapless, on by default).
//!
//! No panic may escape: the release profile aborts on panic, so
//! `catch_unwind` would be no defence; panicking paths of the decoders must
//! be avoided instead. symphonia 0.5.5 had such paths that malformed input
//! reached within seconds of fuzzing (the raw ADTS reader's duration
//! estimate underflowed; the AAC decoder indexed past its section tables);
//! 0.6.1 bounds both, and the fuzz target (`fuzz/`, see docs/audio.md) runs
//! over this module with every input that once crashed kept as a
//! regression test (`tests/malformed.rs`).

use std::io::{ErrorKind, Seek, SeekFrom};

use serde::{Deserialize, Serialize};
use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;

use crate::error::AudioError;

/// After this many corrupt packets in a row the stream is considered broken.
const MAX_CONSECUTIVE_ERRORS: u32 = 64;
/// The loudness meter's limit (ebur128's), and far above any real file.
pub(crate) const MAX_CHANNELS: usize = 64;

/// Receives decoded PCM.
pub(crate) trait PcmSink {
    /// Called once, before the first block, with the stream's format.
    fn start(&mut self, sample_rate: u32, channels: usize) -> Result<(), AudioError>;
    /// One block: a plane of samples per channel, all the same length.
    fn push(&mut self, planes: &[Vec<f32>]);
}

/// What a decode pass saw (returned by [`crate::decode_only_path`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecodeStats {
    /// Sample rate of the decoded stream, Hz.
    pub sample_rate: u32,
    /// Channel count of the decoded stream.
    pub channels: u16,
    /// Decoded sample frames (per channel).
    pub frames: u64,
    /// `frames / sample_rate`, seconds.
    pub duration_s: f64,
    /// Packets read from the container for the audio track.
    pub packets: u64,
    /// Packets that failed to decode and were skipped.
    pub skipped_packets: u64,
    /// True when the stream ended early (truncated or broken container).
    pub truncated: bool,
    /// Short codec name, e.g. `"mp3"`, `"flac"`, `"pcm_s16le"`.
    pub codec: String,
}

fn codec_name(params: &AudioCodecParameters) -> String {
    symphonia::default::get_codecs()
        .get_audio_decoder(params.codec)
        .map(|d| d.codec.info.short_name.to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

fn io_or(e: SymError, what: &str) -> AudioError {
    match e {
        SymError::Unsupported(r) => AudioError::Unsupported {
            reason: format!("{what}: {r}"),
            source: None,
        },
        other => AudioError::Unsupported {
            reason: what.to_string(),
            source: Some(other),
        },
    }
}

/// Opens the container (sniffed; the hint only orders the probes).
fn open_format(
    source: Box<dyn MediaSource>,
    extension_hint: Option<&str>,
) -> Result<Box<dyn FormatReader>, AudioError> {
    let mss = MediaSourceStream::new(source, MediaSourceStreamOptions::default());
    let mut hint = Hint::new();
    if let Some(ext) = extension_hint {
        let ext = ext.trim_start_matches('.');
        if !ext.is_empty() {
            hint.with_extension(&ext.to_ascii_lowercase());
        }
    }
    symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| io_or(e, "no supported container or codec found"))
}

/// Decode `source` completely, pushing PCM into `sink`.
pub(crate) fn decode_source(
    source: Box<dyn MediaSource>,
    extension_hint: Option<&str>,
    sink: &mut dyn PcmSink,
) -> Result<DecodeStats, AudioError> {
    let seekable = source.is_seekable();
    let mut format = open_format(source, extension_hint)?;
    // an MPEG audio stream (not MP3 inside another container) goes to
    // nanomp3, which decodes it in about half symphonia's time; it needs to
    // start over, so only where the source can seek
    if format.format_info().short_name == "mp3" && seekable {
        return decode_mpeg_audio(format.into_inner(), sink);
    }

    let (track_id, params) = format
        .default_track(TrackType::Audio)
        .into_iter()
        .chain(format.tracks().iter())
        .find_map(|t| match t.codec_params.as_ref() {
            Some(CodecParameters::Audio(p)) => Some((t.id, p.clone())),
            _ => None,
        })
        .ok_or_else(|| AudioError::NoAudio {
            reason: "the container has no audio track".into(),
        })?;
    let codec = codec_name(&params);
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| io_or(e, "unsupported codec"))?;

    let mut stats = DecodeStats::new(codec);
    let mut started: Option<(u32, usize)> = None;
    let mut planes: Vec<Vec<f32>> = Vec::new();
    let mut consecutive_errors = 0u32;
    let mut warned_spec_change = false;
    let mut last_error: Option<SymError> = None;

    loop {
        let packet = match format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            // a stream cut off mid-packet
            Err(SymError::IoError(e)) if e.kind() == ErrorKind::UnexpectedEof => {
                if stats.packets > 0 {
                    tracing::warn!(
                        packet = stats.packets,
                        "stream ends mid-packet; treating it as truncated"
                    );
                    stats.truncated = true;
                }
                break;
            }
            Err(SymError::ResetRequired) => {
                tracing::warn!(
                    packet = stats.packets,
                    "stream requires a decoder reset (chained stream); stopping there"
                );
                stats.truncated = true;
                break;
            }
            Err(e) => {
                tracing::warn!(packet = stats.packets, error = %e, "container error; treating the stream as truncated");
                stats.truncated = true;
                last_error = Some(e);
                break;
            }
        };
        if packet.track_id != track_id {
            continue;
        }
        stats.packets += 1;
        let decoded = match decoder.decode(&packet) {
            Ok(buf) => {
                let frames = buf.frames();
                if frames == 0 {
                    continue;
                }
                let rate = buf.spec().rate();
                // one plane per channel, each resized to `frames`
                buf.copy_to_vecs_planar(&mut planes);
                Ok((rate, planes.len(), frames))
            }
            Err(e) => Err(e),
        };
        match decoded {
            Ok((rate, channels, frames)) => {
                consecutive_errors = 0;
                match started {
                    None => {
                        start_sink(sink, &mut stats, rate, channels)?;
                        started = Some((rate, channels));
                    }
                    Some((r0, c0)) if r0 != rate || c0 != channels => {
                        if !warned_spec_change {
                            tracing::warn!(
                                packet = stats.packets,
                                rate,
                                channels,
                                "stream format changed mid-stream; skipping packets in the new format"
                            );
                            warned_spec_change = true;
                        }
                        stats.skipped_packets += 1;
                        continue;
                    }
                    Some(_) => {}
                }
                sink.push(&planes);
                stats.frames += frames as u64;
            }
            Err(e) => {
                stats.skipped_packets += 1;
                consecutive_errors += 1;
                tracing::warn!(packet = stats.packets, error = %e, "skipping corrupt packet");
                let fatal = !matches!(e, SymError::DecodeError(_) | SymError::IoError(_));
                last_error = Some(e);
                if fatal || consecutive_errors > MAX_CONSECUTIVE_ERRORS {
                    stats.truncated = true;
                    break;
                }
            }
        }
    }
    if stats.frames == 0 {
        return Err(match last_error {
            Some(e) => AudioError::Undecodable {
                reason: "no packet of the audio track could be decoded".into(),
                source: Some(e),
            },
            None => AudioError::NoAudio {
                reason: "the audio track decodes to no samples".into(),
            },
        });
    }
    stats.duration_s = stats.frames as f64 / f64::from(stats.sample_rate.max(1));
    Ok(stats)
}

impl DecodeStats {
    /// Nothing decoded yet.
    fn new(codec: String) -> Self {
        DecodeStats {
            sample_rate: 0,
            channels: 0,
            frames: 0,
            duration_s: 0.0,
            packets: 0,
            skipped_packets: 0,
            truncated: false,
            codec,
        }
    }
}

/// Checks the stream's format (a rate and at most [`MAX_CHANNELS`]
/// channels), starts `sink` with it and records it in `stats`.
fn start_sink(
    sink: &mut dyn PcmSink,
    stats: &mut DecodeStats,
    rate: u32,
    channels: usize,
) -> Result<(), AudioError> {
    if rate == 0 || channels == 0 {
        return Err(AudioError::Undecodable {
            reason: format!("invalid stream format: {rate} Hz, {channels} channels"),
            source: None,
        });
    }
    if channels > MAX_CHANNELS {
        return Err(AudioError::Unsupported {
            reason: format!("{channels} channels (at most {MAX_CHANNELS})"),
            source: None,
        });
    }
    sink.start(rate, channels)?;
    stats.sample_rate = rate;
    stats.channels = channels as u16;
    Ok(())
}

/// Frames of an MPEG audio elementary stream (ID3/APE tags skipped,
/// encoder delay and padding trimmed from the LAME/Xing header, as
/// symphonia does) through `nanomp3` (a safe Rust port of minimp3,
/// `forbid(unsafe_code)`, fuzzed upstream for panics and stalls). Junk
/// between frames is skipped by the frame sync; a stream that breaks off
/// ends with what was decoded.
fn decode_mpeg_audio(
    mut mss: MediaSourceStream<'_>,
    sink: &mut dyn PcmSink,
) -> Result<DecodeStats, AudioError> {
    let undecodable = |reason: String| AudioError::Undecodable {
        reason,
        source: None,
    };
    mss.seek(SeekFrom::Start(0))
        .map_err(|e| undecodable(format!("cannot rewind the MPEG audio stream: {e}")))?;
    let mut reader =
        nanomp3::Reader::<_, f32>::new(mss).map_err(|e| undecodable(format!("MPEG audio: {e}")))?;
    let mut stats = DecodeStats::new("mp3".to_string());
    let Some(channels) = reader.channels().map(|c| usize::from(c.num())) else {
        return Err(AudioError::NoAudio {
            reason: "no MPEG audio frame in the stream".into(),
        });
    };
    let rate = reader.sample_rate();
    start_sink(sink, &mut stats, rate, channels)?;
    let mut planes: Vec<Vec<f32>> = vec![Vec::new(); channels];
    loop {
        let pcm = match reader.read_frame() {
            Ok(Some(pcm)) => pcm,
            Ok(None) => break,
            Err(nanomp3::Error::FormatChanged) => {
                tracing::warn!(
                    packet = stats.packets,
                    "stream format changed mid-stream; stopping there"
                );
                stats.truncated = true;
                break;
            }
            Err(e) => {
                tracing::warn!(packet = stats.packets, error = %e, "read error; treating the stream as truncated");
                stats.truncated = true;
                break;
            }
        };
        stats.packets += 1;
        let frames = pcm.len() / channels;
        if frames == 0 {
            continue;
        }
        deinterleave(&pcm[..frames * channels], &mut planes);
        sink.push(&planes);
        stats.frames += frames as u64;
    }
    if stats.frames == 0 {
        return Err(AudioError::NoAudio {
            reason: "the MPEG audio stream decodes to no samples".into(),
        });
    }
    stats.duration_s = stats.frames as f64 / f64::from(rate);
    Ok(stats)
}

/// Interleaved frames of `planes.len()` channels into one plane each.
fn deinterleave(x: &[f32], planes: &mut [Vec<f32>]) {
    let ch = planes.len();
    let frames = x.len() / ch.max(1);
    match planes {
        [m] => {
            m.clear();
            m.extend_from_slice(&x[..frames]);
        }
        [a, b] => {
            a.resize(frames, 0.0);
            b.resize(frames, 0.0);
            for ((l, r), f) in a.iter_mut().zip(b.iter_mut()).zip(x.chunks_exact(2)) {
                *l = f[0];
                *r = f[1];
            }
        }
        _ => {
            for (c, p) in planes.iter_mut().enumerate() {
                p.clear();
                p.extend(x.chunks_exact(ch).map(|f| f[c]));
            }
        }
    }
}

/// A sink that discards everything (decode-only timing).
pub(crate) struct NullSink {
    pub(crate) checksum: f64,
}

impl PcmSink for NullSink {
    fn start(&mut self, _sample_rate: u32, _channels: usize) -> Result<(), AudioError> {
        Ok(())
    }
    fn push(&mut self, planes: &[Vec<f32>]) {
        // touch the data so the decode cannot be optimised away
        for p in planes {
            if let Some(x) = p.first() {
                self.checksum += f64::from(*x);
            }
        }
    }
}
