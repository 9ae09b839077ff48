"""Quarterdeck: the frame around every page (router, sidebar, theme, presentation mode)."""

from ui import nav, shell

shell.configure_page()
page = nav.navigation()
with shell.errors_as_sentences():
    shell.sidebar()
    with shell.framed():
        page.run()
