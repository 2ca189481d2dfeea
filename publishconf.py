"""Settings for the published site (`make publish`): absolute URLs, no drafts.

The local settings (pelicanconf.py, beside this file), then what differs.
"""

from pathlib import Path

from pelican.settings import get_settings_from_file

globals().update(get_settings_from_file(str(Path(__file__).with_name("pelicanconf.py"))))

# The public build goes to public/ (`make publish`); output/ stays the dev build.
OUTPUT_PATH = "public"
SITEURL = "https://servicebook.example"
FEED_DOMAIN = SITEURL
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = True
PROBLEMS_PANEL = False
# Drafts stay private on the published site.
DRAFT_SAVE_AS = ""
DRAFT_URL = ""
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False

# `make deploy` without TO= ships public/ here (see the README's "Publish"), e.g.
# "gh-pages:git@github.com:you/servicebook.git", "r2:servicebook", "/var/www/servicebook".
DEPLOY_TO = ""
