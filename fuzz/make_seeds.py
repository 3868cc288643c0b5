#!/usr/bin/env python3
"""Write a small seed corpus (~50 KB) into fuzz/corpus/decode_analyze/:
tiny WAVs in several sample formats, and short slices of the shipped corpus
samples (FLAC, MP3) and the tests' AAC/M4A/Ogg fixtures so the fuzzer starts
inside real frames, and every past crasher (shared/audio/tests/fuzz-regressions).
Each seed is prefixed with the hint-selector byte the target reads first."""
import math, os, struct, sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "decode_analyze")
SAMPLES = os.path.join(HERE, "..", "..", "shared", "audio-corpus", "samples")
if not os.path.isdir(SAMPLES):
    SAMPLES = "/work/shared/audio-corpus/samples"
os.makedirs(OUT, exist_ok=True)


def wav(sr, ch, bits, fmt, n):
    frames = bytearray()
    for i in range(n):
        v = 0.5 * math.sin(2 * math.pi * 440 * i / sr) * (1 if (i // 2000) % 2 == 0 else 0.2)
        for _ in range(ch):
            if fmt == 3:
                frames += struct.pack("<f", v)
            elif bits == 8:
                frames += struct.pack("<B", int(128 + v * 127))
            elif bits == 16:
                frames += struct.pack("<h", int(v * 32767))
            elif bits == 24:
                frames += int(v * 8388607).to_bytes(3, "little", signed=True)
            else:
                frames += struct.pack("<i", int(v * 2147483647))
    ba = ch * bits // 8
    hdr = b"RIFF" + struct.pack("<I", 36 + len(frames)) + b"WAVE"
    hdr += b"fmt " + struct.pack("<IHHIIHH", 16, fmt, ch, sr, sr * ba, ba, bits)
    hdr += b"data" + struct.pack("<I", len(frames))
    return hdr + bytes(frames)


seeds = {
    "wav16_mono": (1, wav(8000, 1, 16, 1, 400)),
    "wav24_stereo": (1, wav(44100, 2, 24, 1, 200)),
    "wav32f": (1, wav(22050, 1, 32, 3, 300)),
    "wav8_6ch": (0, wav(48000, 6, 8, 1, 100)),
}
for name, hint, n in (("d008.flac", 2, 3000), ("d003.mp3", 3, 3000)):
    p = os.path.join(SAMPLES, name)
    if os.path.exists(p):
        data = open(p, "rb").read()
        seeds[name + "_head"] = (hint, data[:n])
        seeds[name + "_lying"] = (1, data[:n])
# the compressed fixtures of the tests (raw AAC, M4A, Ogg Vorbis), whole and cut
DATA = os.path.join(HERE, "..", "shared", "audio", "tests", "data")
for name, hint in (("tone_a440.aac", 6), ("tone_a440.m4a", 5), ("tone_a440.ogg", 4)):
    p = os.path.join(DATA, name)
    if os.path.exists(p):
        data = open(p, "rb").read()
        seeds[name] = (hint, data)
        seeds[name + "_head"] = (0, data[:2000])
for name, (hint, data) in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([hint]) + data)
# every input that once crashed or hung (already in the target's format)
REG = os.path.join(HERE, "..", "shared", "audio", "tests", "fuzz-regressions")
n_reg = 0
for name in sorted(os.listdir(REG)) if os.path.isdir(REG) else []:
    if not name.endswith(".md"):
        with open(os.path.join(REG, name), "rb") as f, open(os.path.join(OUT, "reg-" + name), "wb") as g:
            g.write(f.read())
        n_reg += 1
print(f"{n_reg} regression inputs")
print(f"{len(seeds)} seeds, {sum(len(d) for _, d in seeds.values())} bytes -> {OUT}")
