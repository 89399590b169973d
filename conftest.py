pytest_plugins = ["flipside_devstack.fixtures"]

# The longest test files first. `make test`'s workers take whole files in the order collected (`--dist loadfile
# --no-loadscope-reorder`): started last, a chaos file of two tests that takes minutes ends the run on one worker
# while the other has nothing left to do.
LONGEST_FIRST = ("/tests/chaos/", "/tests/browser/", "/tests/e2e/", "/tests/integration/")


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        path = "/" + item.nodeid
        return next((i for i, part in enumerate(LONGEST_FIRST) if part in path), len(LONGEST_FIRST))

    items.sort(key=rank)
