import pytest
import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

from inference.sambay.scan import selective_scan, selective_scan_ref, selective_state_step


def _inputs(b, length, d, n, seed):
    g = torch.Generator().manual_seed(seed)
    u = torch.randn(b, length, d, generator=g)
    delta = F.softplus(torch.randn(b, length, d, generator=g) - 1.0)
    A = -torch.exp(torch.randn(d, n, generator=g))
    B = torch.randn(b, length, n, generator=g)
    C = torch.randn(b, length, n, generator=g)
    D = torch.randn(d, generator=g)
    s0 = torch.randn(b, d, n, generator=g)
    return u, delta, A, B, C, D, s0


@pytest.mark.parametrize("length", [1, 7, 16, 45])
@pytest.mark.parametrize("chunk", [1, 3, 8, 64, None])
@pytest.mark.parametrize("with_state", [False, True])
def test_parallel_scan_equals_sequential(length, chunk, with_state):
    u, delta, A, B, C, D, s0 = _inputs(2, length, 6, 4, seed=length)
    init = s0 if with_state else None
    y_ref, s_ref = selective_scan_ref(u, delta, A, B, C, D, init)
    y, s = selective_scan(u, delta, A, B, C, D, init, chunk_size=chunk)
    torch.testing.assert_close(y, y_ref, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(s, s_ref, rtol=1e-5, atol=1e-5)


def test_scan_split_across_calls_equals_one_call():
    u, delta, A, B, C, D, _ = _inputs(1, 30, 5, 3, seed=3)
    y_all, s_all = selective_scan(u, delta, A, B, C, D)
    y1, s1 = selective_scan(u[:, :11], delta[:, :11], A, B[:, :11], C[:, :11], D)
    y2, s2 = selective_scan(u[:, 11:], delta[:, 11:], A, B[:, 11:], C[:, 11:], D, initial_state=s1)
    torch.testing.assert_close(torch.cat([y1, y2], 1), y_all, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(s2, s_all, rtol=1e-5, atol=1e-5)
    y_step, s_step = selective_state_step(s1, u[:, 11], delta[:, 11], A, B[:, 11], C[:, 11], D)
    torch.testing.assert_close(y_step, y_all[:, 11], rtol=1e-5, atol=1e-5)


class _CountOps(TorchFunctionMode):
    def __init__(self):
        super().__init__()
        self.calls = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.calls += 1
        return func(*args, **(kwargs or {}))


def test_no_python_loop_over_tokens():
    """Inside a chunk the work is log2(chunk) vectorised steps: doubling the tokens adds one step."""
    counts = {}
    for length in (32, 64, 128):
        u, delta, A, B, C, D, _ = _inputs(1, length, 4, 2, seed=0)
        with _CountOps() as mode:
            selective_scan(u, delta, A, B, C, D, chunk_size=128)
        counts[length] = mode.calls
    assert counts[64] - counts[32] == counts[128] - counts[64]
    assert counts[128] - counts[32] < 40  # a per-token loop would add hundreds of ops


@pytest.mark.parametrize("chunk", [1, 4, 8, 64])
def test_training_scan_gradients_equal_autograd_of_the_reference(chunk):
    """The hand-written backward of selective_scan_train against autograd through the
    token-by-token reference, in float64, for every input (the state carried in included)."""
    g = torch.Generator().manual_seed(5)
    b, length, d, n = 2, 19, 5, 3

    def leaf(*shape, scale=1.0, shift=0.0):
        t = torch.randn(*shape, generator=g, dtype=torch.float64) * scale + shift
        return t.requires_grad_()

    u, B, C = leaf(b, length, d), leaf(b, length, n), leaf(b, length, n)
    delta = (torch.rand(b, length, d, generator=g, dtype=torch.float64) * 0.5).requires_grad_()
    A = (-torch.rand(d, n, generator=g, dtype=torch.float64) - 0.2).requires_grad_()
    D, s0 = leaf(d), leaf(b, d, n)
    inputs = (u, delta, A, B, C, D, s0)
    y_ref, last_ref = selective_scan_ref(u, delta, A, B, C, D, s0)
    w_y, w_last = torch.randn_like(y_ref), torch.randn_like(last_ref)
    grads_ref = torch.autograd.grad((y_ref * w_y).sum() + (last_ref * w_last).sum(), inputs)
    # selective_scan itself switches to the training scan when gradients are needed.
    y, last = selective_scan(u, delta, A, B, C, D, s0, chunk_size=chunk)
    grads = torch.autograd.grad((y * w_y).sum() + (last * w_last).sum(), inputs)
    torch.testing.assert_close(y, y_ref)
    torch.testing.assert_close(last, last_ref)
    for got, want in zip(grads, grads_ref, strict=True):
        torch.testing.assert_close(got, want)
