"""Price path files: round trip, and every bad row named by its line number."""

import io
from pathlib import Path

import pytest

from softliq import paths
from softliq.paths import PathError, PricePath


def _write(tmp_path: Path, text: str, name: str = "path.csv") -> Path:
    file = tmp_path / name
    file.write_text(text)
    return file


@pytest.mark.parametrize(
    "path",
    [
        paths.gbm(seed=11, n_steps=500, p0=3000.0, sigma=2.0),
        paths.crash(n_steps=40, p0=0.0123456789, drop=0.7, duration=300, seed=4, noise=0.02),
        PricePath([0, 1, 86_400 * 365], [1e-18, 1e30, 1.0 / 3.0], "extremes"),
    ],
    ids=["gbm", "crash-small-price", "extremes"],
)
def test_round_trip_keeps_every_bit(tmp_path: Path, path: PricePath) -> None:
    file = tmp_path / "saved.csv"
    paths.save_csv(path, file)
    loaded = paths.load_csv(file)
    assert loaded.times.tolist() == path.times.tolist()
    assert loaded.prices.tolist() == path.prices.tolist()
    assert loaded.name == "saved"
    assert file.read_text().splitlines()[0] == "seconds,price"
    assert not [p for p in tmp_path.iterdir() if p.name != "saved.csv"]  # no temporary left


def test_save_to_an_open_text_stream() -> None:
    out = io.StringIO()
    paths.save_csv(PricePath([0, 12], [2.0, 1.5]), out)
    assert out.getvalue() == "seconds,price\n0,2.0\n12,1.5\n"


def test_load_without_header_with_blank_and_comment_lines(tmp_path: Path) -> None:
    file = _write(tmp_path, "# exported by a risk desk\n0, 100\n\n60,99.5\n  120 ,101e0  \n")
    path = paths.load_csv(file)
    assert path.times.tolist() == [0, 60, 120] and path.prices.tolist() == [100.0, 99.5, 101.0]


def test_load_skips_a_byte_order_mark(tmp_path: Path) -> None:
    file = tmp_path / "excel.csv"
    file.write_bytes("\ufeff0,100\r\n12,90\r\n".encode())
    assert paths.load_csv(file).prices.tolist() == [100.0, 90.0]


def test_load_accepts_any_header_words(tmp_path: Path) -> None:
    assert len(paths.load_csv(_write(tmp_path, "time,close\n0,1\n"))) == 1


BAD_FILES: list[tuple[str, str]] = [
    ("seconds,price\n0,100\n12,abc\n", "line 3: price 'abc' is not a number"),
    ("0,100\n12,-5\n", "line 2: price '-5' is not positive"),
    ("0,100\n12,0\n", "line 2: price '0' is not positive"),
    ("0,100\n12,nan\n", "line 2: price 'nan' is not finite"),
    ("0,100\n12,NaN\n", "line 2: price 'NaN' is not finite"),
    ("0,100\n12,inf\n", "line 2: price 'inf' is not finite"),
    ("0,100\n12,-Infinity\n", "line 2: price '-Infinity' is not finite"),
    ("0,100\n12,1e-30\n", "line 2: price '1e-30' is outside"),
    ("0,100\n24,100\n12,100\n", "line 3: time 12 does not increase \\(previous row: 24\\)"),
    ("0,100\n12,100\n12,100\n", "line 3: time 12 does not increase"),
    ("0,100\nx,100\n", "line 2: seconds 'x' is not a number"),
    ("0,100\n1.5,100\n", "line 2: seconds '1.5' is not a whole number"),
    ("0,100\ninf,100\n", "line 2: seconds 'inf' is not a whole number"),
    ("0,100\n-12,100\n", "line 2: seconds '-12' is negative"),
    ("0,100\n12\n", "line 2: expected 2 fields 'seconds,price', got 1"),
    ("0,100\n12,100,7\n", "line 2: expected 2 fields 'seconds,price', got 3"),
    ("seconds,price\n\n5,100\n", "line 3: the first time must be 0"),
    ("seconds,1\n0,100\n", "line 1: seconds 'seconds' is not a number"),
    ("0,100\nseconds,price\n", "line 2: seconds 'seconds' is not a number"),
    ("", "no data rows"),
    ("\n\n# nothing\n", "no data rows"),
    ("seconds,price\n", "no data rows"),
]


@pytest.mark.parametrize("text, message", BAD_FILES, ids=[m for _, m in BAD_FILES])
def test_bad_rows_raise_with_the_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    file = _write(tmp_path, text)
    with pytest.raises(PathError, match=message) as info:
        paths.load_csv(file)
    assert str(file) in str(info.value)


def test_missing_and_unreadable_files_raise_path_error(tmp_path: Path) -> None:
    with pytest.raises(PathError, match="cannot read price path .*missing.csv"):
        paths.load_csv(tmp_path / "missing.csv")
    with pytest.raises(PathError, match="cannot read price path"):
        paths.load_csv(tmp_path)  # a directory
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x80")
    with pytest.raises(PathError, match="cannot read price path"):
        paths.load_csv(binary)


def test_failed_save_leaves_nothing_half_written(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old contents\n")
    bad = PricePath([0, 12], [1.0, 2.0])
    object.__setattr__(bad, "prices", bad.prices.copy())
    bad.prices[1] = float("nan")
    with pytest.raises(PathError, match="not finite"):
        paths.save_csv(bad, target)
    assert target.read_text() == "old contents\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_save_into_a_missing_directory_raises_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(PathError, match="cannot write price path .*dir.csv"):
        paths.save_csv(PricePath([0], [1.0]), tmp_path / "no" / "such" / "dir.csv")
    assert list(tmp_path.iterdir()) == []
