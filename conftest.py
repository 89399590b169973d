pytest_plugins = ["flipside_shared.testing.fixtures"]
