"""Speech: spoken-digit recognition with a 1-D convolution + GRU over log-mel spectrograms.

No audio ships with ember, so the recordings are synthesized: each digit word is a
sequence of rough phonemes (vowels and nasals as a sawtooth at the speaker's pitch shaped
by formant peaks, fricatives and bursts as shaped noise: "six" is s-I-k-s), and every
utterance varies the speaker's pitch and vocal-tract length, the speaking rate, the
timing, the loudness and the background noise.  Features are log-mel spectrograms computed with NumPy (framing, Hann
window, FFT, mel filterbank).  The model and its training are plain PyTorch code through
`import ember as torch`.

Run:  python examples/speech_commands.py [--train 4000] [--epochs 12] [--noise-db 0]
      python examples/speech_commands.py --quick
"""

import argparse
import time

import numpy as np

import ember as torch
import ember.nn.functional as F
from ember import nn
from ember.utils.data import DataLoader, TensorDataset

WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
SAMPLE_RATE = 8000
CLIP_SECONDS = 0.6
FRAME, HOP, N_MELS = 256, 80, 40


# ---------------------------------------------------------------- synthetic recordings (NumPy)

# Sounds as a source (voiced: a sawtooth at the speaker's pitch; noise: hiss or a burst)
# shaped by a spectral envelope: formant peaks (Hz) for voiced sounds, a band centre and
# width for noise.  Values are rough textbook formants of American English vowels.
SOUNDS = {
    "i": ("voiced", (270, 2290, 3010)), "I": ("voiced", (390, 1990, 2550)), "E": ("voiced", (530, 1840, 2480)),
    "a": ("voiced", (730, 1090, 2440)), "o": ("voiced", (570, 840, 2410)), "U": ("voiced", (440, 1020, 2240)),
    "u": ("voiced", (300, 870, 2240)), "A": ("voiced", (640, 1190, 2390)), "r": ("voiced", (490, 1350, 1690)),
    "w": ("voiced", (300, 650, 2200)), "n": ("nasal", (250, 1900, 2700)), "v": ("nasal", (250, 1400, 2500)),
    "s": ("noise", (3400, 500)), "z": ("noise", (3300, 600)), "f": ("noise", (2600, 1400)),
    "th": ("noise", (2900, 1200)), "t": ("burst", (3200, 800)), "k": ("burst", (1900, 600)),
}
# The ten words as sequences of those sounds (diphthongs as two vowels).
PRONUNCIATIONS = [
    ["z", "I", "r", "o", "U"], ["w", "A", "n"], ["t", "u"], ["th", "r", "i"], ["f", "o", "r"],
    ["f", "a", "I", "v"], ["s", "I", "k", "s"], ["s", "E", "v", "A", "n"], ["E", "I", "t"], ["n", "a", "I", "n"],
]
RELATIVE_LENGTH = {"voiced": 1.0, "nasal": 0.6, "noise": 0.7, "burst": 0.25}


def _envelope(kind: str, shape, freqs: np.ndarray, tract: float, rng) -> np.ndarray:
    """Spectral gain of one sound at ``freqs`` for a speaker with vocal-tract factor ``tract``."""
    if kind in ("voiced", "nasal"):
        formants = np.array(shape) * tract * rng.uniform(0.93, 1.07, 3)
        weights = (1.0, 0.5, 0.25) if kind == "voiced" else (1.0, 0.1, 0.05)
        return sum(w * np.exp(-0.5 * ((freqs - f) / (50 + 0.07 * f)) ** 2) for w, f in zip(weights, formants))
    centre, width = shape
    return np.exp(-0.5 * ((freqs - centre * tract) / width) ** 2)


def synthesize(label: int, rng: np.random.Generator, noise_db: float) -> np.ndarray:
    """One utterance of word ``label``: a float32 waveform of CLIP_SECONDS at SAMPLE_RATE."""
    n = int(SAMPLE_RATE * CLIP_SECONDS)
    sounds = PRONUNCIATIONS[label]
    f0 = rng.uniform(85, 250)                       # the speaker's pitch
    tract = rng.uniform(0.85, 1.15)                 # vocal-tract length scales every formant
    lengths = np.array([RELATIVE_LENGTH[SOUNDS[s][0]] for s in sounds]) * rng.uniform(0.7, 1.4, len(sounds))
    duration = min(rng.uniform(0.3, 0.5), CLIP_SECONDS - 0.02)   # the speaking rate
    bounds = np.rint(np.concatenate([[0], np.cumsum(lengths / lengths.sum())]) * duration * SAMPLE_RATE).astype(int)
    offset = rng.integers(0, n - bounds[-1])
    fade = int(0.012 * SAMPLE_RATE)                 # neighbouring sounds overlap by 12 ms

    signal = np.zeros(n)
    pitch_slope = rng.uniform(-0.25, 0.15)          # pitch falls (or rises a little) over the word
    for sound, begin, end in zip(sounds, bounds[:-1], bounds[1:]):
        kind, shape = SOUNDS[sound]
        lo, hi = max(offset + begin - fade, 0), min(offset + end + fade, n)
        length = hi - lo
        if kind in ("voiced", "nasal"):
            pitch = f0 * (1 + pitch_slope * (np.arange(lo, hi) - offset) / bounds[-1])
            phase = np.cumsum(pitch) / SAMPLE_RATE
            source = 2 * (phase % 1.0) - 1             # a sawtooth: every harmonic of the pitch
        else:
            source = rng.standard_normal(length)
        spectrum = np.fft.rfft(source) * _envelope(kind, shape, np.fft.rfftfreq(length, 1 / SAMPLE_RATE), tract, rng)
        sound_wave = np.fft.irfft(spectrum, length)
        sound_wave /= np.abs(sound_wave).max() + 1e-9
        ramp = np.minimum(1.0, np.minimum(np.arange(length) + 1, length - np.arange(length)) / fade)
        loudness = {"voiced": 1.0, "nasal": 0.4, "noise": 0.35, "burst": 0.5}[kind]
        signal[lo:hi] += loudness * ramp * sound_wave
    signal *= rng.uniform(0.2, 1.0) / (np.abs(signal).max() + 1e-9)
    snr_db = rng.uniform(noise_db - 5, noise_db + 5)
    noise_power = np.mean(signal[offset : offset + bounds[-1]] ** 2) / 10 ** (snr_db / 10)
    return (signal + rng.standard_normal(n) * np.sqrt(noise_power)).astype(np.float32)


def mel_filterbank(n_mels: int, n_fft: int, sample_rate: int) -> np.ndarray:
    """Triangular filters evenly spaced on the mel scale: (n_mels, n_fft // 2 + 1)."""
    mel = lambda f: 2595 * np.log10(1 + f / 700)
    hz = lambda m: 700 * (10 ** (m / 2595) - 1)
    edges = hz(np.linspace(mel(50), mel(sample_rate / 2), n_mels + 2))
    bins = np.fft.rfftfreq(n_fft, 1 / sample_rate)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins - lower) / (centre - lower)
    falling = (upper - bins) / (upper - centre)
    return np.clip(np.minimum(rising, falling), 0, None)


def log_mel_spectrogram(waves: np.ndarray) -> np.ndarray:
    """(N, samples) waveforms -> (N, N_MELS, frames) log-mel energies (a short-time FFT)."""
    frames = 1 + (waves.shape[1] - FRAME) // HOP
    index = np.arange(FRAME)[None, :] + HOP * np.arange(frames)[:, None]   # (frames, FRAME)
    windowed = waves[:, index] * np.hanning(FRAME)                           # (N, frames, FRAME)
    power = np.abs(np.fft.rfft(windowed, axis=-1)) ** 2                      # (N, frames, bins)
    mels = power @ mel_filterbank(N_MELS, FRAME, SAMPLE_RATE).T              # (N, frames, mels)
    return np.log(mels + 1e-6).transpose(0, 2, 1).astype(np.float32)


def make_split(count: int, seed: int, noise_db: float):
    """Balanced labels, synthesized waveforms, their log-mel spectrograms."""
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % len(WORDS)
    rng.shuffle(labels)
    waves = np.stack([synthesize(int(y), rng, noise_db) for y in labels])
    return log_mel_spectrogram(waves), labels.astype(np.int64)


# ---------------------------------------------------------------- the torch-API part


class SpeechClassifier(nn.Module):
    """Conv1d front end over mel bands, a bidirectional GRU over time, a linear head."""

    def __init__(self, n_mels: int, n_classes: int, channels: int = 64, hidden: int = 64):
        super().__init__()
        self.frontend = nn.Sequential(
            nn.Conv1d(n_mels, channels, kernel_size=5, padding=2), nn.BatchNorm1d(channels), nn.ReLU(),
            nn.Conv1d(channels, channels, kernel_size=5, padding=2, stride=2), nn.BatchNorm1d(channels), nn.ReLU(),
        )
        self.gru = nn.GRU(channels, hidden, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(0.2)
        self.head = nn.Linear(2 * hidden, n_classes)

    def forward(self, spectrograms):                  # (batch, mels, frames)
        x = self.frontend(spectrograms)                # (batch, channels, frames / 2)
        outputs, _ = self.gru(x.transpose(1, 2))       # (batch, frames / 2, 2 * hidden)
        return self.head(self.dropout(outputs.mean(dim=1)))


def run_epoch(model, loader, optimizer=None):
    """Train (with an optimizer) or evaluate; returns (mean loss, accuracy)."""
    training = optimizer is not None
    model.train(training)
    total, correct, count = 0.0, 0, 0
    with torch.set_grad_enabled(training):
        for x, y in loader:
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            if training:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            total += loss.item() * y.size(0)
            correct += (logits.argmax(1) == y).sum().item()
            count += y.size(0)
    return total / count, correct / count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=3000, help="synthetic training utterances")
    parser.add_argument("--test", type=int, default=1000, help="synthetic test utterances")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--noise-db", type=float, default=0.0, help="mean signal-to-noise ratio in dB")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="a small data set and 4 epochs (for CI)")
    args = parser.parse_args()
    if args.quick:
        args.train, args.test, args.epochs = 600, 200, 4

    start = time.perf_counter()
    x_train, y_train = make_split(args.train, seed=args.seed, noise_db=args.noise_db)
    x_test, y_test = make_split(args.test, seed=args.seed + 10_000, noise_db=args.noise_db)
    mean, std = x_train.mean(axis=(0, 2), keepdims=True), x_train.std(axis=(0, 2), keepdims=True)
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    print(f"synthesized {args.train} + {args.test} utterances of {len(WORDS)} words; "
          f"log-mel features {x_train.shape[1:]} (mels, frames) in {time.perf_counter() - start:.1f} s")

    torch.manual_seed(args.seed)
    train_set = TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train))
    test_set = TensorDataset(torch.from_numpy(x_test), torch.from_numpy(y_test))
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=256)

    model = SpeechClassifier(N_MELS, len(WORDS))
    print(f"model: {sum(p.numel() for p in model.parameters()):,} parameters")
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        train_loss, train_acc = run_epoch(model, train_loader, optimizer)
        scheduler.step()
        test_loss, test_acc = run_epoch(model, test_loader)
        print(f"epoch {epoch:2d}: train loss {train_loss:.3f} acc {train_acc:.3f} | "
              f"test loss {test_loss:.3f} acc {test_acc:.3f} ({time.perf_counter() - t0:.1f} s)", flush=True)
    print(f"test accuracy: {test_acc:.3f}")


if __name__ == "__main__":
    main()
