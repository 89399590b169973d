"""Browser tests. A package, so its Chromium and its stack stop once its tests end, before the suites after it."""
