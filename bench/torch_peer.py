#!/usr/bin/python3
"""rlhf4j's PyTorch peer: the bench's shapes timed in plain PyTorch on the same CPU.

`./rlhf4j bench` runs this after its own figures for each shape and reports ours ÷ this script's tokens per second.
PyTorch is what an RLHF user would otherwise run (TRL, OpenRLHF and DeepSpeed-Chat are built on it), so the ratio
says what choosing the JVM costs or gains on one machine, in one hour.

The model is the one rlhf4j trains: GPT-2's architecture (learned positions, pre-LayerNorm blocks with eps 1e-5,
tanh GELU, causal attention scaled by 1/sqrt(head size), final LayerNorm, LM head tied to the token embedding), no
dropout, GPT-2's N(0, 0.02) initialisation. Three figures per shape, the same work as rlhf4j's Bench:

  train     one AdamW step (torch defaults: lr 3e-4, weight decay 0.01) of next-token cross-entropy over
            [batch, ctx] tokens; batch * (ctx - 1) tokens
  score     no-grad forward and the log-probability of each next token; batch * (ctx - 1) tokens
  generate  a `prompt`-token prefill, then `new` tokens sampled at temperature 1 through a key/value cache;
            batch * new tokens

Each figure: two untimed calls, then the mean wall time of --reps calls.

Set-up (Debian 12): apt-get install -y --no-install-recommends python3-torch libopenblas0-pthread
Run:    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_peer.py [--shape nano]... [--threads 1] [--reps 3]
Output: one JSON object per line and figure, e.g.
        {"shape": "nano", "what": "train", "ms": 812.4, "tokens_per_s": 2501.2, "threads": 1, ...}
        rlhf4j reads "shape", "what" and "tokens_per_s"; other lines (torch's warnings) are ignored.

The shapes must stay equal to org.rlhf4j.policy.bench.Shape (BenchTest compares the two).
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn.functional as F
from torch import nn

# name: vocab, d (n_embd), layers, heads, ctx (context and training length), batch, prompt, new (generated tokens)
SHAPES = {
    "nano": dict(vocab=512, d=128, layers=4, heads=4, ctx=128, batch=16, prompt=32, new=96),
    "small": dict(vocab=8192, d=256, layers=6, heads=8, ctx=256, batch=8, prompt=64, new=128),
    "gpt2": dict(vocab=50257, d=768, layers=12, heads=12, ctx=256, batch=2, prompt=32, new=32),  # GPT-2 small, 124M
}
DEFAULT_SHAPES = ["nano", "small"]  # gpt2 takes minutes per figure on a 2-core machine: ask for it by name


class KvCache:
    """Keys and values of one block for every position so far, preallocated: (batch, heads, ctx, head size)."""

    def __init__(self, batch, heads, ctx, head_size):
        self.k = torch.empty(batch, heads, ctx, head_size)
        self.v = torch.empty(batch, heads, ctx, head_size)
        self.length = 0

    def append(self, k, v):
        """Stores k, v (batch, heads, T, hs) after the cached positions; returns all keys and values so far."""
        end = self.length + k.shape[2]
        self.k[:, :, self.length:end] = k
        self.v[:, :, self.length:end] = v
        self.length = end
        return self.k[:, :, :end], self.v[:, :, :end]


class Block(nn.Module):
    """x + attn(ln_1(x)), then x + mlp(ln_2(x)): GPT-2's pre-norm residual block."""

    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(d, eps=1e-5)
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d, eps=1e-5)
        self.c_fc = nn.Linear(d, 4 * d)
        self.mlp_proj = nn.Linear(4 * d, d)

    def attention(self, x, cache):
        B, T, d = x.shape
        hs = d // self.heads

        def heads(t):  # (B, T, d) -> (B, heads, T, hs)
            return t.reshape(B, T, self.heads, hs).permute(0, 2, 1, 3)

        q, k, v = (heads(t) for t in self.c_attn(x).chunk(3, dim=-1))
        past = 0
        if cache is not None:
            past = cache.length
            k, v = cache.append(k, v)
        S = k.shape[2]                                                   # keys visible: past + T
        scores = torch.matmul(q, k.transpose(2, 3)) * (1.0 / math.sqrt(hs))  # (B, heads, T, S)
        # query t (absolute position past + t) may look at keys 0 .. past + t
        visible = torch.arange(S)[None, :] <= (past + torch.arange(T))[:, None]
        scores = scores.masked_fill(~visible, float("-inf"))
        y = torch.matmul(scores.softmax(dim=-1), v)                      # (B, heads, T, hs)
        return self.c_proj(y.permute(0, 2, 1, 3).reshape(B, T, d))

    def forward(self, x, cache=None):
        x = x + self.attention(self.ln_1(x), cache)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class Gpt(nn.Module):
    def __init__(self, vocab, d, layers, heads, ctx):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(ctx, d)
        self.h = nn.ModuleList([Block(d, heads) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d, eps=1e-5)
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(p)
            elif p.dim() == 2:
                nn.init.normal_(p, mean=0.0, std=0.02)

    def forward(self, ids, caches=None):
        """Logits (B, T, vocab) for ids (B, T) at positions after what the caches hold."""
        start = 0 if caches is None else caches[0].length
        x = self.wte(ids) + self.wpe(torch.arange(start, start + ids.shape[1]))
        for i, block in enumerate(self.h):
            x = block(x, None if caches is None else caches[i])
        return F.linear(self.ln_f(x), self.wte.weight)                  # tied LM head


def mean_seconds(fn, reps):
    fn()
    fn()
    start = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - start) / reps


def bench(name, reps):
    s = SHAPES[name]
    torch.manual_seed(0)
    model = Gpt(s["vocab"], s["d"], s["layers"], s["heads"], s["ctx"])
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)  # betas (0.9, 0.999), eps 1e-8, weight decay 0.01
    tokens = torch.randint(0, s["vocab"], (s["batch"], s["ctx"]))
    inputs, targets = tokens[:, :-1], tokens[:, 1:]

    def train():
        logits = model(inputs)
        loss = F.cross_entropy(logits.reshape(-1, s["vocab"]), targets.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    def score():
        with torch.no_grad():
            logprobs = model(inputs).log_softmax(dim=-1)
            return logprobs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)  # (B, ctx - 1)

    def generate():
        with torch.no_grad():
            hs = s["d"] // s["heads"]
            caches = [KvCache(s["batch"], s["heads"], s["prompt"] + s["new"], hs) for _ in model.h]
            logits = model(tokens[:, : s["prompt"]], caches)[:, -1]
            out = []
            for i in range(s["new"]):
                nxt = torch.multinomial(logits.softmax(dim=-1), num_samples=1)  # (B, 1), temperature 1
                out.append(nxt)
                if i + 1 < s["new"]:
                    logits = model(nxt, caches)[:, -1]
            return torch.cat(out, dim=1)

    params = sum(p.numel() for p in model.parameters())
    sequence_tokens, generated_tokens = s["batch"] * (s["ctx"] - 1), s["batch"] * s["new"]
    for what, fn, count in (("train", train, sequence_tokens), ("score", score, sequence_tokens),
                            ("generate", generate, generated_tokens)):
        sec = mean_seconds(fn, reps)
        print(json.dumps({"shape": name, "what": what, "ms": round(sec * 1e3, 2), "tokens_per_s": round(count / sec, 1),
                          "threads": torch.get_num_threads(), "params": params, "peer": "pytorch " + torch.__version__}),
              flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", action="append", choices=sorted(SHAPES),
                        help="shape to time (repeatable; default: %s)" % ", ".join(DEFAULT_SHAPES))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", "1") or 1),
                        help="torch threads (default: OMP_NUM_THREADS, else 1)")
    parser.add_argument("--reps", type=int, default=3, help="timed calls per figure, after two untimed ones")
    args = parser.parse_args()
    if args.threads < 1 or args.reps < 1:
        parser.error("--threads and --reps must be at least 1")
    torch.set_num_threads(args.threads)
    for name in args.shape or DEFAULT_SHAPES:
        bench(name, args.reps)


if __name__ == "__main__":
    main()
