"""Workspace services: the rules behind each page. They flush; the view commits once."""
