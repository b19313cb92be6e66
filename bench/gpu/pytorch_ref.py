"""PyTorch fp32 reference for `lumen bench models` on the lent GPU machine.

Times torchvision's EfficientNet B0-B7 (random weights: speed does not depend
on the values) at each variant's native resolution, in eval mode under
torch.inference_mode(), batch 32 by default, after warm-up, with CUDA
synchronised around each timed call. Prints one JSON object. The machine's
image holds PyTorch and torchvision; nothing is downloaded.

    python3 bench/gpu/pytorch_ref.py [--batches 1,8,32] [--budget-s 150]
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torchvision

RESOLUTION = {"b0": 224, "b1": 240, "b2": 260, "b3": 300, "b4": 380, "b5": 456, "b6": 528, "b7": 600}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", default="32")
    parser.add_argument("--budget-s", type=float, default=150.0)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    if not torch.cuda.is_available():
        print(json.dumps({"error": "CUDA is not available to PyTorch"}))
        return 1
    device = torch.device("cuda")
    torch.backends.cudnn.benchmark = True
    started = time.perf_counter()
    runs, skipped = [], []
    for variant, size in RESOLUTION.items():
        model = getattr(torchvision.models, f"efficientnet_{variant}")(weights=None).eval().to(device)
        for batch in batches:
            if time.perf_counter() - started > args.budget_s:
                skipped.append({"variant": variant, "batch": batch, "reason": "time budget spent"})
                continue
            x = torch.randn(batch, 3, size, size, device=device)
            times = []
            with torch.inference_mode():
                for _ in range(3):
                    model(x)
                torch.cuda.synchronize()
                for _ in range(args.repeats):
                    t0 = time.perf_counter()
                    model(x)
                    torch.cuda.synchronize()
                    times.append(time.perf_counter() - t0)
            median = statistics.median(times)
            runs.append({"variant": variant, "batch": batch, "resolution": size, "medianMs": round(median * 1000, 3), "imagesPerSecond": round(batch / median, 1)})
            print(f"pytorch {variant} batch {batch}: {batch / median:.1f} images/s", file=sys.stderr)
        del model
        torch.cuda.empty_cache()
    print(json.dumps({
        "runtime": "pytorch",
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "gpu": torch.cuda.get_device_name(0),
        "precision": "fp32 (cudnn.allow_tf32=%s, matmul.allow_tf32=%s)" % (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32),
        "runs": runs,
        "skipped": skipped,
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
