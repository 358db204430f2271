# -*- coding: utf-8 -*-
# Sphinx configuration for the hwcloud.sms documentation site (docs/build_docs.sh).
# The plugin pages are RST written by `antsibull-docs collection` from the plugins' own
# DOCUMENTATION; sphinx_antsibull_ext (shipped with antsibull-docs) renders them.
# Everything works offline: the stock alabaster theme, and no intersphinx inventories
# (references into docs.ansible.com stay plain text instead of being fetched).

project = "hwcloud.sms"
copyright = "hwcloud.sms contributors"
title = html_short_title = "hwcloud.sms collection documentation"

extensions = ["sphinx_antsibull_ext"]
pygments_style = "ansible"
highlight_language = "YAML+Jinja"

html_theme = "alabaster"
html_show_sphinx = False
html_copy_source = False
html_use_index = False
default_role = "any"
