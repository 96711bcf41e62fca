"""Where and how the models run: the device, the number type, the memory layout, the threads.

On a GPU: float16. On a CPU, what this CPU does fast: bfloat16 with channels-last tensors where
the CPU has bfloat16 instructions (``avx512_bf16`` or ``amx_bf16`` in its flags; torch itself only
reports "AVX512"), float32 elsewhere. Measured with the full-size SD 1.5 + ControlNet + IP-Adapter at
512x768, 2 threads (benchmarks/cpu_fullsize.py): on a Xeon with AMX, bfloat16 alone ran 2.1x
float32 and with channels-last (oneDNN's AMX kernels) about 4.5x; on an AMD EPYC with avx512_bf16
and no AMX, bfloat16 ran 1.6x float32 and channels-last was within noise of contiguous (one UNet
pass 6.2-7.1 s either way), so it is kept for the CPUs where it pays. STUDIO_DTYPE always wins.

Threads: as many as the cores this process may use (its CPU affinity, then a cgroup quota, as
a container or a Space sets), not the host's count that torch reads by default.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

DTYPES = ("float32", "float16", "bfloat16")
BF16_FLAGS = ("amx_bf16", "avx512_bf16")


@dataclass(frozen=True)
class ComputePath:
    device: str  # "cpu" | "cuda" | "mps" | "cuda:1" ...
    dtype: str  # a torch dtype name
    channels_last: bool  # the UNet, ControlNet and VAE hold channels-last weights
    threads: int | None  # torch's CPU threads; None on an accelerator (torch's own choice)
    reason: str  # why this path, in words for the Admin tab

    @property
    def label(self) -> str:
        """e.g. "cpu bf16+channels_last, 2 threads", "cuda fp16"."""
        short = {"float32": "fp32", "float16": "fp16", "bfloat16": "bf16"}[self.dtype]
        text = f"{self.device} {short}" + ("+channels_last" if self.channels_last else "")
        return text + (f", {self.threads} threads" if self.threads else "")

    @property
    def chunk_size(self) -> int:
        """Pictures per pipeline call. On a CPU one: one picture already keeps the cores busy, so
        a chunk of two saved only 8 % a picture (67.5 s against 73.4 s, benchmarks/cpu_fullsize.py
        on this project's 2-core machine) while the first picture arrived after 135 s instead of 73 s.
        On an accelerator four: batching fills the GPU."""
        return 1 if self.device.startswith("cpu") else 4

    def to_json(self) -> dict:
        return {"device": self.device, "dtype": self.dtype, "channels_last": self.channels_last,
                "threads": self.threads, "path": self.label, "reason": self.reason,
                "chunk_size": self.chunk_size}


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The instruction-set flags of this CPU (Linux), empty where they cannot be read."""
    try:
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith(("flags", "Features")):  # x86 / ARM
                return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def cpu_has_bf16(flags: frozenset[str] | None = None) -> bool:
    return any(flag in (cpu_flags() if flags is None else flags) for flag in BF16_FLAGS)


def usable_cores(cgroup_root: Path = Path("/sys/fs/cgroup")) -> int:
    """The cores this process may run on: its affinity, capped by a cgroup CPU quota (v2 cpu.max,
    or v1 cfs_quota_us / cfs_period_us), at least 1."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    quota = _cgroup_quota(cgroup_root)
    if quota is not None:
        cores = min(cores, max(1, math.ceil(quota)))
    return max(1, cores)


def _cgroup_quota(root: Path) -> float | None:
    try:
        text = (root / "cpu.max").read_text().split()
        if text and text[0] != "max":
            return int(text[0]) / int(text[1])
        return None
    except (OSError, ValueError, IndexError):
        pass
    try:
        quota = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((root / "cpu" / "cpu.cfs_period_us").read_text())
        return quota / period if quota > 0 and period > 0 else None
    except (OSError, ValueError):
        return None


def choose(device: str | None = None, dtype: str | None = None, *, flags: frozenset[str] | None = None,
           cores: int | None = None) -> ComputePath:
    """The compute path for the options given (None: choose): cuda > mps > cpu; fp16 on an
    accelerator; on a CPU, bf16 + channels-last where the CPU has bf16 instructions, else fp32."""
    if dtype is not None and dtype not in DTYPES:
        raise ValueError(f"dtype {dtype!r} is not supported; use float32, float16 or bfloat16")
    if device is None:
        device = _best_device()
    if not device.startswith("cpu"):
        return ComputePath(device, dtype or "float16", False, None,
                           "set by STUDIO_DTYPE" if dtype else "half precision on the accelerator")
    threads = cores or usable_cores()
    if dtype is None:
        fast = cpu_has_bf16(flags)
        dtype = "bfloat16" if fast else "float32"
        reason = ("this CPU has bfloat16 instructions" if fast
                  else "this CPU has no bfloat16 instructions (avx512_bf16 or amx_bf16)")
    else:
        reason = "set by STUDIO_DTYPE"
    # Channels-last pays off with oneDNN's bf16 kernels; in fp32 and fp16 on a CPU it was not measured.
    return ComputePath(device, dtype, dtype == "bfloat16", threads, reason)


def _best_device() -> str:
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"
