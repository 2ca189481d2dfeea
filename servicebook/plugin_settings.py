"""Plugin settings declared once, as Pelican's DEFAULT_CONFIG does: each
plugin has a DEFAULTS dict and applies it when the build starts (`initialized`), so the
code reads settings with `[]` and the site's settings file names only what it changes.
"""

import copy


def declare(settings, defaults):
    """Give `settings` each of `defaults` it does not set itself."""
    for key, value in defaults.items():
        settings.setdefault(key, copy.deepcopy(value))
