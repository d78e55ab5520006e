"""Language: a character-level LSTM language model on tiny Shakespeare.

The classic recipe of PyTorch's word_language_model example, at the character level:
the text is cut into `batch_size` parallel streams, trained with truncated
backpropagation through time (the hidden state carries over between chunks, detached),
gradient clipping, and perplexity on held-out text; it samples text at the end.  Plain
PyTorch code through `import ember as torch`; with PyTorch, `read_corpus` is the only
function to change.

Run:  python examples/lstm_language_model.py [--epochs 1] [--hidden 256] [--max-batches 800]
      python examples/lstm_language_model.py --quick
"""

import argparse
import math
import time

import ember as torch
import ember.nn.functional as F
from ember import nn


def read_corpus(path=None) -> str:
    """The training text: a file, or the tiny Shakespeare copy bundled with ember."""
    if path is not None:
        with open(path, encoding="utf-8") as f:
            return f.read()
    from ember.text import load_tinyshakespeare  # the one ember-specific line

    return load_tinyshakespeare()


# ---------------------------------------------------------------- the torch-API part


class LSTMLanguageModel(nn.Module):
    """Embedding -> multi-layer LSTM -> dropout -> linear decoder over the vocabulary."""

    def __init__(self, vocab_size: int, embed: int, hidden: int, layers: int, dropout: float):
        super().__init__()
        self.hidden, self.layers = hidden, layers
        self.embedding = nn.Embedding(vocab_size, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=layers, dropout=dropout if layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.decoder = nn.Linear(hidden, vocab_size)

    def init_hidden(self, batch_size: int):
        zeros = torch.zeros(self.layers, batch_size, self.hidden)
        return zeros, zeros.clone()

    def forward(self, tokens, state):
        # tokens: (seq_len, batch) -> logits (seq_len, batch, vocab)
        output, state = self.lstm(self.dropout(self.embedding(tokens)), state)
        return self.decoder(self.dropout(output)), state


def batchify(data, batch_size: int):
    """Cut a 1-D token stream into `batch_size` columns: (len // batch_size, batch_size)."""
    steps = data.size(0) // batch_size
    return data[: steps * batch_size].view(batch_size, steps).t().contiguous()


def get_chunk(source, i: int, bptt: int):
    seq_len = min(bptt, source.size(0) - 1 - i)
    return source[i : i + seq_len], source[i + 1 : i + 1 + seq_len]


def detach_state(state):
    """Cut the graph between chunks (truncated BPTT) but keep the values."""
    return tuple(s.detach() for s in state)


def train_epoch(model, source, optimizer, args, epoch: int) -> None:
    model.train()
    state = model.init_hidden(args.batch_size)
    total, count, start = 0.0, 0, time.perf_counter()
    batches = min((source.size(0) - 1) // args.bptt, args.max_batches)
    for batch in range(batches):
        inputs, targets = get_chunk(source, batch * args.bptt, args.bptt)
        state = detach_state(state)
        optimizer.zero_grad()
        logits, state = model(inputs, state)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        optimizer.step()
        total += loss.item()
        count += 1
        if (batch + 1) % args.log_every == 0 or batch + 1 == batches:
            elapsed = time.perf_counter() - start
            print(f"epoch {epoch} | batch {batch + 1:4d}/{batches} | loss {total / count:.3f} | "
                  f"ppl {math.exp(total / count):7.2f} | {1000 * elapsed / count:.0f} ms/batch", flush=True)
            total, count, start = 0.0, 0, time.perf_counter()


@torch.no_grad()
def evaluate(model, source, args) -> float:
    """Mean cross-entropy (nats per character) over `source`."""
    model.eval()
    state = model.init_hidden(source.size(1))
    total, n = 0.0, 0
    for i in range(0, source.size(0) - 1, args.bptt):
        inputs, targets = get_chunk(source, i, args.bptt)
        logits, state = model(inputs, state)
        total += F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1), reduction="sum").item()
        n += targets.numel()
    return total / n


@torch.no_grad()
def sample(model, start_id: int, length: int, temperature: float):
    model.eval()
    state = model.init_hidden(1)
    token = torch.tensor([[start_id]])
    out = []
    for _ in range(length):
        logits, state = model(token, state)
        probs = F.softmax(logits[-1, 0] / temperature, dim=-1)
        token = torch.multinomial(probs, 1).view(1, 1)
        out.append(token.item())
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", default=None, help="a UTF-8 text file (default: bundled tiny Shakespeare)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--bptt", type=int, default=64, help="truncated-BPTT chunk length")
    parser.add_argument("--embed", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--clip", type=float, default=0.5)
    parser.add_argument("--max-batches", type=int, default=400, help="cap on batches per epoch")
    parser.add_argument("--log-every", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="a small model for a few batches (for CI)")
    args = parser.parse_args()
    if args.quick:
        args.hidden, args.layers, args.bptt, args.batch_size = 64, 1, 32, 16
        args.max_batches, args.log_every, args.epochs = 40, 10, 1

    torch.manual_seed(args.seed)
    text = read_corpus(args.text)
    chars = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    split = int(0.95 * len(data))
    train_data = batchify(data[:split], args.batch_size)
    # A quick run evaluates on a slice of the held-out text only.
    val_text = data[split:] if not args.quick else data[split : split + 4000]
    val_data = batchify(val_text, 8)
    print(f"corpus: {len(text):,} characters, vocabulary of {len(chars)}; "
          f"train {tuple(train_data.shape)}, validation {tuple(val_data.shape)}")

    model = LSTMLanguageModel(len(chars), args.embed, args.hidden, args.layers, args.dropout)
    print(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)

    before = evaluate(model, val_data, args)
    print(f"validation before training: loss {before:.3f}, perplexity {math.exp(before):.2f}")
    for epoch in range(1, args.epochs + 1):
        train_epoch(model, train_data, optimizer, args, epoch)
        scheduler.step()
        val = evaluate(model, val_data, args)
        print(f"end of epoch {epoch}: validation loss {val:.3f}, perplexity {math.exp(val):.2f} "
              f"({val / math.log(2):.2f} bits per character)")

    text_out = "".join(chars[i] for i in sample(model, stoi["\n"], 300 if not args.quick else 80, 0.8))
    print("---- sample ----")
    print(text_out)
    print("----------------")
    if val >= before:
        raise SystemExit("the validation loss did not go down")


if __name__ == "__main__":
    main()
