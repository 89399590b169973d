from pathlib import Path

from flipside_devstack.work_units import WHOLE_DIRECTORIES, work_unit

ROOT = Path(__file__).resolve().parents[3]


def test_a_directory_that_keeps_processes_for_all_its_files_goes_to_one_worker_whole():
    assert work_unit("services/portal/tests/integration/test_joining.py::test_x") == WHOLE_DIRECTORIES[0]
    assert work_unit("services/portal/tests/integration/test_pairs_pages.py::test_y[1]") == WHOLE_DIRECTORIES[0]
    assert work_unit("tests/browser/test_portal_lead.py::test_z") == "tests/browser/"


def test_any_other_test_goes_with_its_file():
    assert work_unit("tests/e2e/test_erasure.py::test_x") == "tests/e2e/test_erasure.py"
    assert work_unit("services/portal/tests/unit/test_pages.py::test_y") == "services/portal/tests/unit/test_pages.py"


def test_the_whole_directories_are_those_whose_conftest_keeps_fixtures_for_the_directory():
    keeping = {
        f"{conftest.parent.relative_to(ROOT).as_posix()}/"
        for tree in ("services", "tests", "shared", "devstack")
        for conftest in (ROOT / tree).rglob("conftest.py")
        if 'scope="package"' in conftest.read_text()
    }
    assert keeping == set(WHOLE_DIRECTORIES)
