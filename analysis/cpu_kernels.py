"""fp32 linear layers on the CPU through oneDNN instead of the BLAS torch calls by default.

torch's CPU wheels run an fp32 `nn.Linear` as an MKL sgemm. On this project's 2-core AMD EPYC (AVX-512, no AMX)
MKL ran at the same speed whether AVX-512 was allowed or capped to AVX2 (it does not use AVX-512 there), while
oneDNN, which torch also ships and already uses for bf16, does: per layer 5-70% faster, the LLM's scoring 1.15-1.32x
(bench/bench_cpu_linear.py, runs an hour apart on this VM), and with oneDNN capped to AVX2 too it stayed 1-8%
ahead. On Intel CPUs MKL has its AVX-512 code; the difference there was not measured. The arithmetic stays fp32:
the label log-probs differ from MKL's by about 3e-5, as two BLAS libraries' do.

`use_onednn(model)` switches a loaded model's fp32 linear layers (in place, at load time); anything else
(bf16, int8, a GPU, gradients) keeps torch's own path, and so do a torch built without oneDNN and CPUs other
than x86 (not measured).
REVIEWLENS_CPU_MATMUL=torch keeps torch's default everywhere (for comparing, or a CPU where it is faster).
"""

from __future__ import annotations

import logging
import os
import platform
from typing import Any

log = logging.getLogger(__name__)

ENV = "REVIEWLENS_CPU_MATMUL"
_CHOICES = ("onednn", "torch")
_available: bool | None = None


def wanted() -> bool:
    """Whether fp32 CPU layers should go through oneDNN ($REVIEWLENS_CPU_MATMUL, default onednn)."""
    asked = os.environ.get(ENV, "").strip().lower() or "onednn"
    if asked not in _CHOICES:
        raise ValueError(f"{ENV}={asked!r}: use onednn or torch")
    return asked == "onednn"


def available() -> bool:
    """Whether this torch has oneDNN's fp32 linear and it agrees with torch's own (checked once)."""
    global _available
    if _available is None:
        _available = _self_check()
    return _available


def _self_check() -> bool:
    import torch

    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False  # measured on x86 only; ARM builds run oneDNN over other kernels (Apple's BLAS may win there)
    try:
        if not torch.backends.mkldnn.is_available():
            return False
        gen = torch.Generator().manual_seed(0)
        x = torch.randn(2, 3, 64, generator=gen)
        w = torch.randn(48, 64, generator=gen)
        b = torch.randn(48, generator=gen)
        got = torch.ops.mkldnn._linear_pointwise(x, w, b, "none", [], "")
        return bool(torch.allclose(got, torch.nn.functional.linear(x, w, b), rtol=1e-4, atol=1e-4))
    except Exception as e:  # noqa: BLE001 - any build without the op keeps torch's path
        log.debug("oneDNN fp32 linear not usable here (%s: %s)", type(e).__name__, e)
        return False


def _make_class() -> type:
    import torch

    class OneDNNLinear(torch.nn.Linear):
        """An nn.Linear whose fp32 CPU inference runs in oneDNN (same weights, same module otherwise)."""

        def forward(self, x: Any) -> Any:
            w = self.weight
            if (x.dtype is torch.float32 and w.dtype is torch.float32 and x.device.type == "cpu"
                    and w.device.type == "cpu" and not (torch.is_grad_enabled() and (x.requires_grad or w.requires_grad))):
                return torch.ops.mkldnn._linear_pointwise(x, w, self.bias, "none", [], "")
            return torch.nn.functional.linear(x, w, self.bias)

    return OneDNNLinear


_cls: type | None = None


def use_onednn(model: Any) -> int:
    """Switch `model`'s fp32 CPU `nn.Linear` layers to oneDNN (in place); the number switched (0 when not
    wanted, not available, or nothing qualifies). Subclasses of nn.Linear (quantized or otherwise special
    layers) are left alone."""
    global _cls
    if not wanted() or not available():
        return 0
    import torch

    if _cls is None:
        _cls = _make_class()
    n = 0
    for m in model.modules():
        if type(m) is torch.nn.Linear and m.weight.dtype is torch.float32 and m.weight.device.type == "cpu":
            m.__class__ = _cls
            n += 1
    return n


def restore(model: Any) -> int:
    """Undo `use_onednn` (layers back to torch's `nn.Linear`, e.g. before quantizing them); the number
    restored."""
    if _cls is None:
        return 0  # nothing was ever switched
    import torch

    n = 0
    for m in model.modules():
        if type(m) is _cls:
            m.__class__ = torch.nn.Linear
            n += 1
    return n
