"""Language: a character-level GPT trained on tiny Shakespeare, sampling text at the end.

A small decoder-only transformer (token + position embeddings, pre-norm blocks of causal
self-attention through F.scaled_dot_product_attention and an MLP, weight-tied output head) written in plain PyTorch code through
`import ember as torch`.  The text ships with ember; `--text FILE` trains on any other
UTF-8 file.  With PyTorch, `read_corpus` is the only function to change.

Run:  python examples/char_transformer.py [--steps 1000] [--layers 4] [--embed 128]
      python examples/char_transformer.py --quick
"""

import argparse
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


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where position t only sees positions <= t."""

    def __init__(self, embed: int, heads: int, dropout: float):
        super().__init__()
        assert embed % heads == 0, "embed must be divisible by heads"
        self.heads = heads
        self.dropout = dropout
        self.qkv = nn.Linear(embed, 3 * embed)
        self.proj = nn.Linear(embed, embed)
        self.resid_dropout = nn.Dropout(dropout)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        # (B, T, C) -> (B, heads, T, head_size)
        q = q.view(B, T, self.heads, C // self.heads).transpose(1, 2)
        k = k.view(B, T, self.heads, C // self.heads).transpose(1, 2)
        v = v.view(B, T, self.heads, C // self.heads).transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=self.dropout if self.training else 0.0,
                                           is_causal=True)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_dropout(self.proj(y))


class Block(nn.Module):
    def __init__(self, embed: int, heads: int, dropout: float):
        super().__init__()
        self.ln1 = nn.LayerNorm(embed)
        self.attn = CausalSelfAttention(embed, heads, dropout)
        self.ln2 = nn.LayerNorm(embed)
        self.mlp = nn.Sequential(
            # GPT-2's GELU: the tanh approximation (cheaper than the exact erf form)
            nn.Linear(embed, 4 * embed), nn.GELU(approximate="tanh"), nn.Linear(4 * embed, embed),
            nn.Dropout(dropout),
        )

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class CharGPT(nn.Module):
    def __init__(self, vocab_size: int, block_size: int, embed: int, heads: int, layers: int, dropout: float):
        super().__init__()
        self.block_size = block_size
        self.token_embedding = nn.Embedding(vocab_size, embed)
        self.position_embedding = nn.Embedding(block_size, embed)
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(Block(embed, heads, dropout) for _ in range(layers))
        self.ln_f = nn.LayerNorm(embed)
        self.head = nn.Linear(embed, vocab_size, bias=False)
        self.head.weight = self.token_embedding.weight  # weight tying
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, idx, targets=None):
        B, T = idx.shape
        positions = torch.arange(T)
        x = self.dropout(self.token_embedding(idx) + self.position_embedding(positions))
        for block in self.blocks:
            x = block(x)
        logits = self.head(self.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(B * T, -1), targets.view(B * T))
        return logits, loss

    @torch.no_grad()
    def generate(self, idx, new_tokens: int, temperature: float = 1.0, top_k=None):
        for _ in range(new_tokens):
            context = idx[:, -self.block_size:]
            logits, _ = self(context)
            logits = logits[:, -1, :] / temperature
            if top_k is not None:
                kth = torch.topk(logits, top_k).values[:, -1:]
                logits = logits.masked_fill(logits < kth, float("-inf"))
            next_id = torch.multinomial(F.softmax(logits, dim=-1), num_samples=1)
            idx = torch.cat([idx, next_id], dim=1)
        return idx


def get_batch(data, block_size: int, batch_size: int):
    """Random windows of the encoded text and the same windows shifted by one."""
    starts = torch.randint(len(data) - block_size - 1, (batch_size,))
    x = torch.stack([data[s : s + block_size] for s in starts.tolist()])
    y = torch.stack([data[s + 1 : s + 1 + block_size] for s in starts.tolist()])
    return x, y


@torch.no_grad()
def estimate_loss(model, splits: dict, block_size: int, batch_size: int, batches: int) -> dict:
    model.eval()
    out = {}
    for name, data in splits.items():
        losses = [model(*get_batch(data, block_size, batch_size))[1].item() for _ in range(batches)]
        out[name] = sum(losses) / len(losses)
    model.train()
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", default=None, help="a UTF-8 text file (default: bundled tiny Shakespeare)")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--block-size", type=int, default=64)
    parser.add_argument("--embed", type=int, default=128)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--sample-chars", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="a tiny model for a few steps (for CI)")
    args = parser.parse_args()
    if args.quick:
        args.steps, args.embed, args.layers, args.block_size = 60, 64, 2, 32
        args.batch_size, args.sample_chars = 16, 100

    torch.manual_seed(args.seed)
    text = read_corpus(args.text)
    chars = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    encode = lambda s: [stoi[c] for c in s]
    decode = lambda ids: "".join(chars[i] for i in ids)
    data = torch.tensor(encode(text), dtype=torch.long)
    split = int(0.9 * len(data))
    splits = {"train": data[:split], "val": data[split:]}
    print(f"corpus: {len(text):,} characters, vocabulary of {len(chars)}")

    model = CharGPT(len(chars), args.block_size, args.embed, args.heads, args.layers, args.dropout)
    print(f"model: {sum(p.numel() for p in model.parameters()):,} parameters "
          f"({args.layers} layers, {args.heads} heads, embed {args.embed}, context {args.block_size})")
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.99))
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=args.steps,
                                                    pct_start=0.1)

    start = time.perf_counter()
    report_every = max(1, args.steps // 5)
    first_loss = None
    for step in range(1, args.steps + 1):
        x, y = get_batch(splits["train"], args.block_size, args.batch_size)
        _, loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        first_loss = loss.item() if first_loss is None else first_loss
        if step % report_every == 0 or step == args.steps:
            losses = estimate_loss(model, splits, args.block_size, args.batch_size, batches=4)
            print(f"step {step:5d}: train loss {losses['train']:.3f}, val loss {losses['val']:.3f} "
                  f"({time.perf_counter() - start:.0f} s)", flush=True)

    prompt = torch.tensor([encode("\n")], dtype=torch.long)
    sample = model.generate(prompt, args.sample_chars, temperature=0.8, top_k=10)
    print("---- sample ----")
    print(decode(sample[0].tolist()))
    print("----------------")
    final = estimate_loss(model, splits, args.block_size, args.batch_size, batches=8)
    print(f"loss: first batch {first_loss:.3f}, final validation {final['val']:.3f}")
    if final["val"] >= first_loss:
        raise SystemExit("the validation loss did not go down")


if __name__ == "__main__":
    main()
