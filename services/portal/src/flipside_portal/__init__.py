"""Flipside's portal: the web app where participants and program leads do everything in a browser."""
