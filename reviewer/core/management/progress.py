"""A tqdm progress bar in the shape of the importers' progress(done, total, message) callback."""

from contextlib import contextmanager

from tqdm import tqdm


@contextmanager
def progress_bar(description: str):
    bar = tqdm(desc=description, unit="step", dynamic_ncols=True)

    def update(done: int, total: int, message: str) -> None:
        bar.total = total
        bar.n = done
        bar.set_postfix_str(message[:60])
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()
