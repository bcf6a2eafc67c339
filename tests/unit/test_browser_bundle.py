"""The bundle of test files the browser run writes into the in-memory file system."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from wasmbuild import browser_tests


def test_bundle_holds_regrtest_helpers_data_and_the_chosen_modules(tmp_path: Path) -> None:
    test_dir = tmp_path / "Lib" / "test"
    for rel, text in {
        "__init__.py": "", "__main__.py": "from test.libregrtest import main\n",
        "libregrtest/__init__.py": "", "support/__init__.py": "# support\n",
        "re_tests.py": "tests = []\n", "math_testcases.txt": "-- cases\n",
        "test_json/__init__.py": "", "test_json/test_dump.py": "# dump\n",
        "test_re.py": "# re\n", "test_os.py": "# not chosen\n",
        "test_math.py": "open(os.path.join('mathdata', 'ieee754.txt'))\nfrom test.test_iter import X\n",
        "test_iter.py": "X = 1\n",
        "mathdata/ieee754.txt": ">>> 1\n", "audiodata/a.wav": "not named by a chosen module",
        "support/__pycache__/x.pyc": "junk",
    }.items():
        (test_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (test_dir / rel).write_text(text)
    (tmp_path / "Lib" / "rlcompleter.py").write_text("# completer\n")  # left out of python.data
    dest = tmp_path / "bundle.json"
    count = browser_tests.make_bundle(tmp_path, ["test_json", "test_re", "test_math"], dest)
    files = json.loads(dest.read_text())
    assert count == len(files)
    assert set(files) == {f"/tests/test/{rel}" for rel in (
        "__init__.py", "__main__.py", "libregrtest/__init__.py", "support/__init__.py",
        "re_tests.py", "math_testcases.txt", "test_json/__init__.py", "test_json/test_dump.py",
        "test_re.py", "test_math.py", "mathdata/ieee754.txt", "test_iter.py")} | {"/tests/rlcompleter.py"}
    assert base64.b64decode(files["/tests/test/test_re.py"]) == b"# re\n"


def test_declared_modules_skip_comments() -> None:
    modules = browser_tests.declared_modules()
    assert "test_json" in modules
    assert all(m.startswith("test_") and " " not in m for m in modules)
