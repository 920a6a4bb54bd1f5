"""The content checks: everything an editor's pull request must pass, with plain-English messages.

Run them all with ``make check-content`` (or ``python -m tools.content_check``). Each problem is printed as
``docs/page.md:LINE: what is wrong. What to do.`` The external links are checked only on request
(``make check-links`` or ``python -m tools.content_check --external-links``), so a website that is down
somewhere else never blocks a pull request.
"""
