"""The local web app (``bdg-workbook serve``): Flask pages over the same library the CLI uses.

Owns: the security layer (token cookie, Host check, CSRF, upload limits), the page modules and their
templates. May import every library package below it; nothing imports it, and it never imports ``cli``.
"""
