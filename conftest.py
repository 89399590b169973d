pytest_plugins = ["flipside_devstack.fixtures", "flipside_devstack.work_units"]
