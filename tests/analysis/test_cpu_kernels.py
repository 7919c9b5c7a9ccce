"""fp32 linear layers through oneDNN on the CPU (analysis.cpu_kernels): what is switched, that the answers are
torch's own within fp32 rounding, the way back, and the setting that turns it off."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from analysis import cpu_kernels  # noqa: E402

pytestmark = pytest.mark.skipif(not cpu_kernels.available(), reason="this torch has no oneDNN fp32 linear")


def _net() -> "torch.nn.Module":
    gen = torch.Generator().manual_seed(1)
    net = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.GELU(), torch.nn.Linear(64, 8, bias=False))
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
    return net.eval()


def test_fp32_layers_switch_and_give_torchs_answers(monkeypatch):
    monkeypatch.delenv(cpu_kernels.ENV, raising=False)
    net = _net()
    x = torch.randn(3, 5, 32, generator=torch.Generator().manual_seed(2))  # (batch, tokens, features)
    with torch.inference_mode():
        ref = net(x)
    assert cpu_kernels.use_onednn(net) == 2
    assert all(type(m).__name__ == "OneDNNLinear" for m in (net[0], net[2]))
    with torch.inference_mode():
        got = net(x)
    assert got.shape == ref.shape and got.dtype == torch.float32
    assert torch.allclose(got, ref, rtol=1e-4, atol=1e-4)
    assert cpu_kernels.restore(net) == 2 and type(net[0]) is torch.nn.Linear


def test_other_layers_and_training_keep_torchs_path(monkeypatch):
    monkeypatch.delenv(cpu_kernels.ENV, raising=False)
    half = torch.nn.Linear(8, 8).to(torch.bfloat16)
    special = torch.nn.modules.linear.NonDynamicallyQuantizableLinear(8, 8)  # a subclass: left alone
    assert cpu_kernels.use_onednn(torch.nn.Sequential(half, special)) == 0
    assert type(half) is torch.nn.Linear and type(special) is torch.nn.modules.linear.NonDynamicallyQuantizableLinear
    net = _net()
    cpu_kernels.use_onednn(net)
    net(torch.randn(4, 32)).sum().backward()  # gradients: torch's own linear (oneDNN's op has no backward here)
    assert net[0].weight.grad is not None and net[0].weight.grad.abs().sum() > 0


def test_the_setting_turns_it_off_and_a_wrong_value_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(cpu_kernels.ENV, "torch")
    net = _net()
    assert cpu_kernels.use_onednn(net) == 0 and type(net[0]) is torch.nn.Linear
    monkeypatch.setenv(cpu_kernels.ENV, "blas")
    with pytest.raises(ValueError, match="REVIEWLENS_CPU_MATMUL='blas': use onednn or torch"):
        cpu_kernels.use_onednn(net)


def test_int8_quantizes_layers_that_were_switched(monkeypatch):
    """quantize_int8 after use_onednn (the benchmark's int8 variants do so) still quantizes every layer."""
    from analysis.backends.local import quantize_int8

    monkeypatch.delenv(cpu_kernels.ENV, raising=False)
    net = _net()
    cpu_kernels.use_onednn(net)
    quantize_int8(net, keep=())
    assert isinstance(net[0], torch.ao.nn.quantized.dynamic.Linear)
    assert isinstance(net[2], torch.ao.nn.quantized.dynamic.Linear)
