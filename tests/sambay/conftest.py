import pytest
import torch

from inference.sambay import SambaYConfig, random_model, save_checkpoint

WINDOW = 8  # tiny sliding window so the ring buffers wrap many times in a short test


@pytest.fixture(scope="session")
def tiny_config() -> SambaYConfig:
    return SambaYConfig.tiny(sliding_window=WINDOW)


@pytest.fixture(scope="session")
def tiny_model(tiny_config):
    torch.manual_seed(0)
    # std 0.1 and perturbed norms/biases: activations of order 1, so a cache bug shows up clearly
    return random_model(tiny_config, seed=1, std=0.1, perturb=True)


@pytest.fixture(scope="session")
def tiny_ckpt(tmp_path_factory, tiny_model):
    path = tmp_path_factory.mktemp("ckpt") / "tiny"
    save_checkpoint(tiny_model, path, dtype=torch.float32)
    return path


def rand_ids(n: int, vocab: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, vocab, (1, n), generator=g)


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny tensors: one intra-op thread avoids OpenMP contention on small shared machines."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
