pytest_plugins = ["flipside_devstack.fixtures"]
