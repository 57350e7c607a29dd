"""Open the report in a real headless browser (Debian's chromium) and check that every
plot rendered: index.html's own script sets <body data-images="ok n/n"> once every
<img> has loaded with a non-zero natural width; --dump-dom returns the page after it.

Fails (never skips) when chromium is missing: the set-up installs it."""

import re
import shutil
import subprocess

from softliq.report.plots import PLOTS

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--virtual-time-budget=5000"]


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "chromium is not installed (apt-get install chromium): the browser test needs it"
    return path


def test_every_plot_renders(report_dir, tmp_path):
    url = (report_dir / "index.html").resolve().as_uri()
    dom = subprocess.run(
        [chromium(), *FLAGS, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    check = re.search(r'<body data-images="([^"]*)"', dom)
    assert check, "the page's image check did not run"
    assert check.group(1) == f"ok {len(PLOTS)}/{len(PLOTS)}"


def test_broken_image_is_detected(report_dir, tmp_path):
    """The check can fail: with one plot missing, the page reports it."""
    copy = tmp_path / "copy"
    shutil.copytree(report_dir, copy)
    (copy / next(iter(PLOTS))).unlink()
    dom = subprocess.run(
        [chromium(), *FLAGS, "--dump-dom", (copy / "index.html").as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout
    assert f'data-images="broken {len(PLOTS) - 1}/{len(PLOTS)}"' in dom


def test_screenshot(report_dir, tmp_path):
    shot = tmp_path / "report.png"
    subprocess.run(
        [chromium(), *FLAGS, f"--screenshot={shot}", "--window-size=1100,2400", (report_dir / "index.html").as_uri()],
        capture_output=True, timeout=120, check=True,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
