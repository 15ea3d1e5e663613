#!/usr/bin/env python3
"""PyTorch peer of `pnpm bench --peer torch` (scripts/bench.js runs it; it also runs alone).

    python3 scripts/bench_torch.py [--models mlp,cnn] [--steps N] [--warmup N] [--threads N] [--batch N]
    python3 scripts/bench_torch.py --serve [--threads N] [--batch N]   (one step per stdin request)

Builds Lasagne mnist.py's `mlp` and `cnn` in PyTorch, layer for layer as lasagne-ts' bench does:
the same shapes, Glorot-uniform weights (`xavier_uniform_` has Lasagne's bound
sqrt(6 / (fan_in + fan_out)) for dense and conv weights), zero biases, inverted dropout
(`x * mask / (1 - p)`, Lasagne's `rescale=True`), the mean categorical cross-entropy of the softmax
(`F.cross_entropy` on the logits: the stable form Theano's rewrite gives Lasagne), and Nesterov
momentum with mnist.py's learning rate 0.01 and momentum 0.9 (`torch.optim.SGD(nesterov=True)`
takes exactly Lasagne's `nesterov_momentum` steps). The data are random, batch 500 by default.

Times one training step (forward, backward, update, loss read back) and one validation batch (loss
and accuracy of the deterministic output, read back): the median of `--steps` calls after
`--warmup` calls. Prints one JSON object per model on stdout, one line each:

    {"model": "mlp", "train_ms": 55.0, "val_ms": 10.9, "train_ms_all": [...], "val_ms_all": [...],
     "threads": 2, "params": 1276810, "param_shapes": [[784, 800], [800], ...], "loss": 2.31,
     "torch": "1.13.0", "env": {"OMP_WAIT_POLICY": "PASSIVE", ...}}

`param_shapes` are in Lasagne's order and layout (a dense W is (inputs, units)), so the caller
can check that both libraries built the same network. Set OMP_WAIT_POLICY / OMP_NUM_THREADS before
starting Python (the bench does: PASSIVE and --threads); `torch.set_num_threads(--threads)` is
called here.
"""
import argparse
import json
import os
import sys
import time


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default="mlp,cnn", help="comma-separated: mlp, cnn")
    p.add_argument("--steps", type=int, default=10, help="timed calls per phase (median reported)")
    p.add_argument("--warmup", type=int, default=2, help="untimed calls before timing")
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: leave torch's default)")
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--serve", action="store_true", help="answer one step per stdin request (see serve())")
    a = p.parse_args(argv)
    models = [m for m in a.models.split(",") if m]
    for m in models:
        if m not in ("mlp", "cnn"):
            p.error(f"unknown model '{m}'; expected mlp or cnn")
    if a.steps < 1 or a.warmup < 0 or a.batch < 1 or a.threads < 0:
        p.error("--steps and --batch must be >= 1, --warmup and --threads >= 0")
    a.models = models
    return a


def build(model, torch):
    nn = torch.nn

    def dense(n_in, n_out):
        layer = nn.Linear(n_in, n_out)
        nn.init.xavier_uniform_(layer.weight)  # Lasagne's GlorotUniform (gain 1)
        nn.init.zeros_(layer.bias)  # Lasagne's b=Constant(0.)
        return layer

    def conv(n_in, n_out, size):
        layer = nn.Conv2d(n_in, n_out, size)
        nn.init.xavier_uniform_(layer.weight)  # fan_in = in*kh*kw, fan_out = out*kh*kw, as Lasagne
        nn.init.zeros_(layer.bias)
        return layer

    if model == "mlp":
        # mnist.py build_mlp: dropout 0.2 -> dense 800 relu -> dropout 0.5 -> dense 800 relu
        # -> dropout 0.5 -> dense 10 softmax (the softmax is inside the loss / argmax below).
        return nn.Sequential(
            nn.Flatten(), nn.Dropout(0.2),
            dense(784, 800), nn.ReLU(), nn.Dropout(0.5),
            dense(800, 800), nn.ReLU(), nn.Dropout(0.5),
            dense(800, 10),
        )
    # mnist.py build_cnn: conv 32x5x5 relu -> maxpool 2 -> conv 32x5x5 relu -> maxpool 2
    # -> dropout 0.5 -> dense 256 relu -> dropout 0.5 -> dense 10 softmax.
    return nn.Sequential(
        conv(1, 32, 5), nn.ReLU(), nn.MaxPool2d(2),
        conv(32, 32, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5),
        dense(512, 256), nn.ReLU(), nn.Dropout(0.5),
        dense(256, 10),
    )


def lasagne_shapes(net, torch):
    """Parameter shapes in Lasagne's order and layout (DenseLayer's W is (num_inputs, num_units))."""
    shapes = []
    for m in net:
        if isinstance(m, torch.nn.Linear):
            shapes += [[m.in_features, m.out_features], [m.out_features]]
        elif isinstance(m, torch.nn.Conv2d):
            shapes += [list(m.weight.shape), [m.out_channels]]
    return shapes


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def timed(fn, steps, warmup):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    return ts


class Model:
    """One of mnist.py's networks with its optimizer and data: one training step, one validation batch."""

    def __init__(self, model, batch, torch):
        self.torch = torch
        torch.manual_seed(1)
        self.model = model
        self.net = build(model, torch)
        self.opt = torch.optim.SGD(self.net.parameters(), lr=0.01, momentum=0.9, nesterov=True)
        g = torch.Generator().manual_seed(42)
        self.x = torch.rand(batch, 1, 28, 28, generator=g)
        self.y = torch.arange(batch) % 10
        self.losses = []

    def train_step(self):
        F = self.torch.nn.functional
        self.net.train()
        self.opt.zero_grad(set_to_none=False)
        loss = F.cross_entropy(self.net(self.x), self.y)
        loss.backward()
        self.opt.step()
        self.losses.append(loss.item())

    def val_step(self):
        F = self.torch.nn.functional
        self.net.eval()
        with self.torch.no_grad():
            out = self.net(self.x)
            loss = F.cross_entropy(out, self.y)
            acc = (out.argmax(1) == self.y).float().mean()
            loss.item(), acc.item()

    def info(self):
        torch = self.torch
        return {
            "model": self.model,
            "threads": torch.get_num_threads(),
            "params": sum(p.numel() for p in self.net.parameters()),
            "param_shapes": lasagne_shapes(self.net, torch),
            "torch": torch.__version__,
            "env": {k: os.environ.get(k) for k in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS")},
        }


def bench(model, args, torch):
    m = Model(model, args.batch, torch)
    train = timed(m.train_step, args.steps, args.warmup)
    val = timed(m.val_step, args.steps, args.warmup)
    return {**m.info(), "train_ms": median(train), "val_ms": median(val), "train_ms_all": train, "val_ms_all": val, "loss": m.losses[0]}


def serve(args, torch):
    """--serve: one step per request, for a caller that alternates its own steps with these.

    Reads lines `MODEL info`, `MODEL train` or `MODEL val` on stdin; answers each with one JSON
    line: the model's info (the record above without times), or {"ms": time of that one call}.
    """
    models = {}
    for line in sys.stdin:
        parts = line.split()
        if len(parts) != 2 or parts[0] not in ("mlp", "cnn") or parts[1] not in ("info", "train", "val"):
            print(json.dumps({"error": f"expected 'mlp|cnn info|train|val', got {line.strip()!r}"}), flush=True)
            continue
        model, what = parts
        if model not in models:
            models[model] = Model(model, args.batch, torch)
        m = models[model]
        if what == "info":
            print(json.dumps(m.info()), flush=True)
            continue
        t0 = time.perf_counter()
        (m.train_step if what == "train" else m.val_step)()
        print(json.dumps({"ms": (time.perf_counter() - t0) * 1e3}), flush=True)


def main(argv):
    args = parse_args(argv)
    try:
        import torch
    except ImportError as e:
        print(f"bench_torch.py: cannot import torch with {sys.executable} ({e}); install it "
              "(Debian/Ubuntu: apt-get install python3-torch; else pip install torch)", file=sys.stderr)
        return 2
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.serve:
        serve(args, torch)
        return 0
    for model in args.models:
        print(json.dumps(bench(model, args, torch)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
