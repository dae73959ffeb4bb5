"""One torch thread for tests on tiny tensors: on two shared cores, OpenMP's second thread only
waits for the first (the flow tests ran 9× slower with two threads while other work ran)."""

import pytest
import torch


@pytest.fixture(autouse=True)
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
