"""The bundle of test files the browser run writes into the in-memory file system."""

from __future__ import annotations

import base64
import json
import zipfile
from pathlib import Path

from wasmbuild.browser import bundles as test_bundles


def test_bundles_shared_and_per_module_named_by_digest(tmp_path: Path) -> None:
    test_dir = tmp_path / "Lib" / "test"
    for rel, text in {
        "__init__.py": "", "__main__.py": "from test.libregrtest import main\n",
        "libregrtest/__init__.py": "", "support/__init__.py": "# support\n",
        "re_tests.py": "tests = []\n", "math_testcases.txt": "-- cases\n", "tone.aif": "FORM",
        "test_json/__init__.py": "", "test_json/test_dump.py": "# dump\n",
        "test_re.py": "# re\nfrom test import test_re_helper, support\n", "test_re_helper.py": "",
        "test_os.py": "# not chosen\n",
        "test_math.py": "open(os.path.join('mathdata', 'ieee754.txt'))\nfrom test.test_iter import X\n",
        "test_iter.py": "from test.helperpkg import y\nX = 1\n", "helperpkg/__init__.py": "y = 2\n",
        "test_ctypes.py": "ctypes_test = import_module('ctypes.test')\n",
        "mathdata/ieee754.txt": ">>> 1\n", "audiodata/a.wav": "not named by a chosen module",
        "support/__pycache__/x.pyc": "junk",
    }.items():
        (test_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (test_dir / rel).write_text(text)
    lib = tmp_path / "Lib"
    for rel in ("os.py", "json/__init__.py", "json/tests/test_x.py", "http/__init__.py",
                "http/client.py", "rlcompleter.py", "idlelib/__init__.py", "README.txt",
                "urllib/__init__.py", "urllib/parse.py", "urllib/request.py",
                "ctypes/__init__.py", "ctypes/util.py", "ctypes/test/__init__.py"):
        (lib / rel).parent.mkdir(parents=True, exist_ok=True)
        (lib / rel).write_text(f"# {rel}\n")
    shipped = tmp_path / "site" / "usr" / "local" / "lib" / "python313.zip"
    shipped.parent.mkdir(parents=True)
    with zipfile.ZipFile(shipped, "w") as z:  # the build's stdlib: no http, no rlcompleter,
        for name in ("os", "json/__init__", "urllib/__init__", "urllib/parse",  # no request
                     "ctypes/__init__", "ctypes/util"):  # ctypes without its tests
            z.writestr(f"{name}.pyc", b"")
    bundles = test_bundles.make_bundles(tmp_path, ["test_json", "test_re", "test_math",
                                                     "test_ctypes"], tmp_path / "site")

    def contents(name: str) -> dict[str, str]:
        return json.loads((bundles.folder / name).read_text())  # type: ignore[no-any-return]

    common = contents(bundles.common)
    assert set(common) == {f"/tests/test/{rel}" for rel in (
        "__init__.py", "__main__.py", "libregrtest/__init__.py", "support/__init__.py",
        "re_tests.py", "math_testcases.txt", "tone.aif")} | {
        "/tests/rlcompleter.py", "/tests/http/__init__.py", "/tests/http/client.py",
        # urllib.request is left out, so all of urllib: the first urllib on sys.path wins
        "/tests/urllib/__init__.py", "/tests/urllib/parse.py", "/tests/urllib/request.py"}
    assert set(contents(bundles.per_module["test_ctypes"])) == {  # the whole package, tests too
        "/tests/test/test_ctypes.py", "/tests/ctypes/__init__.py", "/tests/ctypes/util.py",
        "/tests/ctypes/test/__init__.py"}
    assert set(contents(bundles.per_module["test_json"])) == {
        "/tests/test/test_json/__init__.py", "/tests/test/test_json/test_dump.py"}
    assert set(contents(bundles.per_module["test_math"])) == {  # and what test_iter imports
        "/tests/test/test_math.py", "/tests/test/mathdata/ieee754.txt", "/tests/test/test_iter.py",
        "/tests/test/helperpkg/__init__.py"}
    assert set(contents(bundles.per_module["test_re"])) == {
        "/tests/test/test_re.py", "/tests/test/test_re_helper.py"}
    assert base64.b64decode(contents(bundles.per_module["test_re"])["/tests/test/test_re.py"]) \
        == b"# re\nfrom test import test_re_helper, support\n"
    assert bundles.files == 7 + 6 + 2 + 2 + 4 + 4
    assert bundles.urls("test_re") == f"tests-bundle/{bundles.common},tests-bundle/" \
        + bundles.per_module["test_re"]
    # Named by their digest: the same content keeps its name, a change gets a new one, and
    # bundles no longer used are removed.
    again = test_bundles.make_bundles(tmp_path, ["test_re"], tmp_path / "site")
    assert again.per_module["test_re"] == bundles.per_module["test_re"]
    (test_dir / "test_re.py").write_text("# re, changed\n")
    changed = test_bundles.make_bundles(tmp_path, ["test_re"], tmp_path / "site")
    assert changed.per_module["test_re"] != bundles.per_module["test_re"]
    assert sorted(p.name for p in changed.folder.iterdir()) == sorted(
        [changed.common, changed.per_module["test_re"]])
